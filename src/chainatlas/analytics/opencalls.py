"""Open calls for key technologies (揭榜挂帅, issue 16): progress, success rates, winning teams, outcome edges.

Pure functions over four tables (amounts in 万元, dates as dates or ISO text):

- ``calls``: ``call_id, adcode`` (the posting jurisdiction), ``chain, segment, budget, date`` (posted);
- ``bids``: ``call_id, bid_id, member_name, member_adcode, winner`` — one row per team member of a bid,
  ``winner`` true on the winning bid's rows;
- ``tasks``: ``call_id, task_id, milestone, due, done`` — the decomposed tasks (项目分解) with their due date
  and the date they were done (empty while not done);
- ``outcomes``: ``call_id, kind`` (``patent``, ``transfer`` or ``product``), ``count`` (default 1) and
  ``date``.

The paper (潘秋晨 2023, 四(三)) asks for calls run across cities as "项目分解—团队包干—成果转化" in the fields
where 揭榜挂帅 has started (IC and AI), and for the teams to be built across universities and places.

Contents
--------
:func:`call_progress`   per call: tasks done, on time, late, overdue, progress and status as of a date
:func:`success_rates`   succeeded / decided calls by segment and by posting place
:class:`SuccessRates`   those tables and the overall rate
:func:`winning_teams`   the winning team of every call: its places, cross-city and cross-province flags
:func:`outcome_edges`   outcomes as innovation-layer edges: team member's place → posting place, weighted
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import require_choice, require_columns, require_frame
from chainatlas.analytics._places import LEVELS, roll
from chainatlas.errors import ConfigError

__all__ = [
    "EDGE_COLUMNS",
    "OUTCOME_KINDS",
    "PLACE_LEVELS",
    "PROGRESS_COLUMNS",
    "STATUSES",
    "TEAM_COLUMNS",
    "SuccessRates",
    "call_progress",
    "outcome_edges",
    "success_rates",
    "winning_teams",
]

#: call statuses: all tasks done on time; a task late or overdue; tasks pending, none failed; no tasks
STATUSES = ("succeeded", "failed", "open", "no_tasks")
#: outcome kinds
OUTCOME_KINDS = ("patent", "transfer", "product")
#: place levels: as given, city (a municipality's districts: the municipality), province
PLACE_LEVELS = LEVELS
#: columns of :func:`call_progress`
PROGRESS_COLUMNS = (
    "call_id",
    "tasks",
    "done",
    "on_time",
    "late",
    "overdue",
    "pending",
    "progress",
    "on_time_share",
    "days_late",
    "next_due",
    "status",
)
#: columns of :func:`winning_teams`
TEAM_COLUMNS = (
    "call_id",
    "bid_id",
    "posting_place",
    "bids",
    "members",
    "places",
    "cities",
    "provinces",
    "cross_city",
    "cross_province",
    "host_members",
    "outside_share",
)
#: columns of :func:`outcome_edges`
EDGE_COLUMNS = ("src", "dst", "layer", "chain", "segment", "kind", "weight", "calls", "progress")


def _dates(v: pd.Series, param: str) -> pd.Series:
    out = pd.to_datetime(v, errors="coerce", format="mixed")
    bad = v.notna() & (v.astype("string").str.strip() != "") & out.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ConfigError(
            f"{param}: row {i}: {v.iloc[i]!r} is not a date (expected e.g. 2023-06-30)", param=param
        )
    return out


def call_progress(
    calls: pd.DataFrame, tasks: pd.DataFrame, *, as_of: object, grace_days: int = 0
) -> pd.DataFrame:
    """Progress and status of every call as of a date.

    Parameters
    ----------
    calls : DataFrame
        ``call_id`` (one row per call).
    tasks : DataFrame
        ``call_id, task_id, due, done`` (``done`` empty while not done).
    as_of : date-like
        The date the status is taken at; a ``done`` date after it counts as not done yet.
    grace_days : int
        Days after ``due`` a task may be done and still count as on time (default 0).

    Returns
    -------
    DataFrame
        :data:`PROGRESS_COLUMNS`, one row per call in ``calls`` order: counts of ``tasks``, ``done``,
        ``on_time``, ``late``, ``overdue``, ``pending``; ``progress`` = done / tasks; ``on_time_share`` =
        on time / done; ``days_late`` the largest delay of a late or overdue task (0 if none); ``next_due`` the
        earliest due date of a pending task; ``status`` one of :data:`STATUSES`.

    Raises
    ------
    ConfigError
        A column is missing, a date cannot be read, a task names an unknown call, or ``grace_days`` < 0.

    Notes
    -----
    With ``d`` the due date plus ``grace_days``, a task is *on time* when done on or before ``d``, *late* when
    done after ``d``, *overdue* when not done and ``as_of > d``, *pending* when not done and ``as_of ≤ d``. A call
    has *succeeded* when it has tasks and all of them are on time (the paper's 团队包干: the team delivers every
    decomposed task by its date); *failed* when any task is late or overdue; *open* otherwise; ``no_tasks``
    when none is recorded.

    Examples
    --------
    >>> calls = pd.DataFrame({"call_id": ["C1", "C2", "C3"]})
    >>> tasks = pd.DataFrame({"call_id": ["C1", "C1", "C2", "C2", "C3"], "task_id": [1, 2, 1, 2, 1],
    ...                       "due": ["2023-06-30", "2023-12-31", "2023-06-30", "2024-06-30", "2024-03-31"],
    ...                       "done": ["2023-06-20", "2023-12-31", "2023-07-15", None, None]})
    >>> p = call_progress(calls, tasks, as_of="2024-01-31")
    >>> p[["call_id", "done", "late", "pending", "progress", "days_late", "status"]].values.tolist()
    [['C1', 2, 0, 0, 1.0, 0, 'succeeded'], ['C2', 1, 1, 1, 0.5, 15, 'failed'], ['C3', 0, 0, 1, 0.0, 0, 'open']]

    References
    ----------
    .. [1] 科技部 (2016–). 揭榜挂帅 (面向重大需求的项目组织方式); 潘秋晨 (2023), 四(三)
           (项目分解—团队包干—成果转化).
    """
    require_frame(calls, "calls")
    require_columns(calls, ["call_id"], "calls")
    require_frame(tasks, "tasks")
    require_columns(tasks, ["call_id", "due", "done"], "tasks")
    if isinstance(grace_days, bool) or not isinstance(grace_days, (int, np.integer)) or grace_days < 0:
        raise ConfigError(f"expected an integer >= 0, got {grace_days!r}", param="grace_days")
    when = pd.Timestamp(as_of)
    if pd.isna(when):
        raise ConfigError(f"expected a date, got {as_of!r}", param="as_of")
    unknown = sorted(set(tasks["call_id"]) - set(calls["call_id"]), key=str)
    if unknown:
        raise ConfigError(f"tasks: call id(s) {unknown[:5]} are not in calls", param="tasks")
    due = _dates(tasks["due"], "due")
    if due.isna().any():
        i = int(np.flatnonzero(due.isna().to_numpy())[0])
        raise ConfigError(f"tasks: row {i}: every task needs a due date", param="due")
    done = _dates(tasks["done"], "done")
    done = done.where(done <= when)  # not known yet on as_of
    limit = due + pd.Timedelta(days=int(grace_days))
    t = pd.DataFrame({"call_id": tasks["call_id"].to_numpy(), "due": due.to_numpy(), "done": done.to_numpy()})
    is_done = t["done"].notna()
    t["on_time"] = is_done & (t["done"] <= limit.to_numpy())
    t["late"] = is_done & ~t["on_time"]
    t["overdue"] = ~is_done & (when > limit.to_numpy())
    t["pending"] = ~is_done & ~t["overdue"]
    t["is_done"] = is_done
    delay = np.where(t["late"], (t["done"] - limit.to_numpy()).dt.days, 0)
    delay = np.where(t["overdue"], (when - limit).dt.days.to_numpy(), delay)
    t["delay"] = delay.astype("int64")
    t["pending_due"] = t["due"].where(t["pending"])
    g = t.groupby("call_id", sort=False).agg(
        tasks=("due", "size"),
        done=("is_done", "sum"),
        on_time=("on_time", "sum"),
        late=("late", "sum"),
        overdue=("overdue", "sum"),
        pending=("pending", "sum"),
        days_late=("delay", "max"),
        next_due=("pending_due", "min"),
    )
    out = g.reindex(calls["call_id"]).reset_index()
    for col in ("tasks", "done", "on_time", "late", "overdue", "pending", "days_late"):
        out[col] = out[col].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["progress"] = np.where(
            out["tasks"] > 0, out["done"] / out["tasks"].where(out["tasks"] > 0, 1), np.nan
        )
        out["on_time_share"] = np.where(
            out["done"] > 0, out["on_time"] / out["done"].where(out["done"] > 0, 1), np.nan
        )
    status = np.select(
        [out["tasks"] == 0, (out["late"] + out["overdue"]) > 0, out["on_time"] == out["tasks"]],
        ["no_tasks", "failed", "succeeded"],
        "open",
    )
    out["status"] = status
    return out[list(PROGRESS_COLUMNS)]


@dataclass(frozen=True)
class SuccessRates:
    """Success rates of calls (:func:`success_rates`).

    Attributes
    ----------
    by_segment : DataFrame
        ``chain, segment, calls, succeeded, failed, open, no_tasks, decided, success_rate, budget,
        budget_succeeded``.
    by_place : DataFrame
        The same per ``place`` (posting jurisdiction at ``level``).
    overall : float
        Succeeded / decided over all calls (NaN when none is decided).
    progress : DataFrame
        :func:`call_progress` of every call.
    """

    by_segment: pd.DataFrame
    by_place: pd.DataFrame
    overall: float
    progress: pd.DataFrame


def success_rates(
    calls: pd.DataFrame,
    tasks: pd.DataFrame,
    *,
    as_of: object,
    level: str = "place",
    grace_days: int = 0,
) -> SuccessRates:
    """Success rates of calls by chain segment and by posting place.

    Parameters
    ----------
    calls : DataFrame
        ``call_id, adcode, chain, segment`` and optionally ``budget``.
    tasks : DataFrame
        As in :func:`call_progress`.
    as_of : date-like
        The date the statuses are taken at.
    level : {"place", "city", "province"}
        Roll posting places up to their city or province.
    grace_days : int
        As in :func:`call_progress`.

    Returns
    -------
    SuccessRates

    Raises
    ------
    ConfigError
        As :func:`call_progress`; ``level`` unknown.

    Notes
    -----
    ``success_rate = succeeded / decided`` with ``decided = succeeded + failed`` (:func:`call_progress`): open
    calls and calls without tasks are counted but not judged. ``budget_succeeded`` is the budget of the
    succeeded calls.

    Examples
    --------
    >>> calls = pd.DataFrame({"call_id": ["C1", "C2", "C3"], "adcode": ["340100", "340100", "320500"],
    ...                       "chain": "ic", "segment": ["equipment", "equipment", "design"],
    ...                       "budget": [1000.0, 500.0, 800.0]})
    >>> tasks = pd.DataFrame({"call_id": ["C1", "C2", "C3"], "due": ["2023-06-30"] * 3,
    ...                       "done": ["2023-06-01", "2023-09-01", "2023-05-01"]})
    >>> r = success_rates(calls, tasks, as_of="2024-01-01")
    >>> r.by_segment[["segment", "calls", "succeeded", "decided", "success_rate"]].values.tolist()
    [['design', 1, 1, 1, 1.0], ['equipment', 2, 1, 2, 0.5]]
    >>> round(r.overall, 4)  # 2 of 3
    0.6667

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 四(三).
    """
    require_frame(calls, "calls")
    require_columns(calls, ["call_id", "adcode", "chain", "segment"], "calls")
    require_choice(level, PLACE_LEVELS, "level")
    prog = call_progress(calls, tasks, as_of=as_of, grace_days=grace_days)
    budget = (
        calls["budget"].astype(float).to_numpy() if "budget" in calls.columns else np.full(len(calls), np.nan)
    )
    d = pd.DataFrame(
        {
            "chain": calls["chain"].to_numpy(),
            "segment": calls["segment"].to_numpy(),
            "place": roll(calls["adcode"], level).to_numpy(),
            "status": prog["status"].to_numpy(),
            "budget": budget,
        }
    )
    for s in STATUSES:
        d[s] = (d["status"] == s).astype("int64")
    d["budget_succeeded"] = np.where(d["succeeded"] == 1, d["budget"], 0.0)

    def rates(keys: list[str]) -> pd.DataFrame:
        g = d.groupby(keys, sort=True).agg(
            calls=("status", "size"),
            succeeded=("succeeded", "sum"),
            failed=("failed", "sum"),
            open=("open", "sum"),
            no_tasks=("no_tasks", "sum"),
            budget=("budget", lambda s: s.sum(min_count=1)),
            budget_succeeded=("budget_succeeded", "sum"),
        )
        g["decided"] = g["succeeded"] + g["failed"]
        g["success_rate"] = (g["succeeded"] / g["decided"].where(g["decided"] > 0)).astype(float)
        cols = ["calls", "succeeded", "failed", "open", "no_tasks", "decided", "success_rate", "budget",
                "budget_succeeded"]  # fmt: skip
        return g[cols].reset_index()

    decided = int(d["succeeded"].sum() + d["failed"].sum())
    overall = float(d["succeeded"].sum() / decided) if decided else math.nan
    return SuccessRates(rates(["chain", "segment"]), rates(["place"]), overall, prog)


def _winners(bids: pd.DataFrame) -> pd.DataFrame:
    require_frame(bids, "bids")
    require_columns(bids, ["call_id", "bid_id", "member_name", "member_adcode", "winner"], "bids")
    w = bids["winner"]
    if w.dtype != bool:
        text = w.astype("string").str.strip().str.lower()
        w = text.isin(["1", "true", "yes", "y", "是", "中标", "揭榜"])
    return bids.loc[w.to_numpy(dtype=bool)]


def winning_teams(calls: pd.DataFrame, bids: pd.DataFrame, *, level: str = "city") -> pd.DataFrame:
    """The winning team of every call and how far across places it reaches.

    Parameters
    ----------
    calls : DataFrame
        ``call_id, adcode``.
    bids : DataFrame
        ``call_id, bid_id, member_name, member_adcode, winner`` — one row per team member; ``winner`` true (or
        1, yes, 是) on the winning bid's rows.
    level : {"place", "city", "province"}
        The level ``places`` and ``host_members`` are read at (default city).

    Returns
    -------
    DataFrame
        :data:`TEAM_COLUMNS`, one row per winning bid: the call's ``posting_place`` at ``level``; ``bids`` on
        the call; distinct ``members``; ``places`` (sorted tuple at ``level``); counts of ``cities`` and
        ``provinces``; ``cross_city`` (members in two cities or more) and ``cross_province``;
        ``host_members`` (members in the posting place at ``level``) and ``outside_share`` (the rest, of the
        members with a known place).

    Raises
    ------
    ConfigError
        A column is missing, ``level`` is unknown, or a bid names a call not in ``calls``.

    Notes
    -----
    Cities are the first four adcode digits (a municipality is one city); provinces the first two. A call may
    have several winning bids (joint winners): each is a row.

    Examples
    --------
    >>> calls = pd.DataFrame({"call_id": ["C1"], "adcode": ["340100"]})
    >>> bids = pd.DataFrame({"call_id": "C1", "bid_id": ["B1", "B1", "B1", "B2"],
    ...                      "member_name": ["合肥某所", "上海某校", "苏州某企", "合肥某企"],
    ...                      "member_adcode": ["340104", "310104", "320505", "340111"],
    ...                      "winner": [True, True, True, False]})
    >>> t = winning_teams(calls, bids)
    >>> t[["bid_id", "bids", "places", "cities", "cross_province", "host_members"]].values.tolist()
    [['B1', 2, ('310000', '320500', '340100'), 3, True, 1]]
    >>> round(float(t["outside_share"].iloc[0]), 4)  # 2 of 3 members outside Hefei
    0.6667

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 四(三) (联建协同创新团队).
    """
    require_frame(calls, "calls")
    require_columns(calls, ["call_id", "adcode"], "calls")
    require_choice(level, PLACE_LEVELS, "level")
    w = _winners(bids)
    unknown = sorted(set(bids["call_id"]) - set(calls["call_id"]), key=str)
    if unknown:
        raise ConfigError(f"bids: call id(s) {unknown[:5]} are not in calls", param="bids")
    host = dict(zip(calls["call_id"], roll(calls["adcode"], level), strict=True))
    n_bids = bids.groupby("call_id")["bid_id"].nunique().to_dict()
    w = w.assign(
        place=roll(w["member_adcode"], level).to_numpy(),
        city=roll(w["member_adcode"], "city").to_numpy(),
        province=roll(w["member_adcode"], "province").to_numpy(),
    )
    rows = []
    for (cid, bid), g in w.groupby(["call_id", "bid_id"], sort=True):
        members = g.drop_duplicates("member_name")
        known = members.dropna(subset=["place"])
        hp = host[cid]
        at_host = int((known["place"] == hp).sum())
        cities = known["city"].nunique()
        provinces = known["province"].nunique()
        rows.append(
            (
                cid,
                bid,
                hp,
                int(n_bids.get(cid, 0)),
                len(members),
                tuple(sorted(known["place"].unique())),
                int(cities),
                int(provinces),
                cities >= 2,
                provinces >= 2,
                at_host,
                (len(known) - at_host) / len(known) if len(known) else math.nan,
            )
        )
    out = pd.DataFrame(rows, columns=list(TEAM_COLUMNS))
    return out.astype({"bids": "int64", "members": "int64", "cities": "int64", "provinces": "int64",
                       "cross_city": bool, "cross_province": bool, "host_members": "int64",
                       "outside_share": float})  # fmt: skip


def outcome_edges(
    calls: pd.DataFrame,
    bids: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    progress: pd.DataFrame | None = None,
    level: str = "city",
) -> pd.DataFrame:
    """Outcomes of the calls as innovation-layer edges: from the winning team's places to the posting place.

    Parameters
    ----------
    calls : DataFrame
        ``call_id, adcode, chain, segment``.
    bids : DataFrame
        As in :func:`winning_teams`.
    outcomes : DataFrame
        ``call_id, kind`` (one of :data:`OUTCOME_KINDS`) and optionally ``count`` (default 1 per row).
    progress : DataFrame, optional
        :func:`call_progress` of the calls; gives each edge the mean ``progress`` of its calls.
    level : {"place", "city", "province"}
        Level of ``src`` and ``dst`` (default city).

    Returns
    -------
    DataFrame
        :data:`EDGE_COLUMNS`: ``src`` (a winning member's place), ``dst`` (the posting place), ``layer``
        (``innovation``), ``chain``, ``segment``, ``kind``, ``weight``, ``calls`` (distinct calls behind the
        edge) and ``progress`` (NaN without ``progress``). Self-loops (members in the posting place) are kept,
        as layer edges within a place are.

    Raises
    ------
    ConfigError
        A column is missing, an outcome kind is unknown, a count is negative, or an outcome names a call not
        in ``calls``.

    Notes
    -----
    An outcome of count ``n`` on a call whose winning team has ``k`` members (with a known place, over all its
    winning bids) gives each member ``n / k``; the edge weight sums these over outcomes and calls by (src, dst,
    chain, segment, kind). So the weights of a call add up to its outcomes, split by where its team members
    are. Outcomes of calls without a winning member with a known place give no edge.

    Examples
    --------
    >>> calls = pd.DataFrame({"call_id": ["C1"], "adcode": ["340100"], "chain": "ic", "segment": "equipment"})
    >>> bids = pd.DataFrame({"call_id": "C1", "bid_id": "B1", "member_name": ["a", "b", "c"],
    ...                      "member_adcode": ["340104", "310104", "310115"], "winner": True})
    >>> out = pd.DataFrame({"call_id": "C1", "kind": ["patent", "transfer"], "count": [3, 1]})
    >>> e = outcome_edges(calls, bids, out)
    >>> e[["src", "dst", "kind", "weight"]].values.tolist()  # 3 patents: 2 to Shanghai's members, 1 to Hefei's
    [['310000', '340100', 'patent', 2.0], ['310000', '340100', 'transfer', 0.6666666666666666], ['340100', '340100', 'patent', 1.0], ['340100', '340100', 'transfer', 0.3333333333333333]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 二 (创新网络) and 四(三) (成果转化).
    """
    require_frame(calls, "calls")
    require_columns(calls, ["call_id", "adcode", "chain", "segment"], "calls")
    require_frame(outcomes, "outcomes")
    require_columns(outcomes, ["call_id", "kind"], "outcomes")
    require_choice(level, PLACE_LEVELS, "level")
    bad = sorted({str(k) for k in outcomes["kind"] if k not in OUTCOME_KINDS})
    if bad:
        raise ConfigError(
            f"outcomes: unknown kind(s) {bad}; expected one of {list(OUTCOME_KINDS)}", param="kind"
        )
    unknown = sorted(set(outcomes["call_id"]) - set(calls["call_id"]), key=str)
    if unknown:
        raise ConfigError(f"outcomes: call id(s) {unknown[:5]} are not in calls", param="outcomes")
    count = (
        outcomes["count"].astype(float)
        if "count" in outcomes.columns
        else pd.Series(1.0, index=outcomes.index)
    )
    if (count < 0).any() or count.isna().any():
        raise ConfigError("outcomes: count must be a number >= 0 on every row", param="count")
    w = _winners(bids)
    w = w.assign(src=roll(w["member_adcode"], level).to_numpy()).dropna(subset=["src"])
    w = w.drop_duplicates(["call_id", "member_name"])
    k = w.groupby("call_id").size().rename("k")
    o = pd.DataFrame({"call_id": outcomes["call_id"].to_numpy(), "kind": outcomes["kind"].to_numpy(),
                      "n": count.to_numpy()})  # fmt: skip
    c = pd.DataFrame(
        {
            "call_id": calls["call_id"].to_numpy(),
            "dst": roll(calls["adcode"], level).to_numpy(),
            "chain": calls["chain"].to_numpy(),
            "segment": calls["segment"].to_numpy(),
        }
    )
    m = (
        o.merge(w[["call_id", "src"]], on="call_id")
        .merge(k.reset_index(), on="call_id")
        .merge(c, on="call_id")
    )
    m["weight"] = m["n"] / m["k"]
    if progress is not None:
        require_frame(progress, "progress")
        require_columns(progress, ["call_id", "progress"], "progress")
        m = m.merge(progress[["call_id", "progress"]], on="call_id", how="left")
    else:
        m["progress"] = np.nan
    keys = ["src", "dst", "chain", "segment", "kind"]
    per_call = m.groupby([*keys, "call_id"], sort=False).agg(
        weight=("weight", "sum"), progress=("progress", "first")
    )
    g = (
        per_call.reset_index()
        .groupby(keys, sort=True)
        .agg(weight=("weight", "sum"), calls=("call_id", "nunique"), progress=("progress", "mean"))
    )
    out = g.reset_index()
    out.insert(2, "layer", "innovation")
    return out[list(EDGE_COLUMNS)].astype({"weight": float, "calls": "int64", "progress": float})
