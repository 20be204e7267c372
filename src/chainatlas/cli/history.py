"""``chainatlas history``: an indicator's history per place (change, year-ago change, trend, rank among peers).

Parses the options, calls :func:`chainatlas.pipeline.history.history_result` and writes the result with the
analysis writer (CSV for Excel, UTF-8 with BOM, + ``.provenance.json``; or JSON).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import click

from chainatlas import config
from chainatlas.cli.common import PERIOD, backend, output_options, record, save_result
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.layers import ALL, SCALES

__all__ = ["history"]

_HELP = f"""Indicator history: change, trend, rank.

For every unit of a scale (or one --place) and period: the INDICATOR's value, its change on the previous
period and on the same period a year earlier (absolute and %), its Theil–Sen trend over the last --window
periods, and its rank among the units of the scale (1 = best: highest, or lowest for indicators where less is
better, such as imports); at county and city scale also within the unit's city or province. Unknown values
stay empty (never 0); a % change on a base of 0 is empty.

With --all: every indicator for one --period (default the latest built).

\b
INDICATOR is one of:
{textwrap.fill(", ".join(INDICATORS), 100, initial_indent="  ", subsequent_indent="  ")}

\b
Examples:
  chainatlas history patents --scale city -o patents.csv
  chainatlas history imports --scale county --place 320500 --chain ic -o suzhou_ic_imports.csv
  chainatlas history --all --period 2024 -o indicators_2024.json
"""


OUTPUT, FORMAT = output_options()


@click.command("history", help=_HELP, short_help="Indicator history: change, trend, rank")
@click.argument("indicator", required=False, metavar="[INDICATOR]", type=click.Choice(list(INDICATORS)))
@click.option("--all", "all_", is_flag=True, help="every indicator for one period")
@click.option(
    "--scale", type=click.Choice(list(SCALES)), default="city", show_default=True, help="aggregation scale"
)
@click.option(
    "--place", default=None, help="adcode of one unit of the scale, or of a city/province to keep its units"
)
@click.option("--chain", default=ALL, show_default=True, help="chain id, or * for all chains")
@click.option("--segment", default=ALL, show_default=True, help="segment id, or * for the whole chain")
@click.option(
    "--period",
    type=PERIOD,
    default=None,
    help="year, month (2024-05) or quarter (2024Q2) to report (default: every built year; with --all the "
    "latest year)",
)
@click.option(
    "--window",
    "trend_window",
    type=click.IntRange(min=3),
    default=5,
    show_default=True,
    help="periods the trend reads (at least 3)",
)
@click.option(
    "--groups/--no-groups",
    default=True,
    show_default=True,
    help="also rank counties within their city and cities within their province",
)
@OUTPUT
@FORMAT
@click.pass_context
def history(
    ctx: click.Context,
    indicator: str | None,
    all_: bool,
    scale: str,
    place: str | None,
    chain: str,
    segment: str,
    period: int | None,
    trend_window: int,
    groups: bool,
    output: Path,
    fmt: str | None,
) -> None:
    from chainatlas.pipeline.history import history_result

    if all_ == (indicator is not None):
        raise click.UsageError("give one INDICATOR or --all")
    result = history_result(
        backend(ctx, read_only=True),
        indicator=indicator,
        scale=scale,
        period=period,
        chain=chain,
        segment=segment,
        place=place,
        trend_window=trend_window,
        groups=groups,
    )
    what = "every indicator" if indicator is None else indicator
    path = save_result(result, output, fmt, label=f" ({what}, {scale})", err=True)
    record(
        config.db_path(ctx.find_root().obj["db"]),
        "export",
        resource=str(path),
        parameters={
            "what": "history",
            "indicator": indicator or "*",
            "scale": scale,
            "period": result.provenance.get("period"),
            "chain": chain,
            "segment": segment,
            "place": place,
            "window": trend_window,
        },
        count=len(result.data),
    )
