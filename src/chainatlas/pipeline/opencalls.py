"""Open calls for key technologies over the atlas (揭榜挂帅, issue 16): the calls with their progress and status, one
call's bids, teams, tasks and outcomes, success rates by segment and place, the winning teams and the outcome ties.

Wiring only: the raw tables of the kinds ``open_calls``, ``open_call_bids``, ``open_call_tasks`` and
``open_call_outcomes`` are read through :func:`chainatlas.pipeline.query.raw_frame` and every number is computed
by :mod:`chainatlas.analytics.opencalls`.

==========================  =====================================================================================
function                    answers
==========================  =====================================================================================
:func:`calls`               one row per call: posting place (name, centroid), chain and segment, budget, dates,
                            bids, the winning team (members, places, cross-city), progress, status, outcomes
:func:`call`                one call: its row, every bid with its members, its tasks (each on time, late,
                            overdue or pending), its outcomes, its winning team and outcome ties
:func:`progress`            :func:`chainatlas.analytics.opencalls.call_progress` of the calls
:func:`rates`               success rates by chain segment and by posting place
:func:`teams`               the winning teams: places, cross-city and cross-province, members outside the posting place
:func:`ties`                outcomes (and tasks done) from the winning members' places to the posting place
:func:`arcs`                the winning teams on the map: member city → posting place per call
==========================  =====================================================================================

**As of.** A status depends on the date it is taken at: by default the last day of the latest year with an open-call
record (a call posted, a task done, an outcome), so an atlas of 2015–2024 is judged on 2024-12-31 whatever the day
it is read; every answer says which date it used.

**Scope.** A call has two sides: the government that posted it and the teams that bid. A reader with a jurisdiction
sees the calls posted inside it and the calls with a bid member inside it, each whole (all its bids, tasks and
outcomes); rates are computed over the calls the reader sees.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chainatlas import geo
from chainatlas.analytics import opencalls as oc
from chainatlas.analytics._places import roll
from chainatlas.errors import ConfigError
from chainatlas.model.kinds import OUTCOME_TYPES
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.pipeline.alliances import check_chain
from chainatlas.storage.base import Backend

__all__ = [
    "CALL_COLUMNS",
    "LEVELS",
    "STATUSES",
    "STATUS_ZH",
    "TASK_STATES",
    "UnknownCall",
    "arcs",
    "as_of_date",
    "call",
    "calls",
    "progress",
    "rates",
    "synthetic",
    "teams",
    "ties",
]

#: call statuses (:data:`chainatlas.analytics.opencalls.STATUSES`) and their Chinese names
STATUSES = oc.STATUSES
STATUS_ZH = {"succeeded": "按期完成", "failed": "逾期", "open": "进行中", "no_tasks": "未分解任务"}
#: the state of one task as of the date
TASK_STATES = {"on_time": "按期完成", "late": "逾期完成", "overdue": "逾期未完成", "pending": "未到期"}
#: levels places are read at
LEVELS = oc.PLACE_LEVELS
#: columns of :func:`calls`
CALL_COLUMNS = (
    "call_id",
    "title",
    "adcode",
    "place_name",
    "lon",
    "lat",
    "chain",
    "segment",
    "budget",
    "posted",
    "due",
    "bids",
    "winning_bids",
    "team_members",
    "team_places",
    "team_place_names",
    "cross_city",
    "cross_province",
    *(c for c in oc.PROGRESS_COLUMNS if c != "call_id"),
    "status_zh",
    "patents",
    "transfers",
    "products",
)
_CALLS = (
    "call_id",
    "title",
    "description",
    "adcode",
    "chain",
    "segment",
    "budget",
    "posted",
    "due",
    "synthetic",
)
_BIDS = ("call_id", "bid_id", "member_name", "member_code", "member_adcode", "lead", "winner")
_TASKS = ("call_id", "task_id", "milestone", "due", "done")
_OUTCOMES = ("call_id", "outcome_type", "reference", "count", "date")


class UnknownCall(ConfigError):
    """No call with this id (or none the reader may see): the API answers 404."""


# ================================================================================================ reading
def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out.eq(""), pd.NA)


def _day(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce")


def _flag(s: pd.Series) -> pd.Series:
    return s.astype("boolean").fillna(False).astype(bool)


class _Book:
    """The four tables of the calls a reader may see, typed."""

    def __init__(self, calls: pd.DataFrame, bids: pd.DataFrame, tasks: pd.DataFrame, outcomes: pd.DataFrame):
        self.calls, self.bids, self.tasks, self.outcomes = calls, bids, tasks, outcomes


def _book(backend: Backend) -> _Book:
    def make() -> _Book:
        c = query.raw_frame(backend, "raw_open_calls", _CALLS, whole=True)
        b = query.raw_frame(backend, "raw_open_call_bids", _BIDS, whole=True)
        t = query.raw_frame(backend, "raw_open_call_tasks", _TASKS, whole=True)
        o = query.raw_frame(backend, "raw_open_call_outcomes", _OUTCOMES, whole=True)
        posted_inside = set(query.raw_frame(backend, "raw_open_calls", ("call_id",), whole=False)["call_id"])
        bid_inside = set(query.raw_frame(backend, "raw_open_call_bids", ("call_id",), whole=False)["call_id"])
        seen = (posted_inside | bid_inside) & set(c["call_id"])
        calls = pd.DataFrame(
            {
                **{k: _text(c[k]) for k in ("call_id", "title", "description", "adcode", "chain", "segment")},
                "budget": pd.to_numeric(c["budget"], errors="coerce").astype("float64"),
                "posted": _day(c["posted"]),
                "due": _day(c["due"]),
                "synthetic": _flag(c["synthetic"]),
            }
        )
        calls = calls[calls["call_id"].isin(seen)].sort_values("call_id", ignore_index=True)
        ids = set(calls["call_id"])
        bids = pd.DataFrame(
            {
                **{
                    k: _text(b[k])
                    for k in ("call_id", "bid_id", "member_name", "member_code", "member_adcode")
                },
                "lead": _flag(b["lead"]),
                "winner": _flag(b["winner"]),
            }
        )
        tasks = pd.DataFrame(
            {
                **{k: _text(t[k]) for k in ("call_id", "task_id", "milestone")},
                "due": _day(t["due"]),
                "done": _day(t["done"]),
            }
        )
        outs = pd.DataFrame(
            {
                **{k: _text(o[k]) for k in ("call_id", "outcome_type", "reference")},
                "count": pd.to_numeric(o["count"], errors="coerce").fillna(1.0).astype("float64"),
                "date": _day(o["date"]),
            }
        )
        return _Book(
            calls,
            bids[bids["call_id"].isin(ids)].sort_values(
                ["call_id", "bid_id"], kind="stable", ignore_index=True
            ),
            tasks[tasks["call_id"].isin(ids)].sort_values(["call_id", "due", "task_id"], ignore_index=True),
            outs[outs["call_id"].isin(ids)].sort_values(["call_id", "date", "reference"], ignore_index=True),
        )

    return query.remember(backend, ("open_calls_book",), make)


def as_of_date(backend: Backend, as_of: object | None = None) -> pd.Timestamp:
    """``as_of`` read as a date (ConfigError naming ``as_of`` otherwise), or by default the last day of the latest
    year with an open-call record the reader sees (a call posted, a task done, an outcome); today when none."""
    if as_of is not None and str(as_of).strip() != "":
        from chainatlas.ingest.dates import parse_dates

        text = str(as_of).strip()
        parsed = parse_dates(pd.Series([text], dtype=object))[0]
        day = pd.Timestamp(parsed.iloc[0]) if not pd.isna(parsed.iloc[0]) else pd.NaT
        if pd.isna(day):
            raise ConfigError(
                f"日期无法识别：{text!r}（应为 2024-12-31、2024/12/31 或 2024年12月31日） / expected a date such as "
                f"2024-12-31, got {text!r}",
                param="as_of",
            )
        return pd.Timestamp(day).normalize()
    bk = _book(backend)
    dates = pd.concat([bk.calls["posted"], bk.tasks["done"], bk.outcomes["date"]]).dropna()
    if dates.empty:
        return pd.Timestamp.now().normalize()
    return pd.Timestamp(year=int(dates.max().year), month=12, day=31)


def _check(chain: str, segment: str | None, status: str | None, level: str | None, grace_days: int) -> None:
    if segment not in (None, ALL) and chain == ALL:
        raise ConfigError(
            "环节筛选需要产业链 / a segment filter needs a chain (chain=ic&segment=equipment)",
            param="segment",
        )
    if status is not None and status not in STATUSES:
        expected = ", ".join(f"{s} ({STATUS_ZH[s]})" for s in STATUSES)
        raise ConfigError(
            f"状态应为 {expected} / expected status one of: {expected}; got {status!r}", param="status"
        )
    if level is not None and level not in LEVELS:
        raise ConfigError(
            f"地区层级应为 {' / '.join(LEVELS)} / expected level one of {list(LEVELS)}, got {level!r}",
            param="level",
        )
    if isinstance(grace_days, bool) or not isinstance(grace_days, (int, np.integer)) or grace_days < 0:
        raise ConfigError(
            f"宽限天数应为非负整数 / expected an integer >= 0, got {grace_days!r}", param="grace_days"
        )


def _iso(s: pd.Series) -> pd.Series:
    """Dates as ISO text, None where there is none."""
    return s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)


def _analytic_calls(calls: pd.DataFrame) -> pd.DataFrame:
    """Calls as the analytics read them: a call without a segment is in the segment ``""`` (shown as not stated)."""
    return calls.assign(segment=calls["segment"].fillna(""), chain=calls["chain"].fillna(""))


def _analytic_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    return tasks[["call_id", "task_id", "due", "done"]]


# ================================================================================================ answers
def progress(backend: Backend, *, as_of: object | None = None, grace_days: int = 0) -> pd.DataFrame:
    """:func:`chainatlas.analytics.opencalls.call_progress` of every call the reader sees (``as_of`` as
    :func:`as_of_date`)."""
    _check(ALL, None, None, None, grace_days)
    bk = _book(backend)
    return oc.call_progress(
        bk.calls, _analytic_tasks(bk.tasks), as_of=as_of_date(backend, as_of), grace_days=grace_days
    )


def calls(
    backend: Backend,
    *,
    chain: str = ALL,
    segment: str | None = None,
    status: str | None = None,
    place: str | None = None,
    as_of: object | None = None,
    grace_days: int = 0,
) -> pd.DataFrame:
    """One row per call the reader sees (:data:`CALL_COLUMNS`), newest first: filtered by chain, segment, status
    and posting ``place`` (a code prefix: 32 or 320000 for Jiangsu, 320500 for Suzhou).

    ``bids`` on the call, ``winning_bids``; ``team_members`` the winning team's distinct members, ``team_places``
    their cities (``;``-joined codes, ``team_place_names`` their names), ``cross_city`` and ``cross_province`` (null without a winner); the progress
    columns of :func:`~chainatlas.analytics.opencalls.call_progress` with ``status_zh``; the counts of patents,
    transfers and products.
    """
    check_chain(backend, chain)
    _check(chain, segment, status, None, grace_days)
    if chain != ALL and segment not in (None, ALL) and backend.has_table("segments"):
        query.check_chain(backend, chain, str(segment))
    bk = _book(backend)
    c = bk.calls
    if chain != ALL:
        c = c[c["chain"] == chain]
    if segment not in (None, ALL):
        c = c[c["segment"] == segment]
    if place:
        prefix = _prefix(place)
        c = c[c["adcode"].fillna("").str.startswith(prefix)]
    when = as_of_date(backend, as_of)
    if c.empty:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in CALL_COLUMNS})
    prog = oc.call_progress(c, _analytic_tasks(bk.tasks[bk.tasks["call_id"].isin(c["call_id"])]), as_of=when,
                            grace_days=grace_days)  # fmt: skip
    out = c.merge(prog, on="call_id", how="left")
    if status is not None:
        out = out[out["status"] == status]
    b = bk.bids[bk.bids["call_id"].isin(out["call_id"])]
    out["bids"] = out["call_id"].map(b.groupby("call_id")["bid_id"].nunique()).fillna(0).astype("int64")
    w = b[b["winner"]]
    out["winning_bids"] = (
        out["call_id"].map(w.groupby("call_id")["bid_id"].nunique()).fillna(0).astype("int64")
    )
    w = w.assign(city=roll(w["member_adcode"], "city"), province=roll(w["member_adcode"], "province"))
    team = w.groupby("call_id").agg(
        team_members=("member_name", "nunique"),
        team_places=("city", lambda s: ";".join(sorted({str(x) for x in s.dropna()}))),
        _cities=("city", "nunique"),
        _provinces=("province", "nunique"),
    )
    out = out.join(team, on="call_id")
    places = geo.places().drop_duplicates("adcode").set_index("adcode")["name_zh"]
    out["team_place_names"] = out["team_places"].map(
        lambda v: ";".join(str(places.get(c, c)) for c in v.split(";")) if isinstance(v, str) and v else None
    )
    has = out["_cities"].notna()
    out["team_members"] = out["team_members"].fillna(0).astype("int64")
    out["cross_city"] = (out["_cities"] >= 2).astype(object).where(has, None)
    out["cross_province"] = (out["_provinces"] >= 2).astype(object).where(has, None)
    o = bk.outcomes[bk.outcomes["call_id"].isin(out["call_id"])]
    counts = o.pivot_table(index="call_id", columns="outcome_type", values="count", aggfunc="sum")
    for kind, col in (("patent", "patents"), ("transfer", "transfers"), ("product", "products")):
        got = counts[kind] if kind in counts.columns else pd.Series(dtype="float64")
        out[col] = out["call_id"].map(got).fillna(0.0).astype("int64")
    where = geo.locate(out["adcode"])
    out["place_name"], out["lon"], out["lat"] = where["name"], where["lon"], where["lat"]
    out["status_zh"] = out["status"].map(STATUS_ZH)
    for col in ("posted", "due", "next_due"):
        out[col] = _iso(pd.to_datetime(out[col]))
    out = out.sort_values(["posted", "call_id"], ascending=[False, True], ignore_index=True)
    return out[list(CALL_COLUMNS)]


def call(
    backend: Backend, call_id: str, *, as_of: object | None = None, grace_days: int = 0
) -> dict[str, Any]:
    """One call the reader sees: ``call`` (its :func:`calls` row with ``description``), ``bids`` (every member row
    with its city and whether it is in the posting place), ``tasks`` (each with its ``state`` as of the date:
    on_time, late, overdue or pending, and ``days_late``), ``outcomes``, ``team`` (its winning teams as
    :func:`teams`), ``ties`` (its outcome and task ties as :func:`ties`) and ``as_of``. UnknownCall when there is
    none."""
    bk = _book(backend)
    hit = bk.calls[bk.calls["call_id"] == call_id]
    if hit.empty:
        raise UnknownCall(
            f"没有榜单 {call_id!r}（或不在您的辖区内） / no open call {call_id!r} you may see; "
            "`chainatlas opencalls list` (GET /api/opencalls) lists them"
        )
    when = as_of_date(backend, as_of)
    row = calls(backend, as_of=when, grace_days=grace_days)
    row = row[row["call_id"] == call_id].iloc[0].to_dict()
    row["description"] = hit["description"].iloc[0] if pd.notna(hit["description"].iloc[0]) else None
    host = roll(hit["adcode"], "city").iloc[0]
    b = bk.bids[bk.bids["call_id"] == call_id].copy()
    b["city"] = roll(b["member_adcode"], "city")
    b["city_name"] = geo.locate(b["city"])["name"]
    b["in_posting_place"] = (b["city"] == host).astype(bool)
    t = bk.tasks[bk.tasks["call_id"] == call_id].copy()
    limit = t["due"] + pd.Timedelta(days=int(grace_days))
    done = t["done"].where(t["done"] <= when)
    state = np.select(
        [done.notna() & (done <= limit), done.notna(), when > limit],
        ["on_time", "late", "overdue"],
        "pending",
    )
    t["state"] = state
    t["state_zh"] = t["state"].map(TASK_STATES)
    late_days = np.where(
        state == "late", (done - limit).dt.days, np.where(state == "overdue", (when - limit).dt.days, 0)
    )
    t["days_late"] = pd.Series(late_days, index=t.index).fillna(0).astype("int64")
    for col in ("due", "done"):
        t[col] = _iso(t[col])
    o = bk.outcomes[bk.outcomes["call_id"] == call_id].copy()
    o["outcome_zh"] = o["outcome_type"].map(OUTCOME_TYPES)
    o["date"] = _iso(o["date"])
    return {
        "as_of": when.strftime("%Y-%m-%d"),
        "call": row,
        "bids": b,
        "tasks": t,
        "outcomes": o,
        "team": teams(backend, call_id=call_id),
        "ties": ties(backend, call_id=call_id, as_of=when, grace_days=grace_days),
    }


def rates(
    backend: Backend,
    *,
    chain: str = ALL,
    level: str = "city",
    as_of: object | None = None,
    grace_days: int = 0,
) -> oc.SuccessRates:
    """Success rates of the calls the reader sees (:func:`chainatlas.analytics.opencalls.success_rates`) by chain
    segment and by posting place at ``level``; ``by_segment`` gains the segment's Chinese name, ``by_place`` the
    place's name and centroid."""
    check_chain(backend, chain)
    _check(chain, None, None, level, grace_days)
    bk = _book(backend)
    c = bk.calls if chain == ALL else bk.calls[bk.calls["chain"] == chain]
    when = as_of_date(backend, as_of)
    if c.empty:
        cols = ["calls", "succeeded", "failed", "open", "no_tasks", "decided", "success_rate", "budget",
                "budget_succeeded"]  # fmt: skip
        seg = pd.DataFrame(
            {k: pd.Series([], dtype=object) for k in ("chain", "segment", "segment_zh", *cols)}
        )
        plc = pd.DataFrame({k: pd.Series([], dtype=object) for k in ("place", "name", "lon", "lat", *cols)})
        return oc.SuccessRates(seg, plc, float("nan"), pd.DataFrame(columns=list(oc.PROGRESS_COLUMNS)))
    r = oc.success_rates(
        _analytic_calls(c), _analytic_tasks(bk.tasks[bk.tasks["call_id"].isin(c["call_id"])]), as_of=when,
        level=level, grace_days=grace_days,
    )  # fmt: skip
    seg = r.by_segment.copy()
    seg.insert(
        2,
        "segment_zh",
        [_segment_name(backend, a, s) for a, s in zip(seg["chain"], seg["segment"], strict=True)],
    )
    plc = r.by_place.copy()
    where = geo.locate(plc["place"])
    plc.insert(1, "name", where["name"])
    plc.insert(2, "lon", where["lon"])
    plc.insert(3, "lat", where["lat"])
    return oc.SuccessRates(seg, plc, r.overall, r.progress)


