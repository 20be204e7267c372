"""``chainatlas check``: periodic inspection with the rule sets of the levels of government."""

from __future__ import annotations

from pathlib import Path

import click

from chainatlas import config
from chainatlas.cli.common import PERIOD, actor, backend, output_options, record

__all__ = ["check"]

_, FORMAT = output_options()  # -f/--format as every command has it


@click.command(
    "check", short_help="巡检预警 / Inspect a period with the rule sets: the alerts and their evidence"
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="one rule set (YAML) instead of the atlas's sets (default: the sets of <db>.rules/ over the shipped ones)",
)
@click.option(
    "--period",
    type=PERIOD,
    default=None,
    help="period to inspect: 2024, 2024Q2 or 2024-05 (default: the latest year built)",
)
@click.option(
    "--level",
    type=click.Choice(["region", "province", "city"]),
    default=None,
    help="only the rule sets of this level (default: every level)",
)
@click.option(
    "--jurisdiction",
    default=None,
    help="only the rule set of this jurisdiction (YRD, 320000, 320500); with --level, the sets of that level inside it",
)
@click.option(
    "--record/--no-record",
    "keep",
    default=None,
    help="record the alerts in the atlas's alert store (<db>.alerts.sqlite): de-duplicated, grouped, resolved "
    "and reopened across runs (default: on, off with --rules: a trial rule file must not resolve the alerts of "
    "the real set)",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "critical", "never"]),
    default="warning",
    show_default=True,
    help="exit status 3 when a run opens or reopens an alert of this severity or above (for schedulers)",
)
@click.option("--webhook", default=None, help="POST each run's new, reopened and resolved alerts here (JSON)")
@click.option(
    "--notify-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="write each run's notification as JSON into this folder",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="also write the active alerts: .csv (UTF-8 with BOM, + .provenance.json) or .json",
)
@FORMAT
@click.pass_context
def check(
    ctx: click.Context,
    rules_file: Path | None,
    period: int | str | None,
    level: str | None,
    jurisdiction: str | None,
    keep: bool | None,
    fail_on: str,
    webhook: str | None,
    notify_dir: Path | None,
    output: Path | None,
    fmt: str | None,
) -> int:
    """Evaluate rule sets over every built period up to PERIOD and write the alerts active then: severity, rule,
    unit (place, or segment in a jurisdiction), the numbers behind them, since when, suggested owner, the
    jurisdictions concerned and a query spec of the records behind them.

    按规则集巡检：规则集随图谱保存（默认规则在软件包 data/rules/ 中，用户自己的放在 <db>.rules/ 目录，同级同辖区覆盖默认）。
    不带 --rules 时评估所选级别/辖区的全部规则集（默认：区域、各省及有规则文件的各市）。

    \b
    Example rule set (rules.yaml):
      level: city
      jurisdiction: "320500"
      rules:
        - {id: few-firms, type: threshold, severity: warning, indicator: firms, below: 20, pending: 2}
        - {id: revenue-drop, type: change, severity: critical, indicator: revenue, basis: year, below: -20}
        - {id: fab-broken, type: newly_broken, severity: critical}
        - {id: hubs, type: falling, severity: info, metric: hub_spillover, pct: 20}

    \b
    Exit status: 0, or 3 when new or reopened alerts at or above --fail-on appeared (1 and 2: errors).
    Cron (monthly, the 5th at 06:00), see README 监测预警:
      0 6 5 * * chainatlas --db /srv/atlas.duckdb check --notify-dir /srv/alerts || mail -s 预警 ops < /dev/null
    """
    from chainatlas.errors import ConfigError
    from chainatlas.pipeline.analyze.result import Result, write
    from chainatlas.pipeline.monitor import check_sets, inspected_periods, read_rule_set, rule_sets, rules_dir

    db = config.db_path(ctx.find_root().obj["db"])
    if rules_file is not None:
        if level is not None or jurisdiction is not None:
            raise ConfigError(
                "give --rules, or --level/--jurisdiction to pick the atlas's sets, not both", param="rules"
            )
        sets = [(read_rule_set(rules_file), str(rules_file))]
    else:
        sets = rule_sets(level=level, jurisdiction=jurisdiction, user_dir=rules_dir(db))
    b = backend(ctx, read_only=True)
    inspected = inspected_periods(b, period)[-1]
    alerts = check_sets(b, [rs for rs, _ in sets], period=inspected)
    counts = alerts["severity"].value_counts().to_dict()
    by_sev = "，".join(f"{k} {v}" for k, v in counts.items()) or "无 / none"
    for rule, why in alerts.attrs.get("skipped", {}).items():
        click.echo(f"未评估 / not evaluated for {inspected}: {rule} ({why})", err=True)
    click.echo(
        f"巡检 {len(sets)} 个规则集，{len(alerts)} 条有效预警（{by_sev}）/ "
        f"{len(sets)} rule sets, {len(alerts)} active alerts",
        err=True,
    )
    status = 0
    if keep if keep is not None else rules_file is None:
        from chainatlas.pipeline.alerts import exit_code, notify, record_sets
        from chainatlas.storage.alerts import AlertStore

        store = AlertStore(config.side_file(db, "alerts"))
        reports = record_sets(store, alerts, [rs for rs, _ in sets], period=inspected, actor=actor())
        for rep in reports:
            click.echo(rep.summary(), err=True)
            for where in notify(rep, webhook=webhook, directory=notify_dir):
                click.echo(f"  通知 / notified: {where}", err=True)
        record(db, "check", parameters={"period": str(inspected)}, count=sum(r.new for r in reports))
        status = exit_code(reports, None if fail_on == "never" else fail_on)
    elif webhook or notify_dir:
        raise ConfigError("notifications need the alerts recorded; drop --no-record", param="webhook")
    if output is None:
        return status
    result = Result(
        alerts,
        {
            "command": "check",
            "rule_sets": [
                {"level": rs.level, "jurisdiction": rs.jurisdiction, "source": src, "rules": len(rs.rules)}
                for rs, src in sets
            ],
            "period": inspected,
            "skipped_rules": alerts.attrs.get("skipped", {}),
        },
        {"alerts": len(alerts), **counts},
    )
    path = write(result, output, fmt)
    record(
        db,
        "export",
        resource=str(path),
        parameters={
            "check": str(rules_file) if rules_file else [f"{rs.level}:{rs.jurisdiction}" for rs, _ in sets],
            "period": str(inspected),
        },
        count=len(alerts),
    )
    click.echo(f"→ {path}", err=True)
    return status
