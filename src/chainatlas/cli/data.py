"""Commands on the atlas's data: demo data, templates, loading, building, exporting, areas, chains, serving."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from chainatlas import config
from chainatlas.cli.common import PERIOD, backend, progress, record
from chainatlas.errors import ConfigError
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import ALL, LAYERS, SCALES
from chainatlas.synth import SIZES

__all__ = ["COMMANDS"]


@click.command("demo-data")
@click.option(
    "--size",
    type=click.Choice(list(SIZES)),
    default="small",
    show_default=True,
    help="dataset size (not a spatial scale): small, medium or large",
)
@click.option("--seed", type=int, default=0, show_default=True, help="random seed (same seed → same files)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="output folder")
def demo_data(size: str, seed: int, out: Path) -> None:
    """Write a SYNTHETIC reference dataset (every input kind, 2015–2024) as loadable template files.

    All firms, people and records are fictitious; geography, population and the university list
    are real. Every row carries synthetic=1.
    """
    from chainatlas.synth import generate

    t = time.perf_counter()
    manifest = generate(out, size=size, seed=seed, progress=progress)
    total = sum(manifest.get("rows", {}).values())
    click.echo(
        f"wrote {total:,} synthetic rows in {len(manifest.get('rows', {}))} files to {out} "
        f"({time.perf_counter() - t:.1f}s)"
    )


@click.command()
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--quarantine", is_flag=True, help="load good rows; write bad rows with reasons to a reject file"
)
@click.option(
    "--reject-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="folder for reject files (default: beside the input)",
)
@click.pass_context
def ingest(ctx: click.Context, kind: str, file: Path, quarantine: bool, reject_dir: Path | None) -> None:
    """Validate FILE as input KIND and load it (all rows or none; exit status 2 on bad rows).

    CSV/TSV, XLSX or Parquet; Chinese or English headers; UTF-8, UTF-8 with BOM, GBK or GB18030.
    Loading the same file again changes nothing.
    """
    from chainatlas.pipeline.load import ingest_files

    out = ingest_files(
        backend(ctx), [(kind, file)], quarantine=quarantine, reject_dir=reject_dir, progress=progress
    )
    _report_load(out)


@click.command("load-dir")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--quarantine", is_flag=True, help="load good rows; write bad rows with reasons to reject files"
)
@click.pass_context
def load_dir_cmd(ctx: click.Context, folder: Path, quarantine: bool) -> None:
    """Load every input file in FOLDER (named after its kind: firms.csv, patents.xlsx, …) in one go."""
    from chainatlas.pipeline.load import load_dir

    _report_load(load_dir(backend(ctx), folder, quarantine=quarantine, progress=progress))


def _report_load(out) -> None:
    for r in out.results:
        if r.already_loaded:
            click.echo(f"{r.kind}: {r.source_file} already loaded as batch {r.batch_id}; nothing changed")
        elif r.batch_id is None:
            click.echo(f"{r.kind}: {r.source_file} has a header but no data rows; nothing loaded")
        else:
            click.echo(
                f"{r.kind}: loaded {r.rows_loaded:,} rows from {r.source_file} as batch {r.batch_id}"
                + (f", replaced {r.rows_replaced:,}" if r.rows_replaced else "")
                + (f", rejected {r.rows_rejected:,}" if r.rows_rejected else "")
            )
    for src, path in out.rejects.items():
        click.echo(f"rejected rows of {src} written to {path}", err=True)
    for lines in out.placement.values():
        for line in lines:
            click.echo("  " + line)
    for src, found in out.warnings.items():
        click.echo(f"注意 warning: {len(found):,} row(s) of {src} loaded but look wrong:", err=True)
        for w in found[:10]:
            click.echo(f"  {w}", err=True)
        if len(found) > 10:
            click.echo(f"  ... and {len(found) - 10:,} more", err=True)


@click.command()
@click.argument("kind", type=click.Choice([*KINDS, "all", "scenario"]))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="file (.xlsx or .csv; scenario: .yaml); for 'all' a folder",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="header language"
)
def templates(kind: str, output: Path, lang: str) -> None:
    """Write a documented input template for KIND (or all kinds into a folder), or with `scenario` the documented
    example scenario of `chainatlas simulate` (YAML with Chinese comments; runs on the demo atlas as it is)."""
    from chainatlas.ingest.templates import write_template

    if kind == "scenario":
        from chainatlas.pipeline.scenario import example_scenario

        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(example_scenario(), encoding="utf-8")
        click.echo(f"wrote scenario template {output}")
    elif kind == "all":
        output.mkdir(parents=True, exist_ok=True)
        for k in KINDS:
            write_template(k, output / f"{k}.xlsx", lang=lang)
        click.echo(f"wrote {len(KINDS)} templates to {output}")
    else:
        write_template(kind, output, lang=lang)
        click.echo(f"wrote template {output}")


def _parse_periods(text: str | None) -> list[int] | None:
    if not text:
        return None
    years: list[int] = []
    try:
        for part in text.split(","):
            a, _, b = part.strip().partition("-")
            years.extend(range(int(a), int(b or a) + 1))
    except ValueError:
        raise click.BadParameter(
            f"expected years like 2023 or 2019,2020 or 2015-2024, got {text!r}"
        ) from None
    return years


@click.command()
@click.option("--periods", help="years to build, e.g. 2023 or 2019,2020 or 2015-2024 (default: what changed)")
@click.option("--scales", help=f"comma-separated scales (default all: {','.join(SCALES)})")
@click.option("--full", is_flag=True, help="rebuild every loaded period, not only the changed ones")
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="where the build runs; spark needs pip install 'chainatlas[spark]' and Java 17",
)
@click.option(
    "--master", help="Spark master: local[2], spark://host:7077, yarn (default: setting spark_master)"
)
@click.option(
    "--lake",
    help="build the Parquet lake at this path or URI in place (hdfs://, s3a://) instead of the --db atlas; "
    "write it with `lake export`, read the result with `lake attach`",
)
@click.pass_context
def build(
    ctx: click.Context,
    periods: str | None,
    scales: str | None,
    full: bool,
    engine: str,
    master: str | None,
    lake: str | None,
) -> None:
    """Turn loaded records into the six layers and node attributes at every scale and period.

    \b
    On Spark (--engine spark) the records of the --db atlas go to a Parquet lake beside it, Spark builds
    there and the layers come back into the atlas; with --lake the build reads and writes only the lake
    (a cluster's shared storage), and the atlas takes the layers with `chainatlas lake attach`.
    """
    from chainatlas.pipeline import query
    from chainatlas.pipeline.build import build as run
    from chainatlas.pipeline.scaleout import build_on_spark
    from chainatlas.storage.base import open_backend

    if engine == "duckdb" and (master or lake):
        raise click.UsageError("--master and --lake are options of --engine spark")
    kw = {
        "years": _parse_periods(periods),
        "scales": [s.strip() for s in scales.split(",")] if scales else None,
        "full": full,
        "progress": progress,
    }
    if lake:
        b = open_backend(lake, engine="spark", command="build", master=master)
        ctx.call_on_close(b.close)
        report = run(b, **kw)
    elif engine == "spark":
        b = backend(ctx)
        report = build_on_spark(b, master=master, **kw)
    else:
        b = backend(ctx)
        report = run(b, **kw)
    if report.years:
        click.echo(report.summary())
        if lake:
            click.echo(f"the layers are in the lake {lake}: chainatlas --db ATLAS lake attach {lake}")
    elif not query.periods(b):
        # nothing has ever been built: only stocks (firms, alliances, experts) are loaded, and they carry no period
        click.echo(
            "nothing to build: the loaded records create no period. Firms, alliances and experts are stocks, "
            "counted in every period that dated records (patents, supply links, tax, flows, …) create; "
            "load a dated kind, or name the periods: chainatlas build --periods 2015-2024"
        )
    else:
        click.echo(
            "nothing to build: no period changed since the last build (use --full or --periods to rebuild)"
        )


@click.group()
def lake() -> None:
    """Move an atlas to and from a Parquet lake (partitioned by table and year) for a Spark cluster."""


@lake.command("export")
@click.argument("root", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def lake_export(ctx: click.Context, root: Path) -> None:
    """Write the atlas's raw records and build inputs into the lake ROOT (created if new)."""
    from chainatlas.storage.lake import export_lake

    rows = export_lake(backend(ctx, read_only=True), root)
    click.echo(f"wrote {len(rows)} tables, {sum(rows.values()):,} rows to the lake {root}")


@lake.command("attach")
@click.argument("root", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.pass_context
def lake_attach(ctx: click.Context, root: Path) -> None:
    """Take the layers a Spark build wrote into the lake ROOT into the atlas (all or nothing)."""
    from chainatlas.storage.lake import attach_lake

    rows = attach_lake(backend(ctx), root)
    click.echo(f"attached {len(rows)} tables, {sum(rows.values()):,} rows from the lake {root}")


@click.command()
@click.argument("what", type=click.Choice(["places", "nodes", "edges"]))
@click.option("--layer", type=click.Choice(list(LAYERS)), help="layer (for edges)")
@click.option("--scale", type=click.Choice(list(SCALES)), default="city", show_default=True)
@click.option(
    "--period", type=PERIOD, help="year, month (2024-05) or quarter (2024Q2); default: the latest year"
)
@click.option("--chain", default=ALL, show_default=True, help="chain id, or * for all chains")
@click.option("--segment", default=ALL, show_default=True, help="segment id, or * for the whole chain")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "geojson", "gexf", "graphml"]),
    help="default: from the output file's suffix",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def export(
    ctx: click.Context,
    what: str,
    layer: str | None,
    scale: str,
    period: int | None,
    chain: str,
    segment: str,
    fmt: str | None,
    output: Path,
) -> None:
    """Export places, node attributes or a layer's edges (CSV for Excel, GeoJSON, GEXF/GraphML for Gephi)."""
    from chainatlas.pipeline.export import export as run

    path = run(
        backend(ctx, read_only=True),
        what,
        output,
        fmt=fmt,
        layer=layer,
        scale=scale,
        period=period,
        chain=chain,
        segment=segment,
    )
    record(
        config.db_path(ctx.find_root().obj["db"]),
        "export",
        resource=str(path),
        parameters={"what": what, "layer": layer, "scale": scale, "period": period, "chain": chain},
    )
    click.echo(f"wrote {path}")


