"""``chainatlas enclaves``, ``tax-sharing`` and ``vouchers``: the cooperation ledgers (issue 15), thin shells over
:mod:`chainatlas.pipeline.cooperation`.

``enclaves list|show|check|rank|export|review`` keep the enclave ledger (飞地联合资助信息库): the year's ledger with
the 亩均 evaluation, one enclave's profile, the rule checks (equity, land quota, terms, tax sharing, vouchers; fed to
the monitoring alerts with ``--alerts``), the ranking within type, the workbook for Excel (台账, 亩均评价, 违规,
税收分享, 创新券) and each side's review. ``tax-sharing`` lists the agreed versus realised split of the "capital + tax"
arrangements, ``vouchers`` the innovation-voucher flows and what each mutual recognition changed.

The command line reads the whole region (as every command does) and acts as its local user (``cli:<os user>``,
the audit log's actor); ``review --as-jurisdiction CODE`` records a review for one government, refused unless the
code covers that side's place. Every command is written to the audit log; files for Excel are CSV (UTF-8 with BOM,
Chinese headers) or XLSX, written by :func:`chainatlas.pipeline.simulate.write`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from chainatlas import config
from chainatlas.cli.common import (
    BOOK_OUTPUT,
    PERIOD,
    actor,
    backend,
    progress,
    record,
    synthetic_warning,
    write_book,
)
from chainatlas.model.kinds import ENCLAVE_TYPES

__all__ = ["COMMANDS", "enclaves", "tax_sharing", "vouchers"]

#: exit status of ``enclaves check`` when a rule is breached (as ``chainatlas check`` for new alerts: 1 and 2 are
#: the command line's own errors)
EXIT_BREACHES = 3
#: the 亩均 indicators as the ranking names what an enclave lacks (``缺 单位能耗增加值``, not the column key)
_INDICATOR_ZH = {
    "tax_per_mu": "亩均税收",
    "va_per_mu": "亩均增加值",
    "va_per_energy": "单位能耗增加值",
    "rd_intensity": "研发强度",
    "labour_productivity": "全员劳动生产率",
}
_TYPES = click.Choice(list(ENCLAVE_TYPES))


def _db(ctx: click.Context) -> Path:
    return config.db_path(ctx.find_root().obj["db"])


def _v(x: Any, digits: int = 2) -> str:
    """A number as the ledger shows it: thousands separated, ``—`` for unknown (never 0)."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if x % 1 else f"{x:,.0f}"
    return str(x)


_FORMAT = click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "xlsx"]),
    default=None,
    help="default: from the output file's suffix",
)


def _prov(b: Any, command: str, **items: Any) -> dict:
    from chainatlas.pipeline.simulate import provenance

    return provenance(b, command, **items)


# ================================================================================================ enclaves
@click.group(
    short_help="飞地台账 / Enclave ledger: list, profile, rule checks, 亩均 ranking, workbook, reviews"
)
def enclaves() -> None:
    """飞地联合资助信息库：飞地与逆向飞地的台账、亩均效益评价、规则核查（股权、用地指标、协议条款、税收分享、创新券）与双方评审。

    The enclave ledger: enclaves and reverse enclaves with their places, type, land quota, funding, operator and
    yearly output, tax, value added, energy, R&D and employment; the 亩均效益 evaluation (indicators, score, rank
    within type and year, grade A–D; weights and thresholds in data/cooperation/mu_evaluation.yaml, or the atlas's
    own <db>.cooperation/mu_evaluation.yaml); the rule checks; each side's review and priority support.
    """


