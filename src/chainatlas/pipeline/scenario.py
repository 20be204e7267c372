"""平战转换 scenarios as data (issue 14): the YAML a planner writes, read and checked field by field.

The scenario's model (:class:`Scenario`, :class:`ShockSpec`, :class:`SimSettings`, :class:`Variant`) and its reader
(:func:`load_scenario`, :func:`parse_scenario`); nothing here opens the atlas — the shocks are bound to firms by
:mod:`chainatlas.pipeline.simulate`.

**Scenarios** (:func:`load_scenario`; the documented example is ``data/scenarios/example.yaml``, written by
``chainatlas templates scenario``). ``period`` (a built year), ``horizon`` (steps), ``step`` (``day`` or ``week``),
``shocks`` (each with ``start``, a step, and one of ``weeks``/``days``/``steps``, else to the horizon):

- ``lockdown``: ``places`` (adcodes or names) closed — their firms' capacity 0 — except the white list
  (``whitelist`` firm codes or names, and/or ``whitelist_share`` %: the largest firms by output of each place
  written), which runs at ``whitelist_capacity`` %. ``suppliers`` (default true): the closed direct suppliers of
  a white-listed firm resume with it — within its province only, or in any province with ``pool: true`` (the
  cross-province white-list pool, 白名单互认; a variant's ``pool`` overrides every lockdown's);
- ``imports``: the imports of ``hs`` codes (prefixes) or of a ``chain``/``segment`` (``seg_lookup`` products)
  from ``partner`` countries or ``region`` trade regions cut by ``cut`` %: each importing firm's imported input
  is cut by that share of its imports (the engine holds one import input per firm);
- ``fail``: ``firms``, or a ``chain``/``segment`` (within ``places`` if given), stop to the horizon;
- ``capacity``: ``firms``, and the firms of ``places`` × ``segments`` (both when both are given), lose ``lost`` %.

``settings``: ``inventory_days`` (a number for every firm, or ``default`` / ``segments`` / ``firms``),
``substitution`` (``enabled``, ``capacity_share`` %, ``radius_km`` or none, ``delay_days``), ``recovery`` (steps),
``seed``, ``top``. ``compare``: named variants, each the scenario's settings with its own overrides (and
``pool``), run side by side. Every field is checked; an error names it (``shocks[1].weeks``) and what was expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from chainatlas.errors import ConfigError

__all__ = [
    "DEFAULTS",
    "MAX_HORIZON",
    "SHOCK_TYPES",
    "STEPS",
    "Scenario",
    "ShockSpec",
    "SimSettings",
    "Variant",
    "example_scenario",
    "load_scenario",
    "parse_scenario",
    "read_scenario",
]

#: days per step
STEPS = {"day": 1, "week": 7}


#: longest horizon, in steps of each kind (two years)
MAX_HORIZON = {"day": 731, "week": 104}


SHOCK_TYPES = ("lockdown", "imports", "fail", "capacity")


#: most shocks and variants one scenario may hold
MAX_SHOCKS, MAX_VARIANTS = 200, 12


#: settings and their defaults (documented in the example scenario, ``data/scenarios/example.yaml``)
DEFAULTS: dict[str, Any] = {
    "inventory_days": 15.0,
    "substitution": True,
    "capacity_share": 10.0,
    "radius_km": 300.0,
    "delay_days": 7.0,
    "recovery": 2,
    "seed": 0,
    "top": 20,
}


# ================================================================================================ scenario
@dataclass(frozen=True)
class ShockSpec:
    """One shock of a scenario as written, checked for form (the firms, places and segments it names are looked
    up in the network when the scenario runs).

    ``start`` and ``end`` are steps (``end`` exclusive, None: to the horizon). ``cut`` and ``lost`` are shares
    0–1 (written as percentages). ``where`` is its position in the file (``shocks[1]``) for error messages.
    """

    type: str
    where: str
    start: int
    end: int | None
    label: str = ""
    places: tuple[str, ...] = ()
    firms: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    whitelist: tuple[str, ...] = ()
    whitelist_share: float = 0.0
    whitelist_capacity: float = 1.0
    suppliers: bool = True
    pool: bool = True
    hs: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    cut: float = 0.0
    lost: float = 0.0


@dataclass(frozen=True)
class SimSettings:
    """The settings of a run. Inventories in days of input use (``inventory_segments`` keyed ``chain:segment``,
    ``inventory_firms`` by credit code or name); ``capacity_share`` the share (0–1) of its own baseline output a
    firm can add for new customers; ``radius_km`` None: no limit; ``delay_days`` before a customer switches;
    ``recovery`` steps over which capacity returns after a shock; ``top`` rows of substitutions and firms."""

    inventory_days: float = DEFAULTS["inventory_days"]
    inventory_segments: Mapping[str, float] = field(default_factory=dict)
    inventory_firms: Mapping[str, float] = field(default_factory=dict)
    substitution: bool = DEFAULTS["substitution"]
    capacity_share: float = DEFAULTS["capacity_share"] / 100.0
    radius_km: float | None = DEFAULTS["radius_km"]
    delay_days: float = DEFAULTS["delay_days"]
    recovery: int = DEFAULTS["recovery"]
    seed: int = DEFAULTS["seed"]
    top: int = DEFAULTS["top"]


@dataclass(frozen=True)
class Variant:
    """One policy variant: a name, its settings, and whether lockdowns use the cross-province white-list pool
    (None: as each shock says)."""

    name: str
    settings: SimSettings
    pool: bool | None = None


@dataclass(frozen=True)
class Scenario:
    """A scenario checked for form: what :func:`run` takes.

    ``variants`` holds at least one variant: the scenario's own settings (named ``name``) when it has no
    ``compare:``, else one per entry of ``compare:`` (the scenario's settings with the entry's overrides).
    """

    name: str
    period: int | None
    horizon: int
    step: str
    shocks: tuple[ShockSpec, ...]
    settings: SimSettings
    variants: tuple[Variant, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def step_days(self) -> int:
        return STEPS[self.step]

    def variant(self, name: str) -> Scenario:
        """The scenario with only the variant called ``name`` (ConfigError listing them otherwise)."""
        for v in self.variants:
            if v.name == name:
                return replace(self, variants=(v,))
        raise ConfigError(
            f"no variant {name!r} in the scenario; its variants: {', '.join(v.name for v in self.variants)}",
            param="variant",
        )


class _Where:
    """A mapping of the scenario being read, at a path (``shocks[1]``): typed fields, each error naming it."""

    def __init__(self, data: Any, path: str, allowed: Sequence[str]):
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"expected a mapping of fields ({', '.join(allowed)}), got {_shown(data)}", param=path or None
            )
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise ConfigError(
                f"unknown field {unknown[0]!r}; expected some of {', '.join(allowed)}",
                param=self._at(path, str(unknown[0])),
            )
        self.data = data
        self.path = path

    @staticmethod
    def _at(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def at(self, key: str) -> str:
        return self._at(self.path, key)

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def number(
        self,
        key: str,
        default: Any = None,
        *,
        lo: float | None = None,
        hi: float | None = None,
        integer: bool = False,
        percent: bool = False,
        what: str = "",
    ) -> Any:
        if not self.has(key):
            return default
        return _number(
            self.data[key], self.at(key), lo=lo, hi=hi, integer=integer, percent=percent, what=what
        )

    def flag(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        v = self.data[key]
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in _FLAGS:
            return _FLAGS[v.strip().lower()]
        raise ConfigError(f"expected true or false (是/否), got {_shown(v)}", param=self.at(key))

    def text(self, key: str, default: str | None = None, *, choices: Sequence[str] | None = None) -> Any:
        if not self.has(key):
            return default
        v = self.data[key]
        if not isinstance(v, (str, int)) or isinstance(v, bool) or not str(v).strip():
            raise ConfigError(f"expected text, got {_shown(v)}", param=self.at(key))
        v = str(v).strip()
        if choices is not None and v not in choices:
            raise ConfigError(f"expected one of {', '.join(choices)}, got {v!r}", param=self.at(key))
        return v

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of texts (or numbers, as codes), or one text; each item non-empty."""
        if not self.has(key):
            return ()
        v = self.data[key]
        items = v if isinstance(v, (list, tuple)) else [v]
        out = []
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, (str, int)) or not str(item).strip():
                raise ConfigError(
                    f"expected a code or a name, got {_shown(item)}", param=f"{self.at(key)}[{i}]"
                )
            out.append(str(item).strip())
        if not out:
            raise ConfigError("expected at least one item, got an empty list", param=self.at(key))
        return tuple(out)


