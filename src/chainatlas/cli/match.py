"""``chainatlas match``: R&D-liaison matching (研发联络者, issue 16), a thin shell over
:mod:`chainatlas.pipeline.matching`.

``match --need ID|TEXT`` ranks researchers for a loaded need or for a need typed in (``--place`` says where it is
posted from), ``match --expert ID`` ranks needs for a researcher, and ``match evaluate --truth FILE`` reports
precision@k, recall@k and MRR on a labelled file. Every match prints why: the shared words and codes, past ties,
distance and whether innovation vouchers are honoured across the border.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from chainatlas import config
from chainatlas.cli.common import BOOK_OUTPUT, backend, record, synthetic_warning, write_book

__all__ = ["match"]


def _why(r: Any) -> str:
    """One match's reasons as a line."""
    parts = [f"得分 {r.score:.3f}（文本 {r.text:.2f}，代码 {r.codes:.2f}）"]
    if len(r.shared_terms):
        parts.append("共同词 " + "、".join(map(str, r.shared_terms[:6])))
    if len(r.shared_codes):
        parts.append("共同代码 " + "、".join(map(str, r.shared_codes)))
    if isinstance(r.distance_km, float) and not math.isnan(r.distance_km):
        parts.append(f"距离 {r.distance_km:,.0f} 公里")
    if r.ties:
        parts.append(f"既往合作 {r.ties:g} 次")
    parts.append("创新券：地点不明" if r.voucher is None else "创新券可用" if r.voucher else "创新券不互认")
    return " · ".join(parts)


def _who(r: Any) -> str:
    """The matched side as a line: a researcher (name, institution) or a need (title, firm), segment, place."""
    d = r._asdict()
    head = " · ".join(
        str(d[k]) for k in ("name", "institution", "title", "firm") if isinstance(d.get(k), str)
    )
    where = " · ".join(str(d[k]) for k in ("segment_zh", "place") if isinstance(d.get(k), str))
    return f"{r.profile_id} {head}" + (f" · {where}" if where else "")


@click.group(invoke_without_command=True, short_help="研发联络者匹配 / Needs ↔ researchers, with the reasons")
@click.option("--need", default=None, help="a loaded need's id (N2023001), or the text of a need")
@click.option("--place", default=None, help="where a typed-in need is posted from: adcode or name (苏州市)")
@click.option("--expert", default=None, help="a researcher's id: rank the needs for this researcher instead")
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True, help="matches to list")
@BOOK_OUTPUT
@click.pass_context
def match(
    ctx: click.Context,
    need: str | None,
    place: str | None,
    expert: str | None,
    top: int,
    output: Path | None,
) -> None:
    """研发联络者匹配：企业技术需求 ↔ 研究人员，按文本相关度（rjieba 分词 + BM25）、IPC 与环节重合、距离、
    既往合作与创新券跨省互认综合排序，每条匹配列出理由。

    Rank researchers for a technology need (``--need N2023001`` or ``--need "车规级功率芯片封装可靠性"``), or needs
    for a researcher (``--expert X0001``). The score adds BM25 text relevance, IPC/segment overlap, proximity, past
    co-operation (co-patents, transfers, technology contracts) and innovation-voucher recognition; each match
    lists the words and codes shared, the ties, the distance and the voucher.
    """
    if ctx.invoked_subcommand is not None:
        return
    if (need is None) == (expert is None):
        raise click.UsageError("give --need ID|TEXT or --expert ID (one of them)")
    from chainatlas.pipeline import matching as mp

    db = config.db_path(ctx.find_root().obj["db"])
    b = backend(ctx, read_only=True)
    if expert is not None:
        res = mp.for_expert(b, expert, top=top)
        click.echo(f"研究人员 {expert} 的匹配需求 / needs for researcher {expert}:")
        params: dict[str, Any] = {"expert": expert, "top": top}
    elif mp.is_need(b, need or ""):
        res = mp.for_needs(b, need, top=top)
        params = {"need": need, "top": top}
        click.echo(f"需求 {need} 的匹配研究人员 / researchers for need {need}:")
    else:
        res = mp.for_needs(b, text=need, place=place, top=top)
        params = {"text": need, "place": place, "top": top}
        click.echo(f"“{need}” 的匹配研究人员 / researchers for the text:")
    for r in res.rows.itertuples(index=False):
        click.echo(f"{r.rank:>3}. {_who(r)}\n     {_why(r)}")
    if res.note:
        click.echo(f"没有匹配 / no match: {res.note}", err=True)
    elif res.rows.empty:
        click.echo(
            "没有匹配：与任何一方都没有共同词、代码或合作 / no match shares a word, code or tie", err=True
        )
    record(db, "match", parameters=params, count=len(res.rows))
    write_book(ctx, b, mp.book(res, params), output, "match", params)
    synthetic_warning(res.synthetic)


@match.command("evaluate", short_help="评测 / precision@k, recall@k and MRR on a labelled file")
@click.option(
    "--truth",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="labelled pairs: CSV or Excel with 需求编号, 人员编号 (or need_id, expert_id)",
)
@click.option("--k", "k", type=click.IntRange(1, 1000), default=5, show_default=True, help="cut-off")
@BOOK_OUTPUT
@click.pass_context
def evaluate(ctx: click.Context, truth: Path, k: int, output: Path | None) -> None:
    """用带标注的文件评测匹配：precision@k、recall@k 与 MRR（每条需求一行或多行“需求编号, 人员编号”）。

    Precision@k, recall@k and MRR of the ranking on a labelled file of (need, relevant researcher) pairs — the
    synthetic dataset's labels/match_truth.csv, or a file of the user's own. Needs the atlas does not hold count
    as misses and are reported.
    """
    from chainatlas.pipeline import matching as mp

    db = config.db_path(ctx.find_root().obj["db"])
    b = backend(ctx, read_only=True)
    labels = mp.read_truth(truth)
    click.echo(f"评测 {len(labels):,} 条需求 / evaluating {len(labels):,} labelled needs …", err=True)
    ev, missing = mp.evaluate(b, labels, k=k)
    click.echo(
        f"precision@{k} {ev.precision_at_k:.3f} · recall@{k} {ev.recall_at_k:.3f} · MRR {ev.mrr:.3f} · "
        f"{ev.n_queries:,} 条需求 needs"
    )
    if missing:
        click.echo(
            f"⚠ {missing:,} 条标注需求不在图谱中，按未命中计 / labelled needs not in the atlas", err=True
        )
    params = {"truth": str(truth), "k": k}
    record(db, "match_evaluate", parameters=params, count=ev.n_queries)
    if output is not None:
        table = pd.DataFrame(
            [{"k": k, "precision_at_k": ev.precision_at_k, "recall_at_k": ev.recall_at_k, "mrr": ev.mrr,
              "needs": ev.n_queries, "unranked": ev.n_unranked, "not_in_atlas": missing}]
        )  # fmt: skip
        from chainatlas.pipeline.book import book_of

        doc = book_of("评测", "evaluation", table, params, mp.synthetic(b), mp.HEADERS)
        write_book(ctx, b, doc, output, "match evaluate", params)