@enclaves.command("list", short_help="台账 / The ledger of one year")
@click.option("--period", type=PERIOD, default=None, help="year (default: the latest with enclave rows)")
@click.option("--type", "type_", type=_TYPES, default=None, help="enclave type (飞地类型)")
@click.option("--province", default=None, help="origin or host in this place: 320000, 江苏省 (or a city)")
@click.option("--grade", type=click.Choice(["A", "B", "C", "D"]), default=None, help="亩均 grade")
@BOOK_OUTPUT
@_FORMAT
@click.pass_context
def list_(
    ctx: click.Context,
    period: object,
    type_: str | None,
    province: str | None,
    grade: str | None,
    output: Path | None,
    fmt: str | None,
) -> None:
    """The enclave ledger of one year: per enclave its places, type, the year's output and tax, the 亩均
    indicators and grade (rank among its type), each side's review, priority support and the rules it breaches.
    Unknown figures print as — (never 0).

    某年度飞地台账：每块飞地的飞出地、飞入地、类型、产值税收、亩均指标与等级（同类排名）、双方评审、是否优先保障及违规规则。
    """
    from chainatlas.pipeline import cooperation as coop

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    rows = coop.ledger(b, period=period, type=type_, province=province, grade=grade)
    year = int(rows["period"].iloc[0]) if len(rows) else period
    for r in rows.itertuples(index=False):
        breaches = "；".join(coop.RULE_ZH.get(x, x) for x in r.breaches) or "无"
        rank = f"{r.grade} ({r.rank}/{r.peers})" if r.grade else "—"
        flag = " ★优先保障" if r.priority else ""
        click.echo(
            f"{r.enclave_id} {r.enclave_name} · {r.enclave_type_zh} · {r.origin_name or r.origin_adcode} → "
            f"{r.host_name or r.host_adcode} · 产值 {_v(r.output)} 万元 · 税收 {_v(r.tax)} 万元 · "
            f"亩均税收 {_v(r.tax_per_mu)} · 等级 {rank}{flag} · 违规 {breaches}"
        )
    n_breach = int(sum(bool(x) for x in rows["breaches"]))
    if year is None:
        click.echo("图谱中没有飞地台账 / the atlas holds no enclave rows", err=True)
    click.echo(
        f"{year} 年 {len(rows)} 块飞地，{n_breach} 块有违规，{int(rows['priority'].sum())} 块优先保障 / "
        f"{len(rows)} enclaves in {year}, {n_breach} breaching a rule, {int(rows['priority'].sum())} with priority",
        err=True,
    )
    params = {"period": year, "type": type_, "province": province, "grade": grade}
    record(db, "enclaves_list", parameters=params, count=len(rows))
    book = coop.book_of("台账", "ledger", rows, {"period": year}, coop.synthetic(b))
    write_book(ctx, b, book, output, "enclaves list", params, fmt)
    synthetic_warning(coop.synthetic(b))


