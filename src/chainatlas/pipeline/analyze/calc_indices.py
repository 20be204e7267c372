"""Calc methods for composite indices on a user's table: entropy weights, location quotients, HHI, coupling
coordination of n subsystems, and Leontief output for a new final demand.

Wiring only (see :mod:`.registry`): each adapter is ``fn(df, path, **params) -> (data, summary)``, checks the
table with the helpers of :mod:`.tables` and calls one function of :mod:`chainatlas.analytics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from chainatlas.errors import ConfigError
from chainatlas.pipeline.analyze.registry import Method, Param
from chainatlas.pipeline.analyze.tables import need, numeric, square_io

__all__ = ["METHODS"]


def _units(df: pd.DataFrame, path: Path, columns: Sequence[str] | None, what: str) -> pd.DataFrame:
    """The numeric ``columns`` (default: every column but the first) indexed by the first column's ids."""
    label = df.columns[0]
    cols = list(columns) if columns else [c for c in df.columns if c != label]
    if not cols:
        raise ConfigError(f"{path}: expected ids in the first column and {what} in the others")
    need(df, path, cols, f"ids in the first column and {what}")
    num = numeric(df, path, cols)
    out = pd.DataFrame(num[cols].to_numpy(), index=pd.Index(df[label].astype(str), name=label), columns=cols)
    if not out.index.is_unique:
        raise ConfigError(f"{path}: the ids in column {label!r} repeat; expected one row per unit")
    return out


def _cost(cost: Sequence[str] | None, cols: Sequence[str]) -> dict:
    unknown = [c for c in (cost or ()) if c not in cols]
    if unknown:
        raise ConfigError(f"{unknown} are not indicator columns ({list(cols)})", param="cost")
    return {c: -1 for c in (cost or ())}


def _calc_entropy(
    df: pd.DataFrame,
    path: Path,
    *,
    columns: Sequence[str] | None = None,
    cost: Sequence[str] | None = None,
    epsilon: float | None = None,
):
    from chainatlas.analytics import coupling as cp

    x = _units(df, path, columns, "numeric indicator columns")
    r = cp.entropy_weights(x, _cost(cost, list(x.columns)), epsilon=epsilon)
    data = r.normalized.add_prefix("norm_").assign(index=r.index)
    return data.reset_index(), {
        "weights": r.weights.to_dict(),
        "entropy": r.entropy.to_dict(),
        "cost": list(cost or ()),
        "epsilon": epsilon,
    }


def _calc_lq(df: pd.DataFrame, path: Path, *, reference_row: str | None = None, total: str | None = None):
    from chainatlas.analytics import chains as ch

    label = df.columns[0]
    segs = [c for c in df.columns if c not in (label, total)]
    x = _units(df, path, [*segs, *([total] if total else [])], "one numeric column per segment")
    reference = reference_total = None
    if reference_row is not None:
        if reference_row not in x.index:
            raise ConfigError(
                f"no row {reference_row!r} in column {label!r} of {path}", param="reference_row"
            )
        ref = x.loc[reference_row]
        x = x.drop(index=reference_row)
        reference = ref[segs]
        reference_total = float(ref[total]) if total else None
    totals = x[total] if total else None
    lq = ch.location_quotient(x[segs], totals=totals, reference=reference, reference_total=reference_total)
    return lq.reset_index(), {"reference": reference_row or "the table itself", "totals": total or "row sums"}


def _calc_hhi(df: pd.DataFrame, path: Path):
    from chainatlas.analytics import chains as ch

    x = _units(df, path, None, "one numeric column per segment")
    data = pd.DataFrame({"hhi": ch.hhi(x), "hhi_normalized": ch.hhi(x, normalized=True)})
    data.index.name = "segment"
    return data.reset_index(), {"n_places": len(x)}


def _calc_coordination(
    df: pd.DataFrame,
    path: Path,
    *,
    groups: Sequence[str] | None = None,
    indices: Sequence[str] | None = None,
    cost: Sequence[str] | None = None,
    weights: Sequence[str] | None = None,
    method: str = "standard",
    epsilon: float | None = None,
):
    from chainatlas.analytics import coupling as cp

    alpha = None
    if weights:
        try:
            alpha = [float(w) for w in weights]
        except ValueError:
            raise ConfigError(f"expected numbers, got {list(weights)}", param="weights") from None
    if indices:  # ready-made subsystem indices in [0, 1]: no entropy weighting
        if groups:
            raise ConfigError(
                "give either groups (raw indicators) or indices (ready-made), not both", param="indices"
            )
        if len(indices) < 2:
            raise ConfigError("name at least 2 index columns, e.g. innovation,industry", param="indices")
        u = _units(df, path, list(indices), "one column per subsystem index in [0, 1]")
        table = cp.coupling(u, weights=alpha, method=method)
        return u.join(table).reset_index(), {
            "subsystems": list(indices),
            "method": method,
            "subsystem_weights": alpha or "equal",
            "input": "indices",
        }
    if not groups or len(groups) < 2:
        raise ConfigError(
            "name at least 2 subsystems as NAME=col+col, e.g. innovation=patents+papers,"
            "industry=revenue+firms",
            param="groups",
        )
    spec = {}
    for g in groups:
        name, sep, cols = g.partition("=")
        if not sep or not name.strip() or not cols.strip():
            raise ConfigError(f"expected NAME=col+col, got {g!r}", param="groups")
        spec[name.strip()] = [c.strip() for c in cols.split("+") if c.strip()]
    x = _units(
        df, path, [c for cols in spec.values() for c in cols], "the indicator columns of every subsystem"
    )
    r = cp.coordination(
        x, spec, directions=_cost(cost, list(x.columns)), weights=alpha, method=method, epsilon=epsilon
    )
    return r.table.reset_index(), {
        "subsystems": list(spec),
        "method": method,
        "subsystem_weights": r.subsystem_weights.to_dict(),
        "indicator_weights": r.indicator_weights.to_dict(orient="records"),
    }


