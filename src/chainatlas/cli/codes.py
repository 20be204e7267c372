"""``chainatlas codes``: help with classification codes (``suggest``: GB/T 4754-2017 codes for industry names)."""

from __future__ import annotations

from pathlib import Path

import click

from chainatlas.errors import ConfigError

__all__ = ["codes"]


@click.group()
def codes() -> None:
    """Classification codes: suggest GB/T 4754-2017 codes for industry names."""


@codes.command("suggest")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--column", default=None, help="column of FILE holding the names (default: the first text column)"
)
@click.option(
    "--name", "names", multiple=True, help="an industry name or keyword (repeatable), instead of FILE"
)
@click.option("--top", default=3, show_default=True, type=click.IntRange(min=1), help="suggestions per name")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="review file, .csv (UTF-8 with BOM, opens in Excel) or .xlsx; without it the table is printed",
)
def suggest_cmd(
    file: Path | None, column: str | None, names: tuple[str, ...], top: int, output: Path | None
) -> None:
    """Propose GB/T 4754-2017 codes for Chinese industry names and keywords.

    \b
    Names come from a column of FILE (CSV/XLSX in any encoding ingest reads) or from --name:
      chainatlas codes suggest firms.xlsx --column 行业 -o review.csv
      chainatlas codes suggest --name 集成电路设计 --name 新能源汽车整车制造

    Each name gets up to --top codes with a confidence in [0, 1] and the evidence (the words matched and the
    title or NBS category they matched). Fill the review file's `accept` column with 1 or 0.
    """
    from chainatlas.ingest.industry_names import CONFIDENT, read_names, suggest, summarize, write_review

    if file is None and not names:
        raise click.UsageError("give a FILE with a column of names, or one or more --name")
    if file is not None and names:
        raise click.UsageError("give either FILE or --name, not both")
    if column is not None and file is None:
        raise click.UsageError("--column needs a FILE")
    wanted = read_names(file, column) if file is not None else list(names)
    if not wanted:
        raise ConfigError(f"{file}: the column holds no names", param="column")
    table = suggest(wanted, top=top)
    if output is not None:
        write_review(table, output)
        click.echo(f"wrote {output} ({len(table)} rows); fill its `accept` column with 1 or 0", err=True)
    else:
        for r in table.itertuples(index=False):
            if r.code is None:
                click.echo(f"{r.name}\t-\t(no suggestion)")
            else:
                click.echo(
                    f"{r.name}\t{r.rank}\t{r.code}\t{r.title}\t{r.level}\t{r.confidence:.3f}\t{r.evidence}"
                )
    s = summarize(table)
    click.echo(
        f"{s.names} names: {s.confident} with a confident top suggestion (≥ {CONFIDENT}), "
        f"{s.review} to review, {s.none} with none",
        err=True,
    )
