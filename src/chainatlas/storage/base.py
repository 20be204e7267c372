"""The storage boundary.

The pipeline talks to storage only through :class:`Backend`: Ibis expressions for every
computation (so one definition runs on DuckDB or Spark) plus a few verbs that Ibis has no
expression for (delete rows of some periods, load a batch atomically). Engines live in their own
modules and are imported lazily by :func:`open_backend`.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainatlas.errors import BackendError, ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = ["Backend", "BatchResult", "open_backend", "ENGINES"]


@dataclass(frozen=True)
class BatchResult:
    """What loading one validated batch did."""

    batch_id: int | None
    kind: str
    source_file: str
    rows_loaded: int
    rows_replaced: int
    rows_rejected: int
    already_loaded: bool
    years: tuple[int, ...]


class Backend(abc.ABC):
    """One atlas database. Subclasses implement an engine."""

    engine: str = "abstract"
    read_only: bool = True

    @property
    @abc.abstractmethod
    def ibis(self) -> Any:
        """The Ibis backend on which pipeline expressions are built and executed."""

    def table(self, name: str) -> ir.Table:
        return self.ibis.table(name)

    @abc.abstractmethod
    def has_table(self, name: str) -> bool: ...

    @abc.abstractmethod
    def replace_table(self, name: str, obj: ir.Table | pd.DataFrame) -> None:
        """Create or overwrite table ``name`` with the rows of ``obj``."""

    @abc.abstractmethod
    def insert(self, name: str, obj: ir.Table | pd.DataFrame) -> None:
        """Append the rows of ``obj`` (same columns by name) to table ``name``."""

    @abc.abstractmethod
    def delete_in(self, name: str, **conditions: Sequence[Any]) -> None:
        """Delete the rows of ``name`` where every ``column`` is one of its values."""

    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """All or nothing: a block whose writes are committed together or rolled back."""

    @abc.abstractmethod
    def load_batch(self, batch: Any, *, good_only: bool = False) -> BatchResult:
        """Store a validated ingest batch, replacing rows with the same key; call inside ``transaction()``
        so that several files load all or nothing."""

    @abc.abstractmethod
    def get_meta(self, key: str, default: str | None = None) -> str | None: ...

    @abc.abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        return expr.execute()

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the database."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ENGINES = ("duckdb",)


def open_backend(path: str | Path, *, engine: str = "duckdb", read_only: bool = False,
                 command: str = "") -> Backend:
    """Open the atlas at ``path`` with ``engine``.

    ``read_only`` readers may run side by side; a writer is alone (a second writer gets a
    :class:`~chainatlas.errors.LockError` that says who holds the database).
    """
    if engine == "duckdb":
        from chainatlas.storage.duckdb import DuckDBBackend

        return DuckDBBackend(Path(path), read_only=read_only, command=command)
    if engine == "spark":
        raise BackendError(
            "the Spark engine runs the same build definitions (see chainatlas.pipeline.build) but has "
            "no atlas storage yet; install it with: pip install 'chainatlas[spark]'"
        )
    raise ConfigError(f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}")

