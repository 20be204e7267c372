"""平战转换: supply-shock scenarios on the firm supply network of the atlas (issue 14).

The wiring between the atlas and the pure engine :mod:`chainatlas.analytics.shock`: the firm network of a year
(:func:`network`), scenarios as data (:func:`load_scenario`, a YAML file or the same mapping as JSON), runs and
policy comparisons (:func:`run`), the systemic-risk ranking (:func:`risk`) and the supply-chain emergency list
(:func:`emergency_list`, 供应链关键部门联合清单). No maths here: the propagation and the index are the engine's.

**The network** (:func:`network`). Nodes are the register's entities of type ``firm`` that exist in the year
(founded in or before it, or undated). Links are the year's supply links (``raw_supply_links``) resolved to
entities exactly as the build resolves them (:class:`chainatlas.pipeline.facts.Resolver`; the ``facts`` rows of
source ``supply_links``), summed per (supplier, customer) over products and months; a link naming a party that is
not a firm of the register, or a firm with itself, is left out (counted in the notes). Values are 万元 a year and
become a value per day (÷ 365) — the engine multiplies by the step's days.

*Blank values.* Unknown is not 0, but a link without a value cannot weigh in a Leontief input share. A link whose
value is blank gets the **median of the valued links of its supplier's segment** in the year (else of every
valued link of the year; else 1 万元), and the result's ``notes`` say how many links were imputed so. The median,
not the mean: link values are skewed and one large contract must not set the weight of every unknown one.

*Output.* A firm's baseline output is its revenue from the tax records of the year (summed over quarters) where
known; a firm's output is at least its sales to the network's customers and at least its purchases (from the
network and from abroad), so that final demand is never negative and the input shares stay ≤ 1 — a firm raised
so is counted in the notes. A firm with neither revenue nor links has no output and is left out.

*Segments.* A firm's segment is the one its main industry code reaches (``seg_lookup``; a full member before a
partial one, then the chain order), else one reached by its other codes; with ``chain=`` the firm's segment of
that chain comes first. A firm in several chains counts in each chain's totals (``labels.chains``), so the loss
by chain is not additive across chains. Place: the firm's county adcode (a coarser code where the register has
no finer one); province: its first two digits.

*Imports* (customs ``raw_trade``, direction ``import``, the year's months) are resolved to firms the same way,
converted from US dollars to 万元 at :data:`USD_CNY` and grouped by partner region
(:func:`chainatlas.geo.country_region`: CN, HK_MO_TW, EU, US, ASEAN, JP, KR, other).

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

**Results** (:func:`run`). Per step and variant the output against the baseline, the loss split into direct (the
capacity the shocks removed, capped by the firm's loss) and indirect (the rest: lost inputs and demand); the peak
(the largest loss of one step as a share of the region's baseline, and its step); recovery: the first step after
the peak from which the loss stays within 5 % of the baseline (time to 95 % recovery; null if not within the
horizon). A network of more than :data:`AGGREGATE_ABOVE` firm-steps runs aggregated to place × segment.

**Systemic risk** (:func:`risk`). The index of a firm is what :func:`chainatlas.analytics.shock.esri` computes
when it alone stops for good: the share of the region's baseline output lost :data:`ESRI_WEEKS` (13) weeks later,
one round of propagation a week (downstream through inputs beyond stock, upstream through lost demand), every
firm holding :data:`ESRI_INVENTORY_DAYS` (15) days of inputs. Diem et al. (2022) take the cascade's fixed point
instead; on the atlas's networks, where every input is essential and supply links close loops, that fixed point
is not reached in any useful number of rounds — one firm of ``medium`` costs 0.4 % of output after 10 rounds, 4 %
after 30 and 25 % after 100, and 100 rounds for every firm of ``medium`` take hours — so the index is stated
at a horizon a planner reads (a quarter). Ranks are over the firms ranked (a chain's, or all), the same for every
reader and in the emergency list.

**Scope.** A simulation needs the whole network whatever the reader may see, so every read here is
``query.table(..., whole=True)``. What comes back to a reader with a jurisdiction is aggregates (by segment,
province, chain, the whole region) and firm-level rows only of firms inside the jurisdiction: a substitution or a
white-list row only when every firm it names is inside (as the scope reads supply records), the firms' loss,
the risk ranking and the emergency list only for firms inside. Loss by place outside the jurisdiction is withheld
for places with fewer than ``disclosure_k`` firms (the threshold rule of disclosure control; the place's row is
kept with ``suppressed`` true and its numbers null).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError, GeoError
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend

__all__ = [
    "AGGREGATE_ABOVE",
    "DEFAULTS",
    "ESRI_INVENTORY_DAYS",
    "ESRI_WEEKS",
    "SHOCK_TYPES",
    "STEPS",
    "USD_CNY",
    "EmergencyList",
    "Labels",
    "RiskResult",
    "Scenario",
    "ShockSpec",
    "SimSettings",
    "SimulationResult",
    "Variant",
    "cached_network",
    "emergency_document",
    "emergency_list",
    "example_scenario",
    "load_scenario",
    "network",
    "parse_scenario",
    "provenance",
    "risk",
    "risk_document",
    "run",
    "write",
]

#: yuan per US dollar used to put customs values (USD) beside tax and supply values (万元); the 2023 average of
#: the PBoC central parity was 7.05
USD_CNY = 7.05
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
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))
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
    """A scenario from a YAML file (UTF-8, with or without BOM), YAML text or a mapping (the API's JSON body).

    ConfigError naming the field (``shocks[1].weeks``) and what was expected; a file's name leads the message.
    """
    import yaml

    if isinstance(source, Mapping):
        return parse_scenario(source)
    text, name = source, None
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml", ".json"))
    ):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"no scenario file {str(path)!r}", param="scenario")
        text, name = path.read_text(encoding="utf-8-sig"), path.name
    try:
        data = yaml.safe_load(str(text))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(
            f"{name + ': ' if name else ''}not valid YAML{where}: {getattr(e, 'problem', None) or e}",
            param="scenario",
        ) from None
    try:
        return parse_scenario(data if data is not None else {})
    except ConfigError as e:
        if name is None:
            raise
        raise ConfigError(f"{name}: {e}") from None


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


# ================================================================================================ network
@dataclass(frozen=True)
class Labels:
    """What the engine's arrays mean: firm ``i`` of the network is row ``i`` of ``firms``.

    Attributes
    ----------
    period : int
        The year of the network.
    chain : str or None
        The chain whose segments came first in the firms' segments.
    firms : DataFrame
        One row per firm: ``firm`` (entity id: the credit code, or ``N:<name>``), ``name``, ``adcode``, ``province``
        (6-digit code), ``segment`` (``chain:segment`` or None), ``revenue`` (万元 a year, NaN unknown), ``output``
        (万元 a year, the baseline), ``sales``, ``purchases``, ``imports`` (万元 a year) and ``raised`` (output
        raised above the revenue to cover sales or purchases).
    segments, places, provinces, partners : list of str
        The labels of the engine's ``segment``, ``place``, ``province`` and ``import_partner`` indices.
    chains : DataFrame
        ``firm`` (index), ``chain``, ``segment``, ``partial``: every chain segment each firm belongs to (a firm
        may be in several; ``partial`` through a partly belonging industry class).
    links : DataFrame
        ``supplier``, ``customer`` (indices), ``value`` (万元 a year, imputed where blank) and ``imputed``.
    imports : DataFrame
        ``firm`` (index), ``partner_region``, ``partner`` (ISO alpha-2), ``hs`` (the customs code), ``value``
        (万元 a year): the customs lines behind ``imports``, for import shocks.
    notes : list of str
        What the reader should know: imputed values, parties left out, outputs raised (Chinese / English).
    synthetic : bool
        The atlas holds synthetic records.
    """

    period: int
    chain: str | None
    firms: pd.DataFrame
    segments: list[str]
    places: list[str]
    provinces: list[str]
    partners: list[str]
    chains: pd.DataFrame
    links: pd.DataFrame
    imports: pd.DataFrame
    notes: list[str]
    synthetic: bool = False

    def index_of(self, refs: Sequence[str], where: str) -> np.ndarray:
        """Firm indices of credit codes or exact names (ConfigError naming ``where[i]`` for one not found or a
        name that several firms carry)."""
        by_id = _positions(self.firms["firm"])
        by_name = self.firms.groupby("name", sort=False).indices if len(self.firms) else {}
        out = []
        for i, ref in enumerate(refs):
            if ref in by_id:
                out.append(by_id[ref])
                continue
            hit = by_name.get(ref)
            if hit is None or len(hit) != 1:
                why = (
                    "several firms are called so; give the credit code"
                    if hit is not None
                    else "not a firm of the network"
                )
                raise ConfigError(
                    f"{ref!r}: {why} (the firms of {self.period} with supply links, revenue or both)",
                    param=f"{where}[{i}]",
                )
            out.append(int(hit[0]))
        return np.asarray(out, dtype=np.int64)


def _positions(s: pd.Series) -> dict[str, int]:
    return {v: i for i, v in enumerate(s.tolist())}


def _reader(backend: Backend) -> Callable[[str], Any]:
    """``table(name)`` for the expressions of :mod:`chainatlas.pipeline.facts`: every row, whatever the scope (a
    simulation needs the whole network; what reaches a reader is filtered afterwards)."""
    return lambda name: query.table(backend, name, whole=True)


def _year(backend: Backend, period: object | None) -> int:
    year = query.latest(backend, period)
    if not isinstance(year, int):
        raise ConfigError(
            f"a simulation runs on a year's network; got {period!r} (a month or a quarter)", param="period"
        )
    return year


def _firm_register(backend: Backend, year: int) -> pd.DataFrame:
    e = query.table(backend, "entities", whole=True)
    e = e.filter((e.entity_type == "firm") & (e.founded_year.isnull() | (e.founded_year <= year)))
    df = backend.execute(e.select("entity_id", "name", "adcode", "industry_code", "synthetic"))
    return df.drop_duplicates("entity_id").reset_index(drop=True)


def _supply_links(backend: Backend, year: int) -> pd.DataFrame:
    f = query.table(backend, "facts", whole=True)
    f = f.filter((f.source == "supply_links") & (f.year == year))
    return backend.execute(f.select(supplier=f.src, customer=f.dst, value=f.value))


def _revenue(backend: Backend, year: int) -> pd.Series:
    """Revenue per entity in ``year`` (万元; NaN where every record of the entity left it blank)."""
    from chainatlas.pipeline.facts import confidential_contributions

    if not backend.has_table("raw_tax"):
        return pd.Series(dtype=float)
    t = confidential_contributions(_reader(backend), "revenue", [year])
    df = backend.execute(t.group_by("entity").aggregate(value=t.value.sum(), known=t.value.count()))
    df = df[df["known"] > 0]
    return pd.Series(df["value"].to_numpy(float), index=df["entity"].astype(str))


def _customs_imports(backend: Backend, year: int) -> pd.DataFrame:
    """Customs import lines of ``year`` resolved to entities: ``entity, hs, partner, value`` (USD)."""
    from chainatlas.pipeline.facts import Resolver

    cols = ["entity", "hs", "partner", "value"]
    if not backend.has_table("raw_trade"):
        return pd.DataFrame(columns=cols)
    table = _reader(backend)
    rt = table("raw_trade")
    rt = rt.filter((rt.year == year) & (rt.direction == "import"))
    r = Resolver(table)(rt, "credit_code", None, "firm_norm", "a")
    g = r.group_by(
        [r.a_eid.name("entity"), r.hs_code.name("hs"), r.partner_country.name("partner")]
    ).aggregate(value=r.value.sum())
    return backend.execute(g)[cols]


def _main_segments(
    backend: Backend, firms: pd.DataFrame, chain: str | None
) -> tuple[pd.Series, pd.DataFrame]:
    """Each firm's segment (``chain:segment``; see the module's notes) and every (firm, chain) membership."""
    from chainatlas.model.taxonomy import atlas_taxonomy

    sl = query.table(backend, "seg_lookup", whole=True)
    sl = sl.filter((sl.ck_type == "e") & (sl.segment != ""))
    rows = backend.execute(sl.select(firm=sl.ck, chain=sl.chain, segment=sl.segment, partial=sl.partial))
    rows = rows[rows["firm"].isin(firms["entity_id"])]
    if rows.empty:
        return pd.Series(dtype=object), pd.DataFrame(columns=["firm", "chain", "segment", "partial"])
    # which segments the main industry code reaches (the taxonomy's concordance on the few distinct codes)
    codes = firms["industry_code"].dropna().astype(str).drop_duplicates().reset_index(drop=True)
    main: set[tuple[str, str, str]] = set()
    if len(codes):
        m = atlas_taxonomy().segments_for_industry(codes)
        main = set(zip(codes.to_numpy()[m["row"].to_numpy()], m["chain"], m["segment"], strict=True))
    code_of = dict(zip(firms["entity_id"], firms["industry_code"].astype(object), strict=True))
    order = query.segments(backend)
    topo = {(c, s): i for i, (c, s) in enumerate(zip(order["chain"], order["segment"], strict=True))}
    rows = rows.assign(
        _mine=[0 if chain is not None and c == chain else 1 for c in rows["chain"]],
        _main=[
            0 if (str(code_of.get(f)), c, s) in main else 1
            for f, c, s in zip(rows["firm"], rows["chain"], rows["segment"], strict=True)
        ],
        _partial=rows["partial"].fillna(False).astype(int),
        _order=[topo.get((c, s), len(topo)) for c, s in zip(rows["chain"], rows["segment"], strict=True)],
    )
    best = rows.sort_values(["firm", "_mine", "_main", "_partial", "_order"]).drop_duplicates("firm")
    seg = pd.Series((best["chain"] + ":" + best["segment"]).to_numpy(), index=best["firm"].to_numpy())
    chains = rows[["firm", "chain", "segment", "partial"]].drop_duplicates(["firm", "chain", "segment"])
    return seg, chains


def network(
    backend: Backend, *, period: object | None = None, chain: str | None = None, usd_cny: float = USD_CNY
) -> tuple[Any, Labels]:
    """The firm supply network of the atlas for a year, as the engine's ``Network`` and its :class:`Labels`.

    Parameters
    ----------
    backend : Backend
        The atlas (read whole, whatever the reader's scope: see the module's notes).
    period : int, optional
        A built year (default: the latest).
    chain : str, optional
        A chain whose segments come first in the firms' segments (a firm of several chains); every firm of the
        register is in the network whatever ``chain`` is.
    usd_cny : float
        Yuan per US dollar for the customs values.

    Returns
    -------
    (Network, Labels)
        The engine's arrays (values per day) and what they mean.
    """
    arrays, labels = _network_arrays(backend, period=period, chain=chain, usd_cny=usd_cny)
    return _engine_network(arrays), labels


def _network_arrays(
    backend: Backend, *, period: object | None, chain: str | None, usd_cny: float = USD_CNY
) -> tuple[dict[str, Any], Labels]:
    from chainatlas import geo
    from chainatlas.model.layers import ALL

    year = _year(backend, period)
    if chain is not None and chain != ALL:
        query.check_chain(backend, chain)
    else:
        chain = None
    notes: list[str] = []
    reg = _firm_register(backend, year)
    ids = _positions(reg["entity_id"])
    links = _supply_links(backend, year)
    n_raw = len(links)
    links = links[links["supplier"].isin(ids) & links["customer"].isin(ids)]
    outside = n_raw - len(links)
    own = links["supplier"] == links["customer"]
    links = links[~own]
    if outside or own.any():
        notes.append(
            f"供应关系 {outside:,} 条的一方不是主体库中的企业、{int(own.sum()):,} 条为自供，未计入网络 / "
            f"{outside:,} supply links naming a party that is not a firm of the register and {int(own.sum()):,} "
            "self links left out"
        )
    seg_of, chains = _main_segments(backend, reg, chain)
    # blank values: the median of the supplier's segment's valued links of the year (module notes)
    links = links.assign(_seg=links["supplier"].map(seg_of))
    blank = links["value"].isna()
    if blank.any():
        valued = links[~blank]
        overall = float(valued["value"].median()) if len(valued) else 1.0
        by_seg = valued.groupby("_seg")["value"].median()
        fill = links.loc[blank, "_seg"].map(by_seg).fillna(overall)
        links.loc[blank, "value"] = fill.to_numpy()
        notes.append(
            f"供应关系 {int(blank.sum()):,} 条金额空缺，按供应商所在环节当年有金额关系的中位数计（无则按全部关系的中位数 "
            f"{overall:,.2f} 万元）/ {int(blank.sum()):,} links without a value weighed at the median of the valued "
            f"links of their supplier's segment in {year} (else of every valued link, {overall:,.2f} 万元)"
        )
    links = links.assign(imputed=blank.to_numpy())
    links = (
        links.groupby(["supplier", "customer"], sort=False)
        .agg(value=("value", "sum"), imputed=("imputed", "any"))
        .reset_index()
    )
    links = links[links["value"] > 0]

    revenue = _revenue(backend, year)
    imp = _customs_imports(backend, year)
    imp = imp[imp["entity"].isin(ids) & imp["value"].notna() & (imp["value"] > 0)]
    imp = imp.assign(
        value=imp["value"].astype(float) * usd_cny / 10_000.0,
        partner_region=geo.country_region(imp["partner"]).fillna("other").to_numpy(),
    )
    sales = links.groupby("supplier")["value"].sum()
    purchases = links.groupby("customer")["value"].sum()
    imports = imp.groupby("entity")["value"].sum()
    ent = reg["entity_id"]
    rev = ent.map(revenue).astype(float)
    s_ = ent.map(sales).fillna(0.0).to_numpy(float)
    p_ = ent.map(purchases).fillna(0.0).to_numpy(float)
    m_ = ent.map(imports).fillna(0.0).to_numpy(float)
    need = np.maximum(s_, p_ + m_)
    out = np.where(rev.notna(), np.maximum(rev.fillna(0.0).to_numpy(float), need), need)
    raised = rev.notna().to_numpy() & (rev.fillna(0.0).to_numpy(float) < need - 1e-9)
    keep = out > 0
    dropped = int((~keep).sum())
    if dropped:
        notes.append(
            f"{dropped:,} 家企业当年既无营业收入记录也无供应关系，未计入网络 / {dropped:,} firms with neither revenue "
            f"nor supply links in {year} left out"
        )
    if raised.any():
        notes.append(
            f"{int(raised.sum()):,} 家企业的营业收入低于其网络内销售额或采购额（含进口），产出按后者计 / "
            f"{int(raised.sum()):,} firms' revenue below their sales or purchases (imports included) in the network: "
            "their output is raised to it"
        )
    no_rev = int((rev.isna().to_numpy() & keep).sum())
    if no_rev:
        notes.append(
            f"{no_rev:,} 家企业无营业收入记录，产出按其供应关系估计 / {no_rev:,} firms without revenue: output from "
            "their supply links"
        )
    firms = pd.DataFrame(
        {
            "firm": ent.to_numpy(),
            "name": reg["name"].to_numpy(),
            "adcode": reg["adcode"].astype(object).to_numpy(),
            "segment": ent.map(seg_of).astype(object).to_numpy(),
            "revenue": rev.to_numpy(float),
            "output": out,
            "sales": s_,
            "purchases": p_,
            "imports": m_,
            "raised": raised,
        }
    )[keep].reset_index(drop=True)
    firms["province"] = [
        (a[:2] + "0000") if isinstance(a, str) and len(a) >= 2 else None for a in firms["adcode"]
    ]
    pos = _positions(firms["firm"])
    n = len(firms)
    sup = links["supplier"].map(pos).to_numpy(np.int64)
    cus = links["customer"].map(pos).to_numpy(np.int64)
    val = links["value"].to_numpy(float)
    link_frame = pd.DataFrame(
        {"supplier": sup, "customer": cus, "value": val, "imputed": links["imputed"].to_numpy()}
    )

    def codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
        labels = sorted({v for v in values if isinstance(v, str)})
        return net_codes(labels, values), labels

    segment, segments = codes(firms["segment"])
    place, places = codes(firms["adcode"])
    province, provinces = codes(firms["province"])
    imp = imp.assign(firm=imp["entity"].map(pos))
    imp = imp[imp["firm"].notna()].astype({"firm": np.int64})
    partners = sorted(imp["partner_region"].unique().tolist())
    # the engine holds one import input per firm: its partner is the region it imports most from
    by_region = imp.groupby(["firm", "partner_region"])["value"].sum().reset_index()
    main = by_region.sort_values(
        ["firm", "value", "partner_region"], ascending=[True, False, True]
    ).drop_duplicates("firm")
    import_partner = np.full(n, -1, np.int64)
    import_partner[main["firm"].to_numpy(np.int64)] = net_codes(partners, main["partner_region"])
    chains = chains.assign(firm=chains["firm"].map(pos))
    chains = (
        chains[chains["firm"].notna()].astype({"firm": np.int64}).sort_values(["firm", "chain", "segment"])
    )
    per_day = 1.0 / 365.0
    arrays = {
        "n": n,
        "supplier": sup,
        "customer": cus,
        "value": val * per_day,
        "output": firms["output"].to_numpy(float) * per_day,
        "segment": segment,
        "place": place,
        "province": province,
        "import_value": firms["imports"].to_numpy(float) * per_day,
        "import_partner": import_partner,
    }
    synthetic = bool(reg["synthetic"].fillna(False).any())
    labels = Labels(
        period=year,
        chain=chain,
        firms=firms,
        segments=segments,
        places=places,
        provinces=provinces,
        partners=partners,
        chains=chains.reset_index(drop=True),
        links=link_frame,
        imports=imp[["firm", "partner_region", "partner", "hs", "value"]].reset_index(drop=True),
        notes=notes,
        synthetic=synthetic or _synthetic(backend),
    )
    return arrays, labels


def _synthetic(backend: Backend) -> bool:
    try:
        return bool(query.dataset_info(backend)["contains_synthetic"])
    except Exception:  # noqa: BLE001 - an atlas without batches: nothing synthetic loaded
        return False


def _engine_network(arrays: Mapping[str, Any]) -> Any:
    """The engine's ``Network`` (values per day; inventories and spare capacity are set per run)."""
    from chainatlas.analytics.shock import Network

    if arrays["n"] == 0:
        raise ConfigError("the atlas has no firm with revenue or supply links in this year", param="period")
    a = dict(arrays)
    return Network.from_links(
        a.pop("n"), a.pop("supplier"), a.pop("customer"), a.pop("value"), a.pop("output"), **a
    )


