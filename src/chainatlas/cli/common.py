"""What every command shares: the one way errors are printed, the atlas backend, progress lines.

Every error prints as ``错误 / error: MESSAGE`` on stderr — library errors (exit 1; 2 for data that failed
validation) and usage errors from click (exit 2) alike. A library error that names its parameter is shown
with the command-line option (``--layer: ...``).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from chainatlas import config
from chainatlas.errors import ChainAtlasError, ConfigError, IngestError

__all__ = [
    "PERIOD",
    "ErrorsGroup",
    "actor",
    "backend",
    "message",
    "output_options",
    "progress",
    "record",
    "save_result",
]

#: parameters whose command-line option is not ``--name-with-dashes``
OPTION_OF = {"input": "--input", "output": "-o/--output"}


def option(param: str) -> str:
    """The command-line option of a library parameter."""
    from chainatlas.pipeline.analyze import METHODS, TOPICS

    for row in (*TOPICS.values(), *METHODS.values()):
        for p in row.params:
            if p.name == param:
                return p.option
    return OPTION_OF.get(param, "--" + param.replace("_", "-"))


def message(e: ChainAtlasError) -> str:
    """A library error as the command line shows it."""
    if isinstance(e, ConfigError) and e.param:
        return f"{option(e.param)}: {e.reason}"
    return str(e)


class ErrorsGroup(click.Group):
    """A group whose errors, its own and click's, print one way and set the exit status."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra
            )
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.format_message())
            sys.exit(0)
        except click.UsageError as e:
            hint = f"; see `{e.ctx.command_path} --help`" if e.ctx is not None else ""
            click.echo(f"错误 / error: {e.format_message()}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as e:
            click.echo(f"错误 / error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("错误 / error: aborted", err=True)
            sys.exit(1)
        except IngestError as e:
            click.echo(f"错误 / error: {message(e)}", err=True)
            sys.exit(2)
        except ChainAtlasError as e:
            click.echo(f"错误 / error: {message(e)}", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


class _Period(click.ParamType):
    """``--period``: a year (2024), a month (2024-05, 2024年5月) or a quarter (2024Q2); a year comes back as int."""

    name = "period"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, int):
            return value
        from chainatlas.analytics.history import period_ordinal
        from chainatlas.ingest.rules import parse_periods

        canon, _ = parse_periods([str(value)])
        if canon[0] is None:
            self.fail(
                f"{value!r} is not a period; expected a year (2024), a month (2024-05) or a quarter (2024Q2)"
            )
        kind, _ = period_ordinal(canon[0])
        return int(canon[0]) if kind == "year" else canon[0]


#: the ``--period`` type of every command
PERIOD = _Period()


def progress(step: str, i: int, n: int) -> None:
    """A progress line on stderr: ``[i/n] step``."""
    click.echo(f"  [{i}/{n}] {step}", err=True)


def backend(ctx: click.Context, *, read_only: bool = False) -> Any:
    """The atlas named by ``--db``, closed when the command ends."""
    from chainatlas.storage.base import open_backend

    cmd = "chainatlas " + " ".join(sys.argv[1:])[:80]
    b = open_backend(config.db_path(ctx.find_root().obj["db"]), read_only=read_only, command=cmd)
    ctx.call_on_close(b.close)
    return b


def actor() -> str:
    """``cli:<os user>``: who ran the command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name for this uid (a container)
        return f"cli:uid{os.getuid()}"


def record(db: Path, action: str, **fields: Any) -> None:
    """Append the command's own record (an export, a backup...) to the atlas's audit log."""
    from chainatlas.storage import audit

    audit.append(config.side_file(db, "audit"), action, actor=actor(), **fields)


def output_options() -> tuple[Any, Any]:
    """The ``-o/--output`` and ``-f/--format`` options of every command that writes a result file."""
    return (
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            required=True,
            help="result file: .csv (UTF-8 with BOM, + .provenance.json) or .json",
        ),
        click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(["csv", "json"]),
            default=None,
            help="default: from the output file's suffix (csv)",
        ),
    )


def save_result(result: Any, output: Path, fmt: str | None, *, label: str = "", err: bool = False) -> Path:
    """Write an analysis-style result (CSV for Excel + provenance, or JSON), say so, and warn when it was
    computed from synthetic data; returns the file written."""
    from chainatlas.pipeline.analyze import write

    path = write(result, output, fmt)
    side = " (+ .provenance.json)" if path.suffix.lower() != ".json" and (fmt or "csv") != "json" else ""
    click.echo(f"wrote {len(result.data):,} rows{label} to {path}{side}", err=err)
    if result.provenance.get("synthetic"):
        click.echo("⚠ 含合成（虚构）数据 / computed from SYNTHETIC data", err=True)
    return path


#: ``-o/--output`` of the commands whose result is a book of tables (:mod:`chainatlas.pipeline.book`): optional,
#: the format from the suffix
BOOK_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="result file: .csv (UTF-8 with BOM, Chinese headers, + .provenance.json), .xlsx or .json",
)


def synthetic_warning(synthetic: bool) -> None:
    """Say on stderr that a result was computed from synthetic data."""
    if synthetic:
        click.echo("⚠ 含合成（虚构）数据 / computed from SYNTHETIC data", err=True)


def written(paths: Sequence[Path]) -> None:
    """Say on stderr which files were written: the main one, then its side files."""
    click.echo(f"→ {paths[0]}", err=True)
    for p in paths[1:]:
        click.echo(f"  + {p.name}", err=True)


def write_book(
    ctx: click.Context,
    b: Any,
    book: Any,
    output: Path | None,
    command: str,
    params: dict,
    fmt: str | None = None,
) -> None:
    """Save ``book`` (CSV/XLSX/JSON, by ``fmt`` or the suffix) with its provenance, record the export in the audit
    log and say where it went; nothing without ``output``."""
    from chainatlas.pipeline import simulate as sim

    if output is None:
        return
    prov = sim.provenance(b, command, **params) if b is not None else {"command": command, **params}
    paths = sim.write(book, output, fmt, provenance=prov)
    record(
        config.db_path(ctx.find_root().obj["db"]),
        "export",
        resource=str(paths[0]),
        parameters={command.replace(" ", "_").replace("-", "_"): True, **params},
        count=sum(len(df) for df in book.sheets.values()),
    )
    written(paths)
