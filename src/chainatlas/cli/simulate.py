"""``chainatlas simulate``, ``risk`` and ``emergency-list``: 平战转换 supply-shock scenarios, the systemic-risk ranking
and the supply-chain emergency list (issue 14), thin shells over :mod:`chainatlas.pipeline.simulate`
and :mod:`chainatlas.pipeline.emergency`."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from chainatlas import config
from chainatlas.cli.common import (
    PERIOD,
    backend,
    output_options,
    progress,
    record,
    synthetic_warning,
    written,
)

__all__ = ["COMMANDS"]

_, FORMAT = output_options()  # -f/--format as every command has it


@click.command("simulate", short_help="情景模拟 / Run a supply-shock scenario on the firm network")
@click.argument(
    "scenario_file", metavar="SCENARIO.yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="result file: .json (everything) or .csv (UTF-8 with BOM: the summary per variant, the other tables as "
    "FILE.<table>.csv, + .provenance.json); default: print the summary",
)
@FORMAT
@click.option("--variant", default=None, help="run only this variant of the scenario's compare: list")
@click.pass_context
def simulate(
    ctx: click.Context, scenario_file: Path, output: Path | None, fmt: str | None, variant: str | None
) -> None:
    """Run SCENARIO.yaml (shocks, settings and policy variants; `chainatlas templates scenario -o FILE` writes a
    documented example) on the firm supply network of the atlas and report, per variant, the output lost (direct
    and indirect), the peak and the time to 95 % recovery; with -o also the loss per step by segment, place,
    province and chain, the firms hit hardest, the substitutions and the white-list firms that kept others alive.

    按情景文件模拟供应冲击（封控、进口受限、企业或环节停摆、产能下降）在企业供应网络上的传导，比较不同政策方案。
    """
    from chainatlas.pipeline import simulate as sim
    from chainatlas.pipeline.scenario import load_scenario

    db = config.db_path(ctx.find_root().obj["db"])
    scenario = load_scenario(scenario_file)
    if variant is not None:
        scenario = scenario.variant(variant)
    b = backend(ctx, read_only=True)
    result = sim.run(b, scenario, progress=progress)
    s = result.summary
    click.echo(
        f"情景 {scenario.name}：{result.period} 年网络，{scenario.horizon} {'周' if scenario.step == 'week' else '天'}，"
        f"{len(scenario.shocks)} 个冲击，{len(s)} 个方案（{result.seconds:.1f}s）/ scenario {scenario.name!r}",
        err=True,
    )
    for note in result.notes:
        click.echo(f"  注意 note: {note}", err=True)
    for r in s.itertuples(index=False):
        rec = (
            "未恢复 / not within the horizon"
            if pd.isna(r.recovery_steps)
            else f"{int(r.recovery_steps)} 步 / steps"
        )
        click.echo(
            f"{r.variant}: 损失 loss {r.loss:,.0f} 万元 ({r.loss_share:.2%})，直接 direct {r.direct:,.0f}，间接 indirect "
            f"{r.indirect:,.0f}；峰值 peak {r.peak_loss_share:.2%} @ step {r.peak_step}；恢复至 95% recovery {rec}；"
            f"替代 substitutions {r.substitutions}"
        )
    params = {"scenario": str(scenario_file), "variant": variant, "period": result.period}
    record(db, "simulate", resource=str(scenario_file), parameters=params, count=len(s))
    if output is not None:
        prov = sim.provenance(b, "simulate", scenario=scenario.raw, variant=variant, period=result.period)
        paths = sim.write(result, output, fmt, provenance=prov)
        record(db, "export", resource=str(paths[0]), parameters=params, count=len(result.series))
        written(paths)
    synthetic_warning(result.synthetic)


@click.command("risk", short_help="系统性风险排名 / Systemic-risk index (ESRI) of every firm and segment")
@click.option("--chain", default=None, help="rank the firms and segments of this chain (default: every firm)")
@click.option("--period", type=PERIOD, default=None, help="year of the network (default: the latest built)")
@click.option("--top", type=click.IntRange(min=1), default=None, help="keep the N highest ranked firms")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=".csv (UTF-8 with BOM: firms; FILE.segments.csv, + .provenance.json with the distribution) or .json",
)
@FORMAT
@click.pass_context
def risk(
    ctx: click.Context, chain: str | None, period: object, top: int | None, output: Path, fmt: str | None
) -> None:
    """Economic systemic-risk index (ESRI, Diem et al. 2022) of every firm: the share of the region's output lost
    if that firm alone failed, with the cascade down- and upstream; per segment the same for its firms together;
    the distribution of the index and the firms ranked.

    系统性风险指数：单个企业停摆导致的全区域产出损失比例，及各环节整体停摆的损失。
    """
    from chainatlas.pipeline import emergency
    from chainatlas.pipeline import simulate as sim

    db = config.db_path(ctx.find_root().obj["db"])
    b = backend(ctx, read_only=True)
    r = emergency.risk(b, period=period, chain=chain, top=top, progress=progress)
    d = r.distribution
    if d.get("count"):
        click.echo(
            f"ESRI {d['count']:,} 家企业 / firms ({r.period}{', ' + chain if chain else ''}): 中位数 median "
            f"{d['median']:.4%}，p99 {d['p99']:.2%}，最大 max {d['max']:.2%}；≥5%: {d['above_5pct']:,} 家 / firms",
            err=True,
        )
    prov = sim.provenance(b, "risk", chain=chain, period=r.period, top=top)
    paths = sim.write(r, output, fmt, provenance=prov)
    record(
        db,
        "export",
        resource=str(paths[0]),
        parameters={"risk": chain or "*", "period": r.period, "top": top},
        count=len(r.firms),
    )
    written(paths)
    synthetic_warning(r.synthetic)


@click.command("emergency-list", short_help="供应链关键部门联合清单 / The supply-chain emergency list")
@click.option("--chain", default=None, help="one chain (default: every chain)")
@click.option("--province", default=None, help="one province: 320000 or 江苏省 (default: every province)")
@click.option("--period", type=PERIOD, default=None, help="year of the network (default: the latest built)")
@click.option(
    "--top",
    type=click.IntRange(min=1, max=10_000),
    default=30,
    show_default=True,
    help="critical firms per chain",
)
@click.option(
    "--radius-km",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    help="an alternative lies within this distance of the firm",
)
@click.option(
    "--capacity-share",
    type=click.FloatRange(0, 100),
    default=10.0,
    show_default=True,
    help="spare capacity of an alternative, % of its own output",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=".xlsx (one sheet per province), .csv (UTF-8 with BOM) or .json",
)
@click.pass_context
def emergency_list(
    ctx: click.Context,
    chain: str | None,
    province: str | None,
    period: object,
    top: int,
    radius_km: float,
    capacity_share: float,
    output: Path,
) -> None:
    """The supply-chain emergency list (供应链关键部门联合清单): per chain the critical firms — by systemic risk
    (ESRI, ranked as `chainatlas risk --chain`), betweenness in the chain's supply network and lack of in-region
    alternatives — and the critical segments, each with its alternatives (same-segment firms with spare capacity
    and where they are); one Excel sheet per province.
    """
    from chainatlas.pipeline import emergency
    from chainatlas.pipeline import simulate as sim

    db = config.db_path(ctx.find_root().obj["db"])
    b = backend(ctx, read_only=True)
    e = emergency.emergency_list(
        b,
        period=period,
        chain=chain,
        province=province,
        top=top,
        radius_km=radius_km,
        capacity_share=capacity_share / 100.0,
        progress=progress,
    )
    click.echo(
        f"清单 {e.period}：{len(e.firms):,} 家关键企业、{len(e.segments):,} 个环节×省份，{len(e.provinces())} 个省份 / "
        f"{len(e.firms):,} critical firms, {len(e.segments):,} segment rows",
        err=True,
    )
    prov = sim.provenance(b, "emergency-list", chain=chain, province=province, period=e.period, top=top)
    paths = sim.write(e, output, None, provenance=prov)
    record(
        db,
        "export",
        resource=str(paths[0]),
        parameters={"emergency_list": chain or "*", "province": province, "period": e.period},
        count=len(e.firms) + len(e.segments),
    )
    written(paths)
    synthetic_warning(e.synthetic)


COMMANDS = (simulate, risk, emergency_list)
