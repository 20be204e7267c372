"""Early-warning rules as data: a YAML rule set per level of government, rule types as plug-ins, hysteresis.

Pure functions (issue 13, item 3). A *rule set* is the YAML one level of government keeps for itself; each rule
names a *type*, and a type is one evaluator function plus one entry of :data:`RULE_TYPES`. An evaluator reads
the frame it needs (columns documented on the function) and returns, per (unit, period), a boolean
``condition`` and the evidence numbers. :func:`hysteresis` turns the per-period conditions of each
(rule, unit) into alert states with a pending period (the condition must hold ``pending`` periods before the
alert fires, Prometheus' ``for``) and a resolve period (``resolve`` clear periods before it resolves).

Contents
--------
:func:`parse_rules`      YAML text or a dict → :class:`RuleSet`, validated strictly (errors name rule and field)
:data:`RULE_TYPES`       registry: rule type → :class:`RuleType` (evaluator, parameters, needs an indicator)
:func:`evaluate`         one rule on its frame → condition and evidence per (unit, period)
:func:`hysteresis`       conditions → states per period and the periods each alert opened and resolved
:func:`evaluate_rules`   a whole rule set on its frames, with hysteresis per (rule, unit)
:func:`modified_z`       the robust z-score 0.6745 (x − median) / MAD
``eval_*``               the evaluators: threshold, change, outlier, concentration, import_dependence,
                         newly_broken, newly_single, falling

Every evaluator returns :data:`CONDITION_COLUMNS`: ``unit``, ``period``, ``condition`` and the evidence
``value`` (the figure itself), ``measure`` (the number tested: the value, a % change, a z-score, an HHI, a
ratio), ``threshold`` (what it was tested against) and ``compared`` (the reference: previous or year-ago
value, median, largest share, top partner share). Unknown stays unknown: a NaN measure never fires.

To add a rule type: write ``eval_<type>(frame, params) -> DataFrame`` returning :data:`CONDITION_COLUMNS` and
add ``"<type>": RuleType(eval_<type>, {...parameters...})`` to :data:`RULE_TYPES`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

from chainatlas.analytics._checks import require_columns, require_frame, require_positive_int
from chainatlas.analytics.history import period_ordinal as _period_ordinal  # one period grammar
from chainatlas.analytics.history import previous_period
from chainatlas.errors import ConfigError
from chainatlas.model.indicators import INDICATORS

__all__ = [
    "CONDITION_COLUMNS",
    "LEVELS",
    "RULE_TYPES",
    "SEVERITIES",
    "STATES",
    "Hysteresis",
    "Param",
    "Rule",
    "RuleSet",
    "RuleType",
    "eval_change",
    "eval_concentration",
    "eval_falling",
    "eval_import_dependence",
    "eval_newly_broken",
    "eval_newly_single",
    "eval_outlier",
    "eval_threshold",
    "evaluate",
    "evaluate_rules",
    "hysteresis",
    "modified_z",
    "parse_rules",
]

#: levels of government a rule set belongs to
LEVELS = ("region", "province", "city")
#: alert severities, lowest first
SEVERITIES = ("info", "warning", "critical")
#: alert states per period (Grafana's Normal / Pending / Alerting, plus resolving and the resolving period)
STATES = ("inactive", "pending", "firing", "resolving", "resolved")
#: the columns every evaluator returns
CONDITION_COLUMNS = ("unit", "period", "condition", "value", "measure", "threshold", "compared")
#: the chain status labels of :func:`chainatlas.analytics.chains.chain_completeness`, with their Chinese names
_STATUS_ALIASES = {"断链": "broken", "单点": "single", "正常": "ok"}
#: modified z-score constant: the 0.75 quantile of the standard normal, so E[MAD]·/0.6745 ≈ σ for normal data
_Z_CONST = 0.6745


# ------------------------------------------------------------------------------------------------ rule data
@dataclass(frozen=True)
class Param:
    """One parameter of a rule type.

    Attributes
    ----------
    kind : {'number', 'int', 'str', 'choice'}
        ``number`` is a finite float (not a bool); ``int`` an integer >= ``minimum``; ``choice`` one of
        ``choices``.
    required : bool
        Whether the rule must give it (else ``default`` is used).
    default : object
        The value when not given.
    choices : tuple
        The allowed values of a ``choice``.
    minimum : float or None
        The smallest allowed ``number`` / ``int``.
    """

    kind: str
    required: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    minimum: float | None = None


Evaluator = Callable[[pd.DataFrame, Mapping[str, Any]], pd.DataFrame]


@dataclass(frozen=True)
class RuleType:
    """A plug-in rule type: its evaluator and the parameters a rule of it takes.

    Attributes
    ----------
    evaluate : callable
        ``evaluate(frame, params) -> DataFrame`` with :data:`CONDITION_COLUMNS`.
    params : dict
        Parameter name → :class:`Param`.
    indicator : bool
        Whether a rule of this type names a catalogue indicator (``indicator:``); if False it must not.
    one_of : tuple of str
        Parameters of which exactly one must be given (``above`` or ``below``).
    """

    evaluate: Evaluator
    params: Mapping[str, Param] = field(default_factory=dict)
    indicator: bool = False
    one_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One validated rule.

    Attributes
    ----------
    id, type, severity : str
        Identifier (unique in its set), a key of :data:`RULE_TYPES`, one of :data:`SEVERITIES`.
    indicator : str or None
        A key of :data:`chainatlas.model.indicators.INDICATORS` for the types that read one.
    params : dict
        The type's parameters, defaults filled in.
    pending, resolve : int
        Periods the condition must hold before the alert fires, and stay clear before it resolves (>= 1).
    owner, description : str or None
        Suggested owner and a free description, carried to the alert.
    """

    id: str
    type: str
    severity: str
    indicator: str | None
    params: Mapping[str, Any]
    pending: int = 1
    resolve: int = 1
    owner: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class RuleSet:
    """The rules one level of government sets for itself.

    Attributes
    ----------
    level : {'region', 'province', 'city'}
    jurisdiction : str
        The administrative code of the government (a region id for ``region``).
    rules : tuple of Rule
    """

    level: str
    jurisdiction: str
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        """The rule with id ``rule_id`` (ConfigError if there is none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise ConfigError(f"no rule {rule_id!r}; the set has {[r.id for r in self.rules]}", param="rule_id")


_SET_KEYS = ("level", "jurisdiction", "rules")
_COMMON_KEYS = ("id", "type", "severity", "indicator", "pending", "resolve", "owner", "description")


def _check_param(value: object, spec: Param, where: str, rule_id: str, name: str) -> Any:
    what = f"rule {rule_id!r}: parameter {name!r}"
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ConfigError(f"{what}: expected one of {list(spec.choices)}, got {value!r}", param=where)
        return value
    if spec.kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{what}: expected a non-empty text, got {value!r}", param=where)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        hint = ""
        if isinstance(value, str):
            try:
                float(value)
                hint = " (YAML 1.1 reads 1.0e9 as text: write 1.0e+9)"
            except ValueError:
                pass
        raise ConfigError(f"{what}: expected a finite number, got {value!r}{hint}", param=where)
    if spec.kind == "int" and int(value) != value:
        raise ConfigError(f"{what}: expected an integer, got {value!r}", param=where)
    if spec.minimum is not None and value < spec.minimum:
        raise ConfigError(f"{what}: expected a number >= {spec.minimum:g}, got {value!r}", param=where)
    return int(value) if spec.kind == "int" else float(value)


def _parse_rule(raw: object, i: int, seen: set[str]) -> Rule:
    at = f"rules[{i}]"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"rule {i}: expected a mapping with id, type, severity, got {raw!r}", param=at)
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise ConfigError(f"rule {i}: expected a non-empty text id, got {rid!r}", param=f"{at}.id")
    if rid in seen:
        raise ConfigError(
            f"rule {rid!r}: the id is used twice; ids must be unique in a set", param=f"{at}.id"
        )
    seen.add(rid)
    rtype = raw.get("type")
    if rtype not in RULE_TYPES:
        raise ConfigError(
            f"rule {rid!r}: unknown type {rtype!r}; expected one of {sorted(RULE_TYPES)}", param=f"{at}.type"
        )
    spec = RULE_TYPES[rtype]
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise ConfigError(
            f"rule {rid!r}: expected severity one of {list(SEVERITIES)}, got {severity!r}",
            param=f"{at}.severity",
        )
    indicator = raw.get("indicator")
    if spec.indicator and indicator not in INDICATORS:
        raise ConfigError(
            f"rule {rid!r}: type {rtype!r} needs a catalogue indicator, got {indicator!r}; "
            f"expected one of {list(INDICATORS)}",
            param=f"{at}.indicator",
        )
    if not spec.indicator and indicator is not None:
        raise ConfigError(
            f"rule {rid!r}: type {rtype!r} reads no catalogue indicator; remove 'indicator: {indicator}'",
            param=f"{at}.indicator",
        )
    counts = {}
    for key in ("pending", "resolve"):
        v = raw.get(key, 1)
        try:
            counts[key] = require_positive_int(v, f"{at}.{key}")
        except ConfigError:
            raise ConfigError(
                f"rule {rid!r}: expected {key} an integer >= 1 (periods), got {v!r}", param=f"{at}.{key}"
            ) from None
    for key in ("owner", "description"):
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(f"rule {rid!r}: expected {key} as text, got {raw[key]!r}", param=f"{at}.{key}")
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if name in _COMMON_KEYS:
            continue
        if name not in spec.params:
            raise ConfigError(
                f"rule {rid!r}: unknown parameter {name!r} for type {rtype!r}; expected one of "
                f"{sorted(spec.params)} or {list(_COMMON_KEYS)}",
                param=f"{at}.{name}",
            )
        params[name] = _check_param(value, spec.params[name], f"{at}.{name}", rid, str(name))
    for name, p in spec.params.items():
        if name not in params:
            if p.required:
                raise ConfigError(f"rule {rid!r}: type {rtype!r} needs {name!r}", param=f"{at}.{name}")
            if p.default is not None:
                params[name] = p.default
    if spec.one_of:
        given = [n for n in spec.one_of if n in params]
        if len(given) != 1:
            raise ConfigError(
                f"rule {rid!r}: type {rtype!r} takes exactly one of {list(spec.one_of)}, got {given}",
                param=f"{at}.{spec.one_of[0] if not given else given[1]}",
            )
    return Rule(
        id=rid,
        type=rtype,
        severity=severity,
        indicator=indicator,
        params=params,
        pending=counts["pending"],
        resolve=counts["resolve"],
        owner=raw.get("owner"),
        description=raw.get("description"),
    )


def parse_rules(source: str | Mapping[str, Any]) -> RuleSet:
    """Read and validate the rule set of one level of government.

    Parameters
    ----------
    source : str or mapping
        YAML text (parsed with ``yaml.safe_load``; no file is opened) or the mapping it gives: ``level``
        (region/province/city), ``jurisdiction`` (code) and ``rules``, a list of mappings with ``id``,
        ``type`` (a key of :data:`RULE_TYPES`), ``severity`` (info/warning/critical), ``indicator`` (a
        catalogue id, for the types that read one), the type's parameters, ``pending`` and ``resolve``
        (periods, default 1) and optional ``owner`` and ``description``.

    Returns
    -------
    RuleSet

    Raises
    ------
    ConfigError
        On anything unknown or malformed, with ``param`` the field (``level``, ``rules[2].threshold``) and
        the message naming the rule id: unknown type, indicator or parameter, a missing required parameter,
        both or neither of ``above``/``below``, a duplicated id, a non-integer ``pending``.

    Notes
    -----
    Validation is strict: every unknown key, type, indicator or parameter is an error naming the rule and field, so a typo never silently disables a rule. YAML reads an unsigned exponent (``1.0e9``) as text; write ``1.0e+9``.

    Examples
    --------
    >>> rs = parse_rules('''
    ... level: city
    ... jurisdiction: "330100"
    ... rules:
    ...   - {id: imports-high, type: threshold, severity: warning, indicator: imports, above: 1.0e+9,
    ...      pending: 2, resolve: 2}
    ...   - {id: fab-broken, type: newly_broken, severity: critical}
    ... ''')
    >>> rs.level, [r.id for r in rs.rules], rs.rules[0].params, rs.rules[0].pending
    ('city', ['imports-high', 'fab-broken'], {'above': 1000000000.0}, 2)
    >>> parse_rules({"level": "city", "jurisdiction": "330100",
    ...              "rules": [{"id": "x", "type": "threshold", "severity": "info", "indicator": "firms",
    ...                         "threshold": 3}]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainatlas.errors.ConfigError: rules[0].threshold: rule 'x': unknown parameter 'threshold' ...

    References
    ----------
    .. [1] YAML Ain't Markup Language (YAML) version 1.2, yaml.org/spec/1.2.2/ (core schema floats).
    """
    if isinstance(source, str):
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise ConfigError(f"the rule set is not valid YAML: {exc}", param="source") from None
    else:
        data = source
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"expected a mapping with {list(_SET_KEYS)}, got {type(data).__name__}", param="source"
        )
    extra = sorted(map(str, set(data) - set(_SET_KEYS)))
    if extra:
        raise ConfigError(f"unknown key(s) {extra}; a rule set has {list(_SET_KEYS)}", param=extra[0])
    if data.get("level") not in LEVELS:
        raise ConfigError(f"expected one of {list(LEVELS)}, got {data.get('level')!r}", param="level")
    jurisdiction = data.get("jurisdiction")
    if isinstance(jurisdiction, bool) or not isinstance(jurisdiction, (str, int)) or str(jurisdiction) == "":
        raise ConfigError(
            f'expected an administrative code (quote it in YAML: "330100"), got {jurisdiction!r}',
            param="jurisdiction",
        )
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        raise ConfigError(f"expected a list of rules, got {raw_rules!r}", param="rules")
    seen: set[str] = set()
    rules = tuple(_parse_rule(r, i, seen) for i, r in enumerate(raw_rules))
    return RuleSet(level=data["level"], jurisdiction=str(jurisdiction), rules=rules)


# ------------------------------------------------------------------------------------------------ helpers
def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    try:
        return frame[col].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    except (TypeError, ValueError):
        raise ConfigError(f"expected numbers (NaN for unknown) in column {col!r}", param="frame") from None


def _result(
    frame: pd.DataFrame,
    condition: np.ndarray,
    value: np.ndarray,
    measure: np.ndarray,
    threshold: float | np.ndarray,
    compared: np.ndarray,
) -> pd.DataFrame:
    n = len(frame)
    return pd.DataFrame(
        {
            "unit": frame["unit"].to_numpy(),
            "period": frame["period"].to_numpy(),
            "condition": np.asarray(condition, dtype=bool),
            "value": value,
            "measure": measure,
            "threshold": np.broadcast_to(np.asarray(threshold, dtype=np.float64), (n,)).copy(),
            "compared": compared,
        }
    )


def _compare(measure: np.ndarray, params: Mapping[str, Any]) -> tuple[np.ndarray, float]:
    """``measure > above`` or ``measure < below`` (NaN never), and the threshold used."""
    with np.errstate(invalid="ignore"):
        if "above" in params:
            return measure > params["above"], float(params["above"])
        return measure < params["below"], float(params["below"])


def _previous(frame: pd.DataFrame, col: str) -> pd.Series:
    """The unit's ``col`` in the period just before each row's period (NaN/None where there is none)."""
    keys = pd.unique(frame["period"].to_numpy(dtype=object))
    prev = {k: previous_period(k) for k in keys}
    lookup = pd.Series(
        frame[col].to_numpy(), index=pd.MultiIndex.from_arrays([frame["unit"], frame["period"]])
    )
    if lookup.index.has_duplicates:
        raise ConfigError("expected one row per unit and period", param="frame")
    wanted = pd.MultiIndex.from_arrays([frame["unit"], frame["period"].map(prev)])
    return pd.Series(lookup.reindex(wanted).to_numpy(), index=frame.index)


def modified_z(x: np.ndarray, median: np.ndarray, mad: np.ndarray) -> np.ndarray:
    """Iglewicz and Hoaglin's modified z-score; NaN where the MAD is 0 or unknown.

    Parameters
    ----------
    x, median, mad : array_like
        Values, and the median and median absolute deviation of the reference they are compared with.

    Returns
    -------
    ndarray
        :math:`M = 0.6745\\,(x - \\tilde x) / \\operatorname{MAD}`.

    Notes
    -----
    :math:`\\operatorname{MAD} = \\operatorname{median}_i |x_i - \\tilde x|`; 0.6745 is the 0.75 quantile
    of the standard normal, so :math:`M` is on the scale of a z-score for normal data. Iglewicz and Hoaglin
    label :math:`|M| > 3.5` as potential outliers. A MAD of 0 (half the reference or more equal) gives NaN,
    not infinity: such a rule does not fire.

    Examples
    --------
    >>> modified_z([10.0, 3.0, 1.0], [2.0, 2.0, 2.0], [1.0, 1.0, 0.0]).round(4).tolist()
    [5.396, 0.6745, nan]

    References
    ----------
    .. [1] Iglewicz, B. & Hoaglin, D. C. (1993). How to Detect and Handle Outliers. ASQC Basic References in
       Quality Control 16, ASQC Quality Press, ch. 3.
    """
    x, med, mad_ = (np.asarray(a, dtype=np.float64) for a in (x, median, mad))
    with np.errstate(all="ignore"):
        z = _Z_CONST * (x - med) / mad_
    return np.where(np.isfinite(mad_) & (mad_ > 0), z, np.nan)


# ------------------------------------------------------------------------------------------------ evaluators
def eval_threshold(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """Value above ``above`` (or below ``below``).

    Parameters
    ----------
    frame : DataFrame
        ``unit``, ``period``, ``value`` (an indicator's values; :func:`~chainatlas.analytics.history.history`
        output serves).
    params : mapping
        ``above`` or ``below``: the threshold, in the indicator's unit.

    Returns
    -------
    DataFrame
        :data:`CONDITION_COLUMNS`; ``measure`` = ``value``, ``compared`` NaN.

    Notes
    -----
    The condition is :math:`v > a` (``above``) or :math:`v < b` (``below``) on the unit's value in the period; an unknown value (NaN) never fires.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["a", "a", "b"], "period": [2023, 2024, 2024], "value": [5.0, 12.0, None]})
    >>> eval_threshold(f, {"above": 10})["condition"].tolist()
    [False, True, False]

    References
    ----------
    .. [1] Prometheus documentation, *Alerting rules* (``for`` and ``keep_firing_for``), prometheus.io/docs/prometheus/latest/configuration/alerting_rules/.
    """
    require_columns(frame, ["unit", "period", "value"], "frame")
    v = _num(frame, "value")
    cond, t = _compare(v, params)
    return _result(frame, cond, v, v, t, np.full(len(v), np.nan))


def eval_change(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """Period-on-period or year-on-year change in % above ``above`` (or below ``below``, e.g. -20).

    Parameters
    ----------
    frame : DataFrame
        The output of :func:`~chainatlas.analytics.history.history`: ``unit``, ``period``, ``value`` and
        ``prev_value``, ``change_pct`` (``basis: period``) or ``yoy_value``, ``yoy_pct`` (``basis: year``).
    params : mapping
        ``basis`` (``period`` or ``year``), and ``above`` or ``below`` in percent.

    Returns
    -------
    DataFrame
        :data:`CONDITION_COLUMNS`; ``measure`` the % change, ``compared`` the previous or year-ago value.
        A change from 0 or from an unknown value has no % and does not fire.

    Notes
    -----
    With :math:`v_t` the value and :math:`v_{t'}` the previous period's (``basis: period``) or the same period a year before (``basis: year``), the measure is :math:`100 (v_t - v_{t'}) / |v_{t'}|`; a zero or unknown base gives NaN, which never fires.

    Examples
    --------
    >>> import pandas as pd
    >>> from chainatlas.analytics.history import history
    >>> h = history(pd.DataFrame({"unit": ["a"] * 3, "period": [2022, 2023, 2024],
    ...                           "value": [100.0, 70.0, 75.0]}), direction="up")
    >>> eval_change(h, {"basis": "period", "below": -20})[["period", "condition", "measure"]]
       period  condition    measure
    0    2022      False        NaN
    1    2023       True -30.000000
    2    2024      False   7.142857

    References
    ----------
    .. [1] Prometheus documentation, *Alerting rules* (``for`` and ``keep_firing_for``), prometheus.io/docs/prometheus/latest/configuration/alerting_rules/.
    """
    yoy = params.get("basis", "period") == "year"
    ref, pct = ("yoy_value", "yoy_pct") if yoy else ("prev_value", "change_pct")
    require_columns(frame, ["unit", "period", "value", ref, pct], "frame")
    m = _num(frame, pct)
    cond, t = _compare(m, params)
    return _result(frame, cond, _num(frame, "value"), m, t, _num(frame, ref))


def eval_outlier(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """Robust outlier: modified z-score beyond ``k`` against the unit's own history or its peers.

    Parameters
    ----------
    frame : DataFrame
        ``unit``, ``period`` (keys of one kind), ``value``; one row per unit and period.
    params : mapping
        ``k`` (default 3.5); ``against``: ``history`` (the unit's ``window`` preceding periods, default 12,
        of which at least 3 valued) or ``peers`` (every valued unit of the same period, at least 3);
        ``side``: ``both`` (:math:`|M| > k`), ``high`` (:math:`M > k`) or ``low`` (:math:`M < -k`).

    Returns
    -------
    DataFrame
        :data:`CONDITION_COLUMNS`; ``measure`` the modified z :math:`M`, ``compared`` the reference median,
        ``threshold`` ``k``.

    Notes
    -----
    :math:`M = 0.6745 (x - \\tilde x)/\\operatorname{MAD}` (:func:`modified_z`). Against its history the
    reference excludes the period itself (a jump is judged by what came before). A MAD of 0 — a reference
    that is constant in half its values or more — gives no z and no alert: a constant series has no scale to
    judge a deviation by, and firing on every change from it would flap.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": list("abcde"), "period": [2024] * 5, "value": [10, 11, 12, 13, 40.0]})
    >>> r = eval_outlier(f, {"against": "peers", "k": 3.5})
    >>> r.loc[r["condition"], "unit"].tolist(), round(float(r["measure"].iloc[-1]), 3)
    (['e'], 18.886)

    References
    ----------
    .. [1] Iglewicz, B. & Hoaglin, D. C. (1993). How to Detect and Handle Outliers. ASQC Quality Press.
    """
    require_columns(frame, ["unit", "period", "value"], "frame")
    k = float(params.get("k", 3.5))
    side = params.get("side", "both")
    v = _num(frame, "value")
    if params.get("against", "history") == "peers":
        g = pd.Series(v).groupby(frame["period"].to_numpy())
        med = g.transform("median").to_numpy()
        mad = pd.Series(np.abs(v - med)).groupby(frame["period"].to_numpy()).transform("median").to_numpy()
        n = g.transform("count").to_numpy()
        mad = np.where(n >= 3, mad, np.nan)
    else:
        window = int(params.get("window", 12))
        ords = np.array([_period_ordinal(p, "frame")[1] for p in frame["period"]], dtype=np.int64)
        units = pd.Index(pd.unique(frame["unit"]))
        row = units.get_indexer(frame["unit"])
        if pd.Series(list(zip(row, ords, strict=True))).duplicated().any():
            raise ConfigError("expected one row per unit and period", param="frame")
        lo = int(ords.min()) if len(ords) else 0
        width = int(ords.max()) - lo + 1 if len(ords) else 0
        V = np.full((len(units), width + window), np.nan)  # ``window`` NaN columns in front
        V[row, ords - lo + window] = v
        win = np.lib.stride_tricks.sliding_window_view(V, window, axis=1)[:, :width]  # periods t-window..t-1
        ref = win[row, ords - lo]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows: handled by the count below
            med = np.nanmedian(ref, axis=1)
            mad = np.nanmedian(np.abs(ref - med[:, None]), axis=1)
        mad = np.where(np.isfinite(ref).sum(axis=1) >= 3, mad, np.nan)
    z = modified_z(v, med, mad)
    with np.errstate(invalid="ignore"):
        cond = {"both": np.abs(z) > k, "high": z > k, "low": z < -k}[side]
    return _result(frame, cond, v, z, k, med)


def eval_concentration(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """Herfindahl–Hirschman index of the members' shares above ``above``.

    Parameters
    ----------
    frame : DataFrame
        One row per member of each group: ``unit`` (the group alerted: a segment, or a segment in a place),
        ``period``, ``member`` (a supplier, a place) and ``share`` (non-negative share or raw activity;
        normalised to sum 1 per unit and period).
    params : mapping
        ``above``: the HHI threshold on the 0–1 scale (0.25 = 2 500 on the antitrust scale).

    Returns
    -------
    DataFrame
        One row per (unit, period) in order of appearance, :data:`CONDITION_COLUMNS`; ``value`` and
        ``measure`` the HHI, ``compared`` the largest share. A group with zero total has no HHI.

    Notes
    -----
    :math:`H = \\sum_i s_i^2` with :math:`s_i = x_i/\\sum_j x_j`, as :func:`chainatlas.analytics.chains.hhi`.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["fab", "fab", "pkg", "pkg"], "period": [2024] * 4,
    ...                   "member": ["s1", "s2", "s1", "s2"], "share": [0.9, 0.1, 0.5, 0.5]})
    >>> eval_concentration(f, {"above": 0.6})[["unit", "condition", "measure", "compared"]]
      unit  condition  measure  compared
    0  fab       True     0.82       0.9
    1  pkg      False     0.50       0.5

    References
    ----------
    .. [1] U.S. Department of Justice & FTC (2010), *Horizontal Merger Guidelines*, §5.3 (the Herfindahl–Hirschman Index).
    """
    require_columns(frame, ["unit", "period", "member", "share"], "frame")
    x = _num(frame, "share")
    if (x < 0).any():
        raise ConfigError("expected non-negative shares in column 'share'", param="frame")
    keys = [frame["unit"].to_numpy(), frame["period"].to_numpy()]
    g = pd.Series(x).groupby(keys, sort=False)
    total = g.transform("sum").to_numpy()
    with np.errstate(all="ignore"):
        s = x / total
    s[~(total > 0)] = np.nan
    out = pd.DataFrame({"unit": keys[0], "period": keys[1], "s2": s**2, "s": s})
    agg = out.groupby(["unit", "period"], sort=False).agg(
        h=("s2", lambda c: c.sum(min_count=1)), top=("s", "max")
    )
    agg = agg.reset_index()
    h = agg["h"].to_numpy(dtype=np.float64)
    cond, t = _compare(h, params)
    return _result(agg, cond, h, h, t, agg["top"].to_numpy(dtype=np.float64))


def eval_import_dependence(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """Net import ratio above ``ratio_above`` and the top partner's share of imports above ``partner_above``.

    Parameters
    ----------
    frame : DataFrame
        ``unit`` (a segment, or a segment in a place), ``period``, ``net_import_ratio`` (imports / (imports
        + exports)) and ``top_import_share`` (the largest partner's share of imports), as
        :func:`chainatlas.analytics.chains.import_dependence` gives per segment.
    params : mapping
        ``ratio_above`` and ``partner_above``, both on the 0–1 scale.

    Returns
    -------
    DataFrame
        :data:`CONDITION_COLUMNS`; ``value`` and ``measure`` the net import ratio, ``threshold``
        ``ratio_above``, ``compared`` the top partner share (tested against ``partner_above``).

    Notes
    -----
    Fires when the net import ratio :math:`M/(M+X)` is above ``ratio_above`` and the top partner's share of imports is above ``partner_above`` — the 卡点 reading of :func:`chainatlas.analytics.chains.import_dependence`.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["fab", "pkg"], "period": [2024, 2024],
    ...                   "net_import_ratio": [0.8, 0.8], "top_import_share": [0.75, 0.3]})
    >>> eval_import_dependence(f, {"ratio_above": 0.6, "partner_above": 0.5})["condition"].tolist()
    [True, False]

    References
    ----------
    .. [1] Pan Qiuchen (2023), 长三角区域科技创新与产业联动合作机制研究, 四(五): 风险预警.
    """
    require_columns(frame, ["unit", "period", "net_import_ratio", "top_import_share"], "frame")
    r, top = _num(frame, "net_import_ratio"), _num(frame, "top_import_share")
    with np.errstate(invalid="ignore"):
        cond = (r > params["ratio_above"]) & (top > params["partner_above"])
    return _result(frame, cond, r, r, float(params["ratio_above"]), top)


def _newly(frame: pd.DataFrame, status: str) -> pd.DataFrame:
    require_columns(frame, ["unit", "period", "status"], "frame")
    now = frame["status"].map(lambda s: _STATUS_ALIASES.get(s, s))
    before = _previous(frame.assign(status=now), "status")
    cond = (now == status).to_numpy() & before.notna().to_numpy() & (before != status).to_numpy()
    nan = np.full(len(frame), np.nan)
    return _result(frame, cond, nan, nan, np.nan, nan.copy())


def eval_newly_broken(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """A segment's status became broken (断链: no place holds it) since the previous period.

    Parameters
    ----------
    frame : DataFrame
        ``unit`` (a segment, or a segment in a place), ``period``, ``status`` (``broken``/``single``/``ok``
        as :func:`chainatlas.analytics.chains.chain_completeness` gives, or 断链/单点/正常).
    params : mapping
        None.

    Returns
    -------
    DataFrame
        :data:`CONDITION_COLUMNS`, true where the status is ``broken`` and the unit's status in the period
        just before (:func:`~chainatlas.analytics.history.previous_period`) is known and not ``broken``. The
        evidence is the status itself, so the numbers are NaN.

    Notes
    -----
    Fires in a period whose status is ``broken`` (断链) when the previous period's status was not; the first period of a unit never fires (nothing to compare).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["fab"] * 3, "period": ["2024-01", "2024-02", "2024-03"],
    ...                   "status": ["single", "断链", "broken"]})
    >>> eval_newly_broken(f, {})["condition"].tolist()
    [False, True, False]

    References
    ----------
    .. [1] Pan Qiuchen (2023), 长三角区域科技创新与产业联动合作机制研究, 一(五) and 四(五).
    """
    return _newly(frame, "broken")


def eval_newly_single(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """A segment's status became single-point (单点: one place holds it) since the previous period.

    Parameters
    ----------
    frame : DataFrame
        As :func:`eval_newly_broken`.
    params : mapping
        None.

    Returns
    -------
    DataFrame
        :data:`CONDITION_COLUMNS`, true where the status is ``single`` and was known and not ``single`` in
        the period before.

    Notes
    -----
    Fires in a period whose status is ``single`` (单点) when the previous period's status was not; the first period of a unit never fires.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["fab"] * 3, "period": [2022, 2023, 2024], "status": ["ok", "单点", "ok"]})
    >>> eval_newly_single(f, {})["condition"].tolist()
    [False, True, False]

    References
    ----------
    .. [1] Pan Qiuchen (2023), 长三角区域科技创新与产业联动合作机制研究, 一(五) and 四(五).
    """
    return _newly(frame, "single")


def eval_falling(frame: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """A metric fell below its previous period's value by more than ``pct`` %.

    For a layer's cross-border linkage, a coupling grade, the hubs' spillover share (``metric`` names it).

    Parameters
    ----------
    frame : DataFrame
        ``unit``, ``period``, ``value`` (the metric), one row per unit and period.
    params : mapping
        ``metric`` (a label carried with the rule) and ``pct`` (>= 0; 0 fires on any fall).

    Returns
    -------
    DataFrame
        :data:`CONDITION_COLUMNS`; ``measure`` the % change :math:`100 (v - p)/|p|` on the previous period's
        value :math:`p` (``compared``), ``threshold`` :math:`-` ``pct``. Fires where the measure is below
        the threshold; from 0 or an unknown previous value there is no % and no alert.

    Notes
    -----
    The measure is :math:`100 (v_t - v_{t-1}) / |v_{t-1}|`; the rule fires when it is below :math:`-p` (a fall of more than ``pct`` per cent). Used for cross-border linkage, the coupling grade and the hubs' spillover share.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["L1"] * 3, "period": ["2024Q1", "2024Q2", "2024Q3"],
    ...                   "value": [0.40, 0.30, 0.29]})
    >>> eval_falling(f, {"metric": "cross_border_linkage", "pct": 10})[["condition", "measure"]].round(2)
       condition  measure
    0      False      NaN
    1       True   -25.00
    2      False    -3.33

    References
    ----------
    .. [1] Prometheus documentation, *Alerting rules* (``for`` and ``keep_firing_for``), prometheus.io/docs/prometheus/latest/configuration/alerting_rules/.
    """
    require_columns(frame, ["unit", "period", "value"], "frame")
    v = _num(frame, "value")
    p = _previous(frame.assign(value=v), "value").to_numpy(dtype=np.float64)
    with np.errstate(all="ignore"):
        m = 100.0 * (v - p) / np.abs(p)
    m[~np.isfinite(m) | (p == 0)] = np.nan
    t = -float(params["pct"]) or 0.0  # never -0.0 in the evidence
    with np.errstate(invalid="ignore"):
        cond = m < t
    return _result(frame, cond, v, m, t, p)


_ABOVE_BELOW = {"above": Param("number"), "below": Param("number")}
#: a segment rule's chain (default every chain): which chain's segments the atlas frames for it
_CHAIN = Param("str")

#: rule type → plug-in; adding a type is one evaluator and one entry here
RULE_TYPES: dict[str, RuleType] = {
    "threshold": RuleType(eval_threshold, _ABOVE_BELOW, indicator=True, one_of=("above", "below")),
    "change": RuleType(
        eval_change,
        {"basis": Param("choice", default="period", choices=("period", "year")), **_ABOVE_BELOW},
        indicator=True,
        one_of=("above", "below"),
    ),
    "outlier": RuleType(
        eval_outlier,
        {
            "k": Param("number", default=3.5, minimum=0),
            "against": Param("choice", default="history", choices=("history", "peers")),
            "window": Param("int", default=12, minimum=3),
            "side": Param("choice", default="both", choices=("both", "high", "low")),
        },
        indicator=True,
    ),
    "concentration": RuleType(
        eval_concentration,
        {
            "above": Param("number", required=True, minimum=0),
            "of": Param("choice", default="places", choices=("places", "suppliers")),
            "chain": _CHAIN,
        },
    ),
    "import_dependence": RuleType(
        eval_import_dependence,
        {
            "ratio_above": Param("number", required=True, minimum=0),
            "partner_above": Param("number", required=True, minimum=0),
            "chain": _CHAIN,
        },
    ),
    "newly_broken": RuleType(eval_newly_broken, {"chain": _CHAIN}),
    "newly_single": RuleType(eval_newly_single, {"chain": _CHAIN}),
    "falling": RuleType(
        eval_falling,
        {"metric": Param("str", required=True), "pct": Param("number", required=True, minimum=0)},
    ),
}


def evaluate(rule: Rule, frame: pd.DataFrame) -> pd.DataFrame:
    """One rule's condition and evidence per (unit, period).

    Parameters
    ----------
    rule : Rule
        From :func:`parse_rules`.
    frame : DataFrame
        The frame its type's evaluator reads (see the ``eval_*`` functions).

    Returns
    -------
    DataFrame
        ``rule`` then :data:`CONDITION_COLUMNS`.

    Notes
    -----
    Looks up the rule type in :data:`RULE_TYPES` and runs its evaluator on ``frame``; the result carries the rule's id beside the evaluator's columns.

    Examples
    --------
    >>> import pandas as pd
    >>> r = parse_rules({"level": "city", "jurisdiction": "330100", "rules": [
    ...     {"id": "t", "type": "threshold", "severity": "info", "indicator": "firms", "below": 2}]}).rules[0]
    >>> evaluate(r, pd.DataFrame({"unit": ["a", "b"], "period": [2024, 2024], "value": [1.0, 3.0]}))
      rule unit  period  condition  value  measure  threshold  compared
    0    t    a    2024       True    1.0      1.0        2.0       NaN
    1    t    b    2024      False    3.0      3.0        2.0       NaN

    References
    ----------
    .. [1] Prometheus documentation, *Alerting rules* (``for`` and ``keep_firing_for``), prometheus.io/docs/prometheus/latest/configuration/alerting_rules/.
    """
    require_frame(frame, "frame")
    out = RULE_TYPES[rule.type].evaluate(frame, rule.params)
    out.insert(0, "rule", rule.id)
    return out


# ------------------------------------------------------------------------------------------------ hysteresis
@dataclass(frozen=True)
class Hysteresis:
    """Alert states per period and the alerts' episodes.

    Attributes
    ----------
    states : DataFrame
        The input rows sorted by the group columns and period, with ``state`` (one of :data:`STATES`),
        ``active`` (firing or resolving), ``opened`` (the alert fired in this period) and ``resolved`` (it
        resolved in this period).
    episodes : DataFrame
        One row per alert: the group columns, ``opened`` (period) and ``resolved`` (period, None while it is
        still active at the last period).
    """

    states: pd.DataFrame
    episodes: pd.DataFrame


def _run_length(x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Length of the run of equal values of ``x`` ending at each position; runs restart where ``start``."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    brk = start.copy()
    brk[1:] |= x[1:] != x[:-1]
    idx = np.arange(n)
    first = np.maximum.accumulate(np.where(brk, idx, 0))
    return idx - first + 1


def _last(flag: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Index of the latest position <= i where ``flag`` within i's group, else -1."""
    idx = np.arange(len(flag))
    last = np.maximum.accumulate(np.where(flag, idx, -1)) if len(flag) else idx
    return np.where(last >= group_start, last, -1)