# ================================================================================================ binding
@dataclass(frozen=True)
class _Bound:
    """A shock bound to the network: engine-neutral (turned into the engine's ``Shock`` by :func:`_engine_shocks`).

    ``kind`` ``capacity`` (``capacity`` remaining, a share) or ``imports`` (``cut`` per firm: the share of the
    firm's imports from ``partner`` cut). ``end`` exclusive, the horizon for failures."""

    kind: str
    firms: np.ndarray
    start: int
    end: int
    capacity: float = 1.0
    partner: int | None = None
    cut: np.ndarray | None = None
    label: str = ""


def _place(text: str, where: str) -> tuple[str, str]:
    """A place written as an adcode (2, 4 or 6 digits) or a name: its 6-digit code and the prefix of the adcodes
    inside it (Shanghai's city is its province)."""
    from chainatlas import geo
    from chainatlas.ingest.places import resolve_place_names
    from chainatlas.model.access import jurisdiction_prefix, normalize_jurisdiction

    t = text.strip()
    if re.fullmatch(r"\d{2}|\d{4}|\d{6}", t):
        try:
            code = geo.normalize_adcode(t)
        except GeoError as e:
            raise ConfigError(str(e), param=where) from None
    else:
        r = resolve_place_names([t], addresses=False)[0]
        if r.problem:
            raise ConfigError(r.problem, param=where)
        if r.adcode is None:
            raise ConfigError(
                f"unknown place {t!r}; expected an adcode (320500) or a place name of the region (苏州市, 浦东新区)",
                param=where,
            )
        code = r.adcode
    return code, jurisdiction_prefix(normalize_jurisdiction(code))


