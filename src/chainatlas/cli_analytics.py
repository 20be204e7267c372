"""``chainatlas analyze`` and ``chainatlas calc``: thin commands over :mod:`chainatlas.pipeline.analyze`.

Each parses its options, calls one library function (``analyze`` or ``calc``) and writes the result with
``write``; library errors become click exceptions (exit status 1) naming what was wrong.
"""

from __future__ import annotations

from pathlib import Path

import click

from chainatlas.errors import ChainAtlasError
from chainatlas.model.layers import ALL, LAYERS, SCALES

# names only (importing the analytics stack is deferred until a command runs)
TOPICS = ("network", "communities", "gravity", "moran", "complexity", "coupling", "chains", "spillover", "multiplex",
          "qap", "roles", "modes", "pairing", "path", "io", "actors")
METHODS = ("centrality", "leiden", "qap", "multiplex", "gravity", "leontief", "ghosh", "extraction", "moran",
           "complexity", "coupling", "tiers")


def _split(text: str | None) -> list[str] | None:
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def _save(result, output: Path, fmt: str | None) -> None:
    from chainatlas.pipeline.analyze import write

    path = write(result, output, fmt)
    side = " (+ .provenance.json)" if path.suffix.lower() != ".json" and (fmt or "csv") != "json" else ""
    click.echo(f"wrote {len(result.data):,} rows to {path}{side}")
    if result.provenance.get("synthetic"):
        click.echo("⚠ 含合成（虚构）数据 / computed from SYNTHETIC data", err=True)


@click.command()
@click.argument("topic", type=click.Choice(TOPICS))
@click.option("--layer", type=click.Choice(list(LAYERS)), help="layer (network, communities, gravity, actors; qap)")
@click.option("--other", type=click.Choice(list(LAYERS)), help="qap: the second layer (default: every pair)")
@click.option("--area", default=None, help="roles: only the units of this functional area, e.g. g60")
@click.option("--extract", default=None,
              help="io: extract a place (adcode or name), a segment, or place:segment (hypothetical extraction)")
@click.option("--how", type=click.Choice(["complete", "backward", "forward", "links"]), default=None,
              help="io: what is extracted (default complete)")
@click.option("--max-lag", type=int, default=None, help="path: longest lead tried for series lags (default 3)")
@click.option("--scale", type=click.Choice(list(SCALES)), default="city", show_default=True)
@click.option("--period", type=int, help="year (default: the latest built)")
@click.option("--chain", default=ALL, show_default=True, help="chain id, or * for all chains")
@click.option("--segment", default=ALL, show_default=True, help="segment id, or * for the whole chain")
@click.option("--attr", default=None, help="node attribute (moran: default patents; complexity: default firms)")
@click.option("--weight", type=click.Choice(["n", "value"]), default="n", show_default=True,
              help="tie weight: number of records or summed value")
@click.option("--undirected", is_flag=True, help="network, multiplex, qap, actors: treat ties as undirected")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of anything random")
@click.option("--resolution", type=float, default=1.0, show_default=True, help="communities: Leiden γ")
@click.option("--top", type=int, default=None,
              help="gravity: untapped pairs (20); pairing: pairs per segment (20); path: destinations per place "
                   "(3); io: largest losers (10); actors: entities listed (100)")
@click.option("--exponent", type=float, default=None, help="gravity, pairing: distance decay β (default 2)")
@click.option("--distance", "distance_file", type=click.Path(dir_okay=False), default=None,
              help="gravity: square travel-time matrix (CSV/XLSX; first column and header = adcodes or names)")