def teams(
    backend: Backend, *, chain: str = ALL, level: str = "city", call_id: str | None = None
) -> pd.DataFrame:
    """The winning team of every call the reader sees (:func:`chainatlas.analytics.opencalls.winning_teams`), with
    the call's chain, segment and posting place's name; ``places`` is ``;``-joined."""
    check_chain(backend, chain)
    _check(chain, None, None, level, 0)
    bk = _book(backend)
    c = bk.calls if chain == ALL else bk.calls[bk.calls["chain"] == chain]
    if call_id is not None:
        c = c[c["call_id"] == call_id]
    b = bk.bids[bk.bids["call_id"].isin(c["call_id"])]
    cols = [*oc.TEAM_COLUMNS, "chain", "segment", "posting_name"]
    if c.empty or b.empty:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in cols})
    t = oc.winning_teams(c, b, level=level)
    t["places"] = t["places"].map(lambda x: ";".join(x))
    meta = c.set_index("call_id")
    t["chain"] = t["call_id"].map(meta["chain"])
    t["segment"] = t["call_id"].map(meta["segment"])
    t["posting_name"] = geo.locate(t["posting_place"])["name"]
    return t[cols]


def ties(
    backend: Backend,
    *,
    chain: str = ALL,
    level: str = "city",
    call_id: str | None = None,
    as_of: object | None = None,
    grace_days: int = 0,
) -> pd.DataFrame:
    """The innovation ties of the calls the reader sees: outcomes (patents, transfers, products) and tasks done,
    from each winning member's place to the posting place at ``level``
    (:func:`chainatlas.analytics.opencalls.outcome_edges`, a task done counting as an outcome of kind ``task``),
    with both places' names and centroids (the map's arcs) and each tie's calls' mean progress."""
    check_chain(backend, chain)
    _check(chain, None, None, level, grace_days)
    bk = _book(backend)
    c = bk.calls if chain == ALL else bk.calls[bk.calls["chain"] == chain]
    if call_id is not None:
        c = c[c["call_id"] == call_id]
    cols = [*oc.EDGE_COLUMNS, "src_name", "src_lon", "src_lat", "dst_name", "dst_lon", "dst_lat"]
    when = as_of_date(backend, as_of)
    b = bk.bids[bk.bids["call_id"].isin(c["call_id"])]
    o = bk.outcomes[bk.outcomes["call_id"].isin(c["call_id"]) & (bk.outcomes["date"] <= when)]
    t = bk.tasks[bk.tasks["call_id"].isin(c["call_id"]) & (bk.tasks["done"] <= when)]
    done = pd.DataFrame({"call_id": t["call_id"], "kind": "task", "count": 1.0})
    outs = pd.DataFrame({"call_id": o["call_id"], "kind": o["outcome_type"], "count": o["count"]})
    if c.empty or b.empty or (o.empty and t.empty):
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in cols})
    prog = oc.call_progress(c, _analytic_tasks(bk.tasks[bk.tasks["call_id"].isin(c["call_id"])]), as_of=when,
                            grace_days=grace_days)  # fmt: skip
    e = oc.outcome_edges(_analytic_calls(c), b, outs, progress=prog, level=level)
    if not done.empty:
        # a task done is the team's delivery to the posting place: the same split, kind "task"
        te = oc.outcome_edges(_analytic_calls(c), b, done.assign(kind="patent"), progress=prog, level=level)
        e = pd.concat([e, te.assign(kind="task")], ignore_index=True)
    for side in ("src", "dst"):
        where = geo.locate(e[side])
        e[f"{side}_name"], e[f"{side}_lon"], e[f"{side}_lat"] = where["name"], where["lon"], where["lat"]
    return e.sort_values(["kind", "weight"], ascending=[True, False], ignore_index=True)[cols]