def _in_places(labels: Labels, places: Sequence[str], where: str) -> list[np.ndarray]:
    """Per place written, the indices of the firms placed inside it."""
    adc = labels.firms["adcode"].fillna("").astype(str)
    out = []
    for i, p in enumerate(places):
        _, prefix = _place(p, f"{where}[{i}]")
        out.append(np.flatnonzero(adc.str.startswith(prefix).to_numpy()))
    return out


def _segment_firms(backend: Backend, labels: Labels, segments: Sequence[str], where: str) -> np.ndarray:
    """Firms belonging to any of ``segments`` (``chain:segment``; ``chain:`` the whole chain), full or partial
    members (``labels.chains``)."""
    segs = query.segments(backend)
    known = set(segs["chain"] + ":" + segs["segment"])
    chains_known = set(segs["chain"])
    m = labels.chains
    pick = np.zeros(len(m), bool)
    for i, s in enumerate(segments):
        c, _, seg = s.partition(":")
        if c not in chains_known:
            raise ConfigError(
                f"unknown chain {c!r}; expected one of {', '.join(sorted(chains_known))}",
                param=f"{where}[{i}]",
            )
        if seg and s not in known:
            ok = sorted(x.split(":", 1)[1] for x in known if x.startswith(c + ":"))
            raise ConfigError(
                f"{seg!r} is not a segment of chain {c!r}; expected one of {', '.join(ok)}",
                param=f"{where}[{i}]",
            )
        pick |= (m["chain"] == c).to_numpy() & ((m["segment"] == seg).to_numpy() if seg else True)
    return np.unique(m.loc[pick, "firm"].to_numpy(np.int64))


def _hs_segments(backend: Backend) -> pd.DataFrame:
    """HS 6-digit → ``chain:segment`` (``seg_lookup``, products)."""
    sl = query.table(backend, "seg_lookup", whole=True)
    sl = sl.filter(sl.ck_type == "h")
    return backend.execute(sl.select(hs6=sl.ck, chain=sl.chain, segment=sl.segment))


def _bind(
    backend: Backend, scenario: Scenario, variant: Variant, labels: Labels
) -> tuple[list[_Bound], np.ndarray, list[str]]:
    """The variant's shocks on the network, the white-list (boolean per firm) and notes."""
    n = len(labels.firms)
    horizon = scenario.horizon
    bound: list[_Bound] = []
    white = np.zeros(n, bool)
    notes: list[str] = []
    output = labels.firms["output"].to_numpy(float)
    prov = labels.firms["province"].astype(object).to_numpy()
    links = labels.links
    for s in scenario.shocks:
        end = horizon if s.end is None else min(s.end, horizon)
        tag = s.label or s.where
        if s.type == "lockdown":
            groups = _in_places(labels, s.places, f"{s.where}.places")
            locked = np.zeros(n, bool)
            for g in groups:
                locked[g] = True
            listed = np.zeros(n, bool)
            if s.whitelist:
                idx = labels.index_of(s.whitelist, f"{s.where}.whitelist")
                outside = idx[~locked[idx]]
                if len(outside):
                    notes.append(
                        f"{tag}: 白名单中 {len(outside)} 家企业不在封控地区内，不受影响 / {len(outside)} white-listed "
                        "firms lie outside the closed places"
                    )
                listed[idx[locked[idx]]] = True
            if s.whitelist_share > 0:
                for g in groups:
                    k = math.ceil(s.whitelist_share * len(g) - 1e-9)
                    if k:
                        top = g[np.argsort(-output[g], kind="stable")[:k]]
                        listed[top] = True
            pool = variant.pool if variant.pool is not None else s.pool
            if s.suppliers and listed.any():
                # direct suppliers of white-listed firms that are closed too resume with them: within the province
                # of the white-listed customer, or anywhere with the cross-province pool (白名单互认)
                sup, cus = links["supplier"].to_numpy(), links["customer"].to_numpy()
                hit = listed[cus] & locked[sup] & ~listed[sup]
                if not pool:
                    hit &= prov[sup] == prov[cus]
                listed[sup[hit]] = True
            closed = np.flatnonzero(locked & ~listed)
            kept = np.flatnonzero(locked & listed)
            white |= locked & listed
            if len(closed):
                bound.append(_Bound("capacity", closed, s.start, end, 0.0, label=tag))
            if len(kept) and s.whitelist_capacity < 1.0:
                bound.append(_Bound("capacity", kept, s.start, end, s.whitelist_capacity, label=tag))
            if not locked.any():
                notes.append(
                    f"{tag}: 封控地区内没有网络中的企业 / no firm of the network in the closed places"
                )
        elif s.type in ("fail", "capacity"):
            pick = np.zeros(n, bool)
            if s.firms:
                pick[labels.index_of(s.firms, f"{s.where}.firms")] = True
            sel = None
            if s.segments:
                sel = np.zeros(n, bool)
                sel[_segment_firms(backend, labels, s.segments, f"{s.where}.segments")] = True
            if s.places:
                inside = np.zeros(n, bool)
                for g in _in_places(labels, s.places, f"{s.where}.places"):
                    inside[g] = True
                sel = inside if sel is None else sel & inside
            if sel is not None:
                pick |= sel
            idx = np.flatnonzero(pick)
            if not len(idx):
                notes.append(f"{tag}: 未选中网络中的任何企业 / no firm of the network selected")
                continue
            if s.type == "fail":
                bound.append(_Bound("capacity", idx, s.start, horizon, 0.0, label=tag))
            else:
                bound.append(_Bound("capacity", idx, s.start, end, 1.0 - s.lost, label=tag))
        else:  # imports
            bound.extend(_bind_imports(backend, s, labels, end, tag, notes))
    return bound, white, notes


