"""``chainatlas alliances`` and ``chainatlas opencalls`` (issue 16): industry alliances and open calls for key
technologies (揭榜挂帅), thin shells over :mod:`chainatlas.pipeline.alliances` and :mod:`chainatlas.pipeline.opencalls`.

``alliances list|overlap|fragmentation|clusters`` show a chain's alliances by level, the member overlap of every
pair, the fragmentation index per chain with its three parts, and the alliance clusters (alliances linked by shared
members). ``opencalls list|show ID|progress|rates|teams`` show the calls with their progress and status, one call's
bids, tasks and outcomes, the progress table, the success rates by segment and posting place, and the winning teams.

Each command prints a short table (Chinese first) and, with ``-o FILE``, writes the whole result as CSV for Excel
(UTF-8 with BOM, + ``FILE.provenance.json``) or JSON, through :func:`chainatlas.cli.common.save_result`; a file
written is recorded in the audit log. The command line reads the whole region.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from chainatlas import config
from chainatlas.cli.common import backend, record, save_result

__all__ = ["COMMANDS", "alliances", "opencalls"]


class _Level(click.ParamType):
    """``--level``: region, corridor, province or city, or what users write for them (区域, 长三角, 走廊, G60, 省级,
    市级 ...: the kind's labels and aliases)."""

    name = "level"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from chainatlas.model.kinds import ALLIANCE_LEVEL_ALIASES, ALLIANCE_LEVELS

        text = str(value).strip()
        table = {**{k.lower(): k for k in ALLIANCE_LEVELS}, **{v: k for k, v in ALLIANCE_LEVELS.items()}}
        table.update({k.lower(): v for k, v in ALLIANCE_LEVEL_ALIASES.items()})
        if text.lower() in table:
            return table[text.lower()]
        expected = ", ".join(f"{k} ({v})" for k, v in ALLIANCE_LEVELS.items())
        self.fail(f"{value!r} is not a level; expected one of: {expected}", param, ctx)


_LEVELS = _Level()
_PLACE_LEVELS = click.Choice(["place", "city", "province"])
_STATUSES = click.Choice(["succeeded", "failed", "open", "no_tasks"])
_CHAIN = click.option(
    "--chain", default="*", show_default=True, help="chain id (ic, ai, nev, bio) or * for all"
)
_AS_OF = click.option(
    "--as-of",
    "as_of",
    default=None,
    help="judge statuses on this date (2024-12-31); default: the last day of the latest year with open-call records",
)
_GRACE = click.option(
    "--grace-days", type=click.IntRange(min=0), default=0, show_default=True, help="days a task may be late"
)
_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="result file: .csv (UTF-8 with BOM, + .provenance.json) or .json",
)
_FORMAT = click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default=None,
    help="default: from the file's suffix",
)


