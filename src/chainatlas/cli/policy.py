"""``chainatlas policy``: policy linkage (政策, issue 16), a thin shell over :mod:`chainatlas.pipeline.policy`.

``policy list|show|coverage|overlaps|gaps|evaluate``: the atlas's policies with their tags (chains and segments
read from the title and text, with the evidence sentences and a confidence, and those the record declares), one
policy in full, the coverage matrix segments × places × years, overlaps where neighbouring places back one segment
with competing measures, gaps where a segment has no policy in a place, and the tagging's precision and recall on a
labelled file. Tables go to CSV (UTF-8 with BOM, Chinese headers, + ``.provenance.json``), XLSX or JSON with
``-o FILE``; every command is written to the audit log.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from chainatlas import config
from chainatlas.cli.common import BOOK_OUTPUT, backend, record, synthetic_warning, write_book
from chainatlas.pipeline.book import Book

__all__ = ["policy"]

_LEVEL = click.option(
    "--level",
    type=click.Choice(["city", "province", "place"]),
    default="city",
    show_default=True,
    help="places as cities (a county's policy counts for its city), provinces, or as issued",
)
_CHAIN = click.option("--chain", default=None, help="one chain (ic, nev, ai, bio, ...); default: every chain")
_SINCE = click.option(
    "--since", default=None, help="first year, inclusive (default: the first with policies)"
)
_UNTIL = click.option("--until", default=None, help="last year, inclusive (default: the last with policies)")
_CONFIDENCE = click.option(
    "--min-confidence",
    type=float,
    default=0.5,
    show_default=True,
    help="leave out tags below this confidence (0.5–1)",
)


def _db(ctx: click.Context) -> Path:
    return config.db_path(ctx.find_root().obj["db"])


def _end(ctx: click.Context, command: str, params: dict, count: int, synthetic: bool) -> None:
    record(_db(ctx), command.replace(" ", "_"), parameters=params, count=count)
    synthetic_warning(synthetic)


def _pct(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _years(view: Any) -> str:
    return "—" if view.years is None else f"{view.years[0]}–{view.years[1]}"


@click.group(short_help="政策 / Policies tagged to chains and places: coverage, overlaps, gaps")
def policy() -> None:
    """政策关联：政策文本识别到产业链与环节（证据句与置信度），覆盖矩阵（环节 × 地区 × 年份），相邻地区竞争性重叠，政策空白。

    Policies tagged to chains and segments from a keyword dictionary built from the taxonomy (and
    data/policy/aliases.yaml) plus text similarity, with the evidence and a confidence; the coverage matrix
    segments × places × years; overlaps where neighbouring places back one segment with competing measures
    (the paper's 竞争远大于合作); gaps where a segment has no policy in a place.
    """


@policy.command("list", short_help="政策列表 / The policies with their tags")
@click.option("--search", "q", default=None, help="words the title, issuer or text must all contain")
@_CHAIN
@click.option("--segment", default=None, help="one segment of --chain (design, fabrication, ...)")
@click.option("--place", default=None, help="issued in this place or inside it: 320000, 苏州市")
@click.option(
    "--policy-level", default=None, help="national, regional, provincial, city or county (国家 … 县级)"
)
@_SINCE
@_UNTIL
@_CONFIDENCE
@BOOK_OUTPUT
@click.pass_context
def list_(
    ctx: click.Context,
    q: str | None,
    chain: str | None,
    segment: str | None,
    place: str | None,
    policy_level: str | None,
    since: str | None,
    until: str | None,
    min_confidence: float,
    output: Path | None,
) -> None:
    """The policies, newest first: id, date, issuer, title and the chains and segments they are tagged to
    (strongest first, with the confidence of the strongest) and the competing measures they offer.

    政策列表（按发布日期由新到旧）：编号、日期、发文机关、标题、识别出的产业链与环节及措施。
    """
    from chainatlas.pipeline import policy as pp

    b = backend(ctx, read_only=True)
    params: dict[str, Any] = {
        "q": q,
        "chain": chain,
        "segment": segment,
        "place": place,
        "level": policy_level,
        "since": since,
        "until": until,
        "min_confidence": min_confidence,
    }
    rows = pp.policies(b, **params)
    for r in rows.itertuples(index=False):
        tags = "、".join(r.labels_zh[:4]) + (" …" if len(r.labels_zh) > 4 else "") or "（未识别）"
        conf = "" if pd.isna(r.confidence) else f" ({r.confidence:.2f})"
        click.echo(f"{r.policy_id} {r.date or '—'} {r.issuer or ''}《{r.title}》 → {tags}{conf}")
    click.echo(f"{len(rows)} 件政策 / policies", err=True)
    synthetic = pp.synthetic(b)
    write_book(
        ctx,
        b,
        pp.book("政策", "policies", rows, {"count": len(rows)}, synthetic),
        output,
        "policy list",
        params,
    )
    _end(ctx, "policy list", params, len(rows), synthetic)


@policy.command("show", short_help="政策详情 / One policy: its tags with the evidence")
@click.argument("policy_id", metavar="ID")
@_CONFIDENCE
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the policy as .json",
)
@click.pass_context
def show(ctx: click.Context, policy_id: str, min_confidence: float, output: Path | None) -> None:
    """One policy: its record, every tag with its confidence, source, the terms found and the evidence sentences,
    and the measures it offers.

    政策详情：每个标签的置信度、来源、命中词与证据句，以及扶持措施。
    """
    from chainatlas.pipeline import policy as pp

    b = backend(ctx, read_only=True)
    d = pp.policy(b, policy_id, min_confidence=min_confidence)
    click.echo(f"{d['policy_id']}《{d['title']}》")
    click.echo(
        f"  {d['issuer'] or '—'} · {d['place_name'] or d['adcode'] or '—'} · {d['level_zh'] or d['level'] or '—'} · "
        f"{d['date'] or '—'}"
    )
    for t in d["tags"]:
        click.echo(
            f"  ▸ {t['label_zh']} ({t['label']}) 置信度 {t['confidence']:.2f} · {t['source_zh']}"
            + (f" · 命中 {'、'.join(t['terms'])}" if t["terms"] else "")
        )
        for s in t["sentences"]:
            click.echo(f"      “{s}”")
    if not d["tags"]:
        click.echo("  （未识别出产业链或环节 / no chain or segment found）")
    if d["measures"]:
        click.echo(
            "  措施 / measures: "
            + "；".join(f"{m['category_zh']}（{'、'.join(m['terms'])}）" for m in d["measures"])
        )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(d, ensure_ascii=False, indent=2), encoding="utf-8")
        record(_db(ctx), "export", resource=str(output), parameters={"policy_show": policy_id}, count=1)
        click.echo(f"→ {output}", err=True)
    _end(ctx, "policy show", {"policy_id": policy_id}, 1, bool(d["synthetic"]))


@policy.command("coverage", short_help="覆盖矩阵 / Policies per segment × place × year")
@_LEVEL
@_CHAIN
@_SINCE
@_UNTIL
@_CONFIDENCE
@BOOK_OUTPUT
@click.pass_context
def coverage_(
    ctx: click.Context,
    level: str,
    chain: str | None,
    since: str | None,
    until: str | None,
    min_confidence: float,
    output: Path | None,
) -> None:
    """The coverage matrix: for each segment (and each chain as a whole), the places with policies on it and how
    many, over the years. The file's first sheet is the matrix (segments × places), then the counts per year and
    the regional and national policies.

    覆盖矩阵：每个环节在各地区的政策数（所选年份）；文件含矩阵、逐年明细与区域性政策。
    """
    from chainatlas.pipeline import policy as pp

    b = backend(ctx, read_only=True)
    params: dict[str, Any] = {
        "level": level,
        "chain": chain,
        "since": since,
        "until": until,
        "min_confidence": min_confidence,
    }
    v = pp.coverage(b, **params)
    names = dict(zip(v.places["place"], v.places["name_zh"].fillna(v.places["place"]), strict=True))
    for s in v.segments.itertuples(index=False):
        cells = v.matrix[(v.matrix["chain"] == s.chain) & (v.matrix["segment"] == s.segment)]
        cells = cells.sort_values(["policies", "place"], ascending=[False, True])
        where = "、".join(
            f"{names.get(p, p)} {n}" for p, n in zip(cells["place"], cells["policies"], strict=True)
        )
        click.echo(f"{s.label_zh}: {s.policies} 件 · {len(cells)} 地 · {where or '—'}")
    click.echo(f"{_years(v)} 年，{len(v.places)} 个地区 / places at level {level}", err=True)
    wide = _wide(v)
    book = Book(
        sheets={"覆盖矩阵": wide, "逐年": v.cells, "区域政策": v.region},
        keys={"覆盖矩阵": "matrix", "逐年": "cells", "区域政策": "region"},
        meta={"level": level, "years": list(v.years or ())},
        synthetic=pp.synthetic(b),
        headers=pp.HEADERS,
    )
    write_book(ctx, b, book, output, "policy coverage", params)
    _end(ctx, "policy coverage", params, len(v.matrix), pp.synthetic(b))


def _wide(v: Any) -> pd.DataFrame:
    """Segments × places as a sheet: one column per place named by it (苏州市 320500)."""
    m = v.matrix.pivot_table(index=["chain", "segment"], columns="place", values="policies", fill_value=0)
    m = m.reindex(pd.MultiIndex.from_frame(v.segments[["chain", "segment"]]), fill_value=0)
    m = m.reindex(columns=list(v.places["place"]), fill_value=0).astype("int64")
    m.columns = [
        f"{n} {p}" if isinstance(n, str) else p
        for p, n in zip(v.places["place"], v.places["name_zh"], strict=True)
    ]
    out = m.reset_index()
    out.insert(2, "label_zh", v.segments["label_zh"].to_numpy())
    return out


@policy.command("overlaps", short_help="竞争性重叠 / Neighbours backing one segment with competing measures")
@_LEVEL
@_CHAIN
@click.option("--segment", default=None, help="one segment of --chain")
@_SINCE
@_UNTIL
@click.option("--window", type=int, default=1, show_default=True, help="years apart the two policies may be")
@click.option("--same-province", is_flag=True, help="also any two places of one province, neighbours or not")
@_CONFIDENCE
@BOOK_OUTPUT
@click.pass_context
def overlaps_(
    ctx: click.Context,
    level: str,
    chain: str | None,
    segment: str | None,
    since: str | None,
    until: str | None,
    window: int,
    same_province: bool,
    min_confidence: float,
    output: Path | None,
) -> None:
    """Neighbouring places backing one segment at about the same time with the same kind of incentive (subsidies,
    land, tax, talent, attraction, funds, procurement): per place pair and segment, how many pairs of policies and
    which measures compete; the file has every pair of policies beside it.

    相邻地区在同一环节、相近年份以同类措施（补贴、用地、税收、人才、招商、基金、采购）竞相扶持：按地区对与环节汇总。
    """
    from chainatlas.pipeline import policy as pp

    b = backend(ctx, read_only=True)
    params: dict[str, Any] = {
        "level": level,
        "chain": chain,
        "segment": segment,
        "since": since,
        "until": until,
        "window": window,
        "same_province": same_province,
        "min_confidence": min_confidence,
    }
    v = pp.overlaps(b, **params)
    for r in v.summary.itertuples(index=False):
        click.echo(
            f"{r.place_a_name or r.place_a} ↔ {r.place_b_name or r.place_b} · {r.label_zh} · {r.pairs} 对政策 · "
            f"{r.first_year}–{r.last_year} · {'、'.join(r.measures_zh)} · {r.relation_zh}"
        )
    click.echo(
        f"{len(v.summary)} 组地区重叠，{len(v.pairs)} 对政策（{_years(v)}）/ place pairs, policy pairs",
        err=True,
    )
    book = Book(
        sheets={"重叠汇总": v.summary, "政策对": v.pairs},
        keys={"重叠汇总": "summary", "政策对": "pairs"},
        meta={"level": level, "years": list(v.years or ()), "window": window},
        synthetic=pp.synthetic(b),
        headers=pp.HEADERS,
    )
    write_book(ctx, b, book, output, "policy overlaps", params)
    _end(ctx, "policy overlaps", params, len(v.summary), pp.synthetic(b))


@policy.command("gaps", short_help="政策空白 / Segments without a policy in a place")
@_LEVEL
@_CHAIN
@_SINCE
@_UNTIL
@_CONFIDENCE
@BOOK_OUTPUT
@click.pass_context
def gaps_(
    ctx: click.Context,
    level: str,
    chain: str | None,
    since: str | None,
    until: str | None,
    min_confidence: float,
    output: Path | None,
) -> None:
    """Segments with no policy of a place in the years, and what backs them otherwise (policies on the whole chain,
    by the city or province above, regional ones); then the share of segments each place covers.

    政策空白：某地区在所选年份没有任何政策的环节，以及整链政策、上级政策和区域政策的情况；各地区环节覆盖率。
    """
    from chainatlas.pipeline import policy as pp

    b = backend(ctx, read_only=True)
    params: dict[str, Any] = {
        "level": level,
        "chain": chain,
        "since": since,
        "until": until,
        "min_confidence": min_confidence,
    }
    v = pp.gaps(b, **params)
    for r in v.by_place.sort_values(["share", "place"]).itertuples(index=False):
        missing = v.table[v.table["place"] == r.place]["label_zh"].tolist()
        click.echo(
            f"{r.place_name or r.place}: {r.covered}/{r.segments} 个环节有政策（{_pct(r.share)}）"
            + (f" · 空白 {'、'.join(missing[:6])}{' …' if len(missing) > 6 else ''}" if missing else "")
        )
    click.echo(f"{len(v.table)} 处空白（{_years(v)}）/ gaps", err=True)
    book = Book(
        sheets={"政策空白": v.table, "地区覆盖": v.by_place, "环节覆盖": v.by_segment},
        keys={"政策空白": "gaps", "地区覆盖": "by_place", "环节覆盖": "by_segment"},
        meta={"level": level, "years": list(v.years or ())},
        synthetic=pp.synthetic(b),
        headers=pp.HEADERS,
    )
    write_book(ctx, b, book, output, "policy gaps", params)
    _end(ctx, "policy gaps", params, len(v.table), pp.synthetic(b))


@policy.command("evaluate", short_help="识别评测 / Precision and recall of the tagging on a labelled file")
@click.option(
    "--truth",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="labelled policies (CSV/XLSX): policy_id/政策编号, labels/标签, and title/标题, text/正文 "
    "(without a title the atlas's policies are used)",
)
@_CONFIDENCE
@BOOK_OUTPUT
@click.pass_context
def evaluate_(ctx: click.Context, truth: Path, min_confidence: float, output: Path | None) -> None:
    """Precision, recall and F1 of the tagging against labelled policies (labels ``chain:segment`` or ``chain``
    joined by ``;``), micro-averaged over (policy, label) pairs, and the same per chain; the file lists every
    policy's missed and extra labels.

    政策识别评测：在标注文件上计算准确率、召回率与 F1（按标签与按产业链）；-o 输出逐条差异。
    """
    from chainatlas.pipeline import policy as pp

    b = backend(ctx, read_only=True) if _db(ctx).exists() else None
    e = pp.evaluate(truth, backend=b, min_confidence=min_confidence)
    s = e.summary()
    r = e.result
    click.echo(
        f"{s['policies']} 件政策（正文来自{'文件' if e.texts == 'file' else '图谱'}），置信度 ≥ {s['min_confidence']}"
    )
    click.echo(
        f"  环节/整链标签 / labels: 准确率 precision {_pct(r.precision)} · 召回率 recall {_pct(r.recall)} · F1 {_pct(r.f1)}"
    )
    click.echo(
        f"  产业链 / chains: 准确率 precision {_pct(r.chain_precision)} · 召回率 recall {_pct(r.chain_recall)} · "
        f"F1 {_pct(r.chain_f1)}"
    )
    click.echo(f"  完全一致 / exact: {_pct(r.exact)}")
    params = {"truth": truth.name, "min_confidence": min_confidence}
    if output is not None:
        book = Book(
            sheets={"逐条": r.per_policy},
            keys={"逐条": "per_policy"},
            meta=s,
            synthetic=False,
            headers=pp.HEADERS,
        )
        write_book(ctx, b, book, output, "policy evaluate", params)
    if b is not None:
        record(_db(ctx), "policy_evaluate", parameters=params, count=r.policies)
