"""The storage boundary.

The pipeline talks to storage only through :class:`Backend`: Ibis expressions for every
computation (so one definition runs on DuckDB or Spark) plus a few verbs that Ibis has no
expression for (delete rows of some periods, load a batch atomically). Engines live in their own
modules, are registered by name in :data:`ENGINES` (like Ibis's backend entry points) and are imported
lazily by :func:`open_backend`; a second engine plugs in with :func:`register_engine` without editing
this module. A missing optional dependency fails with the exact ``pip install`` command.
"""

from __future__ import annotations

import abc
import contextlib
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from chainatlas.errors import BackendError, ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = ["ENGINES", "Backend", "BatchResult", "open_backend", "register_engine"]


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

    def close(self) -> None:
        """Release the database."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Engine:
    target: str  # "package.module:Class", a Backend subclass taking (path, *, read_only, command)
    extra: str | None  # the pip extra that installs its optional dependencies; None: always installed


#: Storage engines by name. Add one with :func:`register_engine`; the module is imported on first use.
ENGINES: dict[str, _Engine] = {
    "duckdb": _Engine("chainatlas.storage.duckdb:DuckDBBackend", None),
    "spark": _Engine("chainatlas.storage.spark:SparkBackend", "spark"),
}


def register_engine(name: str, target: str, *, extra: str | None = None) -> None:
    """Register the storage engine ``name``: ``target`` is ``"package.module:Class"`` (a :class:`Backend`
    subclass constructed as ``Class(path, read_only=..., command=...)``), imported when first opened;
    ``extra`` is the ``chainatlas[extra]`` that installs its optional dependencies.
    """
    module, sep, attr = target.partition(":")
    if not (module and sep and attr):
        raise ConfigError(f"engine {name!r}: target must be 'package.module:Class', got {target!r}")
    ENGINES[name] = _Engine(target, extra)


def _engine_class(name: str) -> Callable[..., Backend]:
    spec = ENGINES[name]
    module, _, attr = spec.target.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name is None or e.name.split(".")[0] == "chainatlas":
            raise
        install = f"pip install 'chainatlas[{spec.extra}]'" if spec.extra else f"pip install {e.name}"
        raise BackendError(
            f"failed to import the {name} engine due to the missing dependency {e.name!r}; "
            f"install it with: {install}"
        ) from None
    return getattr(mod, attr)


def open_backend(
    path: str | Path, *, engine: str = "duckdb", read_only: bool = False, command: str = "", **options: Any
) -> Backend:
    """Open the atlas at ``path`` with ``engine`` (a name of :data:`ENGINES`); ``options`` go to the engine
    (Spark: ``master``, ``conf``). A URI (``hdfs://…``) stays a string.

    ``read_only`` readers may run side by side; a writer is alone (a second writer gets a
    :class:`~chainatlas.errors.LockError` that says who holds the database).
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}")
    where = path if isinstance(path, str) and "://" in path else Path(path)
    return _engine_class(engine)(where, read_only=read_only, command=command, **options)