def _v(x: Any, digits: int = 2) -> str:
    """A number for reading: ``—`` for unknown (never 0)."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return str(x)


def _save(ctx: click.Context, b: Any, command: str, data: pd.DataFrame, output: Path | None, fmt: str | None,
          synthetic: bool, summary: dict | None = None, **params: Any) -> None:  # fmt: skip
    """Write ``data`` with its provenance when ``-o`` was given; warn about synthetic data either way."""
    from chainatlas.pipeline.alliances import as_result

    if output is not None:
        result = as_result(b, command, data, synthetic=synthetic, summary=summary, **params)
        path = save_result(result, output, fmt, err=True)
        db = config.db_path(ctx.find_root().obj["db"])
        record(db, "export", resource=str(path), parameters={"command": command, **params}, count=len(data))
    elif synthetic:
        click.echo("⚠ 含合成（虚构）数据 / computed from SYNTHETIC data", err=True)


# ================================================================================================ alliances
@click.group(short_help="产业联盟 / Alliances: by level, overlap, fragmentation, clusters")
def alliances() -> None:
    """产业联盟：各产业链各层级（区域、走廊、省级、市级）的联盟、成员重叠、碎片化指数与联盟集群。

    Industry alliances of each chain at the levels of the region, the G60 corridor, a province and a city: their
    member overlap, the fragmentation index per chain (many alliances, few shared members, each within few provinces)
    and the alliance clusters (产业联盟集群) they form through shared members.
    """


@alliances.command("list", short_help="联盟列表 / The alliances of a chain by level")
@_CHAIN
@click.option("--level", type=_LEVELS, default=None, help="one level only")
@_OUTPUT
@_FORMAT
@click.pass_context
def alliances_list(
    ctx: click.Context, chain: str, level: str | None, output: Path | None, fmt: str | None
) -> None:
    """The alliances of a chain, widest level first: members, members shared with other alliances of the chain,
    provinces and cities they are in, and their cluster.

    各联盟：层级、成员数、与本链其他联盟共有的成员数、覆盖的省市与所属联盟集群。
    """
    from chainatlas.pipeline import alliances as al

    b = backend(ctx, read_only=True)
    rows = al.alliances(b, chain=chain, level=level)
    for r in rows.itertuples(index=False):
        click.echo(
            f"{r.alliance_id} {r.alliance_name} · {r.level_zh or '层级未注明'} · {r.chain} · 成员 {r.members}"
            f"（共有 {r.shared_members}）· {r.provinces} 省 {r.cities} 市 · 集群 {r.cluster}"
        )
    click.echo(f"{len(rows)} 个联盟 / {len(rows)} alliances", err=True)
    _save(ctx, b, "alliances list", rows, output, fmt, al.synthetic(b), chain=chain, level=level)


@alliances.command("overlap", short_help="成员重叠 / Member overlap of every pair of alliances")
@_CHAIN
@click.option("--level", type=_LEVELS, default=None, help="pairs of alliances of this level only")
@click.option("--shared-only", is_flag=True, help="only pairs that share a member")
@_OUTPUT
@_FORMAT
@click.pass_context
def alliances_overlap(
    ctx: click.Context, chain: str, level: str | None, shared_only: bool, output: Path | None, fmt: str | None
) -> None:
    """Members shared by every pair of alliances of a chain, with the Jaccard index (shared ÷ union).

    同一产业链每两个联盟的共有成员数与 Jaccard 重叠度（共有 ÷ 合并）。
    """
    from chainatlas.pipeline import alliances as al

    b = backend(ctx, read_only=True)
    rows = al.overlap(b, chain=chain, level=level, shared_only=shared_only)
    for r in rows.itertuples(index=False):
        click.echo(
            f"{r.chain} {r.alliance_a} {r.name_a} × {r.alliance_b} {r.name_b} · 共有 {r.shared}/{r.union} · "
            f"Jaccard {r.jaccard:.3f}"
        )
    n = int((rows["shared"] > 0).sum()) if len(rows) else 0
    click.echo(f"{len(rows)} 对联盟，{n} 对有共同成员 / {len(rows)} pairs, {n} sharing a member", err=True)
    _save(ctx, b, "alliances overlap", rows, output, fmt, al.synthetic(b), chain=chain, level=level,
          shared_only=shared_only)  # fmt: skip


@alliances.command("fragmentation", short_help="碎片化指数 / The fragmentation index per chain")
@_CHAIN
@_OUTPUT
@_FORMAT
@click.pass_context
def alliances_fragmentation(ctx: click.Context, chain: str, output: Path | None, fmt: str | None) -> None:
    """The fragmentation index per chain, F = (1 − 1/N) · (1 − S) · 1/P̄: N alliances, S the share of members in two
    or more of them, P̄ the mean number of provinces an alliance's members are in. 0: one alliance, or every member
    shared; towards 1: many alliances, none sharing a member, each inside one province.

    碎片化指数 F = (1 − 1/N)·(1 − S)·1/P̄：N 为联盟数，S 为参加两个及以上联盟的成员占比，P̄ 为联盟成员平均覆盖的省份数。
    """
    from chainatlas.pipeline import alliances as al

    b = backend(ctx, read_only=True)
    f = al.fragmentation(b, chain=chain).chains
    for r in f.itertuples(index=False):
        click.echo(
            f"{r.chain} {r.chain_zh or ''} · 联盟 {r.alliances} · 成员 {r.members}（共有 {r.shared_members}，"
            f"{_v(100 * r.shared_share, 1)}%）· 平均覆盖 {_v(r.mean_provinces, 2)} 省 · "
            f"F = {_v(r.count_part, 3)} × {_v(r.sharing_part, 3)} × {_v(r.reach_part, 3)} = {_v(r.index, 3)}"
            f" · 层级 {r.levels or '—'}"
        )
    _save(ctx, b, "alliances fragmentation", f, output, fmt, al.synthetic(b), chain=chain)


@alliances.command("clusters", short_help="联盟集群 / Alliances linked by shared members")
@_CHAIN
@click.option(
    "--method",
    type=click.Choice(["components", "communities"]),
    default="components",
    show_default=True,
    help="components: alliances reachable through shared members; communities: fast-greedy modularity groups",
)
@click.option(
    "--min-shared", type=click.IntRange(min=1), default=1, show_default=True, help="members to link two"
)
@click.option("--across-chains", is_flag=True, help="let a member of two chains' alliances link them")
@_OUTPUT
@_FORMAT
@click.pass_context
def alliances_clusters(
    ctx: click.Context,
    chain: str,
    method: str,
    min_shared: int,
    across_chains: bool,
    output: Path | None,
    fmt: str | None,
) -> None:
    """Alliance clusters (产业联盟集群): alliances linked when they share members, grouped as connected components
    or modularity communities; per cluster its alliances, members, shared members, provinces and levels.

    联盟集群：共有成员的联盟相连，按连通分量或模块度社区分组；列出每个集群的联盟、成员、共有成员、省份与层级。
    """
    from chainatlas.pipeline import alliances as al

    b = backend(ctx, read_only=True)
    c = al.clusters(b, chain=chain, method=method, min_shared=min_shared, within_chain=not across_chains)
    for r in c.clusters.itertuples(index=False):
        click.echo(
            f"{r.cluster} · 联盟 {r.alliances} · 成员 {r.members}（共有 {r.shared_members}）· 省份 {r.provinces or '—'}"
            f" · 层级 {r.levels or '—'} · {r.names}"
        )
    click.echo(f"{len(c.clusters)} 个集群，{len(c.edges)} 条联系 / {len(c.clusters)} clusters, {len(c.edges)} links",
               err=True)  # fmt: skip
    _save(ctx, b, "alliances clusters", c.clusters, output, fmt, al.synthetic(b),
          summary={"method": c.method, "links": len(c.edges)}, chain=chain, method=method, min_shared=min_shared,
          across_chains=across_chains)  # fmt: skip


# ================================================================================================ opencalls
@click.group(short_help="揭榜挂帅 / Open calls: list, one call, progress, success rates, winning teams")
def opencalls() -> None:
    """揭榜挂帅：榜单（发榜地、产业链环节、金额）、揭榜团队、任务进度与成果，按环节和发榜地的成功率。

    Open calls for key technologies: the calls (posting place, chain segment, budget), the bids and the winning
    cross-city teams, the decomposed tasks' progress, the outcomes, and success rates by segment and place. A status
    is taken as of a date (--as-of; default the last day of the latest year with records): succeeded (every task
    done on time), failed (a task late or overdue), open, no tasks.
    """


@opencalls.command("list", short_help="榜单 / The calls with progress and status")
@_CHAIN
@click.option("--segment", default=None, help="segment of the chain (needs --chain)")
@click.option("--status", type=_STATUSES, default=None, help="one status only")
@click.option("--place", default=None, help="posted in this place: 320000, 江苏省, 3205, 苏州市")
@_AS_OF
@_GRACE
@_OUTPUT
@_FORMAT
@click.pass_context
def opencalls_list(
    ctx: click.Context,
    chain: str,
    segment: str | None,
    status: str | None,
    place: str | None,
    as_of: str | None,
    grace_days: int,
    output: Path | None,
    fmt: str | None,
) -> None:
    """The calls, newest first: posting place, segment, budget, bids, the winning team's places, tasks done of all,
    status and outcomes.

    榜单（按发榜日期倒序）：发榜地、环节、金额、揭榜方案数、揭榜团队所在地、任务完成情况、状态与成果。
    """
    from chainatlas.pipeline import opencalls as oc

    b = backend(ctx, read_only=True)
    when = oc.as_of_date(b, as_of)
    rows = oc.calls(
        b, chain=chain, segment=segment, status=status, place=place, as_of=when, grace_days=grace_days
    )
    for r in rows.itertuples(index=False):
        team = f"团队 {r.team_members} 家（{r.team_places}）" if r.team_members else "未揭榜"
        click.echo(
            f"{r.call_id} {r.title} · {r.place_name or r.adcode} · {r.chain}:{r.segment or '—'} · "
            f"{_v(r.budget, 0)} 万元 · 方案 {r.bids} · {team} · 任务 {r.done}/{r.tasks} · {r.status_zh} · "
            f"专利 {r.patents} 转化 {r.transfers} 产品 {r.products}"
        )
    counts = rows["status"].value_counts().to_dict() if len(rows) else {}
    click.echo(
        f"截至 {when:%Y-%m-%d}：{len(rows)} 个榜单，" + "，".join(f"{oc.STATUS_ZH[s]} {counts.get(s, 0)}" for s in oc.STATUSES)
        + f" / as of {when:%Y-%m-%d}: {len(rows)} calls",
        err=True,
    )  # fmt: skip
    _save(ctx, b, "opencalls list", rows, output, fmt, oc.synthetic(b), chain=chain, segment=segment, status=status,
          place=place, as_of=f"{when:%Y-%m-%d}", grace_days=grace_days)  # fmt: skip


@opencalls.command("show", short_help="一个榜单 / One call: bids, tasks, outcomes")
@click.argument("call_id", metavar="ID")
@_AS_OF
@_GRACE
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the whole call as .json",
)
@click.pass_context
def opencalls_show(
    ctx: click.Context, call_id: str, as_of: str | None, grace_days: int, output: Path | None
) -> None:
    """One call: its posting place, segment, budget and dates; every bid with its members (the lead marked, the
    winner starred); its tasks, each on time, late, overdue or pending; its outcomes.

    一个榜单：发榜地、环节、金额与日期；各揭榜方案及成员（牵头单位、揭榜成功）；任务节点及其状态；成果。
    """
    from chainatlas.pipeline import opencalls as oc
    from chainatlas.pipeline.analyze.result import frame_rows, jsonable

    b = backend(ctx, read_only=True)
    d = oc.call(b, call_id, as_of=as_of, grace_days=grace_days)
    c = d["call"]
    click.echo(
        f"{c['call_id']} {c['title']} · 发榜 {c['place_name'] or c['adcode']} · {c['chain']}:{c['segment'] or '—'} · "
        f"{_v(c['budget'], 0)} 万元 · 发榜 {c['posted']} · 期限 {c['due'] or '—'} · {c['status_zh']}（截至 {d['as_of']}）"
    )
    for bid, g in d["bids"].groupby("bid_id", sort=False):
        star = "★揭榜成功 " if g["winner"].any() else ""
        people = "、".join(f"{m}{'（牵头）' if lead else ''}·{city or '—'}" for m, lead, city in
                           zip(g["member_name"], g["lead"], g["city_name"], strict=True))  # fmt: skip
        click.echo(f"  方案 {bid} {star}{people}")
    for t in d["tasks"].itertuples(index=False):
        late = f"（逾期 {t.days_late} 天）" if t.days_late else ""
        click.echo(
            f"  任务 {t.task_id} {t.milestone or ''} · 计划 {t.due} · 完成 {t.done or '—'} · {t.state_zh}{late}"
        )
    for o in d["outcomes"].itertuples(index=False):
        click.echo(f"  成果 {o.outcome_zh} {o.reference} × {int(o.count)} · {o.date}")
    if output is not None:
        doc = {
            "as_of": d["as_of"],
            "call": jsonable(c),
            **{k: frame_rows(d[k]) for k in ("bids", "tasks", "outcomes", "team", "ties")},
            "synthetic": oc.synthetic(b),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        record(config.db_path(ctx.find_root().obj["db"]), "export", resource=str(output),
               parameters={"command": "opencalls show", "call_id": call_id}, count=1)  # fmt: skip
        click.echo(f"→ {output}", err=True)
    if oc.synthetic(b):
        click.echo("⚠ 含合成（虚构）数据 / computed from SYNTHETIC data", err=True)


@opencalls.command("progress", short_help="进度 / Tasks done, on time, late, overdue per call")
@_AS_OF
@_GRACE
@_OUTPUT
@_FORMAT
@click.pass_context
def opencalls_progress(
    ctx: click.Context, as_of: str | None, grace_days: int, output: Path | None, fmt: str | None
) -> None:
    """Per call: tasks, done, on time, late, overdue, pending, progress (done ÷ tasks), the largest delay, the next
    due date and the status.

    各榜单：任务数、已完成、按期、逾期完成、逾期未完成、未到期、进度、最长逾期天数、下一节点日期与状态。
    """
    from chainatlas.pipeline import opencalls as oc

    b = backend(ctx, read_only=True)
    when = oc.as_of_date(b, as_of)
    p = oc.progress(b, as_of=when, grace_days=grace_days)
    for r in p.itertuples(index=False):
        bar = "█" * round(10 * r.progress) + "░" * (10 - round(10 * r.progress)) if r.tasks else "—"
        click.echo(
            f"{r.call_id} {bar} {r.done}/{r.tasks} · 按期 {r.on_time} 逾期完成 {r.late} 逾期未完成 {r.overdue} "
            f"未到期 {r.pending} · {oc.STATUS_ZH[r.status]}"
        )
    _save(ctx, b, "opencalls progress", p, output, fmt, oc.synthetic(b), as_of=f"{when:%Y-%m-%d}",
          grace_days=grace_days)  # fmt: skip


@opencalls.command("rates", short_help="成功率 / Success rates by segment and posting place")
@_CHAIN
@click.option(
    "--by",
    type=click.Choice(["segment", "place"]),
    default="segment",
    show_default=True,
    help="the table shown",
)
@click.option(
    "--level", type=_PLACE_LEVELS, default="city", show_default=True, help="posting places rolled up to"
)
@_AS_OF
@_GRACE
@_OUTPUT
@_FORMAT
@click.pass_context
def opencalls_rates(
    ctx: click.Context,
    chain: str,
    by: str,
    level: str,
    as_of: str | None,
    grace_days: int,
    output: Path | None,
    fmt: str | None,
) -> None:
    """Success rate = succeeded ÷ decided (succeeded + failed) by chain segment or by posting place; open calls and
    calls without tasks are counted but not judged.

    成功率 = 按期完成 ÷ 已有结论（按期完成 + 逾期），按产业链环节或发榜地统计；进行中与未分解任务的榜单只计数。
    """
    from chainatlas.pipeline import opencalls as oc

    b = backend(ctx, read_only=True)
    when = oc.as_of_date(b, as_of)
    r = oc.rates(b, chain=chain, level=level, as_of=when, grace_days=grace_days)
    table = r.by_segment if by == "segment" else r.by_place
    for x in table.to_dict("records"):
        label = f"{x['chain']}:{x['segment'] or '—'} {x['segment_zh'] or ''}" if by == "segment" else (
            f"{x['place']} {x['name'] or ''}")  # fmt: skip
        rate = "—" if pd.isna(x["success_rate"]) else f"{100 * x['success_rate']:.0f}%"
        click.echo(
            f"{label} · 榜单 {x['calls']} · 按期完成 {x['succeeded']} 逾期 {x['failed']} 进行中 {x['open']} · 成功率 {rate}"
        )
    overall = "—" if math.isnan(r.overall) else f"{100 * r.overall:.1f}%"
    click.echo(f"截至 {when:%Y-%m-%d} 总体成功率 {overall} / overall success rate {overall}", err=True)
    _save(ctx, b, "opencalls rates", table, output, fmt, oc.synthetic(b), summary={"overall": r.overall},
          chain=chain, by=by, level=level, as_of=f"{when:%Y-%m-%d}", grace_days=grace_days)  # fmt: skip


@opencalls.command("teams", short_help="揭榜团队 / The winning teams and where they are")
@_CHAIN
@click.option("--level", type=_PLACE_LEVELS, default="city", show_default=True, help="places read at")
@_OUTPUT
@_FORMAT
@click.pass_context
def opencalls_teams(ctx: click.Context, chain: str, level: str, output: Path | None, fmt: str | None) -> None:
    """The winning team of every call: its places, whether it crosses cities and provinces, and its members in and
    outside the posting place.

    各榜单的揭榜团队：所在地、是否跨市跨省、发榜地内外的成员。
    """
    from chainatlas.pipeline import opencalls as oc

    b = backend(ctx, read_only=True)
    t = oc.teams(b, chain=chain, level=level)
    for r in t.itertuples(index=False):
        cross = "跨省" if r.cross_province else "跨市" if r.cross_city else "同城"
        click.echo(
            f"{r.call_id} {r.bid_id} · 发榜 {r.posting_name or r.posting_place} · 成员 {r.members}（本地 "
            f"{r.host_members}）· {cross} · {r.places}"
        )
    n = int(t["cross_city"].sum()) if len(t) else 0
    click.echo(f"{len(t)} 个揭榜团队，{n} 个跨市 / {len(t)} winning teams, {n} across cities", err=True)
    _save(ctx, b, "opencalls teams", t, output, fmt, oc.synthetic(b), chain=chain, level=level)


#: the commands this module adds to ``chainatlas``
COMMANDS = (alliances, opencalls)