@click.group()
def areas() -> None:
    """Functional areas (功能区): list them or add your own."""


@areas.command("list")
@click.pass_context
def areas_list(ctx: click.Context) -> None:
    """List shipped and user-defined functional areas."""
    from chainatlas.pipeline.areas import list_areas

    db = config.db_path(ctx.find_root().obj["db"])
    df = list_areas(backend(ctx, read_only=True) if db.exists() else None)
    for r in df.itertuples(index=False):
        click.echo(
            f"{r.area_id:<14} {r.name_zh}（{r.name_en}）[{r.source_kind}] {len(r.members)} 成员: "
            f"{';'.join(r.members)}"
        )


@areas.command("add")
@click.argument("area_id")
@click.option("--name", "name_zh", required=True, help="Chinese name")
@click.option("--name-en", default=None, help="English name")
@click.option("--members", required=True, help="comma- or semicolon-separated adcodes (cities or counties)")
@click.pass_context
def areas_add(ctx: click.Context, area_id: str, name_zh: str, name_en: str | None, members: str) -> None:
    """Add (or redefine) a functional area AREA_ID; rebuild to see it at area scale."""
    from chainatlas.pipeline.areas import add_area

    ms = [m.strip() for m in members.replace(";", ",").split(",") if m.strip()]
    area = add_area(backend(ctx), area_id, name_zh, ms, name_en=name_en)
    click.echo(
        f"added area {area['area_id']} with {len(area['members'])} members; run `chainatlas build` "
        f"to aggregate it"
    )