def arcs(backend: Backend, rows: pd.DataFrame) -> pd.DataFrame:
    """The winning teams on the map: per call of ``rows`` (an answer of :func:`calls`) and city of its winning
    members, an arc from that city to the posting place (``src, dst``: city codes, a municipality whole; the posting
    place as posted, a province too), with both ends' names and centroids, the members there, the call's status and
    segment. A member in the posting city gives an arc from the place to itself (``local`` true)."""
    cols = ["call_id", "src", "dst", "members", "local", "status", "chain", "segment", "src_name", "src_lon",
            "src_lat", "dst_name", "dst_lon", "dst_lat"]  # fmt: skip
    c = rows
    bk = _book(backend)
    w = bk.bids[bk.bids["call_id"].isin(c["call_id"]) & bk.bids["winner"]]
    w = w.assign(src=roll(w["member_adcode"], "city")).dropna(subset=["src"])
    if w.empty:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in cols})
    g = w.groupby(["call_id", "src"]).agg(members=("member_name", "nunique")).reset_index()
    meta = c.set_index("call_id")
    g["dst"] = g["call_id"].map(meta["adcode"])
    g["local"] = (g["src"] == roll(g["dst"], "city")).astype(bool)
    for col in ("status", "chain", "segment"):
        g[col] = g["call_id"].map(meta[col])
    for side in ("src", "dst"):
        where = geo.locate(g[side])
        g[f"{side}_name"], g[f"{side}_lon"], g[f"{side}_lat"] = where["name"], where["lon"], where["lat"]
    return g.sort_values(["call_id", "src"], ignore_index=True)[cols]


def synthetic(backend: Backend) -> bool:
    """Whether the calls the reader sees hold synthetic rows."""
    return bool(_book(backend).calls["synthetic"].any())


# ================================================================================================ helpers
def _prefix(place: str) -> str:
    """A place filter as the prefix of the codes inside it: a code (32, 320000 → 32; 320500 → 3205) or a name
    (江苏省, 苏州市); ConfigError naming ``place`` otherwise."""
    from chainatlas.pipeline.supply_network import place_prefix

    return place_prefix(str(place), "place")[1]


def _segment_name(backend: Backend, chain: str, segment: str) -> str | None:
    if not segment:
        return "未注明环节"
    names = _segment_names(backend)
    return names.get((chain, segment))


def _segment_names(backend: Backend) -> dict[tuple[str, str], str]:
    def make() -> dict[tuple[str, str], str]:
        if backend.has_table("segments"):
            s = query.segments(backend)
        else:
            from chainatlas.model.taxonomy import load_taxonomy

            s = load_taxonomy().segments
        return {(a, b): n for a, b, n in zip(s["chain"], s["segment"], s["name_zh"], strict=True)}

    return query.remember(backend, ("segment_names",), make)
