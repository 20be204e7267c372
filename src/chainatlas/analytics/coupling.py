"""Coupling coordination of subsystems (e.g. innovation chain × industrial chain, 科创–产业 互振共荣).

Pure functions on indicator tables: the entropy-weight method turns each subsystem's indicators into a
composite index :math:`U \\in [0, 1]`; the coupling coordination model combines the indices of two or more
subsystems into a coupling degree ``C``, a comprehensive index ``T`` and a coordination degree
:math:`D = \\sqrt{C T}`, graded with the usual ten bands. Both the standard (normative) coupling degree and
the corrected one of Wang Shujia et al. (2021) are available.

Contents
--------
:func:`entropy_weights`   min–max normalisation with indicator directions, entropy weights, composite index
:func:`coupling`          C, T, D and grades for every unit (place, period)
:func:`coordination`      from raw indicators: each group of columns entropy-weighted into an index, then C, T, D
:func:`dissimilarity`     Duncan's index between where innovation and where industry are (the spatial 鸿沟)
:data:`D_GRADES`, :data:`C_STAGES`   the grading bands
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import as_float_array, require_choice
from chainatlas.errors import ConfigError

__all__ = [
    "C_STAGES",
    "D_GRADES",
    "Coordination",
    "EntropyWeights",
    "coordination",
    "coupling",
    "dissimilarity",
    "entropy_weights",
]

#: coordination bands (upper bound inclusive, Chinese name, English name): 廖重斌 (1999)'s ten classes as
#: commonly tabulated, e.g. 田深圳 et al. (2021), 地理学报 76(4), Table 1
D_GRADES: tuple[tuple[float, str, str], ...] = (
    (0.1, "极度失调", "extreme imbalance"),
    (0.2, "严重失调", "serious imbalance"),
    (0.3, "中度失调", "moderate imbalance"),
    (0.4, "轻度失调", "mild imbalance"),
    (0.5, "濒临失调", "on the verge of imbalance"),
    (0.6, "勉强协调", "barely coordinated"),
    (0.7, "初级协调", "primary coordination"),
    (0.8, "中级协调", "intermediate coordination"),
    (0.9, "良好协调", "good coordination"),
    (1.0, "优质协调", "high-quality coordination"),
)

#: coupling stages of C (upper bound inclusive), same source
C_STAGES: tuple[tuple[float, str, str], ...] = (
    (0.3, "低水平耦合", "low-level coupling"),
    (0.5, "拮抗阶段", "antagonism"),
    (0.8, "磨合阶段", "running-in"),
    (1.0, "高水平耦合", "high-level coupling"),
)


@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class EntropyWeights:
    """Result of the entropy-weight method for one subsystem.

    Attributes
    ----------
    weights : Series
        Weight per indicator, summing to 1.
    entropy : Series
        Information entropy :math:`e_j \\in [0, 1]` per indicator.
    normalized : DataFrame
        Min–max normalised indicators in [0, 1] (direction applied, without ``shift``).
    index : Series
        Composite index per unit, :math:`U_i = \\sum_j w_j x'_{ij} \\in [0, 1]`.
    """

    weights: pd.Series
    entropy: pd.Series
    normalized: pd.DataFrame
    index: pd.Series


def entropy_weights(
    indicators: pd.DataFrame,
    directions: Mapping[str, int | str] | None = None,
    *,
    shift: float = 0.0,
    epsilon: float | None = None,
) -> EntropyWeights:
    """Entropy-weight method: objective indicator weights and a composite index.

    Parameters
    ----------
    indicators : DataFrame
        Units in rows (places, or place-years pooled so that indices are comparable over time), indicators in
        columns, all numeric and finite.
    directions : mapping, optional
        Per indicator column: ``+1`` (or ``"+"``, ``"benefit"``) for a benefit indicator (larger is better),
        ``-1`` (or ``"-"``, ``"cost"``) for a cost indicator, whose min–max normalisation is reversed; columns
        not named are benefit indicators (default all benefit).
    shift : float
        Added to every normalised value before the entropy is computed (some studies use 0.0001 to keep
        logarithms finite; not needed here, :math:`0 \\ln 0 = 0`). The composite index uses the unshifted
        values, so it stays in [0, 1].
    epsilon : float, optional
        The ε convention of the R package *mathmodels* (``entropy_weight(X, index, epsilon = 0.002)``): the
        min–max normalisation maps onto :math:`[\\varepsilon, 1 - \\varepsilon]` instead of [0, 1], so that no
        :math:`p_{ij}` is 0 and :math:`\\ln 0` never occurs. ``None`` (default): plain [0, 1] and
        :math:`0 \\ln 0 = 0`. Give ``0.002`` to reproduce mathmodels. Cannot be combined with ``shift``.

    Returns
    -------
    EntropyWeights

    Notes
    -----
    With ``m`` units,

    .. math:: x'_{ij} = \\frac{x_{ij} - \\min_i x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}} \\ (+1), \\qquad
              x'_{ij} = \\frac{\\max_i x_{ij} - x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}} \\ (-1)

    .. math:: p_{ij} = \\frac{x'_{ij}}{\\sum_i x'_{ij}}, \\quad e_j = -\\frac{1}{\\ln m} \\sum_i p_{ij} \\ln
              p_{ij}, \\quad w_j = \\frac{1 - e_j}{\\sum_k (1 - e_k)}

    A constant indicator carries no information: its normalised values are 0 and its weight 0.

    With ``epsilon`` (mathmodels), :math:`p_{ij}` is computed from :math:`\\tilde x_{ij} = \\varepsilon +
    (1 - 2\\varepsilon)\\, x'_{ij}`; the weights change slightly, ``normalized`` and ``index`` stay on the
    plain [0, 1] scale. mathmodels' score is :math:`s_i = 100 \\sum_j w_j \\tilde x_{ij}`; since the weights sum
    to 1 it equals :math:`100\\,[\\varepsilon + (1 - 2\\varepsilon)\\, U_i]` with ``U = index``.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"patents": [1.0, 2.0, 3.0], "cost": [3.0, 2.0, 1.0]})
    >>> r = entropy_weights(x, {"cost": -1})
    >>> r.weights.round(3).tolist(), r.index.round(3).tolist()
    ([0.5, 0.5], [0.0, 0.5, 1.0])

    mathmodels' documented example (``entropy_weight(X, c("+", "-"))``):

    >>> X = pd.DataFrame({"x1": [3.0, 5.0, 2.0, 7.0], "x2": [10.0, 20.0, 15.0, 25.0]})
    >>> r = entropy_weights(X, {"x2": "-"}, epsilon=0.002)
    >>> r.weights.round(7).tolist()
    [0.5452618, 0.4547382]

    References
    ----------
    .. [1] Shannon, C. E. (1948). A mathematical theory of communication. Bell System Technical Journal 27,
       379–423.
    .. [2] Zeleny, M. (1982). Multiple Criteria Decision Making. McGraw-Hill (entropy weights of attributes).
    .. [3] Zhang, J. (2025). mathmodels: Mathematical Modeling Algorithms, R package, ``entropy_weight`` and
       ``rescale`` (R/eval_weights.R, R/eval_preprocess.R), https://github.com/zhjx19/mathmodels; companion to
       *Mathematical Modeling: Algorithms and Programming Implementation* (China Machine Press).
    """
    if not isinstance(indicators, pd.DataFrame):
        raise ConfigError(
            f"indicators: expected a DataFrame (units × indicators), got {type(indicators).__name__}"
        )
    x = as_float_array(indicators.to_numpy(), "indicators", ndim=2)
    m, k = x.shape
    if m < 2 or k < 1:
        raise ConfigError(f"indicators: expected at least 2 units and 1 indicator, got shape {x.shape}")
    dirs = dict(directions or {})
    unknown = set(dirs) - set(indicators.columns)
    if unknown:
        raise ConfigError(f"directions: {sorted(map(str, unknown))} are not indicator columns")
    bad = {str(c): v for c, v in dirs.items() if _direction(v) is None}
    if bad:
        raise ConfigError(
            f"directions: expected +1 (benefit) or -1 (cost) for every indicator given (or '+', '-', "
            f"'benefit', 'cost'), got {bad}"
        )
    sign = np.array([_direction(dirs.get(c, 1)) for c in indicators.columns])
    if epsilon is not None:
        if shift:
            raise ConfigError(
                "epsilon, shift: give one of them (epsilon rescales into [epsilon, 1 - epsilon], "
                "shift adds a constant), not both"
            )
        try:
            eps = float(epsilon)
        except (TypeError, ValueError):
            raise ConfigError(f"epsilon: expected a number in (0, 0.5), got {epsilon!r}") from None
        if not 0 < eps < 0.5:
            raise ConfigError(
                f"epsilon: expected a number in (0, 0.5) (mathmodels uses 0.002), got {epsilon!r}"
            )
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    z = np.zeros_like(x)
    ok = span > 0
    z[:, ok] = np.where(sign[ok] > 0, (x[:, ok] - lo[ok]) / span[ok], (hi[ok] - x[:, ok]) / span[ok])
    zs = z + float(shift) if epsilon is None else eps + (1.0 - 2.0 * eps) * z
    colsum = zs.sum(axis=0)
    p = np.divide(zs, colsum, out=np.zeros_like(zs), where=colsum > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    e[colsum <= 0] = 1.0
    d = 1.0 - e
    if d.sum() <= 0:
        raise ConfigError(
            "indicators: every indicator is constant or evenly spread; entropy weights are undefined"
        )
    w = d / d.sum()
    cols = indicators.columns
    return EntropyWeights(
        weights=pd.Series(w, index=cols.copy(), name="weight"),
        entropy=pd.Series(e, index=cols.copy(), name="entropy"),
        normalized=pd.DataFrame(z, index=indicators.index.copy(), columns=cols.copy()),
        index=pd.Series(z @ w, index=indicators.index.copy(), name="index"),
    )


def coupling(
    indices: pd.DataFrame | Sequence[pd.Series],
    *,
    weights: Sequence[float] | None = None,
    method: str = "standard",
) -> pd.DataFrame:
    """Coupling degree C, comprehensive index T and coordination degree D of n subsystems, with grades.

    Parameters
    ----------
    indices : DataFrame or sequence of Series
        Composite index of each subsystem (columns, or one Series each, aligned on the index) for every unit
        (rows: places, periods). Values in [0, 1] (e.g. :func:`entropy_weights` ``.index``).
    weights : sequence of float, optional
        Contribution :math:`\\alpha_k` of each subsystem to T (non-negative, summing to 1); default equal.
    method : {"standard", "wang2021"}
        ``"standard"``: the normative coupling degree; ``"wang2021"``: the corrected coupling degree of Wang
        Shujia et al. (2021).

    Returns
    -------
    DataFrame
        Index of the units; columns ``C``, ``T``, ``D``, ``grade`` (Chinese band name), ``grade_en``, ``level``
        (1–10, 1 = 极度失调), ``stage`` / ``stage_en`` (coupling stage of C).

    Notes
    -----
    Standard (normative form, Wang et al. 2021, eq. 1):

    .. math:: C = n \\left[\\frac{\\prod_k U_k}{\\left(\\sum_k U_k\\right)^n}\\right]^{1/n}

    equivalently :math:`C = n \\left(\\prod_k U_k\\right)^{1/n} / \\sum_k U_k`, for any :math:`n \\ge 2`
    (for two subsystems :math:`C = 2\\sqrt{U_1 U_2}/(U_1 + U_2)`). It is close to 1 whenever the indices are of
    similar *ratio*, even when both are tiny, which is why Wang et al. corrected it to

    .. math:: C = \\sqrt{\\left[1 - \\frac{\\sum_{k > l} \\lvert U_k - U_l \\rvert}{\\sum_{m=1}^{n-1} m}\\right]
              \\left(\\prod_k \\frac{U_k}{\\max_l U_l}\\right)^{\\frac{1}{n-1}}}

    (for two subsystems :math:`C = \\sqrt{(1 - \\lvert U_1 - U_2 \\rvert)\\, U_{\\min} / U_{\\max}}`), which
    spreads C over [0, 1]. Then

    .. math:: T = \\sum_k \\alpha_k U_k, \\qquad D = \\sqrt{C \\, T}

    and D is graded in ten bands of width 0.1 (:data:`D_GRADES`, upper bounds inclusive: 0–0.1 极度失调 …
    0.9–1 优质协调), C in four stages (:data:`C_STAGES`). C is NaN when all indices of a unit are 0.

    Both forms are those of the R package *mathmodels* (``coupling_degree(type = "standard" | "adjusted")``),
    whose documented three-subsystem example this function reproduces to the printed 3 decimals (see the
    tests); mathmodels floors the product and sum at 1e-10 where this function returns NaN for all-zero units.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"innovation": [0.8, 0.2], "industry": [0.6, 0.9]}, index=["上海", "宣城"])
    >>> coupling(u)[["C", "D", "grade"]].round(3).values.tolist()
    [[0.99, 0.832, '良好协调'], [0.771, 0.651, '初级协调']]
    >>> coupling(u, method="wang2021")[["C", "D", "grade"]].round(3).values.tolist()
    [[0.775, 0.736, '中级协调'], [0.258, 0.377, '轻度失调']]

    References
    ----------
    .. [1] 王淑佳, 孔伟, 任亮, 治丹丹, 戴彬婷 (2021). 国内耦合协调度模型的误区及修正. 自然资源学报 36(3),
       793–810. (Wang, S. et al. Research on misuses and modification of coupling coordination degree model in
       China. Journal of Natural Resources.)
    .. [2] 廖重斌 (1999). 环境与经济协调发展的定量评判及其分类体系——以珠江三角洲城市群为例. 热带地理 19(2),
       171–177.
    .. [3] 田深圳, 李雪铭, 杨俊, 张威, 郭建科 (2021). 东北三省城市拟态与现实人居环境时空耦合协调特征与机制.
       地理学报 76(4), 781–798, Table 1 (the grading bands used here).
    .. [4] Zhang, J. (2025). mathmodels, R package, ``coupling_degree`` (R/eval_system.R),
       https://github.com/zhjx19/mathmodels.
    """
    require_choice(method, ("standard", "wang2021"), "method")
    u_df = _indices(indices)
    u = u_df.to_numpy()
    n = u.shape[1]
    if weights is None:
        alpha = np.full(n, 1.0 / n)
    else:
        alpha = as_float_array(weights, "weights", ndim=1, nonnegative=True)
        if len(alpha) != n or not np.isclose(alpha.sum(), 1.0):
            raise ConfigError(f"weights: expected {n} non-negative weights summing to 1, got {list(alpha)}")
    total = u.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "standard":
            c = n * (np.prod(u, axis=1) / total**n) ** (1.0 / n)
        else:
            pairs = sum(np.abs(u[:, a] - u[:, b]) for a, b in combinations(range(n), 2))
            spread = 1.0 - pairs / (n * (n - 1) / 2)
            umax = u.max(axis=1)
            ratio = np.prod(u / umax[:, None], axis=1) ** (1.0 / (n - 1))
            c = np.sqrt(np.clip(spread, 0.0, None) * ratio)
    c = np.where(total > 0, c, np.nan)
    t = u @ alpha
    d = np.sqrt(c * t)
    out = pd.DataFrame({"C": c, "T": t, "D": d}, index=u_df.index.copy())
    level = np.searchsorted(np.array([b for b, _, _ in D_GRADES]), np.round(d, 12), side="left")
    level = np.where(np.isnan(d), -1, np.minimum(level, len(D_GRADES) - 1))
    out["grade"] = [D_GRADES[k][1] if k >= 0 else None for k in level]
    out["grade_en"] = [D_GRADES[k][2] if k >= 0 else None for k in level]
    out["level"] = pd.array([int(k) + 1 if k >= 0 else pd.NA for k in level], dtype="Int64")
    stage = np.searchsorted(np.array([b for b, _, _ in C_STAGES]), np.round(c, 12), side="left")
    stage = np.where(np.isnan(c), -1, np.minimum(stage, len(C_STAGES) - 1))
    out["stage"] = [C_STAGES[k][1] if k >= 0 else None for k in stage]
    out["stage_en"] = [C_STAGES[k][2] if k >= 0 else None for k in stage]
    return out


@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class Coordination:
    """Coupling coordination computed from raw indicators.

    Attributes
    ----------
    table : DataFrame
        One row per unit: the subsystem indices (one column per subsystem, in the order of ``groups``) followed by
        the columns of :func:`coupling` (``C``, ``T``, ``D``, ``grade``, ``grade_en``, ``level``, ``stage``,
        ``stage_en``).
    indices : DataFrame
        The composite index :math:`U_k` of each subsystem per unit (entropy-weighted, in [0, 1]).
    indicator_weights : DataFrame
        One row per indicator: ``subsystem``, ``indicator``, ``direction`` (+1/-1), ``entropy``, ``weight``
        (within its subsystem, summing to 1 per subsystem).
    subsystem_weights : Series
        The weights :math:`\\alpha_k` of the subsystems in T.
    method : str
        ``"standard"`` or ``"wang2021"``.
    """

    table: pd.DataFrame
    indices: pd.DataFrame
    indicator_weights: pd.DataFrame
    subsystem_weights: pd.Series
    method: str


def coordination(
    indicators: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    directions: Mapping[str, int | str] | None = None,
    weights: Sequence[float] | Mapping[str, float] | None = None,
    method: str = "standard",
    epsilon: float | None = None,
) -> Coordination:
    """Coupling coordination of n ≥ 2 subsystems from raw indicators (entropy weights, then C, T, D).

    Parameters
    ----------
    indicators : DataFrame
        Units in rows (places, or place-years pooled), raw indicators in columns, numeric and finite.
    groups : mapping of str to list of str
        Subsystem name → its indicator columns (at least 2 subsystems, each with at least one column, no column in
        two subsystems), e.g. ``{"innovation": ["patents", "papers"], "industry": ["revenue", "firms"]}``.
    directions : mapping, optional
        Indicator → ``+1``/``"+"`` (benefit) or ``-1``/``"-"`` (cost), as in :func:`entropy_weights`.
    weights : sequence or mapping of float, optional
        Weights of the subsystems in T (in the order of ``groups``, or by subsystem name), non-negative, summing
        to 1; default equal.
    method : {"standard", "wang2021"}
        Coupling degree, as in :func:`coupling`.
    epsilon : float, optional
        mathmodels' ε convention for the entropy weights (see :func:`entropy_weights`).

    Returns
    -------
    Coordination

    Notes
    -----
    Each subsystem ``k`` is weighted separately: :math:`U_{ik} = \\sum_{j \\in k} w_j x'_{ij}` with the entropy
    weights :math:`w_j` of its own indicators (:func:`entropy_weights`); then, for n subsystems,

    .. math:: C = \\frac{n \\left(\\prod_k U_k\\right)^{1/n}}{\\sum_k U_k}, \\qquad
              T = \\sum_k \\alpha_k U_k, \\qquad D = \\sqrt{C\\,T}

    (or Wang et al.'s corrected C), D graded on 廖重斌's ten-band scale (:data:`D_GRADES`). The entropy weights are
    computed over all rows given, so pool the years of a panel in one call to keep indices comparable.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"patents": [10.0, 40.0, 25.0], "papers": [5.0, 9.0, 7.0],
    ...                   "revenue": [300.0, 200.0, 500.0], "pollution": [8.0, 2.0, 5.0]},
    ...                  index=["宣城", "合肥", "苏州"])
    >>> r = coordination(x, {"innovation": ["patents", "papers"], "industry": ["revenue", "pollution"]},
    ...                  directions={"pollution": "-"})
    >>> r.table[["innovation", "industry", "D", "grade"]].round(3).values.tolist()
    [[0.0, 0.179, 0.0, '极度失调'], [1.0, 0.463, 0.825, '良好协调'], [0.5, 0.769, 0.787, '中级协调']]

    References
    ----------
    .. [1] 廖重斌 (1999). 环境与经济协调发展的定量评判及其分类体系. 热带地理 19(2), 171–177.
    .. [2] 王淑佳 et al. (2021). 国内耦合协调度模型的误区及修正. 自然资源学报 36(3), 793–810.
    .. [3] Zhang, J. (2025). mathmodels, R package, ``entropy_weight`` and ``coupling_degree``,
       https://github.com/zhjx19/mathmodels.
    """
    if not isinstance(indicators, pd.DataFrame):
        raise ConfigError(
            f"indicators: expected a DataFrame (units × indicators), got {type(indicators).__name__}"
        )
    if not isinstance(groups, Mapping) or len(groups) < 2:
        raise ConfigError(
            "groups: expected a mapping of at least 2 subsystems to their indicator columns, e.g. "
            "{'innovation': ['patents'], 'industry': ['revenue']}"
        )
    seen: dict[str, str] = {}
    for name, cols in groups.items():
        cols = [cols] if isinstance(cols, str) else list(cols)
        if not cols:
            raise ConfigError(f"groups: subsystem {name!r} has no indicator columns")
        missing = [c for c in cols if c not in indicators.columns]
        if missing:
            raise ConfigError(
                f"groups: subsystem {name!r} names columns {missing} that are not in indicators "
                f"(columns: {list(indicators.columns)})"
            )
        for c in cols:
            if c in seen:
                raise ConfigError(f"groups: column {c!r} is in both {seen[c]!r} and {name!r}; give it to one")
            seen[c] = name
    dirs = dict(directions or {})
    unknown = [c for c in dirs if c not in seen]
    if unknown:
        raise ConfigError(f"directions: {unknown} are not indicator columns of any subsystem")
    names = list(groups)
    if isinstance(weights, Mapping):
        extra = set(weights) - set(names)
        if extra or len(weights) != len(names):
            raise ConfigError(f"weights: expected one weight per subsystem {names}, got {dict(weights)}")
        weights = [weights[n] for n in names]
    indices, rows = {}, []
    for name, cols in groups.items():
        cols = [cols] if isinstance(cols, str) else list(cols)
        sub = {c: dirs[c] for c in cols if c in dirs}
        try:
            ew = entropy_weights(indicators[cols], sub, epsilon=epsilon)
        except ConfigError as exc:
            raise ConfigError(f"groups[{name!r}]: {exc}") from None
        indices[name] = ew.index.rename(name)
        for c in cols:
            rows.append(
                {
                    "subsystem": name,
                    "indicator": c,
                    "direction": _direction(sub.get(c, 1)),
                    "entropy": float(ew.entropy[c]),
                    "weight": float(ew.weights[c]),
                }
            )
    u = pd.DataFrame(indices)
    table = coupling(u, weights=weights, method=method)
    alpha = np.full(len(names), 1.0 / len(names)) if weights is None else np.asarray(weights, dtype=float)
    return Coordination(
        table=pd.concat([u, table], axis=1),
        indices=u,
        indicator_weights=pd.DataFrame(rows),
        subsystem_weights=pd.Series(alpha, index=pd.Index(names, name="subsystem"), name="weight"),
        method=method,
    )


# ---------------------------------------------------------------------------------------------- helpers
def _direction(v: object) -> int | None:
    """+1 / -1 for a direction given as a number or a word ('+', '-', 'benefit', 'cost'); None if unreadable."""
    if isinstance(v, str):
        return {"+": 1, "-": -1, "benefit": 1, "cost": -1}.get(v.strip().lower())
    if (
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, bool)
        and float(v) in (1.0, -1.0)
    ):
        return int(v)
    return None


def _indices(indices: pd.DataFrame | Sequence[pd.Series]) -> pd.DataFrame:
    if isinstance(indices, pd.DataFrame):
        frame = indices
    elif isinstance(indices, Sequence) and indices and all(isinstance(s, pd.Series) for s in indices):
        frame = pd.concat(list(indices), axis=1, join="outer")
        frame.columns = [s.name if s.name is not None else f"U{k + 1}" for k, s in enumerate(indices)]
        if frame.isna().any().any():
            raise ConfigError("indices: the Series do not cover the same units; align them first")
    else:
        raise ConfigError("indices: expected a DataFrame (units × subsystems) or a list of Series")
    if frame.shape[1] < 2:
        raise ConfigError(f"indices: expected at least 2 subsystems, got {frame.shape[1]}")
    arr = as_float_array(frame.to_numpy(), "indices", ndim=2, nonnegative=True)
    if (arr > 1 + 1e-12).any():
        raise ConfigError(
            "indices: expected composite indices in [0, 1] (see entropy_weights); found values above 1"
        )
    return pd.DataFrame(np.clip(arr, 0.0, 1.0), index=frame.index.copy(), columns=frame.columns.copy())


def dissimilarity(a: pd.Series | Sequence[float], b: pd.Series | Sequence[float]) -> float:
    """Duncan's dissimilarity index between two distributions over the same places.

    Parameters
    ----------
    a, b : Series or sequence
        Non-negative amounts per place (e.g. a segment's patents and its revenue), aligned by position (or by
        index for two Series; missing places count 0). Each must have a positive total.

    Returns
    -------
    float
        :math:`D \\in [0, 1]`.

    Notes
    -----
    .. math:: D = \\tfrac12 \\sum_i \\left| \\frac{a_i}{\\sum_k a_k} - \\frac{b_i}{\\sum_k b_k} \\right|

    the share of innovation (or of industry) that would have to move for the two to be located alike: 0 when
    every place holds the same share of both, 1 when no place holds both. Read per chain segment it measures the
    spatial side of the gap (鸿沟) between science-and-technology and industry that the paper asks the
    "创新地 + 产业地" mechanism to bridge.

    Examples
    --------
    >>> dissimilarity([6.0, 2.0, 0.0], [1.0, 1.0, 2.0])
    0.5

    References
    ----------
    .. [1] Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes. American
       Sociological Review 20(2), 210–217.
    """
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        a, b = a.align(b, fill_value=0.0)
    x = as_float_array(np.asarray(a, dtype=float), "a", ndim=1)
    y = as_float_array(np.asarray(b, dtype=float), "b", ndim=1)
    if x.shape != y.shape:
        raise ConfigError(f"a, b: expected the same places, got {len(x)} and {len(y)} values")
    if (x < 0).any() or (y < 0).any() or x.sum() <= 0 or y.sum() <= 0:
        raise ConfigError(
            f"a, b: expected non-negative amounts with positive totals, got totals {x.sum():g} and "
            f"{y.sum():g}"
        )
    return float(0.5 * np.abs(x / x.sum() - y / y.sum()).sum())
