"""The registry's rows: what a topic (on the atlas) or a calc method (on a user's table) is called, what it
takes, and the function that runs it.

The command line (``chainatlas analyze TOPIC``, ``chainatlas calc METHOD``), the API (one route per topic,
``/api/analytics`` catalogue) and the README tables are made from these rows, so a topic is added in one place.

To add a **topic**: write ``fn(backend, *, [layer,] scale, period, chain, segment, **params) -> (data, summary)``
(``layer`` only when the topic reads one layer)
in a ``topics_*.py`` module and append a :class:`Topic` to that module's ``TOPICS`` tuple.

To add a **calc method**: write ``fn(df, path, **params) -> (data, summary)`` (``df`` is the user's table as
text cells, ``path`` its file for messages; use the helpers of :mod:`.tables` to check columns and numbers)
in a ``calc*.py`` module and append a :class:`Method` to its ``METHODS`` tuple, with a runnable example
(``example_input`` is the CSV the example reads, ``example_args`` its options): a test runs every example.
Parameters are declared once as :class:`Param`; a parameter a topic or method does not declare is an error
that names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from chainatlas.errors import ConfigError

__all__ = ["Method", "Param", "Topic", "check_params"]

ParamType = Literal["int", "float", "str", "bool", "list", "file", "layer"]


@dataclass(frozen=True)
class Param:
    """One parameter of a topic or method, as the library, the CLI and the API take it.

    Attributes
    ----------
    name : str
        The keyword the function receives (``distance_file``); the CLI option is ``--distance-file`` unless
        ``flag`` says otherwise, the API query parameter is ``name``.
    type : {"int", "float", "str", "bool", "list", "file", "layer"}
        ``bool`` is a flag that defaults to False; ``list`` is comma-separated text; ``file`` a path (CLI only,
        never offered by the API); ``layer`` a layer id.
    default : object
        The value used when the parameter is not given (recorded in the provenance).
    help : str
        One line for ``--help`` and the OpenAPI document.
    choices : tuple of str, optional
        The allowed values.
    ge, le : float, optional
        Bounds (the API refuses values outside them; they keep one request from occupying the server).
    flag : str, optional
        The CLI option when it differs from ``--name`` (e.g. ``--distance``).
    """

    name: str
    type: ParamType
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] | None = None
    ge: float | None = None
    le: float | None = None
    flag: str | None = None

    @property
    def option(self) -> str:
        """The command-line option."""
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def api(self) -> bool:
        """Whether the API offers it (files live on the user's machine, not the server's)."""
        return self.type != "file"

    def describe(self) -> dict:
        """JSON-safe description for catalogues."""
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "help": self.help,
            "choices": list(self.choices) if self.choices else None,
            "ge": self.ge,
            "le": self.le,
            "option": self.option,
        }


TopicFn = Callable[..., tuple[pd.DataFrame, dict]]


@dataclass(frozen=True)
class Topic:
    """An analysis of the atlas's own data.

    Attributes
    ----------
    name, zh, en : str
        Identifier and titles.
    fn : callable
        ``fn(backend, *, layer, scale, period, chain, segment, **params) -> (data, summary)``.
    layer : {"required", "optional", "none"}
        Whether the topic reads one layer.
    params : tuple of Param
        Its own parameters (besides layer, scale, period, chain, segment).
    scales : tuple of str, optional
        The scales it works at (default: all).
    chain : {"optional", "required"}
        ``required`` when it reads one chain's segments.
    help : str
        One paragraph for ``--help`` (what it computes, from what).
    example : tuple of str
        Options of a command-line example (after ``chainatlas analyze NAME``).
    reads : tuple of str
        What its inputs' coverage is measured on: layer ids (``"layer"`` = the layer asked for, ``"*"`` = all
        six) and node attributes (``"attr:patents"``).
    trend : bool
        Whether it reads change over the built periods (then fewer than two periods with data is a warning).
    """

    name: str
    zh: str
    en: str
    fn: TopicFn = field(repr=False, compare=False)
    layer: Literal["required", "optional", "none"] = "none"
    params: tuple[Param, ...] = ()
    scales: tuple[str, ...] | None = None
    chain: Literal["optional", "required"] = "optional"
    help: str = ""
    example: tuple[str, ...] = ()
    reads: tuple[str, ...] = ("layer",)
    trend: bool = False

    def describe(self) -> dict:
        """JSON-safe description for the API catalogue."""
        return {
            "id": self.name,
            "zh": self.zh,
            "en": self.en,
            "layer": self.layer,
            "chain": self.chain,
            "scales": list(self.scales) if self.scales else None,
            "help": self.help,
            "params": [p.describe() for p in self.params if p.api],
            "path": f"/api/analytics/topics/{self.name}",
        }


@dataclass(frozen=True)
class Method:
    """A computation on a table the user brings.

    Attributes
    ----------
    name, zh, en : str
        Identifier and titles.
    fn : callable
        ``fn(df, path, **params) -> (data, summary)``.
    params : tuple of Param
        Its parameters.
    input : str
        The input table's shape in words.
    output : str
        What the result holds.
    example_input : str
        A CSV (with header) the example runs on.
    example_args : tuple of str
        The example's options (besides ``--input FILE -o OUT``).
    reference : str
        Where the method comes from (a book, a paper).
    """

    name: str
    zh: str
    en: str
    fn: TopicFn = field(repr=False, compare=False)
    params: tuple[Param, ...] = ()
    input: str = ""
    output: str = ""
    example_input: str = ""
    example_args: tuple[str, ...] = ()
    reference: str = ""

    def help_text(self) -> str:
        """The method's help: input, example, output and reference."""
        example = "\n".join("  " + line for line in self.example_input.strip().splitlines())
        args = " ".join(self.example_args)
        return (
            f"{self.en} ({self.zh}).\n\nInput: {self.input}\n{example}\n\n"
            f"\b\nExample:\n  chainatlas calc {self.name} --input table.csv {args}{' ' if args else ''}-o out.csv\n\n"
            f"Output: {self.output}" + (f"\n\nReference: {self.reference}" if self.reference else "")
        )


def _coerce(p: Param, value: Any) -> Any:
    """``value`` as the parameter's type (text from a form or a query string is accepted)."""
    if value is None:
        return None
    try:
        if p.type == "int":
            out: Any = int(value)
        elif p.type == "float":
            out = float(value)
        elif p.type == "bool":
            out = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        elif p.type == "list":
            out = (
                [s.strip() for s in value.split(",") if s.strip()] if isinstance(value, str) else list(value)
            )
        else:
            out = str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"expected {p.type}, got {value!r}", param=p.name) from None
    if p.choices and out not in p.choices:
        raise ConfigError(f"expected one of {', '.join(p.choices)}, got {out!r}", param=p.name)
    number = isinstance(out, (int, float)) and not isinstance(out, bool)
    if number and ((p.ge is not None and out < p.ge) or (p.le is not None and out > p.le)):
        raise ConfigError(f"expected a value from {p.ge} to {p.le}, got {out!r}", param=p.name)
    return out


def check_params(owner: str, params: tuple[Param, ...], given: Mapping[str, Any]) -> dict:
    """Every declared parameter with its value (given, else its default); ConfigError naming the first
    parameter that ``owner`` does not take."""
    known = {p.name: p for p in params}
    for name, value in given.items():
        if name not in known and value is not None:
            accepted = ", ".join(known) or "none"
            raise ConfigError(f"{owner} takes no parameter {name!r}; its parameters: {accepted}", param=name)
    out = {}
    for p in params:
        value = given.get(p.name)
        out[p.name] = p.default if value is None else _coerce(p, value)
    return out
