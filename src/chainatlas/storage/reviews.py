"""Each side's review of an enclave's 亩均效益 evaluation, in a small SQLite file beside the atlas
(``<db>.reviews.sqlite``, :func:`chainatlas.config.side_file` ``"reviews"``).

潘秋晨 (2023) 四(二): 建立飞地效益评估机制，由飞出地、飞入地各自评审，获同时支持且亩均效益领先的飞地可优先保障规模.
A review is one government's decision on one enclave in one year: the **side** (``origin`` 飞出地 or ``host``
飞入地), the **decision** (``approve`` 支持 or ``reject`` 不支持), a comment, who reviewed and when, as which
jurisdiction. Why a file of its own: the API server keeps the DuckDB atlas open read-only, and reviews are
recorded through the API and the command line while it runs; SQLite lets one writer take a short lock while
readers go on (the alerts and users stores do the same).

Every review is kept (``history``); **the latest review of a side counts** (``latest``: the highest id per
enclave, period and side), so a side that changes its mind records a new review and the old one stays in the
thread.

Access (:mod:`chainatlas.model.access`): a reviewer reviews a side only when their jurisdiction covers that side's
place — Suzhou's analysts review the enclaves where Suzhou is the origin or the host, for that side — and only
with the role ``analyst`` or ``admin`` (a viewer reads); a region-wide user (``YRD``, the local single-user mode)
reviews any side. A refused review changes nothing (:class:`~chainatlas.errors.AccessError`, the API's 403).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.access import REGION, ROLES, Principal, jurisdiction_prefix
from chainatlas.storage import sidestore

__all__ = ["COLUMNS", "DECISIONS", "DECISION_ZH", "SIDES", "SIDE_ZH", "ReviewStore"]

#: the two sides of an enclave
SIDES: tuple[str, ...] = ("origin", "host")
SIDE_ZH = {"origin": "飞出地", "host": "飞入地"}
#: a side's decisions
DECISIONS: tuple[str, ...] = ("approve", "reject")
DECISION_ZH = {"approve": "支持", "reject": "不支持"}
#: columns of :meth:`ReviewStore.history` and :meth:`ReviewStore.latest`
COLUMNS: tuple[str, ...] = (
    "id",
    "enclave_id",
    "period",
    "side",
    "decision",
    "comment",
    "reviewer",
    "jurisdiction",
    "place",
    "at",
)
#: roles that may review (``model.access.ROLES`` is ordered most rights first: analyst and above)
_REVIEWING_ROLES = ROLES[: ROLES.index("analyst") + 1]
_COMMENT_MAX = 4000
_ID_MAX = 100
_SCHEMA_VERSION = "1"
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT, enclave_id TEXT NOT NULL, period TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('origin', 'host')),
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
        comment TEXT, reviewer TEXT NOT NULL, jurisdiction TEXT, place TEXT, at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS reviews_key ON reviews (enclave_id, period, side, id)",
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def _text(value: object, param: str, *, limit: int, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{param} 不能为空 / expected a non-empty {param}", param=param)
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise ConfigError(
            f"{param} 超过 {limit} 个字符 / expected at most {limit} characters, got {len(text)}", param=param
        )
    if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ConfigError(f"{param} 含控制字符 / {param} holds a control character", param=param)
    return text


def _period(value: object) -> str:
    """A review's period: a year, as text (``"2024"``)."""
    if isinstance(value, bool):
        raise ConfigError(f"期间应为年份 / expected a year such as 2024, got {value!r}", param="period")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not re.fullmatch(r"(19|20|21)\d{2}", text):
        raise ConfigError(f"期间应为年份 / expected a year such as 2024, got {value!r}", param="period")
    return text


def _choice(value: object, param: str, allowed: Sequence[str], zh: dict[str, str]) -> str:
    text = str(value).strip() if value is not None else ""
    for key, label in zh.items():  # the Chinese label is accepted too (支持, 飞入地)
        if text == label:
            return key
    if text not in allowed:
        listed = ", ".join(f"{a} ({zh[a]})" for a in allowed)
        raise ConfigError(f"{param} = {value!r} 未知 / expected one of {listed}, got {value!r}", param=param)
    return text


def _covers(jurisdiction: str, place: str | None) -> bool:
    """Whether ``jurisdiction`` covers the place ``place`` (a region-wide jurisdiction covers every place, even an
    unknown one; any other covers only places that start with its prefix)."""
    if jurisdiction == REGION:
        return True
    if not place:
        return False
    return str(place).startswith(jurisdiction_prefix(jurisdiction))