_FLAGS = {"true": True, "yes": True, "on": True, "是": True, "1": True, "false": False, "no": False}


_FLAGS |= {"off": False, "否": False, "0": False}


def _shown(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(
    v: Any,
    where: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    integer: bool = False,
    percent: bool = False,
    what: str = "",
) -> Any:
    """A number read at ``where``; ``percent`` accepts ``"50%"``. ConfigError naming ``where`` otherwise."""
    raw = v
    if percent and isinstance(v, str) and v.strip().endswith("%"):
        v = v.strip()[:-1]
    if isinstance(v, str):
        try:
            v = float(v.strip())
        except ValueError:
            v = raw
    try:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))
    except OverflowError:  # a whole number of hundreds of digits
        ok = False
    if ok and integer and float(v) != int(v):
        ok = False
    kind = "a whole number" if integer else "a number"
    bounds = (
        f" from {lo:g} to {hi:g}"
        if lo is not None and hi is not None
        else f" ≥ {lo:g}"
        if lo is not None
        else f" ≤ {hi:g}"
        if hi is not None
        else ""
    )
    what = f"{what} (a whole number)" if what and integer else what
    expected = f"expected {what or kind}{bounds}" + (" (a percentage)" if percent else "")
    if not ok:
        raise ConfigError(f"{expected}, got {_shown(raw)}", param=where)
    x = int(v) if integer else float(v)
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise ConfigError(f"{expected}, got {_shown(raw)}", param=where)
    return x