@click.group()
def chains() -> None:
    """The chain taxonomy: list chains and segments, or check a user chain file."""


@chains.command("list")
def chains_list() -> None:
    """List chains and their segments, upstream first."""
    from chainatlas.model.taxonomy import atlas_taxonomy

    tax = atlas_taxonomy()
    for c in tax.chains.itertuples(index=False):
        segs = tax.segments[tax.segments["chain"] == c.id].sort_values("topo_order")
        click.echo(f"{c.id:<6} {c.name_zh}（{c.name_en}）: " + " → ".join(segs["name_zh"]))


@chains.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def chains_check(file: Path) -> None:
    """Validate a chain YAML file against the real code lists (exit 1 when it has problems)."""
    from chainatlas.model.taxonomy import validate_chain_file

    problems = validate_chain_file(file)
    for p in problems:
        click.echo(p, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{file}: ok")


@click.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """What is in the atlas: batches, built periods, and whether the data are synthetic."""
    from chainatlas.pipeline import query

    b = backend(ctx, read_only=True)
    ds = query.dataset_info(b)
    if ds["contains_synthetic"]:
        click.echo(
            "⚠ 含合成（虚构）数据，不代表真实企业 / contains SYNTHETIC data, not facts about real firms"
        )
    inv = query.inventory(b)
    for r in inv.itertuples(index=False):
        click.echo(f"batch {r.batch_id:>3} {r.kind:<17} {r.rows_loaded:>10,} rows  {r.source_file}")
    click.echo(f"built periods: {query.periods(b) or 'none'}")
    un = query.unallocated(b)
    for r in un[un["records"] > 0].itertuples(index=False):
        below = "no place at all" if r.level == "none" else f"known only to the {r.level}"
        click.echo(
            f"未分配 unallocated at {r.scale} scale: {int(r.records):,} records {below} "
            "(counted at their own level and above, in every total)"
        )
    from chainatlas.pipeline.build import register_mismatches

    for r in register_mismatches(b).itertuples(index=False):
        if r.unregistered or r.renamed:
            click.echo(
                f"{r.kind}.{r.field}: {r.unregistered:,} of {r.records:,} records name a credit code the "
                f"register lacks; {r.renamed:,} give a registered code under another name"
            )
    amb = query.ambiguous_names(b)
    if len(amb):
        click.echo(
            f"同名待核 ambiguous names not merged: {len(amb):,} (e.g. {', '.join(amb['name_norm'].head(3))})"
        )


@click.command()
@click.option("--host", default=None, help="listen address (default 127.0.0.1; env CHAINATLAS_HOST)")
@click.option("--port", type=int, default=None, help="port (default 8000; env CHAINATLAS_PORT)")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the REST API (OpenAPI at /docs and /openapi.json) over the atlas database."""
    import uvicorn

    from chainatlas.api.app import create_app
    from chainatlas.storage.users import UserStore

    db = config.db_path(ctx.find_root().obj["db"])
    host = host or config.get("host")
    if not UserStore(config.side_file(db, "users")).active():
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(
                f"no users are defined, so the atlas runs in single-user local mode and listens on 127.0.0.1 only, "
                f"not {host}; add users first (`chainatlas users add NAME --role admin --jurisdiction YRD`)",
                param="host",
            )
        click.echo(
            "单用户本机模式 single-user local mode: no sign-in, this machine only (127.0.0.1)", err=True
        )
    else:
        click.echo("users defined: every API request needs a credential (API key or sign-in)", err=True)
    app = create_app(db)
    uvicorn.run(app, host=host, port=port or int(config.get("port")), log_level="info")


COMMANDS = (demo_data, ingest, load_dir_cmd, templates, build, lake, export, areas, chains, info, serve)
