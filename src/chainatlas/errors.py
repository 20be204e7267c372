"""One exception tree for the whole package.

Every error says what was wrong, where, what was expected and how to fix it.
Interfaces (CLI, API) turn these into messages; nothing below them prints.
"""

from __future__ import annotations

from dataclasses import dataclass


class ChainAtlasError(Exception):
    """Base of every error Chain Atlas raises on purpose."""


class ConfigError(ChainAtlasError):
    """A setting or parameter has a value that cannot be used.

    ``param`` names the parameter (``layer``, ``distance_file``) when there is one: the message then reads
    ``layer: ...``, and the command line shows it as its option (``--layer: ...``).
    """

    def __init__(self, message: str, *, param: str | None = None):
        self.param = param
        self.reason = message
        super().__init__(f"{param}: {message}" if param else message)


class YamlError(ConfigError):
    """A YAML file a user wrote cannot be read: ``line`` and ``column`` (from 1) say where reading stopped, when
    known (the API passes them on in its error details)."""

    def __init__(
        self, message: str, *, param: str | None = None, line: int | None = None, column: int | None = None
    ):
        self.line, self.column = line, column
        super().__init__(message, param=param)


class GeoError(ChainAtlasError):
    """An administrative code or place name cannot be resolved."""


class TaxonomyError(ChainAtlasError):
    """A chain definition is invalid (unknown code, cycle, segment without concordance...)."""


class NotBuiltError(ChainAtlasError):
    """The atlas has no built layers (or not the period asked for) yet: run ``chainatlas build``.

    A state of the atlas, not a bad parameter: the API answers 409 Conflict.
    """


class SchemaError(ChainAtlasError):
    """Database schema is missing, too new, or cannot be migrated."""


class BackendError(ChainAtlasError):
    """A storage backend failed or is unavailable (missing optional dependency...)."""


class LockError(BackendError):
    """Another process holds the atlas database for writing."""


class ExportError(ChainAtlasError):
    """An export was asked for something that does not exist or cannot be written."""


class AccessError(ChainAtlasError):
    """The user is not allowed to see or change what was asked for."""


@dataclass(frozen=True)
class RowError:
    """One failed check on one cell. ``row`` is the 1-based data row as a spreadsheet shows it
    (header is row 1, so the first data row is 2)."""

    file: str
    row: int
    column: str
    value: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row} [{self.column}={self.value!r}] {self.rule}: {self.message}"

    def to_dict(self) -> dict:
        """The error as JSON-safe fields (the one shape of a row error in API answers and reports)."""
        return {
            "file": self.file,
            "row": int(self.row),
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "rule": self.rule,
            "message": self.message,
        }


class IngestError(ChainAtlasError):
    """A batch failed validation; nothing was loaded. Carries every row error found."""

    def __init__(self, message: str, errors: list[RowError] | tuple[RowError, ...] = ()):
        self.errors = list(errors)
        shown = "\n".join(f"  {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"{message}\n{shown}{more}" if self.errors else message)


class AuthError(AccessError):
    """No credential, or one that is not valid (unknown, disabled, expired): the API answers 401."""
