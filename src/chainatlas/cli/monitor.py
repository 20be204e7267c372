"""``chainatlas check``: a level of government's periodic inspection with its rule set."""

from __future__ import annotations

from pathlib import Path

import click

from chainatlas import config
from chainatlas.cli.common import backend, output_options, record

__all__ = ["check"]

OUTPUT, FORMAT = output_options()


@click.command("check", short_help="Inspect a period with a rule set: the alerts and their evidence")
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="rule set (YAML) of one level of government",
)
@click.option("--period", type=int, default=None, help="period to inspect (default: the latest built)")
@OUTPUT
@FORMAT
@click.pass_context
def check(ctx: click.Context, rules_file: Path, period: int | None, output: Path, fmt: str | None) -> None:
    """Evaluate the rule set's rules over every built period up to PERIOD and write the alerts active then,
    with severity, the rule, the unit, the numbers behind them and since when they fire.

    \b
    Example rule set (rules.yaml):
      level: city
      jurisdiction: "320500"
      rules:
        - {id: few-firms, type: threshold, severity: warning, indicator: firms, below: 20, pending: 2}
        - {id: revenue-drop, type: change, severity: critical, indicator: revenue, basis: year, below: -20}
    """
    from chainatlas.analytics.alerting import parse_rules
    from chainatlas.pipeline.analyze.result import Result, write
    from chainatlas.pipeline.monitor import check as run

    rules = parse_rules(rules_file.read_text(encoding="utf-8-sig"))
    b = backend(ctx, read_only=True)
    alerts = run(b, rules, period=period)
    year = int(alerts["period"].iloc[0]) if len(alerts) else period
    result = Result(
        alerts,
        {
            "command": "check",
            "rules": str(rules_file),
            "level": rules.level,
            "jurisdiction": rules.jurisdiction,
            "period": year,
        },
        {"alerts": len(alerts), **alerts["severity"].value_counts().to_dict()},
    )
    path = write(result, output, fmt)
    record(
        config.db_path(ctx.find_root().obj["db"]),
        "export",
        resource=str(path),
        parameters={"check": str(rules_file)},
        count=len(alerts),
    )
    counts = ", ".join(f"{k} {v}" for k, v in alerts["severity"].value_counts().items()) or "none"
    click.echo(
        f"{rules.level} {rules.jurisdiction}: {len(alerts)} active alerts ({counts}) → {path}", err=True
    )