def hysteresis(
    conditions: pd.DataFrame, *, pending: int = 1, resolve: int = 1, by: tuple[str, ...] = ("unit",)
) -> Hysteresis:
    """Alert states per period, with a pending period before firing and a resolve period before resolving.

    Parameters
    ----------
    conditions : DataFrame
        The ``by`` columns, ``period`` (keys of one kind) and ``condition`` (bool; NaN reads as clear), one
        row per group and period. The rows of a group are taken in period order as consecutive evaluations:
        give every period (an evaluator does), since a period missing for a group is simply skipped.
    pending : int, default 1
        Consecutive periods the condition must hold before the alert fires (Prometheus' ``for``).
    resolve : int, default 1
        Consecutive clear periods before a firing alert resolves.
    by : tuple of str, default ('unit',)
        The columns identifying one series (``('rule', 'unit')`` for a rule set).

    Returns
    -------
    Hysteresis
        ``states`` and ``episodes``.

    Raises
    ------
    ConfigError
        Missing columns, ``pending``/``resolve`` below 1, a (group, period) given twice, bad period keys.

    Notes
    -----
    Per group, with :math:`T_t` the length of the run of true conditions ending at :math:`t` and
    :math:`F_t` that of clear ones: the alert *opens* at :math:`t` when it is not active and
    :math:`T_t \\ge` ``pending``; an active alert *resolves* at :math:`t` when :math:`F_t =` ``resolve``.
    So it is active at :math:`t` exactly when the latest :math:`s \\le t` with :math:`T_s \\ge` ``pending``
    is later than the latest :math:`r \\le t` with :math:`F_r =` ``resolve``, which is computed for all
    groups at once with running maxima over the sorted rows (no Python loop over groups). The state of
    period :math:`t` is ``firing`` (active, condition true), ``resolving`` (active, clear: still counted
    active), ``resolved`` (the period it resolved), ``pending`` (true, not yet ``pending`` periods) or
    ``inactive``. A clear period inside a firing alert with ``resolve`` = 2 gives ``resolving`` and the
    alert fires again on the next true period without a new episode (no flapping). With ``pending`` =
    ``resolve`` = 1 the firing periods are the condition periods.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"unit": "a", "period": list(range(2015, 2024)),
    ...                   "condition": [0, 1, 1, 1, 0, 1, 0, 0, 0]}).astype({"condition": bool})
    >>> h = hysteresis(c, pending=2, resolve=2)
    >>> h.states["state"].tolist()
    ['inactive', 'pending', 'firing', 'firing', 'resolving', 'firing', 'resolving', 'resolved', 'inactive']
    >>> h.episodes
      unit  opened  resolved
    0    a    2017      2022

    References
    ----------
    .. [1] Prometheus documentation, Alerting rules: "the optional ``for`` clause causes Prometheus to wait
       for a certain duration between first encountering a new expression output vector element and counting
       an alert as firing", https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/ (and
       ``keep_firing_for``, the clear duration before an alert resolves).
    .. [2] Grafana documentation, Alert rule evaluation: states Normal, Pending, Alerting, Recovering,
       https://grafana.com/docs/grafana/latest/alerting/fundamentals/alert-rule-evaluation/.
    """
    require_frame(conditions, "conditions")
    by = tuple(by)
    require_columns(conditions, [*by, "period", "condition"], "conditions")
    p = require_positive_int(pending, "pending")
    m = require_positive_int(resolve, "resolve")
    keys = pd.unique(conditions["period"].to_numpy(dtype=object))
    parsed = {k: _period_ordinal(k, "conditions") for k in keys}
    if len({kind for kind, _ in parsed.values()}) > 1:
        raise ConfigError("expected periods of one kind", param="conditions")
    order = conditions["period"].map(lambda k: parsed[k][1]).astype(np.int64)
    df = conditions.assign(_o=order.to_numpy()).sort_values([*by, "_o"], kind="stable")
    if df.duplicated([*by, "_o"]).any():
        row = df[df.duplicated([*by, "_o"])].iloc[0]
        raise ConfigError(
            f"{dict(row[list(by)])} has more than one row for period {row['period']!r}", param="conditions"
        )
    cond = df["condition"].fillna(False).to_numpy(dtype=bool)
    n = len(df)
    start = np.ones(n, dtype=bool)
    if n:
        gid = df.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()
        start[1:] = gid[1:] != gid[:-1]
    idx = np.arange(n)
    group_start = np.maximum.accumulate(np.where(start, idx, 0)) if n else idx
    run = _run_length(cond, start)
    last_open = _last(cond & (run >= p), group_start)
    last_close = _last(~cond & (run == m), group_start)
    active = last_open > last_close
    was = np.zeros(n, dtype=bool)
    was[1:] = active[:-1] & ~start[1:]
    resolved = ~active & was
    opened = active & ~was
    state = np.select(
        [active & cond, active, resolved, cond], ["firing", "resolving", "resolved", "pending"], "inactive"
    )
    states = df.drop(columns="_o").reset_index(drop=True)
    states["state"] = state
    states["active"] = active
    states["opened"] = opened
    states["resolved"] = resolved

    # episodes: each opening paired with the next resolution of its group, if any
    o_idx, r_idx = np.flatnonzero(opened), np.flatnonzero(resolved)
    nxt = np.searchsorted(r_idx, o_idx)
    period = states["period"].to_numpy(dtype=object)
    res: list[Any] = []
    for i, j in zip(o_idx, nxt, strict=True):
        ok = j < len(r_idx) and group_start[r_idx[j]] == group_start[i]
        res.append(period[r_idx[j]] if ok else None)
    episodes = states.loc[o_idx, list(by)].reset_index(drop=True)
    episodes["opened"] = states["period"].to_numpy()[o_idx]
    episodes["resolved"] = pd.Series(res, dtype=object)
    return Hysteresis(states, episodes)


