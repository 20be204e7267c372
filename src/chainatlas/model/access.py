"""Who may see what: roles, jurisdictions and the scope a request reads under.

A user has a **role** and a **jurisdiction**. The jurisdiction is an administrative code of the region — the whole
region (``YRD``), a province (``320000``), a city (``320500``; Shanghai is ``310000``, province and city at once) or
a county (``320506``) — and bounds the entity-level records the user may read: a record is inside when one of its
places lies in the jurisdiction (a supply link with one end in Suzhou is a record of a Suzhou firm). A record whose
place is known only to a coarser level than the jurisdiction (``320000`` for a Suzhou user) is outside it; a record
with no place at all is visible only region-wide.

Roles, from most to least:

=========  ============================================================================================
admin      everything in the jurisdiction, loads data, manages users (region-wide admins only)
analyst    reads and analyses, uploads and validates files; personal data (researchers' names, contacts)
viewer     reads aggregates and the entity-level records of the jurisdiction, without personal data
=========  ============================================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chainatlas.errors import ConfigError

__all__ = [
    "FULL",
    "LOCAL",
    "REGION",
    "ROLES",
    "Principal",
    "Scope",
    "jurisdiction_prefix",
    "normalize_jurisdiction",
]

#: the whole region's jurisdiction code
REGION = "YRD"
#: roles, most rights first
ROLES: tuple[str, ...] = ("admin", "analyst", "viewer")
_PROVINCES = ("31", "32", "33", "34")


def normalize_jurisdiction(code: object) -> str:
    """A jurisdiction as stored: ``YRD`` or a 6-digit code of Shanghai, Jiangsu, Zhejiang or Anhui.

    Accepts ``YRD``/``region``/``长三角``, 2-digit province and 4-digit city prefixes (``32``, ``3205``) and 6-digit
    codes; Shanghai's city ``310100`` is its province ``310000``. Whether the code names a real place is checked
    by the caller that knows the geography.

    >>> normalize_jurisdiction("3205"), normalize_jurisdiction("region"), normalize_jurisdiction("310100")
    ('320500', 'YRD', '310000')
    """
    text = str(code or "").strip()
    if text.upper() in ("YRD", "REGION") or text in ("长三角", "全域"):
        return REGION
    if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", text) or text[:2] not in _PROVINCES:
        raise ConfigError(
            f"{text!r} is not a jurisdiction; expected YRD (the whole region) or the code of a province, city or "
            f"county of Shanghai, Jiangsu, Zhejiang or Anhui (e.g. 320000, 320500, 320506)",
            param="jurisdiction",
        )
    code6 = text.ljust(6, "0")
    return "310000" if code6 == "310100" else code6


def jurisdiction_prefix(jurisdiction: str) -> str:
    """The adcode prefix of the places inside a jurisdiction: ``""`` region-wide, 2 digits for a province
    (Shanghai's ``310000`` too), 4 for a city, 6 for a county.

    >>> [jurisdiction_prefix(j) for j in ("YRD", "320000", "320500", "320506", "310000")]
    ['', '32', '3205', '320506', '31']
    """
    if jurisdiction == REGION:
        return ""
    if jurisdiction.endswith("0000"):
        return jurisdiction[:2]
    if jurisdiction.endswith("00"):
        return jurisdiction[:4]
    return jurisdiction


@dataclass(frozen=True)
class Scope:
    """What one request may read: entity-level records whose places start with ``prefix`` (``""``: all), and
    personal data only when ``personal``. ``key`` names the scope in cache keys."""

    prefix: str = ""
    personal: bool = True

    @property
    def everything(self) -> bool:
        return self.prefix == "" and self.personal

    @property
    def key(self) -> str:
        return f"{self.prefix or '*'}:{'p' if self.personal else '-'}"

    def covers(self, adcode: str | None) -> bool:
        """Whether a record placed at ``adcode`` is inside (a record without a place only region-wide)."""
        if self.prefix == "":
            return True
        return bool(adcode) and str(adcode).startswith(self.prefix)


#: the scope of the single-user local mode and of the command line: everything
FULL = Scope()


@dataclass(frozen=True)
class Principal:
    """An authenticated user: ``name``, ``role`` (:data:`ROLES`) and ``jurisdiction`` (``YRD`` or a 6-digit code;
    None: the user sees nothing). ``local`` marks the single-user local mode (no users defined)."""

    name: str
    role: str
    jurisdiction: str | None
    local: bool = False

    @property
    def scope(self) -> Scope | None:
        """The read scope, or None for a user without a jurisdiction."""
        if self.jurisdiction is None:
            return None
        return Scope(jurisdiction_prefix(self.jurisdiction), personal=self.role in ("admin", "analyst"))

    def may(self, action: str) -> bool:
        """``read``, ``upload`` (validate files), ``load`` (write the atlas) or ``manage`` (users)."""
        if self.jurisdiction is None:
            return False
        if action == "read":
            return True
        if action == "upload":
            return self.role in ("admin", "analyst")
        if action == "load":
            return self.role == "admin"
        if action == "manage":
            return self.role == "admin" and self.jurisdiction == REGION
        raise ConfigError(f"unknown action {action!r}; expected read, upload, load or manage", param="action")


LOCAL = Principal("local", "admin", REGION, local=True)
