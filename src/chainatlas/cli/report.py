"""``chainatlas report``: the inspection report (巡检报告) of one period as one HTML file or a PDF.

Parses the options, calls :func:`chainatlas.pipeline.report.write_report` and records the export in the audit log.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from chainatlas import config
from chainatlas.cli.common import backend, progress, record

__all__ = ["report"]

_HELP = """Inspection report 巡检报告: one period of the atlas as a file a planner can hand on.

\b
Contents / 内容:
  cover      title, period, jurisdiction, generation time, data provenance, the 合成数据 label for synthetic data
  1 layers   the six layers' ties, records, amounts and cross-province share, change on the previous period,
             a map of the places' activity and a chart of the changes
  2 chains   断链 / 单点 / 卡点 per chain, as the chain view judges them
  3 coupling innovation–industry coupling coordination (the coupling topic)
  4 alerts   the active alerts with their evidence (--alerts FILE, else `check` with
             the default rules, which the report lists)
  5 highlights  each indicator's total and the places that rose and fell most

HTML is one self-contained file (pictures inside, no link outside it); PDF is A4 with a CJK font embedded.
Neither needs a browser nor a network. --jurisdiction narrows the report to a province, city or county and
reads as a user of that jurisdiction would (disclosure control applies); places outside it are not named.

\b
Examples:
  chainatlas report -o report.html
  chainatlas report --period 2024 --jurisdiction 320500 -f pdf -o suzhou_2024.pdf
  chainatlas report --lang en -o report_en.pdf
  chainatlas check --rules city.yaml -o alerts.csv && chainatlas report --alerts alerts.csv -o report.pdf
"""


@click.command("report", help=_HELP, short_help="Inspection report (HTML or PDF) of one period / 巡检报告")
@click.option("--period", default=None, help="built period to report (default: the latest built)")
@click.option(
    "--jurisdiction",
    default="YRD",
    show_default=True,
    help="YRD (the whole region) or the adcode of a province, city or county (320000, 320500, 320506)",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf"]),
    default=None,
    help="default: from the output file's suffix (html)",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="report file (.html or .pdf)",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="language of the report"
)
@click.option(
    "--alerts",
    "alerts_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="alerts to report: the CSV or JSON `chainatlas check -o` writes (default: "
    "`check` with the default rules)",
)
@click.pass_context
def report(
    ctx: click.Context,
    period: str | None,
    jurisdiction: str,
    fmt: str | None,
    output: Path,
    lang: str,
    alerts_file: Path | None,
) -> None:
    from chainatlas.pipeline.report import read_alerts, write_report

    t = time.perf_counter()
    alerts = read_alerts(alerts_file) if alerts_file is not None else None
    out = write_report(
        backend(ctx, read_only=True),
        output,
        fmt=fmt,
        period=period,
        jurisdiction=jurisdiction,
        lang=lang,
        alerts=alerts,
        progress=progress,
    )
    record(
        config.db_path(ctx.find_root().obj["db"]),
        "export",
        resource=str(out.path),
        parameters={
            "what": "report",
            "format": out.format,
            "period": out.period,
            "jurisdiction": out.jurisdiction,
            "lang": lang,
            "alerts": str(alerts_file) if alerts_file is not None else out.alert_source,
        },
        count=out.alerts,
    )
    click.echo(
        f"wrote {out.format.upper()} report of {out.period}, {out.jurisdiction} ({out.bytes / 1024:,.0f} KB, "
        f"{out.alerts} alerts, {time.perf_counter() - t:.1f}s) to {out.path}",
        err=True,
    )
    if out.synthetic:
        click.echo("⚠ 含合成（虚构）数据 / computed from SYNTHETIC data", err=True)