@click.option("--permutations", type=int, default=999, show_default=True, help="moran: permutations")
@click.option("-f", "--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="default: from the output file's suffix (csv)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def analyze(ctx: click.Context, topic: str, layer: str | None, other: str | None, area: str | None,
            extract: str | None, how: str | None, max_lag: int | None, scale: str,
            period: int | None, chain: str, segment: str, attr: str | None, weight: str, undirected: bool, seed: int,
            resolution: float, top: int | None, exponent: float | None, distance_file: str | None, permutations: int,
            fmt: str | None, output: Path) -> None:
    """Analyse the atlas's own data: TOPIC at one layer, scale and period.

    \b
    Topics:
      network      node metrics (degree, strength, betweenness, PageRank, ...) of one layer's graph
      communities  Leiden communities (city/county) vs provinces: NMI, ARI, cross-province share
      gravity      observed layer ties vs the modified gravity model (pop_2020, revenue): untapped pairs
      moran        global and local Moran's I of --attr over city or county polygons (queen contiguity)
      complexity   RCA / ECI of units over a chain's segments (node attribute firms)
      coupling     innovation × industry coupling coordination (entropy weights; standard and Wang 2021);
                 with --chain also the gap (鸿沟) per segment: index levels and Duncan dissimilarity
      chains       one --chain: per segment and unit firms, revenue, patents, LQ, Krugman; 断链/single points
                   (by firms, or by patents where no industry code reaches the segment, as the chain view),
                   HHI, Hoover, import dependence by partner region, supplier concentration in the summary
      spillover    share of each hub's joint-patent ties going to the other four hubs (上海, 南京, 杭州,
                   合肥, 苏州), every built year, with the OLS trend
      multiplex    per unit: degree and strength in each of the six layers and the multiplex participation
                   coefficient; layer overlap (Jaccard, weight correlation) in the summary
      qap          QAP correlation (permutation p-values) of every pair of layers, the pairs of --layer,
                   or --layer with --other; layers without ties are skipped (listed in the summary)
      roles        core / key / auxiliary nodes (核心/关键/辅助节点): innovation and knowledge centrality with
                   patents and papers, Fisher–Jenks tiers; --area g60 for one functional area
      modes        the paper's four practice modes (Table 1): per functional area, which layers dominate its
                   internal ties and their growth, every built year, against the mode the paper gives it
      pairing      创新地 + 产业地: per segment of one --chain, innovation × industry city pairs ranked by
                   gravity potential minus current innovation-layer linkage
      path         one --chain: papers → patents → transfers/licences → producing firms → exports per place and
                   segment: conversion rates, lags (record-linked and series), where transfers go
      actors       one --layer: the --top most central firms, universities and institutes (PageRank on the
                   entity-level graph, strengths, ties), optionally within one --chain / --segment
      io           one --chain: input–output on supply links between (place, segment) sectors: A, Leontief and
                   Ghosh inverses, linkages (raw, Rasmussen), key sectors; --extract for hypothetical extraction
    Every result carries its provenance (layer, scale, period, filters, parameters, data version):
    in FILE.provenance.json beside a CSV, or under "provenance" in JSON.

    \b
    Example:
      chainatlas analyze network --layer innovation --scale city --period 2024 -o innovation_metrics.csv
    """
    from chainatlas.cli import _backend
    from chainatlas.pipeline.analyze import analyze as run

    try:
        result = run(_backend(ctx, read_only=True), topic, layer=layer, scale=scale, period=period, chain=chain,
                     segment=segment, attr=attr, weight=weight, directed=not undirected, seed=seed,
                     resolution=resolution, top=top, permutations=permutations, other=other, area=area,
                     exponent=exponent, distance_file=distance_file, extract=extract, how=how, max_lag=max_lag)
        _save(result, output, fmt)
    except ChainAtlasError as e:
        raise click.ClickException(str(e)) from None