def _calc_leontief_demand(df: pd.DataFrame, path: Path, *, demand: str = "y_new"):
    from chainatlas.analytics import io

    need(df, path, [demand], f"a column {demand!r} with the new final demand of every sector")
    Z, x, y = square_io(df, path)
    x = x if x is not None else io.calc_x(Z, y)
    f = numeric(df, path, [demand])[demand].to_numpy()
    x_new = io.calc_x_from_demand(Z, x, f)
    data = pd.DataFrame({"x": x, demand: f, "x_new": x_new, "change": x_new - x}, index=Z.index)
    return data.reset_index(), {
        "n_sectors": len(Z),
        "total_x": float(x.sum()),
        "total_x_new": float(x_new.sum()),
    }


_MB = "Miller & Blair (2009), Input-Output Analysis, 2nd ed., section 2.3 and Table 2.3"
_MATHMODELS = "Zhang, mathmodels (R package), github.com/zhjx19/mathmodels"

METHODS: tuple[Method, ...] = (
    Method(
        "entropy",
        "熵权法",
        "Entropy weights and composite index",
        _calc_entropy,
        (
            Param("columns", "list", None, "indicator columns (default: all but the first)"),
            Param("cost", "list", None, "cost indicators (smaller is better): min–max reversed"),
            Param(
                "epsilon",
                "float",
                None,
                "mathmodels' ε: normalise into [ε, 1−ε] (e.g. 0.002)",
                ge=0.0,
                le=0.49,
            ),
        ),
        input="one row per unit (first column: id), numeric indicator columns",
        output="one row per unit: norm_<indicator> (min–max, direction applied) and index; weights and "
        "entropies in the summary",
        example_input="id,x1,x2\na,3,10\nb,5,20\nc,2,15\nd,7,25\n",
        example_args=("--cost", "x2", "--epsilon", "0.002"),
        reference="Shannon (1948); Zeleny (1982); " + _MATHMODELS + " entropy_weight",
    ),
    Method(
        "lq",
        "区位商",
        "Location quotients",
        _calc_lq,
        (
            Param(
                "reference_row",
                "str",
                None,
                "id of a row holding the reference economy (e.g. 全国); default: the table itself",
            ),
            Param("total", "str", None, "column holding each row's total activity (default: the row sum)"),
        ),
        input="a place × segment matrix of non-negative activity, place ids in the first column; optionally a "
        "reference row (the nation) and a total column",
        output="one row per place: the LQ of every segment",
        example_input="region,total,industry1,industry2\nNational,10000,2000,6000\nRegion_A,4000,1000,2000\n"
        "Region_B,6000,1000,4000\n",
        example_args=("--reference-row", "National", "--total", "total"),
        reference="Isard (1960); " + _MATHMODELS + " LQ",
    ),
    Method(
        "hhi",
        "赫芬达尔指数",
        "Herfindahl–Hirschman concentration",
        _calc_hhi,
        (),
        input="a place × segment matrix of non-negative activity or shares, place ids in the first column",
        output="one row per segment: hhi = Σs², hhi_normalized = (H − 1/N)/(1 − 1/N), N = places in the table",
        example_input="place,seg\na,50\nb,30\nc,20\n",
        reference="Hirschman (1964); U.S. DOJ HHI; " + _MATHMODELS + " HHI",
    ),
    Method(
        "coordination",
        "多系统耦合协调",
        "Coupling coordination of n subsystems from raw indicators",
        _calc_coordination,
        (
            Param("groups", "list", None, "subsystems from raw indicators as NAME=col+col, comma-separated"),
            Param("indices", "list", None, "or: columns already holding each subsystem's index in [0, 1]"),
            Param("cost", "list", None, "cost indicators (smaller is better)"),
            Param("weights", "list", None, "weights of the subsystems in T, comma-separated (default equal)"),
            Param("method", "str", "standard", "coupling degree", choices=("standard", "wang2021")),
            Param("epsilon", "float", None, "mathmodels' ε for the entropy weights", ge=0.0, le=0.49),
        ),
        input="one row per unit (first column: id), the indicator columns of every subsystem (--groups) or one "
        "ready-made index per subsystem (--indices)",
        output="one row per unit: the subsystem indices, C, T, D, grade (廖重斌), level, stage",
        example_input="city,patents,papers,revenue,pollution,talent\n上海,900,500,4000,8,30\n"
        "苏州,400,100,3500,5,12\n宣城,20,5,300,2,3\n",
        example_args=(
            "--groups",
            "innovation=patents+papers,industry=revenue+pollution,talent=talent",
            "--cost",
            "pollution",
        ),
        reference="廖重斌 (1999); 王淑佳 et al. (2021), 自然资源学报 36(3); "
        + _MATHMODELS
        + " coupling_degree",
    ),
    Method(
        "leontief-demand",
        "新最终需求的产出",
        "Output for a new final demand (x = L·f)",
        _calc_leontief_demand,
        (Param("demand", "str", "y_new", "column with the new final demand"),),
        input="a square transactions table Z (sector names in the first column) with gross output x (or final "
        "demand y) and a column with the new final demand",
        output="one row per sector: x, the new demand, x_new = L·f, change",
        example_input="sector,S1,S2,x,y_new\nS1,150,500,1000,600\nS2,200,100,2000,1500\n",
        reference=_MB,
    ),
)