def _bind_imports(
    backend: Backend, s: ShockSpec, labels: Labels, end: int, tag: str, notes: list[str]
) -> list[_Bound]:
    """An import cut: the firms importing the products from the partners, each losing ``cut`` × (those imports ÷
    all its imports) of its imported input (the engine holds one import input per firm)."""
    imp = labels.imports
    if s.segments:
        _segment_firms(backend, labels, s.segments, f"{s.where}.segments")  # checks the names
    match = np.zeros(len(imp), bool)
    hs = imp["hs"].astype(str)
    for h in s.hs:
        match |= hs.str.startswith(h).to_numpy()
    if s.segments:
        lk = _hs_segments(backend)
        keys = set()
        for seg in s.segments:
            c, _, sg = seg.partition(":")
            part = lk[(lk["chain"] == c) & ((lk["segment"] == sg) if sg else True)]
            keys |= set(part["hs6"])
        match |= hs.str.slice(0, 6).isin(keys).to_numpy()
    who = np.zeros(len(imp), bool)
    if s.partners:
        who |= imp["partner"].isin(s.partners).to_numpy()
    if s.regions:
        who |= imp["partner_region"].isin(s.regions).to_numpy()
    hit = imp[match & who].groupby("firm")["value"].sum()
    if hit.empty:
        notes.append(
            f"{tag}: 网络中的企业当年没有相应进口 / no firm of the network imports these products from them"
        )
        return []
    total = labels.firms["imports"].to_numpy(float)[hit.index.to_numpy(np.int64)]
    cut = np.minimum(s.cut * hit.to_numpy(float) / total, 1.0)
    return [_Bound("imports", hit.index.to_numpy(np.int64), s.start, end, cut=cut, label=tag)]


def _inventory(backend: Backend, settings: SimSettings, labels: Labels, where: str) -> np.ndarray:
    """Days of inventory per firm: the default, a segment's days for its firms (by their segment in the network),
    a firm's own."""
    days = np.full(len(labels.firms), float(settings.inventory_days))
    if settings.inventory_segments:
        segs = query.segments(backend)
        known = set(segs["chain"] + ":" + segs["segment"])
        seg = labels.firms["segment"].astype(object)
        for k, v in settings.inventory_segments.items():
            if k not in known:
                raise ConfigError(
                    f"{k!r} is not a chain segment; expected chain:segment such as ic:fabrication",
                    param=f"{where}.inventory_days.segments.{k}",
                )
            days[(seg == k).to_numpy()] = v
    if settings.inventory_firms:
        keys = list(settings.inventory_firms)
        idx = labels.index_of(keys, f"{where}.inventory_days.firms")
        days[idx] = [settings.inventory_firms[k] for k in keys]
    return days


def _distances(labels: Labels) -> np.ndarray:
    """km between the centroids of the network's places (``labels.places``)."""
    from chainatlas import geo
    from chainatlas.analytics.gravity import haversine_km

    p = geo.places().set_index("adcode")
    lon = p["lon"].reindex(labels.places).to_numpy(float)
    lat = p["lat"].reindex(labels.places).to_numpy(float)
    d = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    return np.where(np.isfinite(d), d, np.inf)


# ================================================================================================ results
@dataclass(frozen=True)
class SimulationResult:
    """What a scenario run gives, every value in 万元 (per step where it says so), one row per variant in
    ``summary``.

    Attributes
    ----------
    scenario : Scenario
    period : int
        The network's year.
    summary : DataFrame
        Per variant: ``baseline`` (the region's output per step), ``loss`` (over the horizon), ``loss_share`` (of
        the baseline over the horizon), ``direct``, ``indirect``, ``indirect_ratio`` (indirect ÷ direct),
        ``peak_loss_share`` and ``peak_step`` (the step of the largest loss, as a share of the baseline),
        ``recovered_step`` (the first step after the peak from which output stays at ≥ 95 % of the baseline; null:
        not within the horizon), ``recovery_steps`` (from the peak), ``recovery_days``, ``substitutions``
        (switches) and ``substituted`` (value supplied by new suppliers).
    series : DataFrame
        Per variant and step: ``baseline``, ``output``, ``loss``, ``direct``, ``indirect``, ``loss_share``.
    segments, places, provinces, chains : DataFrame
        The same per variant, step and ``unit`` (``chain:segment``, adcode, province adcode, chain id), with
        ``name``; loss by chain counts a firm in every chain it belongs to. ``places`` has ``suppressed``.
    firms : DataFrame
        Per variant the ``top`` firms by loss inside the reader's jurisdiction.
    substitutions : DataFrame
        Per variant the ``top`` switches by value (customer, the supplier that failed, the new one, their
        places, the distance, the first step, the value), each naming only firms inside the jurisdiction.
    whitelist : DataFrame
        Per variant the white-listed firms inside the jurisdiction whose running kept others' output alive
        (``kept_alive``: the output of their customers they supplied during the shocks).
    notes : list of str
    synthetic : bool
    """

    scenario: Scenario
    period: int
    summary: pd.DataFrame
    series: pd.DataFrame
    segments: pd.DataFrame
    places: pd.DataFrame
    provinces: pd.DataFrame
    chains: pd.DataFrame
    firms: pd.DataFrame
    substitutions: pd.DataFrame
    whitelist: pd.DataFrame
    notes: list[str]
    synthetic: bool
    seconds: float = 0.0

    TABLES = ("series", "segments", "places", "provinces", "chains", "firms", "substitutions", "whitelist")

    def document(self) -> dict:
        """The result as one JSON-safe dict (what the API answers and ``-o result.json`` writes)."""
        from chainatlas.pipeline.analyze.result import jsonable

        def rows(df: pd.DataFrame) -> list[dict]:
            return jsonable(df.astype(object).where(df.notna(), None).to_dict("records"))  # type: ignore[return-value]

        return {
            "synthetic": self.synthetic,
            "scenario": {
                "name": self.scenario.name,
                "period": self.period,
                "horizon": self.scenario.horizon,
                "step": self.scenario.step,
                "shocks": len(self.scenario.shocks),
                "variants": [v.name for v in self.scenario.variants],
            },
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
            "summary": rows(self.summary),
            **{t: rows(getattr(self, t)) for t in self.TABLES},
        }


def _recovery(loss_share: np.ndarray, threshold: float = 0.05) -> tuple[int, int | None]:
    """The peak step and the first step after it from which the loss stays ≤ ``threshold`` (None: never)."""
    peak = int(np.argmax(loss_share)) if len(loss_share) else 0
    if not len(loss_share) or loss_share[peak] <= 0:
        return peak, None if not len(loss_share) else peak
    bad = np.flatnonzero(loss_share[peak:] > threshold + 1e-12)
    last_bad = peak + int(bad[-1]) if len(bad) else peak - 1
    rec = last_bad + 1
    return peak, rec if rec < len(loss_share) else None


def _group_table(
    out: np.ndarray,
    base: np.ndarray,
    direct: np.ndarray,
    firm: np.ndarray,
    codes: np.ndarray,
    labels: Sequence[str],
) -> pd.DataFrame:
    """Per step and group: baseline, output, loss, direct, indirect and the loss share. Firm ``firm[r]`` is in group
    ``codes[r]`` (< 0: none); a firm may be in several groups (chains)."""
    from scipy import sparse

    cols = ["step", "unit", "baseline", "output", "loss", "direct", "indirect", "loss_share"]
    keep = codes >= 0
    k = len(labels)
    if k == 0 or not keep.any():
        return pd.DataFrame(columns=cols)
    m = sparse.csr_array((np.ones(int(keep.sum())), (firm[keep], codes[keep])), shape=(out.shape[1], k))
    agg, dag, b = out @ m, direct @ m, base @ m
    used = np.flatnonzero(b > 0)
    steps = out.shape[0]
    frame = pd.DataFrame(
        {
            "step": np.repeat(np.arange(steps), len(used)),
            "unit": np.tile(np.asarray(labels, dtype=object)[used], steps),
            "baseline": np.tile(b[used], steps),
            "output": np.asarray(agg)[:, used].ravel(),
            "direct": np.asarray(dag)[:, used].ravel(),
        }
    )
    frame["loss"] = frame["baseline"] - frame["output"]
    frame["indirect"] = frame["loss"] - frame["direct"]
    frame["loss_share"] = frame["loss"] / frame["baseline"]
    return frame[cols]


Progress = Callable[[str, int, int], None]