def evaluate_rules(rule_set: RuleSet, inputs: Mapping[str, pd.DataFrame]) -> Hysteresis:
    """Every rule of a set on its frame, with each rule's own pending and resolve per (rule, unit).

    Parameters
    ----------
    rule_set : RuleSet
    inputs : mapping
        Frame per rule: looked up by the rule's id, else by its indicator (so one history frame per
        indicator serves every rule on it), else by its type.

    Returns
    -------
    Hysteresis
        Grouped by ``('rule', 'unit')``; ``states`` carries the evidence columns, ``severity`` and
        ``indicator``; ``episodes`` gains ``severity``.

    Raises
    ------
    ConfigError
        When no frame is found for a rule (``param='inputs'``).

    Notes
    -----
    Each rule runs on the frame found under its id, else its indicator, else its type; its conditions then go through :func:`hysteresis` with the rule's own ``pending`` and ``resolve``.

    Examples
    --------
    >>> import pandas as pd
    >>> rs = parse_rules({"level": "city", "jurisdiction": "330100", "rules": [
    ...     {"id": "few-firms", "type": "threshold", "severity": "warning", "indicator": "firms",
    ...      "below": 5, "pending": 2}]})
    >>> f = pd.DataFrame({"unit": ["a"] * 4, "period": [2021, 2022, 2023, 2024], "value": [9, 4, 3, 8.0]})
    >>> h = evaluate_rules(rs, {"firms": f})
    >>> h.states["state"].tolist(), h.episodes[["rule", "unit", "opened", "resolved"]].values.tolist()
    (['inactive', 'pending', 'firing', 'resolved'], [['few-firms', 'a', 2023, 2024]])

    References
    ----------
    .. [1] Prometheus documentation, *Alerting rules* (``for`` and ``keep_firing_for``), prometheus.io/docs/prometheus/latest/configuration/alerting_rules/.
    """
    states, episodes = [], []
    for rule in rule_set.rules:
        frame = next(
            (inputs[k] for k in (rule.id, rule.indicator, rule.type) if k is not None and k in inputs), None
        )
        if frame is None:
            raise ConfigError(
                f"no frame for rule {rule.id!r}: give one under {rule.id!r}"
                + (f" or {rule.indicator!r}" if rule.indicator else f" or {rule.type!r}"),
                param="inputs",
            )
        h = hysteresis(evaluate(rule, frame), pending=rule.pending, resolve=rule.resolve, by=("rule", "unit"))
        states.append(h.states.assign(severity=rule.severity, indicator=rule.indicator))
        episodes.append(h.episodes.assign(severity=rule.severity))
    if not states:
        empty = pd.DataFrame(columns=["rule", "unit", "period", "condition", "state"])
        return Hysteresis(empty, pd.DataFrame(columns=["rule", "unit", "opened", "resolved", "severity"]))
    return Hysteresis(pd.concat(states, ignore_index=True), pd.concat(episodes, ignore_index=True))