class _MethodHelp(click.Command):
    """``calc METHOD --help`` also prints that method's input shape and example (from its docstring)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names = ctx.help_option_names or ["--help"]
        if any(a in names for a in args):
            click.echo(self.get_help(ctx))
            method = next((a for a in args if a in METHODS), None)
            if method:
                from chainatlas.pipeline.analyze import method_help

                click.echo(f"\nMethod {method}:\n")
                click.echo("\n".join("  " + line if line else "" for line in method_help(method).splitlines()))
            ctx.exit()
        return super().parse_args(ctx, args)


@click.command(cls=_MethodHelp)
@click.argument("method", type=click.Choice(METHODS))
@click.option("--input", "input_", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="your table: CSV (UTF-8/GB18030) or XLSX with a header row")
@click.option("--undirected", is_flag=True, help="centrality, qap, multiplex: ties are undirected")
@click.option("--resolution", type=float, default=None, help="leiden: resolution γ (default 1)")
@click.option("--seed", type=int, default=None, help="leiden, qap, moran: seed (default 0)")
@click.option("--x", "x_layer", default=None, help="qap: first layer name")
@click.option("--y", "y_layer", default=None, help="qap: second layer name")
@click.option("--permutations", type=int, default=None, help="qap, moran: permutations (default 999)")
@click.option("--exponent", type=float, default=None, help="gravity: distance decay β (default 2)")
@click.option("--distance", "distance_file", type=click.Path(dir_okay=False), default=None,
              help="gravity: square travel-time matrix instead of great-circle km")
@click.option("--sectors", default=None, help="extraction: comma-separated sectors to extract")
@click.option("--how", type=click.Choice(["complete", "backward", "forward", "links"]), default=None,
              help="extraction: what is extracted (default complete)")
@click.option("--geo", "geo_file", type=click.Path(dir_okay=False), default=None,
              help="moran: GeoJSON polygons (contiguity weights)")
@click.option("--id-field", default=None, help="moran: feature property holding the id (default adcode)")
@click.option("--k", type=int, default=None, help="moran: k nearest neighbours from lon,lat instead of --geo")
@click.option("--threshold", type=float, default=None, help="complexity: RCA threshold (default 1)")
@click.option("--innovation", default=None, help="coupling: comma-separated innovation indicator columns")
@click.option("--industry", default=None, help="coupling: comma-separated industry indicator columns")
@click.option("-f", "--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="default: from the output file's suffix (csv)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def calc(method: str, input_: Path, undirected: bool, resolution: float | None, seed: int | None,
         x_layer: str | None, y_layer: str | None, permutations: int | None, exponent: float | None,
         distance_file: str | None, sectors: str | None, how: str | None, geo_file: str | None,
         id_field: str | None, k: int | None,
         threshold: float | None, innovation: str | None, industry: str | None, fmt: str | None,
         output: Path) -> None:
    """Run METHOD on a table you bring (--input FILE) and write the result (-o FILE).

    \b
    Methods:
      centrality   edge list src,dst[,weight] → node metrics
      leiden       edge list → communities
      qap          edge list src,dst,layer[,weight] → QAP correlation of layers --x and --y
      multiplex    edge list src,dst,layer[,weight] → participation per node, overlap of layers
      gravity      places id,population,gdp,lon,lat → modified gravity of every pair
      leontief     square IO table (sector names, Z, x or y) → A, L, linkages
      ghosh        same table → B, G, forward linkages
      extraction   same table + --sectors → output lost (hypothetical extraction)
      moran        id,value + --geo FILE.geojson, or lon,lat + --k → global and local Moran's I
      complexity   place × product matrix → RCA, ECI, PCI
      coupling     indicator table + --innovation cols --industry cols → C, T, D
      tiers        id + indicator columns → core / key / auxiliary (Fisher–Jenks)
    `chainatlas calc METHOD --help` shows the input shape with an example.
    """
    from chainatlas.pipeline.analyze import calc as run

    try:
        result = run(method, input_, directed=not undirected, resolution=resolution, seed=seed, x=x_layer,
                     y=y_layer, permutations=permutations, exponent=exponent, distance_file=distance_file,
                     sectors=_split(sectors), how=how,
                     geo_file=geo_file, id_field=id_field, k=k, threshold=threshold,
                     innovation=_split(innovation), industry=_split(industry))
        _save(result, output, fmt)
    except ChainAtlasError as e:
        raise click.ClickException(str(e)) from None