def run(
    backend: Backend,
    scenario: Scenario,
    *,
    progress: Progress | None = None,
    built: tuple[Any, Labels] | None = None,
) -> SimulationResult:
    """Run every variant of ``scenario`` on the atlas's firm network of its period.

    Parameters
    ----------
    backend : Backend
    scenario : Scenario
        From :func:`load_scenario` (``scenario.variant(name)`` for one variant).
    progress : callable, optional
        ``progress(what, i, n)`` per variant and step (the CLI prints it on stderr).
    built : (Network, Labels), optional
        The network of the scenario's period when the caller has it already (:func:`network`).

    Returns
    -------
    SimulationResult
        Aggregates for the whole region; firm-level rows only inside the reader's jurisdiction (module notes).
    """
    import time

    clock = time.perf_counter()
    say = progress or (lambda what, i, n: None)
    if built is None:
        say("network", 0, 1)
        built = network(backend, period=scenario.period)
    net, labels = built
    if scenario.period is not None and int(scenario.period) != labels.period:
        raise ConfigError(
            f"the scenario asks for {scenario.period} but the network given is of {labels.period}",
            param="period",
        )
    dist = _distances(labels)
    rows, series, tables, notes = [], [], {t: [] for t in ("segments", "places", "provinces", "chains")}, []
    firms_out, subs_out, white_out = [], [], []
    scope = query.current_scope()
    firms = labels.firms
    inside = np.array([scope.covers(a) for a in firms["adcode"]], bool)
    cells, axes = _axes(labels, scenario.horizon)
    if cells is not None:
        notes.append(
            f"网络较大（{len(firms):,} 家企业 × {scenario.horizon} 步），按地区 × 环节汇总计算，不列企业损失；产业链损失按企业"
            f"主环节所属产业链计 / a big network ({len(firms):,} firms × {scenario.horizon} steps) is run aggregated to "
            "place × segment: no per-firm losses, and a firm's loss counts only in the chain of its main segment"
        )
    for vi, v in enumerate(scenario.variants):
        where = "settings" if len(scenario.variants) == 1 else f"compare[{vi}].settings"
        bound, white, bnotes = _bind(backend, scenario, v, labels)
        notes += [f"{v.name}: {x}" if len(scenario.variants) > 1 else x for x in bnotes]
        inv = _inventory(backend, v.settings, labels, where)

        def step_progress(t: int, total: int, name: str = v.name) -> None:
            say(f"{name}: step {t}/{total}", t, total)

        res = _engine_run(
            net, bound, scenario, v.settings, inv, white, dist, progress=step_progress, aggregate=cells
        )
        out, base, direct = res["output"], res["baseline"], res["direct"]
        steps = out.shape[0]
        tot_b = float(base.sum())
        tot_o = out.sum(axis=1)
        tot_d = direct.sum(axis=1)
        loss = tot_b - tot_o
        share = loss / tot_b if tot_b > 0 else np.zeros(steps)
        peak, rec = _recovery(share)
        subs = res["substitutions"]
        rows.append(
            {
                "variant": v.name,
                "baseline": tot_b,
                "loss": float(loss.sum()),
                "loss_share": float(loss.sum() / (tot_b * steps)) if tot_b > 0 else 0.0,
                "direct": float(tot_d.sum()),
                "indirect": float(loss.sum() - tot_d.sum()),
                "indirect_ratio": float((loss.sum() - tot_d.sum()) / tot_d.sum())
                if tot_d.sum() > 0
                else None,
                "peak_loss_share": float(share[peak]) if steps else 0.0,
                "peak_step": peak,
                "recovered_step": rec,
                "recovery_steps": None if rec is None else rec - peak,
                "recovery_days": None if rec is None else (rec - peak) * scenario.step_days,
                "substitutions": len(subs),
                "substituted": float(subs["value"].sum()) if len(subs) else 0.0,
                "whitelisted": int(white.sum()),
            }
        )
        series.append(
            pd.DataFrame(
                {
                    "variant": v.name,
                    "step": np.arange(steps),
                    "baseline": tot_b,
                    "output": tot_o,
                    "loss": loss,
                    "direct": tot_d,
                    "indirect": loss - tot_d,
                    "loss_share": share,
                }
            )
        )
        for name, (idx, codes, labs) in axes.items():
            tables[name].append(_group_table(out, base, direct, idx, codes, labs).assign(variant=v.name))
        top = v.settings.top
        if cells is None:
            firm_loss = base * steps - out.sum(axis=0)
            firm_direct = direct.sum(axis=0)
            order = _top(firm_loss, inside & (firm_loss > 1e-9), top)
            firms_out.append(
                firms.iloc[order][["firm", "name", "adcode", "province", "segment"]].assign(
                    variant=v.name,
                    baseline=base[order],
                    loss=firm_loss[order],
                    direct=firm_direct[order],
                    indirect=firm_loss[order] - firm_direct[order],
                    loss_share=firm_loss[order] / (base[order] * steps),
                )
            )
        subs_out.append(_substitutions(subs, labels, dist, inside, top).assign(variant=v.name))
        kept = res["kept_alive"]
        wl = _top(kept, white & inside & (kept > 1e-9), top)
        white_out.append(
            firms.iloc[wl][["firm", "name", "adcode", "segment"]].assign(variant=v.name, kept_alive=kept[wl])
        )
    summary = pd.DataFrame(rows)
    for c in ("recovered_step", "recovery_steps", "recovery_days"):  # whole steps, or null: not recovered
        summary[c] = pd.array(summary[c].tolist(), dtype="Int64")

    def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df[["variant", *[c for c in df.columns if c != "variant"]]]

    named = {k: _named(backend, k, cat(v)) for k, v in tables.items()}
    named["places"] = _withhold(named["places"], labels, scope)
    return SimulationResult(
        scenario=scenario,
        period=labels.period,
        summary=summary,
        series=cat(series),
        segments=named["segments"],
        places=named["places"],
        provinces=named["provinces"],
        chains=named["chains"],
        firms=cat(firms_out),
        substitutions=cat(subs_out),
        whitelist=cat(white_out),
        notes=list(labels.notes) + notes,
        synthetic=labels.synthetic,
        seconds=time.perf_counter() - clock,
    )


def _engine_shocks(bound: Sequence[_Bound]) -> list[Any]:
    """The engine's shocks: a capacity cut as it is; an import cut as one shock per distinct per-firm cut."""
    from chainatlas.analytics.shock import Shock

    out = []
    for b in bound:
        if b.kind == "capacity":
            out.append(Shock("capacity", b.firms, start=b.start, end=b.end, capacity=b.capacity))
            continue
        cut = np.asarray(b.cut, float)
        for value in np.unique(cut):
            if value > 0:
                out.append(
                    Shock("imports", b.firms[cut == value], start=b.start, end=b.end, cut=float(value))
                )
    return out


def _engine_run(
    net: Any,
    bound: Sequence[_Bound],
    scenario: Scenario,
    settings: SimSettings,
    inventory: np.ndarray,
    white: np.ndarray,
    dist: np.ndarray,
    *,
    progress: Callable[[int, int], None] | None = None,
    aggregate: np.ndarray | None = None,
) -> dict[str, Any]:
    """One run through :func:`chainatlas.analytics.shock.simulate`: ``output``, ``baseline``, ``direct`` (per
    step and firm, or per group with ``aggregate``), ``substitutions`` (a frame) and ``kept_alive`` (per firm)."""
    from chainatlas.analytics import shock

    sd = scenario.step_days
    run_net = replace(
        net, inventory_days=np.asarray(inventory, float), spare=np.full(net.n, settings.capacity_share)
    )
    cfg = shock.Settings(
        steps=scenario.horizon,
        step_days=sd,
        substitution=bool(settings.substitution and settings.capacity_share > 0),
        switch_delay=math.ceil(settings.delay_days / sd - 1e-9),
        search_radius_km=settings.radius_km,
        recovery_steps=settings.recovery,
        seed=settings.seed,
    )
    if progress is not None:
        progress(0, scenario.horizon)
    r = shock.simulate(
        run_net,
        _engine_shocks(bound),
        cfg,
        whitelist=np.asarray(white, bool),
        distance_km=dist if len(dist) else None,
        aggregate=aggregate,
    )
    if progress is not None:
        progress(scenario.horizon, scenario.horizon)
    subs = pd.DataFrame(
        {
            "step": r.substitutions["step"],
            "end": r.substitutions["end"],
            "customer": r.substitutions["customer"],
            "supplier": r.substitutions["old_supplier"],
            "new_supplier": r.substitutions["new_supplier"],
            "committed": r.substitutions["value"],
            "value": r.substitutions["delivered"],
        }
    )
    kept = r.kept_alive if r.kept_alive is not None else np.zeros(net.n)
    return {
        "output": r.output,
        "baseline": r.baseline,
        "direct": r.direct,
        "substitutions": subs,
        "kept_alive": kept,
    }


#: the systemic-risk index is the share of output lost this many weeks after the firm stops (one round of
#: propagation a week) ...
ESRI_WEEKS = 13
#: ... with this many days of input stock at every firm (the scenarios' default)
ESRI_INVENTORY_DAYS = DEFAULTS["inventory_days"]


def _esri_args(net: Any) -> tuple[Any, dict[str, Any]]:
    """The network with the index's inventories and the engine's arguments (see :func:`risk`)."""
    from chainatlas.analytics import shock

    stocked = replace(net, inventory_days=np.full(net.n, float(ESRI_INVENTORY_DAYS)))
    return stocked, {"settings": shock.Settings(steps=ESRI_WEEKS, step_days=7), "inventories": True}


