"""``chainatlas analyze TOPIC`` and ``chainatlas calc METHOD``: one subcommand per row of the registry.

The options of each subcommand are made from its :class:`~chainatlas.pipeline.analyze.registry.Param` rows,
so the command line offers exactly what the library takes; the command parses them, calls ``analyze`` or
``calc`` and writes the result with ``write``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from chainatlas import config
from chainatlas.cli.common import backend, output_options, record, save_result
from chainatlas.model.layers import ALL, LAYERS, SCALES
from chainatlas.pipeline.analyze import METHODS, TOPICS, Method, Param, Topic

__all__ = ["analyze", "calc"]

_TYPES: dict[str, Any] = {"int": int, "float": float, "str": str, "list": str}


def _option(p: Param) -> Callable:
    """The click option of a parameter (defaults are the library's: shown, not passed)."""
    default = "" if p.default is None or p.type == "bool" else f" (default {p.default})"
    name = p.option
    if p.type == "bool":
        return click.option(name, p.name, is_flag=True, default=False, help=p.help)
    if p.type == "file":
        kind: Any = click.Path(dir_okay=False)
    elif p.type == "layer":
        kind = click.Choice(list(LAYERS))
    elif p.choices:
        kind = click.Choice(list(p.choices))
    else:
        kind = _TYPES[p.type]
    return click.option(name, p.name, type=kind, default=None, help=p.help + default)


def _output() -> list[Callable]:
    return list(output_options())


def _command(name: str, fn: Callable, options: list[Callable], **kw: Any) -> click.Command:
    """A command whose options show in the order given."""
    for opt in reversed(options):
        fn = opt(fn)
    return click.command(name, **kw)(fn)


@click.group()
def analyze() -> None:
    """Analyse the atlas's own data: one TOPIC at a layer, scale and period.

    Every result carries its provenance (layer, scale, period, filters, parameters, data version): in
    FILE.provenance.json beside a CSV, or under "provenance" in JSON. `chainatlas analyze TOPIC --help`
    lists a topic's options.
    """


def _topic_command(t: Topic) -> click.Command:
    def run(**kw: Any) -> None:
        from chainatlas.pipeline.analyze import analyze as run_topic

        ctx = click.get_current_context()
        output, fmt = kw.pop("output"), kw.pop("fmt")
        sel = {k: kw.pop(k) for k in ("layer", "scale", "period", "chain", "segment") if k in kw}
        result = run_topic(backend(ctx, read_only=True), t.name, **sel, parameters=kw)
        save_result(result, output, fmt)
        record(
            config.db_path(ctx.find_root().obj["db"]),
            "export",
            resource=str(output),
            parameters={"topic": t.name, **sel},
            count=len(result.data),
        )

    scales = list(t.scales or SCALES)
    example = f"\n\n\b\nExample:\n  chainatlas analyze {t.name} {' '.join(t.example)} -o {t.name}.csv"
    options = []
    if t.layer != "none":
        options.append(
            click.option(
                "--layer",
                type=click.Choice(list(LAYERS)),
                default=None,
                required=t.layer == "required",
                help="network layer",
            )
        )
    chain_help = "chain id (required)" if t.chain == "required" else "chain id, or * for all chains"
    options += [
        click.option(
            "--scale",
            type=click.Choice(scales),
            default="city" if "city" in scales else scales[0],
            show_default=True,
            help="aggregation scale",
        ),
        click.option("--period", type=int, default=None, help="year (default: the latest built)"),
        click.option("--chain", default=ALL, show_default=t.chain != "required", help=chain_help),
        click.option(
            "--segment", default=ALL, show_default=True, help="segment id, or * for the whole chain"
        ),
        *(_option(p) for p in t.params),
        *_output(),
    ]
    return _command(
        t.name,
        run,
        options,
        help=f"{t.zh} — {t.en}.\n\n{t.help[0].upper()}{t.help[1:]}.{example}",
        short_help=t.en,
    )


@click.group()
def calc() -> None:
    """Run a METHOD on a table you bring (--input FILE) and write the result (-o FILE).

    What researchers otherwise do by hand in UCINET, Stata or Excel. `chainatlas calc METHOD --help` shows the
    input shape with an example that runs.
    """


def _method_command(m: Method) -> click.Command:
    def run(**kw: Any) -> None:
        from chainatlas.pipeline.analyze import calc as run_method

        output, fmt, table = kw.pop("output"), kw.pop("fmt"), kw.pop("input_")
        save_result(run_method(m.name, table, parameters=kw), output, fmt)

    text = m.help_text().replace("\n\n", "\n\n\b\n", 1)
    options = [
        click.option(
            "--input",
            "input_",
            type=click.Path(dir_okay=False, path_type=Path),
            required=True,
            help="your table: CSV/TSV (UTF-8, GBK/GB18030, UTF-16), XLSX or Parquet, with a header row",
        ),
        *(_option(p) for p in m.params),
        *_output(),
    ]
    return _command(m.name, run, options, help=text, short_help=m.en)


for _t in TOPICS.values():
    analyze.add_command(_topic_command(_t))
for _m in METHODS.values():
    calc.add_command(_method_command(_m))