_SCENARIO_FIELDS = ("name", "description", "period", "horizon", "step", "shocks", "settings", "compare")


_SETTINGS_FIELDS = ("inventory_days", "substitution", "recovery", "seed", "top")


_INVENTORY_FIELDS = ("default", "segments", "firms")


_SUBSTITUTION_FIELDS = ("enabled", "capacity_share", "radius_km", "delay_days")


_TIME_FIELDS = ("start", "weeks", "days", "steps")


_SHOCK_FIELDS = {
    "lockdown": (
        "places",
        "whitelist",
        "whitelist_share",
        "whitelist_capacity",
        "suppliers",
        "pool",
    ),
    "imports": ("hs", "chain", "segment", "segments", "partner", "partners", "region", "regions", "cut"),
    "fail": ("firms", "chain", "segment", "segments", "places"),
    "capacity": ("firms", "places", "chain", "segment", "segments", "lost"),
}


_VARIANT_FIELDS = ("name", "settings", "pool")


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """A scenario from a YAML file (UTF-8 with or without BOM, or GBK/GB18030 as Windows Notepad and WPS save it;
    any line endings), YAML text or a mapping (the API's JSON body).

    ConfigError naming the field (``shocks[1].weeks``) and what was expected; a file's name leads the message.
    """

    if isinstance(source, Mapping):
        return parse_scenario(source)
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml", ".json"))
    ):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"no scenario file {str(path)!r}", param="scenario")
        return read_scenario(path.read_bytes(), path.name)
    return read_scenario(str(source).encode("utf-8"), None)