def _engine_esri(net: Any, firms: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """ESRI of each of ``firms`` failing alone (:data:`ESRI_WEEKS`, :data:`ESRI_INVENTORY_DAYS`)."""
    from chainatlas.analytics import shock

    if progress is not None:
        progress(f"ESRI of {len(firms):,} firms", 0, 1)
    if not len(firms):
        return np.zeros(0)
    stocked, kw = _esri_args(net)
    return np.asarray(shock.esri(stocked, firms, **kw).esri, float)


def _engine_group_esri(
    net: Any, groups: Sequence[np.ndarray], progress: Progress | None = None
) -> np.ndarray:
    """ESRI of each group of firms failing together (a firm may be in several groups: one call per group layer)."""
    from chainatlas.analytics import shock

    out = np.zeros(len(groups))
    todo = list(range(len(groups)))
    while todo:
        # groups whose firms do not overlap go in one call (the engine takes one label per firm)
        label = np.full(net.n, -1, np.int64)
        batch, rest = [], []
        for g in todo:
            if (label[groups[g]] >= 0).any() or not len(groups[g]):
                rest.append(g) if len(groups[g]) else None
                continue
            label[groups[g]] = len(batch)
            batch.append(g)
        if not batch:
            break
        stocked, kw = _esri_args(net)
        r = shock.esri(stocked, groups=label, **kw)
        for k, g in enumerate(batch):
            out[g] = float(r.esri[list(r.index).index(k)])
        todo = rest
    return out


#: firm-steps above which a run is aggregated to place × segment (memory: two float arrays of steps × firms)
AGGREGATE_ABOVE = 20_000_000


def _axes(
    labels: Labels, steps: int
) -> tuple[np.ndarray | None, dict[str, tuple[np.ndarray, np.ndarray, list[str]]]]:
    """How results are grouped: ``(cells, axes)``. ``cells`` is None for a run per firm, else the group of each
    firm (place × segment) the engine aggregates to; ``axes`` maps each table (segments, places, provinces,
    chains) to ``(unit index, group code, group labels)`` over the engine's units (firms or groups)."""
    f = labels.firms
    seg = net_codes(labels.segments, f["segment"])
    plc = net_codes(labels.places, f["adcode"])
    prv = net_codes(labels.provinces, f["province"])
    chain_ids = sorted(labels.chains["chain"].unique().tolist())
    if len(f) * steps <= AGGREGATE_ABOVE:
        ch = labels.chains.drop_duplicates(["firm", "chain"])
        every = np.arange(len(f))
        return None, {
            "segments": (every, seg, labels.segments),
            "places": (every, plc, labels.places),
            "provinces": (every, prv, labels.provinces),
            "chains": (ch["firm"].to_numpy(np.int64), net_codes(chain_ids, ch["chain"]), chain_ids),
        }
    key = (plc + 1) * (len(labels.segments) + 1) + (seg + 1)
    uniq, cells = np.unique(key, return_inverse=True)
    first = np.zeros(len(uniq), np.int64)
    first[cells[::-1]] = np.arange(len(f))[::-1]  # a firm of each group: its place, segment and province
    g = np.arange(len(uniq))
    g_seg = seg[first]
    seg_chain = [s.split(":", 1)[0] for s in labels.segments]
    g_chain = np.array(
        [net_codes(chain_ids, pd.Series([seg_chain[x]]))[0] if x >= 0 else -1 for x in g_seg], np.int64
    )
    return cells.astype(np.int64), {
        "segments": (g, g_seg, labels.segments),
        "places": (g, plc[first], labels.places),
        "provinces": (g, prv[first], labels.provinces),
        "chains": (g, g_chain, chain_ids),
    }


def _top(values: np.ndarray, keep: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``values`` where ``keep`` (stable: ties in index order)."""
    idx = np.flatnonzero(keep)
    return idx[np.argsort(-values[idx], kind="stable")[:k]]


def net_codes(labels: Sequence[str], values: pd.Series) -> np.ndarray:
    """Index of each value in ``labels`` (−1: none)."""
    where = {v: i for i, v in enumerate(labels)}
    return np.array([where.get(v, -1) if isinstance(v, str) else -1 for v in values], np.int64)


def _named(backend: Backend, kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """``name`` (Chinese) beside each unit of a grouped table."""
    if df.empty:
        return df
    from chainatlas import geo

    if kind == "segments":
        s = query.segments(backend)
        names = dict(zip(s["chain"] + ":" + s["segment"], s["name_zh"], strict=True))
    elif kind == "chains":
        c = query.chains(backend)
        names = dict(zip(c["id"], c["name_zh"], strict=True))
    else:
        p = geo.places()
        names = dict(zip(p["adcode"], p["name_zh"], strict=True))
    df.insert(df.columns.get_loc("unit") + 1, "name", df["unit"].map(names))
    return df


def _withhold(places: pd.DataFrame, labels: Labels, scope: Any) -> pd.DataFrame:
    """Loss by place outside the reader's jurisdiction only for places of at least ``disclosure_k`` firms."""
    if places.empty:
        return places.assign(suppressed=pd.Series(dtype=bool))
    from chainatlas import config

    k = int(config.get("disclosure_k"))
    counts = labels.firms["adcode"].value_counts()
    held = np.array([not scope.covers(u) and counts.get(u, 0) < k for u in places["unit"]], bool)
    out = places.assign(suppressed=held)
    num = ["baseline", "output", "loss", "direct", "indirect", "loss_share"]
    out.loc[held, num] = np.nan
    return out


def _substitutions(
    subs: pd.DataFrame, labels: Labels, dist: np.ndarray, inside: np.ndarray, top: int
) -> pd.DataFrame:
    """Switches summed per (customer, failed supplier, new supplier): the ``top`` by value naming only firms
    inside the jurisdiction."""
    cols = ["customer", "customer_name", "supplier", "supplier_name", "new_supplier", "new_supplier_name"]
    cols += ["customer_place", "new_supplier_place", "distance_km", "first_step", "value"]
    if subs is None or not len(subs):
        return pd.DataFrame(columns=cols)
    g = (
        subs.groupby(["customer", "supplier", "new_supplier"], sort=False)
        .agg(first_step=("step", "min"), value=("value", "sum"))
        .reset_index()
    )
    ok = inside[g["customer"]] & inside[g["supplier"]] & inside[g["new_supplier"]]
    g = g[ok].sort_values(["value", "first_step"], ascending=[False, True], kind="stable").head(top)
    f = labels.firms
    place_idx = net_codes(labels.places, f["adcode"])
    pc, pn = place_idx[g["customer"]], place_idx[g["new_supplier"]]
    km = np.where((pc >= 0) & (pn >= 0), dist[np.maximum(pc, 0), np.maximum(pn, 0)], np.nan)
    return pd.DataFrame(
        {
            "customer": f["firm"].to_numpy()[g["customer"]],
            "customer_name": f["name"].to_numpy()[g["customer"]],
            "supplier": f["firm"].to_numpy()[g["supplier"]],
            "supplier_name": f["name"].to_numpy()[g["supplier"]],
            "new_supplier": f["firm"].to_numpy()[g["new_supplier"]],
            "new_supplier_name": f["name"].to_numpy()[g["new_supplier"]],
            "customer_place": f["adcode"].to_numpy()[g["customer"]],
            "new_supplier_place": f["adcode"].to_numpy()[g["new_supplier"]],
            "distance_km": km,
            "first_step": g["first_step"].to_numpy(),
            "value": g["value"].to_numpy(float),
        }
    )[cols]


# ================================================================================================ risk
@dataclass(frozen=True)
class RiskResult:
    """The systemic-risk ranking (ESRI after Diem et al. 2022, :func:`chainatlas.analytics.shock.esri`).

    Attributes
    ----------
    period : int
    chain : str or None
        The chain whose firms were ranked (None: every firm of the network).
    firms : DataFrame
        ``rank`` (1 = the largest ESRI among the firms ranked, the whole region's), ``firm``, ``name``, ``adcode``,
        ``province``, ``segment``, ``output`` (万元 a year), ``output_share`` (of the region's), ``esri`` (the share
        of the region's output lost in week :data:`ESRI_WEEKS` after the firm alone stopped; module notes): the
        firms inside the reader's jurisdiction, ``top`` of them when asked.
    segments : DataFrame
        ``rank``, ``segment``, ``name``, ``firms``, ``output_share``, ``esri`` (the segment's firms failing
        together).
    distribution : dict
        Of the firms' ESRI over every firm ranked: count, mean, quantiles, the firms above 1 %, 5 % and 10 %, and
        a histogram over log10 bins.
    notes : list of str
    synthetic : bool
    """

    period: int
    chain: str | None
    firms: pd.DataFrame
    segments: pd.DataFrame
    distribution: dict
    notes: list[str]
    synthetic: bool


def _chain_firms(labels: Labels, chain: str | None) -> np.ndarray:
    if chain is None:
        return np.arange(len(labels.firms))
    m = labels.chains
    return np.unique(m.loc[m["chain"] == chain, "firm"].to_numpy(np.int64))


def _distribution(x: np.ndarray) -> dict:
    if not len(x):
        return {"count": 0}
    q = np.quantile(x, [0.5, 0.9, 0.99, 0.999])
    edges = [0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0 + 1e-12]
    hist, _ = np.histogram(x, bins=edges)
    return {
        "count": len(x),
        "mean": float(x.mean()),
        "median": float(q[0]),
        "p90": float(q[1]),
        "p99": float(q[2]),
        "p999": float(q[3]),
        "max": float(x.max()),
        "above_1pct": int((x >= 0.01).sum()),
        "above_5pct": int((x >= 0.05).sum()),
        "above_10pct": int((x >= 0.10).sum()),
        "histogram": [
            {"from": edges[i], "to": min(edges[i + 1], 1.0), "firms": int(hist[i])} for i in range(len(hist))
        ],
    }


def risk(
    backend: Backend,
    *,
    period: object | None = None,
    chain: str | None = None,
    top: int | None = None,
    built: tuple[Any, Labels] | None = None,
    progress: Progress | None = None,
) -> RiskResult:
    """ESRI of every firm (of ``chain``) and of every segment, ranked; firm rows inside the reader's jurisdiction.

    The index is computed on the whole network (every firm, whatever ``chain``), for the firms of ``chain`` (every
    firm without one); ranks are over those firms, so a firm's rank is the same for every reader and in the
    emergency list (:func:`emergency_list`). ``top`` keeps the highest ranked rows the reader may see.
    """
    from chainatlas.model.layers import ALL

    if chain == ALL:
        chain = None
    if chain is not None:
        query.check_chain(backend, chain)
    net, labels = built or cached_network(backend, period=period)
    rows = _firm_risk(backend, net, labels, chain, progress)
    values = rows["esri"].to_numpy(float)
    scope = query.current_scope()
    rows = rows[[scope.covers(a) for a in rows["adcode"]]]
    if top is not None:
        rows = rows.head(top)
    rows = rows[["rank", "firm", "name", "adcode", "province", "segment", "output", "output_share", "esri"]]
    segs = _segment_risk(backend, net, labels, chain, progress)
    return RiskResult(
        period=labels.period,
        chain=chain,
        firms=rows.reset_index(drop=True),
        segments=segs,
        distribution=_distribution(values),
        notes=list(labels.notes),
        synthetic=labels.synthetic,
    )


def _firm_risk(
    backend: Backend, net: Any, labels: Labels, chain: str | None, progress: Progress | None
) -> pd.DataFrame:
    """Every firm of ``chain`` (all firms without one) with its ESRI and rank among them, whatever the scope."""
    key = ("simulate_esri", labels.period, chain, _build_stamp(backend))
    firms_idx = _chain_firms(labels, chain)
    values = query.remember(backend, key, lambda: _engine_esri(net, firms_idx, progress))
    f = labels.firms
    total = float(f["output"].sum())
    order = np.argsort(-values, kind="stable")
    rank = np.empty(len(values), np.int64)
    rank[order] = np.arange(1, len(values) + 1)
    rows = f.iloc[firms_idx][["firm", "name", "adcode", "province", "segment", "output"]].assign(
        index=firms_idx,
        rank=rank,
        output_share=f["output"].to_numpy()[firms_idx] / total if total > 0 else 0.0,
        esri=values,
    )
    return rows.sort_values("rank", kind="stable").reset_index(drop=True)


def cached_network(backend: Backend, *, period: object | None = None) -> tuple[Any, Labels]:
    """:func:`network` remembered per read-only backend and build (the API reads it for many requests)."""
    year = _year(backend, period)
    return query.remember(
        backend, ("simulate_network", year, _build_stamp(backend)), lambda: network(backend, period=year)
    )


def _segment_risk(
    backend: Backend, net: Any, labels: Labels, chain: str | None, progress: Progress | None
) -> pd.DataFrame:
    m = labels.chains
    if chain is not None:
        m = m[m["chain"] == chain]
    m = m[m["segment"] != ""]
    keys = sorted(set(m["chain"] + ":" + m["segment"]))
    groups = [m.loc[(m["chain"] + ":" + m["segment"]) == k, "firm"].to_numpy(np.int64) for k in keys]
    key = ("simulate_segment_esri", labels.period, chain, _build_stamp(backend))
    values = query.remember(backend, key, lambda: _engine_group_esri(net, groups, progress))
    total = float(labels.firms["output"].sum())
    out = np.array([labels.firms["output"].to_numpy()[g].sum() for g in groups]) / total if total > 0 else 0.0
    df = pd.DataFrame(
        {"segment": keys, "firms": [len(g) for g in groups], "output_share": out, "esri": values}
    )
    s = query.segments(backend)
    df.insert(
        1, "name", df["segment"].map(dict(zip(s["chain"] + ":" + s["segment"], s["name_zh"], strict=True)))
    )
    df = df.sort_values(["esri", "segment"], ascending=[False, True], kind="stable").reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


def _build_stamp(backend: Backend) -> str:
    """When the atlas was last built: cached indices belong to one build (refreshed with each build)."""
    from chainatlas.pipeline.analyze.result import data_version

    return str(data_version(backend).get("built_at"))


# ================================================================================================ emergency list
@dataclass(frozen=True)
class EmergencyList:
    """供应链关键部门联合清单: per chain the critical firms and segments, each with its alternatives.

    Attributes
    ----------
    period : int
    firms : DataFrame
        Per chain, the ``top`` firms by ``score`` — the mean of three percentile ranks among the chain's firms:
        ESRI (``esri``, ``esri_rank`` as :func:`risk` with the chain ranks it), betweenness in the chain's supply
        network (``betweenness``, igraph, directed, normalised) and lack of in-region alternatives (``lack`` =
        1 − the share of the firm's output that same-segment firms with spare capacity within ``radius_km`` could
        make up, ``alternatives`` the number of those firms) — only firms inside the reader's jurisdiction, each
        with ``alternatives_list`` (the nearest few: name, place, spare capacity 万元/年, km; a firm outside the
        jurisdiction shown by its place only).
    segments : DataFrame
        Per chain, segment and province: the segment's ESRI and rank among the chain's segments, its firms and
        share of the segment's output in the province, and its spare capacity elsewhere (``spare_elsewhere``,
        万元/年) with the cities that hold most of it (``alternatives_list``).
    notes : list of str
    synthetic : bool
    """

    period: int
    firms: pd.DataFrame
    segments: pd.DataFrame
    notes: list[str]
    synthetic: bool
    radius_km: float | None = None
    capacity_share: float = 0.0

    def provinces(self) -> list[str]:
        """The provinces (adcodes) with rows, in code order."""
        have = set(self.firms["province"].dropna()) | set(self.segments["province"].dropna())
        return sorted(have)

    def table(self) -> pd.DataFrame:
        """Firms and segments as one table with Chinese headers (``类型`` 企业 / 环节), province by province."""
        f = self.firms.assign(kind="企业")
        s = self.segments.assign(kind="环节")
        both = pd.concat([f, s], ignore_index=True, sort=False)
        order = {p: i for i, p in enumerate(self.provinces())}
        both = both.assign(_p=both["province"].map(order), _k=(both["kind"] == "环节").astype(int))
        both = both.sort_values(
            ["_p", "chain", "_k", "score", "esri_rank"],
            ascending=[True, True, True, False, True],
            kind="stable",
        )
        cols = [c for c in _HEADERS if c in both.columns]
        return both[cols].rename(columns=_HEADERS).reset_index(drop=True)

    def write_excel(self, path: str | Path) -> Path:
        """One sheet per province (its firms and segments), then 说明 (what the columns mean); every text cell
        through :func:`chainatlas.ingest.excel.safe_frame`."""
        from chainatlas import geo
        from chainatlas.ingest.excel import safe_frame

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        names = dict(zip(geo.places()["adcode"], geo.places()["name_zh"], strict=True))
        table = self.table()
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            for p in self.provinces():
                part = table[table["省份代码"] == p]
                safe_frame(part).to_excel(xl, sheet_name=names.get(p, p)[:31], index=False)
            notes = pd.DataFrame({"说明": [*_EXPLAIN, *self.notes]})
            safe_frame(notes).to_excel(xl, sheet_name="说明", index=False)
            for ws in xl.book.worksheets:
                ws.freeze_panes = "A2"
                for col in ws.columns:
                    width = max(len(str(c.value or "")) for c in col[:200])
                    ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.6), 60)
        return path