class ReviewStore:
    """The reviews of one atlas.

    Parameters
    ----------
    path : Path
        The SQLite file (``config.side_file(db, "reviews")``); created on the first review, never by reading.
    clock : callable, optional
        Returns the current time (aware datetime); tests pass a fixed clock.

    Examples
    --------
    >>> import tempfile
    >>> from chainatlas.model.access import Principal
    >>> store = ReviewStore(Path(tempfile.mkdtemp()) / "atlas.duckdb.reviews.sqlite")
    >>> sz = Principal("sz", "analyst", "320500")
    >>> r = store.add("E1", 2024, "host", "approve", principal=sz, place="320506", comment="同意")
    >>> (r["side"], r["decision"], r["reviewer"], r["jurisdiction"])
    ('host', 'approve', 'sz', '320500')
    >>> try:
    ...     store.add("E1", 2024, "origin", "approve", principal=sz, place="310100")
    ... except AccessError as e:
    ...     print(type(e).__name__)
    AccessError
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] | None = None):
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))

    def _db(self, write: bool = False) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return sidestore.connect(self.path, _SCHEMA, _SCHEMA_VERSION, write=write)

    # ------------------------------------------------------------------------------------------ writing
    @staticmethod
    def check_access(principal: Principal, side: str, place: str | None) -> str:
        """The jurisdiction ``principal`` reviews ``side`` as, or AccessError: a viewer, a user without a
        jurisdiction, or one whose jurisdiction does not cover the side's ``place``."""
        jur = principal.jurisdiction
        if jur is None:
            raise AccessError(
                f"用户 {principal.name} 尚无辖区，不能评审 / user {principal.name!r} has no jurisdiction yet; an "
                "administrator sets one (`chainatlas users set NAME --jurisdiction CODE`)"
            )
        if principal.role not in _REVIEWING_ROLES:
            raise AccessError(
                f"用户 {principal.name}（{principal.role}）只能查看，不能评审 / user {principal.name!r} is a "
                f"{principal.role}: reviews need the role analyst or admin"
            )
        if not _covers(jur, place):
            zh = SIDE_ZH.get(side, side)
            raise AccessError(
                f"用户 {principal.name}（辖区 {jur}）不能评审{zh} {place or '（未知地区）'} / user "
                f"{principal.name!r} (jurisdiction {jur}) may not review the {side} side, {place or 'unknown'}: "
                f"it is outside their jurisdiction; that side's government reviews it"
            )
        return jur

    def add(
        self,
        enclave_id: str,
        period: int | str,
        side: str,
        decision: str,
        *,
        principal: Principal,
        place: str | None,
        comment: str | None = None,
    ) -> dict[str, Any]:
        """Record ``principal``'s review of ``side`` of ``enclave_id`` in ``period`` and return it as stored.

        Parameters
        ----------
        enclave_id : str
            The enclave (1–100 characters; whether it exists is the caller's to check).
        period : int or str
            The year evaluated (``2024``).
        side : {'origin', 'host'}
            The side reviewing (the Chinese 飞出地 / 飞入地 is accepted).
        decision : {'approve', 'reject'}
            The decision (支持 / 不支持 accepted).
        principal : Principal
            The reviewer: analyst or admin, whose jurisdiction covers ``place``.
        place : str or None
            The side's place (adcode) in ``period``.
        comment : str, optional
            At most 4,000 characters.

        Returns
        -------
        dict
            :data:`COLUMNS`: ``id``, the review, ``reviewer`` (the principal's name), ``jurisdiction`` (theirs),
            ``place`` and ``at`` (UTC, ISO 8601).

        Raises
        ------
        ConfigError
            A field is empty, too long or not one of the choices (``param`` names it).
        AccessError
            The principal may not review this side (see :meth:`check_access`).
        """
        eid = _text(enclave_id, "enclave_id", limit=_ID_MAX, required=True)
        per = _period(period)
        sd = _choice(side, "side", SIDES, SIDE_ZH)
        dec = _choice(decision, "decision", DECISIONS, DECISION_ZH)
        note = _text(comment, "comment", limit=_COMMENT_MAX, required=False)
        jur = self.check_access(principal, sd, place)
        at = self._clock().astimezone(UTC).isoformat(timespec="seconds")
        with self._db(write=True) as con:
            cur = con.execute(
                "INSERT INTO reviews (enclave_id, period, side, decision, comment, reviewer, jurisdiction, place, "
                "at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (eid, per, sd, dec, note, principal.name, jur, place, at),
            )
            rid = int(cur.lastrowid or 0)
        return dict(zip(COLUMNS, (rid, eid, per, sd, dec, note, principal.name, jur, place, at), strict=True))

    # ------------------------------------------------------------------------------------------ reading
    def history(self, enclave_id: str | None = None, period: int | str | None = None) -> pd.DataFrame:
        """Every review (of one enclave, of one period), oldest first: :data:`COLUMNS`."""
        where, args = self._where(enclave_id, period)
        with self._db() as con:
            rows = con.execute(
                f"SELECT {', '.join(COLUMNS)} FROM reviews{where} ORDER BY id", args
            ).fetchall()
        return pd.DataFrame(rows, columns=list(COLUMNS))

    def latest(self, enclave_id: str | None = None, period: int | str | None = None) -> pd.DataFrame:
        """The review that counts per enclave, period and side (the latest), sorted: :data:`COLUMNS`."""
        where, args = self._where(enclave_id, period)
        with self._db() as con:
            rows = con.execute(
                f"SELECT {', '.join(COLUMNS)} FROM reviews WHERE id IN (SELECT max(id) FROM reviews{where} "
                "GROUP BY enclave_id, period, side) ORDER BY enclave_id, period, side",
                args,
            ).fetchall()
        return pd.DataFrame(rows, columns=list(COLUMNS))

    @staticmethod
    def _where(enclave_id: str | None, period: int | str | None) -> tuple[str, list[str]]:
        conds: list[str] = []
        args: list[str] = []
        if enclave_id is not None:
            conds.append("enclave_id = ?")
            args.append(str(enclave_id).strip())
        if period is not None:
            conds.append("period = ?")
            args.append(_period(period))
        return (" WHERE " + " AND ".join(conds) if conds else ""), args