def read_scenario(data: bytes, name: str | None) -> Scenario:
    """A scenario from the bytes of a YAML file named ``name`` (the API's upload, :func:`load_scenario`'s file):
    decoded and read by :func:`chainatlas.ingest.read.read_yaml`, checked by :func:`parse_scenario`; every error
    names the file (:class:`~chainatlas.errors.YamlError` with line and column, or a ConfigError caused by the one
    whose ``param`` is the field)."""
    from chainatlas.ingest.read import read_yaml

    raw = read_yaml(data, name or "scenario")
    if raw is None and name is not None:
        raise ConfigError(
            f"{name}: the file holds no scenario (only comments or blank lines); start from "
            "`chainatlas templates scenario`",
            param="scenario",
        )
    try:
        return parse_scenario(raw if raw is not None else {})
    except ConfigError as e:
        if name is None:
            raise
        raise ConfigError(
            f"{name}: {e}"
        ) from e  # the cause keeps the field (``param``) for the API's details


def parse_scenario(data: Any) -> Scenario:
    """Check a scenario mapping for form and return the :class:`Scenario` (see :func:`load_scenario`)."""
    top = _Where(data, "", _SCENARIO_FIELDS)
    name = top.text("name", "情景 scenario")
    top.text("description")
    period = top.number("period", None, lo=1900, hi=2200, integer=True, what="a built year such as 2024")
    step = top.text("step", "week", choices=tuple(STEPS))
    if not top.has("horizon"):
        raise ConfigError(f"missing: the number of {step}s to simulate, e.g. horizon: 26", param="horizon")
    horizon = top.number("horizon", lo=1, hi=MAX_HORIZON[step], integer=True, what=f"a number of {step}s")
    settings = _settings(data.get("settings"), "settings", SimSettings(), step)
    raw_shocks = data.get("shocks") or []
    if not isinstance(raw_shocks, list) or len(raw_shocks) > MAX_SHOCKS:
        raise ConfigError(
            f"expected a list of at most {MAX_SHOCKS} shocks, got {_shown(raw_shocks)}", param="shocks"
        )
    shocks = tuple(_shock(s, f"shocks[{i}]", horizon, step) for i, s in enumerate(raw_shocks))
    variants: list[Variant] = []
    compare = data.get("compare")
    if compare is not None:
        if not isinstance(compare, list) or not compare or len(compare) > MAX_VARIANTS:
            raise ConfigError(
                f"expected a list of 1 to {MAX_VARIANTS} named variants ({', '.join(_VARIANT_FIELDS)}), got "
                f"{_shown(compare)}",
                param="compare",
            )
        for i, item in enumerate(compare):
            where = f"compare[{i}]"
            w = _Where(item, where, _VARIANT_FIELDS)
            if not w.has("name"):
                raise ConfigError("missing: each variant needs a name", param=f"{where}.name")
            vname = w.text("name")
            if any(v.name == vname for v in variants):
                raise ConfigError(
                    f"two variants are called {vname!r}; names must differ", param=f"{where}.name"
                )
            s = _settings(item.get("settings"), f"{where}.settings", settings, step)
            pool = w.flag("pool", True) if w.has("pool") else None
            variants.append(Variant(vname, s, pool))
    else:
        variants.append(Variant(name, settings, None))
    return Scenario(name, period, horizon, step, shocks, settings, tuple(variants), raw=dict(data))