_HEADERS = {
    "kind": "类型",
    "province": "省份代码",
    "province_name": "省份",
    "chain": "产业链",
    "chain_name": "产业链名称",
    "segment": "环节",
    "segment_name": "环节名称",
    "firm": "信用代码",
    "name": "企业名称",
    "adcode": "所在地代码",
    "place_name": "所在地",
    "score": "综合得分",
    "esri": "系统性风险指数ESRI",
    "esri_rank": "ESRI排名",
    "betweenness": "中介中心性",
    "alternatives": "区域内替代企业数",
    "coverage": "替代产能覆盖率",
    "lack": "替代缺口",
    "firms": "省内企业数",
    "province_share": "省内产出占比",
    "spare_elsewhere": "省外富余产能（万元/年）",
    "alternatives_list": "替代来源",
}

_EXPLAIN = [
    "供应链关键部门联合清单：按产业链列出关键企业与关键环节，每个省份一张表。/ The supply-chain emergency list.",
    "系统性风险指数（ESRI，Diem 等 2022）：该企业单独停摆时全区域产出损失的比例，含上下游传导；ESRI排名与 chainatlas risk --chain 相同。",
    "中介中心性：企业在该产业链供应网络中的中介中心性（有向，归一化）。",
    "区域内替代企业数：同环节、有富余产能、在搜索半径内的其他企业数；替代产能覆盖率：这些企业的富余产能可补足的本企业产出比例；替代缺口 = 1 − 覆盖率。",
    "综合得分：ESRI、中介中心性、替代缺口三者在该产业链企业中的百分位排名的平均，越高越关键。",
    "环节行：环节整体停摆的 ESRI，省内企业数与产出占比，省外的同环节富余产能及其所在城市。",
    "辖区外企业只显示所在地，不显示名称与产能。数值基于图谱数据；合成数据只用于演示。",
]