@enclaves.command("show", short_help="飞地档案 / One enclave over the years")
@click.argument("enclave_id", metavar="ID")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the whole profile as .json",
)
@click.pass_context
def show(ctx: click.Context, enclave_id: str, output: Path | None) -> None:
    """One enclave's profile: its agreement, shareholders, agreed vs realised output and tax, land quota and the
    亩均 indicators and grade per year, breaches, reviews and tax-sharing arrangements.

    飞地档案：协议、股东、历年约定与实际产值税收、用地指标、亩均指标与等级、违规、评审与税收分享协议。
    """
    import json

    from chainatlas.pipeline import cooperation as coop

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    p = coop.profile(b, enclave_id)
    i = p["identity"]
    click.echo(
        f"{i['enclave_id']} {i['enclave_name']} · {i['enclave_type_zh']} · {i['direction_zh']} · "
        f"{i['origin_name'] or i['origin_adcode']} ({i['origin_adcode']}) → {i['host_name'] or i['host_adcode']} "
        f"({i['host_adcode']}) · 设立 {i['established'] or '—'} · 运营公司 {i['operator'] or '—'}"
    )
    t = p["terms"]
    if t:
        click.echo(
            f"  协议 agreement {t.get('agreement_id') or '—'}：产值目标 {_v(t.get('target_output'))} 万元、税收目标 "
            f"{_v(t.get('target_tax'))} 万元（自 {t.get('target_year') or '—'} 年）、约定调剂指标 "
            f"{_v(t.get('land_quota_agreed_mu'))} 亩、飞出地税收分成 {_v(t.get('origin_tax_share_pct'))}%"
        )
    click.echo(
        "  年度 · 产值（目标） · 税收（目标） · 面积 · 累计调剂/所需指标 · 亩均税收 · 等级 · 评审（出/入） · 违规"
    )
    for y in p["years"]:
        rev = f"{y['review_origin'] or '—'}/{y['review_host'] or '—'}"
        flag = " ★" if y["priority"] else ""
        click.echo(
            f"  {y['period']} · {_v(y['output'])} ({_v(y['target_output'])}) · {_v(y['tax'])} ({_v(y['target_tax'])}) · "
            f"{_v(y['area_mu'])} 亩 · {_v(y['transferred_mu'])}/{_v(y['needed_mu'])} · {_v(y['tax_per_mu'])} · "
            f"{y['grade'] or '—'}{flag} · {rev} · {'；'.join(coop.RULE_ZH.get(x, x) for x in y['breaches']) or '无'}"
        )
    for a in p["tax_sharing"]:
        agr = a["agreement"]
        click.echo(
            f"  税收分享 {agr['agreement_id']}（{agr['basis']}）: {len(a['split'])} 年，"
            f"{sum(1 for s in a['split'] if s['status'] not in ('ok',))} 年不符 / years off the agreement"
        )
    click.echo(f"  违规与无法核对 breaches and unchecked rules: {len(p['breaches'])}", err=True)
    record(db, "enclaves_show", resource=str(enclave_id))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        prov = _prov(b, "enclaves show", enclave_id=enclave_id)
        output.write_text(
            json.dumps({"provenance": prov, **p}, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        record(db, "export", resource=str(output), parameters={"enclaves_show": enclave_id}, count=1)
        click.echo(f"→ {output}", err=True)
    synthetic_warning(p["synthetic"])


@enclaves.command("check", short_help="规则核查 / Equity, land quota, terms, tax sharing, vouchers")
@click.option("--period", type=PERIOD, default=None, help="year (default: the latest with enclave rows)")
@click.option("--all", "every", is_flag=True, help="every year")
@click.option(
    "--alerts",
    "alerts",
    is_flag=True,
    help="record the year's breaches as alerts (rule family cooperation; `chainatlas alerts list` shows them)",
)
@BOOK_OUTPUT
@_FORMAT
@click.pass_context
def check_(
    ctx: click.Context, period: object, every: bool, alerts: bool, output: Path | None, fmt: str | None
) -> int:
    """Check the rules of the cooperation ledgers: the equity rule (the origin controls, more than 50 %; the host
    holds at least 30 %, or the agreement's own floors), land quota transferred against what the enclave needs and
    what was agreed, the agreement's output and tax targets and the origin's promised tax share, tax-sharing
    arrangements (agreed vs realised, outside the term) and voucher redemptions across a border with no
    recognition. Every breach with the numbers behind it; rules that cannot be checked are listed as unknown.

    规则核查：股权（飞出地控股、飞入地不低于30%）、用地指标调剂、协议目标与税收分成、税收分享协议、创新券跨省兑付互认。

    \b
    Exit status: 0, or 3 when a rule is breached (1 and 2: errors, as `chainatlas check`).
    """
    from chainatlas.pipeline import cooperation as coop

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    if every and period is not None:
        from chainatlas.errors import ConfigError

        raise ConfigError("give --period or --all, not both", param="period")
    rows = coop.check(b, period=period, every=every)
    year = "all" if every else (int(rows["period"].iloc[0]) if len(rows) else coop.latest_year(b, period))
    if year is None:
        click.echo("图谱中没有飞地台账 / the atlas holds no enclave rows", err=True)
    breach = rows[rows["status"] == "breach"]
    for r in rows.itertuples(index=False):
        who = r.enclave_id or r.agreement_id or r.voucher_id
        tag = "违规" if r.status == "breach" else "无法核对"
        extra = f" [{r.agreement_id}]" if r.kind == "tax_sharing" and r.enclave_id else ""
        click.echo(f"{r.period} {tag} {coop.KIND_ZH[r.kind]} {who}{extra} · {r.rule_zh}: {r.message}")
    counts = breach["kind"].value_counts().to_dict()
    by_kind = "，".join(f"{coop.KIND_ZH[k]} {v}" for k, v in counts.items()) or "无 / none"
    click.echo(
        f"{year}: {len(breach)} 条违规（{by_kind}），{len(rows) - len(breach)} 条无法核对 / {len(breach)} breaches, "
        f"{len(rows) - len(breach)} unchecked",
        err=True,
    )
    params = {"period": year}
    record(db, "enclaves_check", parameters=params, count=len(breach))
    if alerts:
        if every:
            from chainatlas.errors import ConfigError

            raise ConfigError(
                "--alerts records one year: give --period (or none: the latest)", param="alerts"
            )
        rep = coop.record_alerts(b, db, period=period, actor=actor())
        click.echo(rep.summary(), err=True)
        record(db, "check", parameters={"cooperation": True, "period": rep.period}, count=rep.new)
    book = coop.book_of("违规", "breaches", rows, {"period": year}, coop.synthetic(b))
    write_book(ctx, b, book, output, "enclaves check", params, fmt)
    synthetic_warning(coop.synthetic(b))
    return EXIT_BREACHES if len(breach) else 0


@enclaves.command("rank", short_help="亩均评价排名 / 亩均 ranking within type")
@click.option("--period", type=PERIOD, default=None, help="year (default: the latest with enclave rows)")
@click.option("--type", "type_", type=_TYPES, default=None, help="enclave type (飞地类型)")
@BOOK_OUTPUT
@_FORMAT
@click.pass_context
def rank_(
    ctx: click.Context, period: object, type_: str | None, output: Path | None, fmt: str | None
) -> None:
    """The 亩均效益 evaluation of one year: tax and value added per 亩, value added per unit of energy, R&D
    intensity and labour productivity, the weighted score, rank and grade A–D within each type; leaders approved by
    both sides are marked for priority support (★).

    亩均效益评价：同类型、同年度内按加权得分排名并分 A–D 档；同类领先且双方评审均支持的飞地优先保障（★）。
    """
    from chainatlas.pipeline import cooperation as coop

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    rows = coop.rank(b, period=period, type=type_)
    year = int(rows["period"].iloc[0]) if len(rows) else period
    current = None
    for r in rows.itertuples(index=False):
        if r.enclave_type != current:
            current = r.enclave_type
            click.echo(f"— {r.enclave_type_zh} {current} —")
        rank = f"{r.rank}/{r.peers}" if r.rank is not None else "—"
        lacks = [_INDICATOR_ZH.get(m, m) for m in str(r.missing or "").split(";") if m]
        missing = f" · 缺 {'、'.join(lacks)}" if lacks else ""
        click.echo(
            f"  {rank} {r.enclave_id} {r.enclave_name} · {r.grade or '—'} · 得分 {_v(r.score)} · 亩均税收 "
            f"{_v(r.tax_per_mu)} · 亩均增加值 {_v(r.va_per_mu)}{missing}{' · ★优先保障' if r.priority else ''}"
        )
    params = {"period": year, "type": type_}
    record(db, "enclaves_rank", parameters=params, count=len(rows))
    book = coop.book_of("亩均评价", "mu", rows, {"period": year}, coop.synthetic(b))
    write_book(ctx, b, book, output, "enclaves rank", params, fmt)
    synthetic_warning(coop.synthetic(b))


@enclaves.command("export", short_help="台账工作簿 / The ledger workbook for Excel")
@click.option("--period", type=PERIOD, default=None, help="year of the 台账 sheet (default: the latest)")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=".xlsx (sheets 台账, 亩均评价, 违规, 税收分享, 创新券), .json, or .csv (台账, the others beside it)",
)
@click.pass_context
def export_(ctx: click.Context, period: object, output: Path) -> None:
    """The ledger workbook: 台账 (the year's ledger), 亩均评价 (indicators and grades of every year), 违规 (every
    year's breaches), 税收分享 (agreed vs realised per arrangement and year), 创新券 (voucher flows and each
    recognition's before/after), with Chinese headers.

    导出飞地台账工作簿（台账、亩均评价、违规、税收分享、创新券五张表）。
    """
    from chainatlas.pipeline import cooperation as coop
    from chainatlas.pipeline import simulate as sim

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    book = coop.export_book(b, period=period, progress=progress)
    prov = _prov(b, "enclaves export", period=book.meta.get("period"))
    paths = sim.write(book, output, None, provenance=prov)
    for name, df in book.sheets.items():
        click.echo(f"  {name}: {len(df):,} 行 / rows", err=True)
    record(
        db,
        "export",
        resource=str(paths[0]),
        parameters={"enclaves_export": True, "period": book.meta.get("period")},
        count=sum(len(df) for df in book.sheets.values()),
    )
    click.echo(f"→ {paths[0]}", err=True)
    synthetic_warning(book.synthetic)


@enclaves.command("review", short_help="评审 / Record one side's review of an enclave's evaluation")
@click.argument("enclave_id", metavar="ID")
@click.option("--period", type=PERIOD, required=True, help="the year evaluated")
@click.option(
    "--side", type=click.Choice(["origin", "host"]), required=True, help="origin 飞出地 or host 飞入地"
)
@click.option(
    "--decision",
    type=click.Choice(["approve", "reject"]),
    required=True,
    help="approve 支持 or reject 不支持",
)
@click.option("--comment", default=None, help="the review's comment (at most 4,000 characters)")
@click.option(
    "--as-jurisdiction",
    default=None,
    help="review for this government (its code must cover the side's place); default: the whole region",
)
@click.pass_context
def review_(
    ctx: click.Context,
    enclave_id: str,
    period: object,
    side: str,
    decision: str,
    comment: str | None,
    as_jurisdiction: str | None,
) -> None:
    """Record the origin's or the host's review of an enclave's 亩均 evaluation in a year. The latest review of a
    side counts; earlier ones stay in the history. An enclave approved by both sides that leads its type in the
    year gets priority support.

    飞出地、飞入地各自评审：以每方最新一次评审为准，历史保留；双方均支持且同类领先的飞地优先保障。
    """
    from chainatlas.model.access import REGION, Principal, normalize_jurisdiction
    from chainatlas.pipeline import cooperation as coop
    from chainatlas.storage.reviews import DECISION_ZH, SIDE_ZH

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    jur = normalize_jurisdiction(as_jurisdiction) if as_jurisdiction else REGION
    me = Principal(actor(), "admin", jur, local=True)
    r = coop.review(
        b, db, enclave_id, period=period, side=side, decision=decision, principal=me, comment=comment
    )
    click.echo(
        f"已记录评审 #{r['id']}：{r['enclave_id']} {r['period']} 年 {SIDE_ZH[r['side']]} {DECISION_ZH[r['decision']]}"
        f"（{r['jurisdiction']}，{r['reviewer']}）/ review recorded: {r['side']} {r['decision']}"
    )
    both = "是" if r["approved_by_both"] else "否"
    click.echo(
        f"双方均支持 approved by both: {both} · 同类领先 leader: {'是' if r['leader'] else '否'} · "
        f"优先保障 priority: {'是 ★' if r['priority'] else '否'}"
    )
    record(
        db,
        "enclaves_review",
        resource=str(r["enclave_id"]),
        parameters={
            "period": r["period"],
            "side": r["side"],
            "decision": r["decision"],
            "as_jurisdiction": jur,
            "review_id": r["id"],
        },
    )


# ================================================================================================ tax sharing
@click.command("tax-sharing", short_help="税收分享 / Agreed vs realised split of tax-sharing arrangements")
@click.option("--period", type=PERIOD, default=None, help="one year (default: every year)")
@BOOK_OUTPUT
@_FORMAT
@click.pass_context
def tax_sharing(ctx: click.Context, period: object, output: Path | None, fmt: str | None) -> None:
    """ "Capital + tax" sharing (资本+税收): per arrangement and year the tax of its records, the base (increment
    basis), the share, the agreed amount capped, the amount realised to the sharing place, the gap and the status
    (ok, under, over, outside the term).

    税收分享协议的约定与实际分享：按协议与年度列出税额、基数、比例、封顶后约定额、实际分享额、差额与状态。
    """
    from chainatlas.pipeline import cooperation as coop

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    rows = coop.tax_sharing(b, period=period)
    status_zh = {
        "ok": "符合",
        "under": "少分",
        "over": "多分",
        "outside_term": "协议期外",
        "no_records": "无记录",
        "unknown": "未知",
    }
    for r in rows.itertuples(index=False):
        cap = " 封顶" if not pd.isna(r.cap_binding) and bool(r.cap_binding) else ""
        click.echo(
            f"{r.agreement_id} {r.period} · {r.collecting_name or r.collecting_adcode} → "
            f"{r.sharing_name or r.sharing_adcode} · 税额 {_v(r.tax)} · 约定 {_v(r.capped)}{cap} · 实际 "
            f"{_v(r.realised)} · {status_zh.get(r.status, r.status)}"
        )
    off = rows[rows["status"].isin(["under", "over", "outside_term"])]
    click.echo(
        f"{rows['agreement_id'].nunique()} 个协议 {len(rows)} 行，{len(off)} 行与约定不符 / {len(rows)} rows, "
        f"{len(off)} off the agreement",
        err=True,
    )
    params = {"period": period}
    record(db, "tax_sharing", parameters=params, count=len(rows))
    book = coop.book_of("税收分享", "tax_sharing", rows, {"period": period}, coop.synthetic(b))
    write_book(ctx, b, book, output, "tax-sharing", params, fmt)
    synthetic_warning(coop.synthetic(b))


# ================================================================================================ vouchers
@click.command("vouchers", short_help="创新券 / Voucher flows across provinces and mutual recognitions")
@click.option("--year", type=PERIOD, default=None, help="flows and unrecognised redemptions of one year")
@BOOK_OUTPUT
@_FORMAT
@click.pass_context
def vouchers(ctx: click.Context, year: object, output: Path | None, fmt: str | None) -> None:
    """Innovation vouchers (创新券) redeemed across places: flows per issuing province → provider province and year
    (both redemption modes), each mutual recognition's (互认互通) redemptions in the 12 months before and after its
    start, and cross-province redemptions with no recognition in force.

    创新券跨区域兑付：按发券省份、服务机构省份与年度的流向，互认协议生效前后12个月的兑付，及无互认协议的跨省兑付。
    """
    from chainatlas.pipeline import cooperation as coop
    from chainatlas.pipeline.book import Book

    db = _db(ctx)
    b = backend(ctx, read_only=True)
    v = coop.vouchers(b, year=year)
    cross = v.flows[v.flows["cross_province"].fillna(False).astype(bool)]
    click.echo(
        f"兑付 {int(v.flows['count'].sum()) if len(v.flows) else 0} 笔，其中跨省 {int(cross['count'].sum())} 笔 / "
        f"redemptions, cross-province"
    )
    for r in v.effect.itertuples(index=False):
        ratio = f"×{r.count_ratio:.1f}" if not pd.isna(r.count_ratio) else "（此前为 0 / none before）"
        click.echo(
            f"互认 {r.agreement_id} {r.adcode_a_name or r.adcode_a} ⇄ {r.adcode_b_name or r.adcode_b}（{r.start} 起）："
            f"前12个月 {r.before_count} 笔，后12个月 {r.after_count} 笔 {ratio}"
        )
    for r in v.unrecognised.itertuples(index=False):
        click.echo(
            f"无互认 unrecognised: {r.voucher_id} {r.issuer_adcode} → {r.provider_adcode} {r.redeemed}"
        )
    params = {"year": year}
    record(db, "vouchers", parameters=params, count=len(v.flows))
    book = Book(
        sheets={"流向": v.flows, "互认前后": v.effect, "无互认跨省兑付": v.unrecognised},
        keys={"流向": "flows", "互认前后": "effect", "无互认跨省兑付": "unrecognised"},
        meta={"year": year},
        synthetic=coop.synthetic(b),
        headers=coop.HEADERS,
    )
    write_book(ctx, b, book, output, "vouchers", params, fmt)
    synthetic_warning(coop.synthetic(b))


COMMANDS = (enclaves, tax_sharing, vouchers)