def _settings(data: Any, where: str, base: SimSettings, step: str) -> SimSettings:
    if data is None:
        return base
    w = _Where(data, where, _SETTINGS_FIELDS)
    out = base
    if w.has("inventory_days"):
        inv = data["inventory_days"]
        if isinstance(inv, Mapping):
            iw = _Where(inv, w.at("inventory_days"), _INVENTORY_FIELDS)
            default = iw.number("default", base.inventory_days, lo=0, hi=3650, what="days")
            segs = _day_map(inv.get("segments"), iw.at("segments"))
            firms = _day_map(inv.get("firms"), iw.at("firms"))
            out = replace(
                out,
                inventory_days=default,
                inventory_segments={**base.inventory_segments, **segs},
                inventory_firms={**base.inventory_firms, **firms},
            )
        else:
            # one number: every firm (a variant's ``inventory_days: 0`` is just in time for all, whatever the
            # scenario's per-segment or per-firm days)
            days = w.number("inventory_days", lo=0, hi=3650, what="days")
            out = replace(out, inventory_days=days, inventory_segments={}, inventory_firms={})
    if w.has("substitution"):
        sub = data["substitution"]
        if isinstance(sub, (bool, str)):
            out = replace(out, substitution=w.flag("substitution", base.substitution))
        else:
            sw = _Where(sub, w.at("substitution"), _SUBSTITUTION_FIELDS)
            radius = base.radius_km
            if "radius_km" in sub:
                radius = (
                    None
                    if sub["radius_km"] is None
                    or str(sub["radius_km"]).strip().lower() in ("none", "无", "inf")
                    else sw.number("radius_km", lo=0, hi=5000, what="km")
                )
                if radius == 0:
                    raise ConfigError(
                        "expected a distance in km > 0, or none for no limit", param=sw.at("radius_km")
                    )
            out = replace(
                out,
                substitution=sw.flag("enabled", base.substitution),
                capacity_share=sw.number(
                    "capacity_share", base.capacity_share * 100, lo=0, hi=100, percent=True
                )
                / 100.0,
                radius_km=radius,
                delay_days=sw.number("delay_days", base.delay_days, lo=0, hi=365, what="days"),
            )
    return replace(
        out,
        recovery=w.number("recovery", base.recovery, lo=0, hi=MAX_HORIZON[step], integer=True, what="steps"),
        seed=w.number("seed", base.seed, lo=0, hi=2**32 - 1, integer=True),
        top=w.number("top", base.top, lo=1, hi=1000, integer=True),
    )


def _day_map(data: Any, where: str) -> dict[str, float]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping of names to days, got {_shown(data)}", param=where)
    return {str(k).strip(): _number(v, f"{where}.{k}", lo=0, hi=3650, what="days") for k, v in data.items()}


def _shock(data: Any, where: str, horizon: int, step: str) -> ShockSpec:
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"expected a shock (type: {', '.join(SHOCK_TYPES)}), got {_shown(data)}", param=where
        )
    kind = data.get("type")
    if kind not in SHOCK_TYPES:
        raise ConfigError(
            f"expected a shock type, one of {', '.join(SHOCK_TYPES)}, got {_shown(kind)}",
            param=f"{where}.type",
        )
    w = _Where(data, where, ("type", "label", *_TIME_FIELDS, *_SHOCK_FIELDS[kind]))
    start = w.number("start", 0, lo=0, hi=horizon - 1, integer=True, what=f"a {step} (0 = the first)")
    given = [k for k in ("weeks", "days", "steps") if w.has(k)]
    if len(given) > 1:
        raise ConfigError(
            f"give one of weeks, days or steps, not {' and '.join(given)}", param=w.at(given[1])
        )
    end = None
    if given and kind == "fail":
        raise ConfigError(
            "a failing firm stays out to the horizon; drop it or use type: capacity", param=w.at(given[0])
        )
    if given:
        key = given[0]
        n = w.number(key, lo=0, hi=10_000, what=f"a number of {key}")
        if n <= 0:
            raise ConfigError(f"expected a duration > 0, got {_shown(data[key])}", param=w.at(key))
        days = n * 7 if key == "weeks" else n if key == "days" else n * STEPS[step]
        end = start + max(1, math.ceil(days / STEPS[step] - 1e-9))
    spec: dict[str, Any] = {
        "type": kind,
        "where": where,
        "start": start,
        "end": end,
        "label": w.text("label", ""),
    }
    if kind == "lockdown":
        if not w.has("places"):
            raise ConfigError(
                "missing: the places closed (adcodes or names, e.g. [上海市, 320500])", param=w.at("places")
            )
        spec.update(
            places=w.texts("places"),
            whitelist=w.texts("whitelist"),
            whitelist_share=w.number("whitelist_share", 0.0, lo=0, hi=100, percent=True) / 100.0,
            whitelist_capacity=w.number("whitelist_capacity", 100.0, lo=0, hi=100, percent=True) / 100.0,
            suppliers=w.flag("suppliers", True),
            pool=w.flag("pool", True),
        )
    elif kind == "imports":
        if not (w.has("hs") or w.has("chain") or w.has("segments")):
            raise ConfigError(
                "missing: the products cut (hs codes, or a chain and segment)", param=w.at("hs")
            )
        hs = w.texts("hs")
        for i, h in enumerate(hs):
            if not re.fullmatch(r"\d{2}(\d{2}){0,4}", h):
                raise ConfigError(
                    f"expected an HS code of 2, 4, 6, 8 or 10 digits, got {h!r}", param=f"{w.at('hs')}[{i}]"
                )
        partners = w.texts("partners") + w.texts("partner")
        regions = w.texts("regions") + w.texts("region")
        if not (partners or regions):
            raise ConfigError(
                "missing: the partner countries (ISO codes, e.g. KR) or regions (EU, US, JP, KR, ASEAN, HK_MO_TW, "
                "other)",
                param=w.at("partner"),
            )
        spec.update(
            hs=hs,
            segments=_segments(w),
            partners=tuple(_country(p, w.at("partner")) for p in partners),
            regions=tuple(_region(r, w.at("region")) for r in regions),
            cut=_required(w, "cut", "the share of imports cut, in %", percent=True) / 100.0,
        )
    elif kind == "fail":
        if not (w.has("firms") or w.has("chain") or w.has("segments")):
            raise ConfigError(
                "missing: the firms (credit codes or names) or the segment that fail", param=w.at("firms")
            )
        spec.update(firms=w.texts("firms"), segments=_segments(w), places=w.texts("places"))
    else:
        if not (w.has("firms") or w.has("places") or w.has("chain") or w.has("segments")):
            raise ConfigError(
                "missing: the firms, places or segments that lose capacity", param=w.at("firms")
            )
        spec.update(
            firms=w.texts("firms"),
            places=w.texts("places"),
            segments=_segments(w),
            lost=_required(w, "lost", "the share of capacity lost, in %", percent=True) / 100.0,
        )
    return ShockSpec(**spec)