def emergency_list(
    backend: Backend,
    *,
    period: object | None = None,
    chain: str | None = None,
    province: str | None = None,
    top: int = 30,
    radius_km: float | None = DEFAULTS["radius_km"],
    capacity_share: float = DEFAULTS["capacity_share"] / 100.0,
    alternatives: int = 5,
    progress: Progress | None = None,
) -> EmergencyList:
    """The emergency list of ``chain`` (every chain of the network without one), for ``province`` (a province
    adcode or name; default all), computed from the atlas's current build: refreshed with each build, never
    stored. Its inputs (the network, the ESRI of the chain's firms and segments) are remembered per build on a
    read-only atlas, and the API's answer cache keeps the list until the atlas changes.

    The critical firms are the region's ``top`` of each chain by score; a reader with a jurisdiction gets those
    inside it (and the segment rows of its province).

    Parameters
    ----------
    top : int
        Critical firms per chain (by score).
    radius_km, capacity_share : float
        What counts as an in-region alternative: a firm of the same segment within ``radius_km`` of the firm
        (None: anywhere in the region), able to add ``capacity_share`` of its own output.
    alternatives : int
        Alternatives named per firm.
    """
    from chainatlas import geo
    from chainatlas.model.layers import ALL

    if chain == ALL:
        chain = None
    if chain is not None:
        query.check_chain(backend, chain)
    prov = None
    if province is not None:
        _, prefix = _place(str(province), "province")
        if len(prefix) != 2:
            raise ConfigError(
                f"expected a province (310000, 320000, 330000, 340000 or its name), got {province!r}",
                param="province",
            )
        prov = prefix + "0000"
    net, labels = cached_network(backend, period=period)
    chains = [chain] if chain is not None else sorted(labels.chains["chain"].unique().tolist())
    scope = query.current_scope()
    f = labels.firms
    places = geo.places()
    pname = dict(zip(places["adcode"], places["name_zh"], strict=True))
    pcity = dict(zip(places["adcode"], places["city_adcode"].astype(object), strict=True))
    segs = query.segments(backend)
    seg_name = dict(zip(segs["chain"] + ":" + segs["segment"], segs["name_zh"], strict=True))
    ch = query.chains(backend)
    chain_name = dict(zip(ch["id"], ch["name_zh"], strict=True))
    dist = _distances(labels)
    place_idx = net_codes(labels.places, f["adcode"])
    output = f["output"].to_numpy(float)
    spare = capacity_share * output
    inside = np.array([scope.covers(a) for a in f["adcode"]], bool)
    firm_rows, seg_rows = [], []
    for c in chains:
        members = labels.chains[labels.chains["chain"] == c].sort_values(["firm", "partial"], kind="stable")
        seg_of = members.drop_duplicates("firm").set_index("firm")["segment"]
        risk_rows = _firm_risk(backend, net, labels, c, progress)
        idx = risk_rows["index"].to_numpy(np.int64)
        btw = _betweenness(labels, idx)
        n_alt = np.zeros(len(idx), np.int64)
        cover = np.zeros(len(idx))
        texts = []
        by_seg = members.groupby("segment")["firm"].agg(lambda x: np.unique(x.to_numpy(np.int64)))
        for r, i in enumerate(idx):
            cand = by_seg.get(seg_of.get(i), np.array([], np.int64))
            cand = cand[(cand != i) & (spare[cand] > 0)]
            if place_idx[i] >= 0:
                pc = place_idx[cand]
                d = np.where(pc >= 0, dist[place_idx[i], np.maximum(pc, 0)], np.inf)
            else:
                d = np.full(len(cand), np.inf)
            ok = d <= radius_km if radius_km is not None else np.ones(len(cand), bool)
            if radius_km is None:
                ok = np.ones(len(cand), bool)
            cand, d = cand[ok], d[ok]
            n_alt[r] = len(cand)
            cover[r] = min(1.0, spare[cand].sum() / output[i]) if output[i] > 0 else 1.0
            near = np.argsort(d, kind="stable")[:alternatives]
            texts.append(
                "；".join(
                    _alternative(f, j, d[k], spare[j], inside[j], pname)
                    for k, j in zip(near, cand[near], strict=True)
                )
            )
        lack = 1.0 - cover
        rows = risk_rows.assign(
            betweenness=btw, alternatives=n_alt, coverage=cover, lack=lack, alternatives_list=texts
        )
        pct = pd.DataFrame(
            {k: rows[k].rank(pct=True, method="average") for k in ("esri", "betweenness", "lack")}
        )
        rows = rows.assign(score=pct.mean(axis=1).to_numpy(), esri_rank=rows["rank"])
        rows = rows.sort_values(["score", "esri_rank"], ascending=[False, True], kind="stable").head(top)
        rows = rows[[inside[i] for i in rows["index"]]]
        if prov is not None:
            rows = rows[rows["province"] == prov]
        rows = rows.assign(
            chain=c,
            chain_name=chain_name.get(c, c),
            segment=[seg_of.get(i) and f"{c}:{seg_of.get(i)}" for i in rows["index"]],
            place_name=rows["adcode"].map(pname),
            province_name=rows["province"].map(pname),
        )
        rows["segment_name"] = rows["segment"].map(seg_name)
        firm_rows.append(rows)
        # segments of the chain, per province where they have firms
        seg_risk = _segment_risk(backend, net, labels, c, progress).set_index("segment")
        for s_key, firms_s in by_seg.items():
            key = f"{c}:{s_key}"
            if key not in seg_risk.index:
                continue
            provs = f["province"].to_numpy(object)[firms_s]
            total = output[firms_s].sum()
            for p in sorted({x for x in provs if isinstance(x, str)}):
                if prov is not None and p != prov:
                    continue
                here = firms_s[provs == p]
                away = firms_s[provs != p]
                cities = pd.Series(
                    spare[away], index=[pcity.get(a) or a for a in f["adcode"].to_numpy(object)[away]]
                )
                cities = cities.groupby(level=0).sum().sort_values(ascending=False).head(3)
                seg_rows.append(
                    {
                        "chain": c,
                        "chain_name": chain_name.get(c, c),
                        "segment": key,
                        "segment_name": seg_name.get(key),
                        "province": p,
                        "province_name": pname.get(p),
                        "esri": float(seg_risk.loc[key, "esri"]),
                        "esri_rank": int(seg_risk.loc[key, "rank"]),
                        "score": None,
                        "firms": len(here),
                        "province_share": float(output[here].sum() / total) if total > 0 else None,
                        "spare_elsewhere": float(spare[away].sum()),
                        "alternatives_list": "；".join(
                            f"{pname.get(k, k)}（{v:,.0f} 万元/年）" for k, v in cities.items() if v > 0
                        ),
                    }
                )
    firms_df = pd.concat(firm_rows, ignore_index=True) if firm_rows else pd.DataFrame(columns=list(_HEADERS))
    firms_df = firms_df.drop(columns=["index", "rank"], errors="ignore")
    segs_df = pd.DataFrame(
        seg_rows,
        columns=[
            "chain",
            "chain_name",
            "segment",
            "segment_name",
            "province",
            "province_name",
            "esri",
            "esri_rank",
            "score",
            "firms",
            "province_share",
            "spare_elsewhere",
            "alternatives_list",
        ],
    )
    if scope.prefix:
        # a reader with a jurisdiction gets the sheets of the provinces it lies in
        segs_df = segs_df[[scope.prefix.startswith(p[:2]) for p in segs_df["province"]]]
    reach_zh = "不限距离" if radius_km is None else f"{radius_km:g} 公里内"
    reach_en = "anywhere" if radius_km is None else f"within {radius_km:g} km"
    reach = (
        f"替代企业：同环节、{reach_zh}、可增产其基准产出 {capacity_share:.0%} 的企业 / alternatives: same-segment "
        f"firms {reach_en} able to add {capacity_share:.0%} of their output"
    )
    notes = [*labels.notes, reach]
    return EmergencyList(
        period=labels.period,
        firms=firms_df.reset_index(drop=True),
        segments=segs_df.reset_index(drop=True),
        notes=notes,
        synthetic=labels.synthetic,
        radius_km=radius_km,
        capacity_share=capacity_share,
    )


def _alternative(
    f: pd.DataFrame, j: int, km: float, spare: float, visible: bool, pname: Mapping[str, str]
) -> str:
    where = pname.get(f["adcode"].iat[j], f["adcode"].iat[j] or "地点不详")
    far = f"{km:,.0f} km" if np.isfinite(km) else "距离不详"
    if not visible:
        return f"辖区外企业（{where}，{far}）"
    return f"{f['name'].iat[j]}（{where}，富余 {spare:,.0f} 万元/年，{far}）"


def _betweenness(labels: Labels, idx: np.ndarray) -> np.ndarray:
    """Betweenness of the firms ``idx`` in the supply network among them (igraph; directed, normalised by
    (n − 1)(n − 2))."""
    import igraph as ig

    n = len(idx)
    if n < 3:
        return np.zeros(n)
    pos = np.full(len(labels.firms), -1, np.int64)
    pos[idx] = np.arange(n)
    ln = labels.links
    s, c = pos[ln["supplier"].to_numpy()], pos[ln["customer"].to_numpy()]
    keep = (s >= 0) & (c >= 0)
    g = ig.Graph(n=n, edges=list(zip(s[keep].tolist(), c[keep].tolist(), strict=True)), directed=True)
    b = np.asarray(g.betweenness(directed=True), float)
    return b / ((n - 1) * (n - 2))


# ================================================================================================ writing
def _frame_rows(df: pd.DataFrame) -> list[dict]:
    from chainatlas.pipeline.analyze.result import jsonable

    return jsonable(df.astype(object).where(df.notna(), None).to_dict("records"))  # type: ignore[return-value]


def risk_document(r: RiskResult) -> dict:
    """A risk ranking as one JSON-safe dict (the API's answer, ``risk -o risk.json``)."""
    return {
        "synthetic": r.synthetic,
        "period": r.period,
        "chain": r.chain,
        "distribution": r.distribution,
        "notes": list(r.notes),
        "firms": _frame_rows(r.firms),
        "segments": _frame_rows(r.segments),
    }


def emergency_document(e: EmergencyList) -> dict:
    """An emergency list as one JSON-safe dict (the API's answer)."""
    return {
        "synthetic": e.synthetic,
        "period": e.period,
        "radius_km": e.radius_km,
        "capacity_share": e.capacity_share,
        "provinces": e.provinces(),
        "notes": list(e.notes),
        "firms": _frame_rows(e.firms),
        "segments": _frame_rows(e.segments),
    }


def write(
    result: SimulationResult | RiskResult | EmergencyList,
    path: str | Path,
    fmt: str | None = None,
    *,
    provenance: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Save a result; returns the files written.

    - ``.json``: the whole result as one document (:meth:`SimulationResult.document`, :func:`risk_document`,
      :func:`emergency_document`).
    - ``.csv`` (UTF-8 with BOM, text cells through :func:`chainatlas.ingest.excel.safe_frame`): the main table —
      a simulation's summary (one row per variant), the risk ranking's firms, the emergency list's rows — with
      the other tables beside it as ``FILE.<table>.csv`` and ``FILE.provenance.json`` (what it was computed from,
      the notes, the risk distribution).
    - ``.xlsx`` (emergency list only): one sheet per province (:meth:`EmergencyList.write_excel`).
    """
    import json

    from chainatlas.ingest.excel import safe_frame

    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    allowed = ("csv", "json", "xlsx") if isinstance(result, EmergencyList) else ("csv", "json")
    if fmt not in allowed:
        raise ConfigError(f"expected {', '.join(allowed)}, got {fmt!r} (from {path.name!r})", param="format")
    path.parent.mkdir(parents=True, exist_ok=True)
    prov = dict(provenance or {})
    if isinstance(result, SimulationResult):
        doc, main = result.document(), result.summary
        tables = {t: getattr(result, t) for t in SimulationResult.TABLES}
    elif isinstance(result, RiskResult):
        doc, main, tables = risk_document(result), result.firms, {"segments": result.segments}
    else:
        if fmt == "xlsx":
            return [result.write_excel(path)]
        doc, main, tables = emergency_document(result), result.table(), {}
    if fmt == "json":
        path.write_text(
            json.dumps({"provenance": prov, **doc}, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return [path]
    written = [path]
    safe_frame(main).to_csv(path, index=False, encoding="utf-8-sig")
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for name, df in tables.items():
        side = path.with_name(f"{stem}.{name}.csv")
        safe_frame(df).to_csv(side, index=False, encoding="utf-8-sig")
        written.append(side)
    meta = {k: v for k, v in doc.items() if not isinstance(v, list) or k == "notes"}
    side = path.with_name(path.name + ".provenance.json")
    side.write_text(
        json.dumps(
            {"provenance": prov, **meta, "data_file": path.name, "tables": [p.name for p in written[1:]]},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return [*written, side]


def provenance(backend: Backend, command: str, **items: Any) -> dict:
    """What a result was computed from: the command, its parameters, the atlas's data version and synthetic
    flag, when and by which version."""
    from chainatlas.pipeline.analyze.result import data_version
    from chainatlas.pipeline.analyze.result import provenance as make

    return make(command=command, **items, data_version=data_version(backend), synthetic=_synthetic(backend))