def _required(w: _Where, key: str, what: str, **kw: Any) -> float:
    if not w.has(key):
        raise ConfigError(f"missing: {what}", param=w.at(key))
    return float(w.number(key, lo=0, hi=100, **kw))


def _segments(w: _Where) -> tuple[str, ...]:
    """``chain`` + ``segment`` (one segment, or the whole chain without one), or ``segments: [ic:design]``."""
    out = list(w.texts("segments"))
    for i, s in enumerate(out):
        if ":" not in s:
            raise ConfigError(
                f"expected chain:segment such as ic:fabrication, got {s!r}", param=f"{w.at('segments')}[{i}]"
            )
    if w.has("segment") and not w.has("chain"):
        raise ConfigError("a segment needs its chain (chain: ic)", param=w.at("chain"))
    if w.has("chain"):
        out.append(f"{w.text('chain')}:{w.text('segment', '')}")
    return tuple(out)


def _country(code: str, where: str) -> str:
    from chainatlas.geo.countries import normalize_country

    a2 = normalize_country(pd.Series([code])).iloc[0]
    if not isinstance(a2, str):
        raise ConfigError(f"expected an ISO 3166 country code such as KR or DEU, got {code!r}", param=where)
    return a2


def _region(name: str, where: str) -> str:
    from chainatlas.geo.countries import REGIONS

    up = name.strip().upper() if name.strip().lower() != "other" else "other"
    if up not in REGIONS:
        raise ConfigError(
            f"expected a partner region, one of {', '.join(REGIONS)}, got {name!r}", param=where
        )
    return up


def example_scenario() -> str:
    """The documented example scenario (``chainatlas templates scenario``): YAML text with Chinese comments that
    runs on the demo atlas as it is."""
    from importlib import resources

    return (
        resources.files("chainatlas")
        .joinpath("data", "scenarios", "example.yaml")
        .read_text(encoding="utf-8")
    )
