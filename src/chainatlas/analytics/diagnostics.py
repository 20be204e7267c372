"""The paper's own diagnostics: node tiers, practice modes and "创新地 + 产业地" pairing.

Pure functions on pandas frames that turn the measures of the other modules into the readings of
潘秋晨 (2023, section 三): which cities are core, key or auxiliary nodes; which of the four practice modes of
its Table 1 a functional area's ties look like; and which innovation-strong / industry-strong city pairs
of a chain segment are linked less than their size and proximity predict.

Contents
--------
:func:`node_tiers`          composite of min–max scaled indicators, split into core / key / auxiliary
:func:`functions`           innovation source / conversion / production from a place's two shares
:data:`PRACTICE_MODES`      the four modes of Table 1 and the layers that lead each
:func:`practice_modes`      per area and layer: share of the region's ties, relative intensity, growth; the mode
:func:`pairing`             innovation places × industry places ranked by gravity potential minus linkage
:func:`hub_shares`          each hub's share of its ties that go to the other hubs, per year, with the trend
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import SupportsFloat

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import (
    as_float_array,
    require_columns,
    require_frame,
    require_positive_int,
)
from chainatlas.errors import ConfigError

__all__ = [
    "AREA_MODES",
    "FUNCTIONS_ZH",
    "ORIENTATION_BANDS",
    "PRACTICE_MODES",
    "TIERS",
    "functions",
    "hub_shares",
    "node_tiers",
    "pairing",
    "practice_modes",
]

#: tier labels, highest first (潘秋晨 2023, section 三(一)2: 核心节点、关键节点、辅助节点)
TIERS = ("core", "key", "auxiliary")
TIERS_ZH = {"core": "核心节点", "key": "关键节点", "auxiliary": "辅助节点"}

#: 潘秋晨 (2023) Table 1: practice mode → (Chinese name, leading layers)
PRACTICE_MODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "bay_cycle": ("湾区循环", ("industry",)),
    "corridor": ("廊道延展", ("innovation", "knowledge")),
    "pan_network": ("泛网络共生", ("symbiosis",)),
    "open_network": ("网络开放", ("service", "value")),
}

#: the mode the paper gives each shipped functional area (section 三(一) 1–4 and Table 1)
AREA_MODES = {
    "hhy_bay": "bay_cycle",
    "g60": "corridor",
    "hnhh_belt": "pan_network",
    "demo_zone": "open_network",
}


def node_tiers(
    indicators: pd.DataFrame, *, weights: Mapping[str, float] | None = None, k: int = 3
) -> pd.DataFrame:
    """Core / key / auxiliary nodes from a composite of centrality and innovation indicators.

    Parameters
    ----------
    indicators : DataFrame
        One row per node (the index), one numeric column per indicator where more is "more central"
        (e.g. PageRank and betweenness in the innovation layer, patents, papers).
    weights : mapping, optional
        Weight of each column in the composite (default equal); normalised to sum 1.
    k : int
        Number of classes (3: core, key, auxiliary; 2: core, auxiliary).

    Returns
    -------
    DataFrame
        Index as ``indicators``; the min–max scaled indicators, ``score`` (the composite, 0–1) and ``tier``
        (``core``/``key``/``auxiliary``), ``tier_zh`` and ``rank`` (1 = highest score). Sorted by score.

    Notes
    -----
    Each indicator is scaled to :math:`z_{ij} = (x_{ij} - \\min_i x_{ij}) / (\\max_i x_{ij} - \\min_i x_{ij})`
    (a constant column scores 0), the composite is :math:`s_i = \\sum_j w_j z_{ij}`, and the tiers are Fisher's
    (1958) optimal one-dimensional partition of :math:`s` into ``k`` classes (Jenks natural breaks, PySAL's
    ``mapclassify.FisherJenks``): the split that minimises the within-class sum of squared deviations, so a tier
    boundary falls where the scores jump rather than at a fixed quantile. The paper's G60 reading (上海、合肥、
    杭州、苏州 / 嘉兴、湖州、芜湖 / 金华、宣城) is this kind of grouping.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"pagerank": [1, 2, 3, 10, 11, 12, 30, 31.]}, index=list("abcdefgh"))
    >>> node_tiers(x)["tier"].to_dict()
    {'h': 'core', 'g': 'core', 'f': 'key', 'e': 'key', 'd': 'key', 'c': 'auxiliary', 'b': 'auxiliary', 'a': 'auxiliary'}

    References
    ----------
    .. [1] Fisher, W. D. (1958). On grouping for maximum homogeneity. JASA 53(284), 789–798.
    .. [2] Rey, S. J. et al. mapclassify: classification schemes for choropleth maps (PySAL).
    .. [3] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 三(一)2.
    """
    require_frame(indicators, "indicators")
    k = require_positive_int(k, "k", minimum=2)
    if k > len(TIERS):
        raise ConfigError(f"k: expected 2 or 3 tiers, got {k}")
    cols = list(indicators.columns)
    if not cols:
        raise ConfigError("indicators: expected at least one indicator column, got none")
    if len(indicators) < k:
        raise ConfigError(f"indicators: need at least k={k} nodes to form {k} tiers, got {len(indicators)}")
    x = pd.DataFrame(
        {c: as_float_array(indicators[c].to_numpy(), f"indicators[{c!r}]", ndim=1) for c in cols},
        index=indicators.index,
    )
    w = pd.Series(1.0, index=cols) if weights is None else pd.Series(weights, dtype=float).reindex(cols)
    if w.isna().any() or (w < 0).any() or w.sum() <= 0:
        raise ConfigError(
            f"weights: expected a non-negative weight for each of {cols}, got {dict(weights or {})}"
        )
    w = w / w.sum()
    span = x.max() - x.min()
    z = (x - x.min()).div(span.where(span > 0)).fillna(0.0)
    score = z.mul(w, axis=1).sum(axis=1)
    labels = list(TIERS) if k == 3 else ["core", "auxiliary"]
    classes = _fisher_jenks(score.to_numpy(), k)
    out = z.add_suffix("_scaled")
    out["score"] = score
    out["tier"] = [labels[k - 1 - c] for c in classes]
    out["tier_zh"] = out["tier"].map(TIERS_ZH)
    out = out.sort_values("score", ascending=False, kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    return out


#: orientation a/(a+b) at or below which a place is a producer, at or above which a source
ORIENTATION_BANDS = (0.4, 0.6)
FUNCTIONS_ZH = {"source": "知识创造与创新策源", "conversion": "孵化转化", "production": "产业化"}


def functions(
    innovation: pd.Series, industry: pd.Series, *, bands: tuple[float, float] = ORIENTATION_BANDS
) -> pd.DataFrame:
    """Each place's function along the chain: innovation source, conversion, or production.

    Parameters
    ----------
    innovation, industry : Series
        Non-negative amounts per place on the same index (e.g. patents and revenue).
    bands : (float, float)
        Orientation at or below which a place is ``production`` and at or above which it is ``source``.

    Returns
    -------
    DataFrame
        Index as ``innovation``: ``orientation`` (NaN for a place with neither), ``function`` and
        ``function_zh``.

    Notes
    -----
    With :math:`a_i` and :math:`b_i` the place's shares of the region's innovation and industry, the orientation is
    :math:`o_i = a_i / (a_i + b_i)`: 1 for pure innovation, 0 for pure production, 0.5 when the place holds the
    same share of both. The paper's G60 tiers name these functions: 知识创造与创新孵化 (上海、合肥、杭州、苏州),
    承接、孵化、转化 (嘉兴、湖州、芜湖) and 产业化 (金华、宣城).

    Examples
    --------
    >>> import pandas as pd
    >>> f = functions(pd.Series({"sh": 8.0, "jh": 1.0, "hz": 2.0}), pd.Series({"sh": 2.0, "jh": 6.0, "hz": 2.0}))
    >>> f["function"].to_dict()
    {'sh': 'source', 'jh': 'production', 'hz': 'conversion'}

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 三(一)2.
    """
    lo, hi = bands
    if not 0 <= lo <= hi <= 1:
        raise ConfigError(f"bands: expected 0 ≤ low ≤ high ≤ 1, got {bands}")
    a = pd.Series(
        as_float_array(innovation.to_numpy(), "innovation", ndim=1, nonnegative=True), index=innovation.index
    )
    b = pd.Series(
        as_float_array(
            industry.reindex(innovation.index).fillna(0.0).to_numpy(), "industry", ndim=1, nonnegative=True
        ),
        index=innovation.index,
    )
    a = a / a.sum() if a.sum() > 0 else a
    b = b / b.sum() if b.sum() > 0 else b
    o = (a / (a + b)).where((a + b) > 0)
    fn = pd.Series(
        np.select([o >= hi, o <= lo], ["source", "production"], "conversion"), index=o.index, dtype=object
    ).where(o.notna(), None)
    return pd.DataFrame({"orientation": o, "function": fn, "function_zh": fn.map(FUNCTIONS_ZH)})


def _fisher_jenks(values: np.ndarray, k: int) -> np.ndarray:
    """Class index 0..k-1 (0 = lowest) of each value by Fisher–Jenks; fewer distinct values: as many classes."""
    import mapclassify

    distinct = np.unique(values)
    if len(distinct) == 1:
        raise ConfigError(
            f"indicators: every node has the same composite score ({distinct[0]:g}); there is no "
            f"variation to form tiers from (no data for this selection?)"
        )
    if len(distinct) <= k:  # nothing to optimise: distinct values spread from the top tier to the bottom one
        pos = np.searchsorted(distinct, values)
        return np.rint(pos * (k - 1) / (len(distinct) - 1)).astype(int)
    with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is fine for city counts
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(mapclassify.FisherJenks(values, k=k).yb, dtype=int)


def practice_modes(
    ties: pd.DataFrame,
    *,
    area: str = "area",
    layer: str = "layer",
    year: str = "year",
    weight: str = "n",
    region: pd.DataFrame | None = None,
    expected: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which layers dominate each functional area's ties and how they grow, read against the paper's Table 1.

    Parameters
    ----------
    ties : DataFrame
        Long table of each area's internal ties: ``area``, ``layer``, ``year``, ``weight``.
    region : DataFrame, optional
        The whole region's ties per ``layer`` and ``year`` (columns ``layer``, ``year``, ``weight``): the
        denominator of the shares. Default: the sum over the areas in ``ties``.
    expected : mapping, optional
        Area → the practice mode the paper assigns it (a key of :data:`PRACTICE_MODES`).

    Returns
    -------
    (layers, areas) : tuple of DataFrame
        ``layers``: one row per area × layer in the latest year: ``ties``, ``share_of_region``
        (:math:`s_{aL}`), ``intensity`` (:math:`s_{aL} / \\bar s_a`), ``growth`` (average annual growth over all
        years, log-linear fit) and ``rank`` of the layer within the area. ``areas``: one row per area with the
        ``dominant_layer``, the ``fastest_growing`` layer, the score of each mode, the ``mode`` read from the
        data, the ``paper_mode`` and whether they agree.

    Notes
    -----
    The six layers count different things (people flows, patents, supply links...), so their raw sizes are not
    compared. Instead each layer is measured by the area's share of the region's ties in that layer,
    :math:`s_{aL} = w_{aL} / W_L`, and the intensity :math:`I_{aL} = s_{aL} / \\frac{1}{|L|}\\sum_{L'} s_{aL'}`
    says which layers the area holds more of than its average (a location quotient across layers). The score
    of mode :math:`m` is the mean intensity of its leading layers (Table 1); the mode read from the data is the
    highest score. Growth is :math:`e^{b} - 1` with :math:`b` the OLS slope of :math:`\\ln(1 + w_{aL,t})` on
    :math:`t`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"area": ["a"] * 2 + ["b"] * 2, "layer": ["industry", "knowledge"] * 2,
    ...                   "year": 2024, "n": [8.0, 1.0, 2.0, 9.0]})
    >>> layers, areas = practice_modes(t)
    >>> areas.set_index("area")["mode"].to_dict()
    {'a': 'bay_cycle', 'b': 'corridor'}

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, Table 1 (实践模式特征与主导机制).
    """
    require_frame(ties, "ties")
    require_columns(ties, [area, layer, year, weight], "ties")
    t = ties[[area, layer, year, weight]].rename(
        columns={area: "area", layer: "layer", year: "year", weight: "w"}
    )
    t = t.assign(w=as_float_array(t["w"].to_numpy(), f"ties[{weight!r}]", ndim=1, nonnegative=True))
    t = t.groupby(["area", "layer", "year"], as_index=False)["w"].sum()
    if t.empty:
        raise ConfigError("ties: no rows; nothing to read a practice mode from")
    if region is None:
        reg = t.groupby(["layer", "year"], as_index=False)["w"].sum()
    else:
        require_columns(region, ["layer", "year", weight], "region")
        reg = region.rename(columns={weight: "w"}).groupby(["layer", "year"], as_index=False)["w"].sum()
    last = int(t["year"].max())
    wide = t.pivot_table(index=["area", "year"], columns="layer", values="w", fill_value=0.0)
    layer_names = list(wide.columns)
    full = pd.MultiIndex.from_product(
        [sorted(t["area"].unique()), sorted(t["year"].unique())], names=["area", "year"]
    )
    wide = wide.reindex(full, fill_value=0.0)
    now = wide.xs(last, level="year")
    total = reg[reg["year"] == last].set_index("layer")["w"].reindex(layer_names).fillna(0.0)
    share = now.div(total.where(total > 0), axis=1)
    mean_share = share.mean(axis=1)
    intensity = share.div(mean_share.where(mean_share > 0), axis=0)
    growth = wide.groupby(level="area").apply(lambda g: _log_growth(g.droplevel("area")))
    rows = []
    for a in now.index:
        for lay in layer_names:
            rows.append(
                {
                    "area": a,
                    "layer": lay,
                    "year": last,
                    "ties": float(now.at[a, lay]),
                    "share_of_region": _num(share.at[a, lay]),
                    "intensity": _num(intensity.at[a, lay]),
                    "growth": _num(growth.at[a, lay]),
                }
            )
    layers = pd.DataFrame(rows)
    layers["rank"] = layers.groupby("area")["intensity"].rank(ascending=False, method="first").astype("Int64")
    area_rows = []
    for a in now.index:
        scores = {
            m: float(
                np.nanmean([intensity.at[a, lay] if lay in intensity.columns else np.nan for lay in leads])
                if any(lay in intensity.columns for lay in leads)
                else np.nan
            )
            for m, (_, leads) in PRACTICE_MODES.items()
        }
        valid = {m: s for m, s in scores.items() if np.isfinite(s)}
        mode = max(valid, key=lambda m: valid[m]) if valid else None
        paper = (expected or {}).get(a)
        ia = intensity.loc[a].dropna()
        ga = growth.loc[a].dropna()
        area_rows.append(
            {
                "area": a,
                "dominant_layer": ia.idxmax() if len(ia) else None,
                "fastest_growing": ga.idxmax() if len(ga) else None,
                **{f"score_{m}": scores[m] for m in PRACTICE_MODES},
                "mode": mode,
                "mode_zh": PRACTICE_MODES[mode][0] if mode else None,
                "paper_mode": paper,
                "paper_mode_zh": PRACTICE_MODES[paper][0] if paper in PRACTICE_MODES else None,
                "agrees": (mode == paper) if paper else None,
            }
        )
    return layers, pd.DataFrame(area_rows)


def _log_growth(wide: pd.DataFrame) -> pd.Series:
    years = wide.index.to_numpy(dtype=float)
    if len(years) < 2:
        return pd.Series(np.nan, index=wide.columns)
    y = np.log1p(wide.to_numpy(dtype=float))
    slope = np.polyfit(years - years.mean(), y, 1)[0]
    return pd.Series(np.expm1(slope), index=wide.columns)


def _num(v: SupportsFloat | None) -> float:
    """A table cell as a float; None and missing values (NaN, NA, NaT) as NaN."""
    return float(v) if v is not None and pd.notna(v) else float("nan")


def pairing(
    places: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    id: str = "unit",
    innovation: str = "innovation",
    industry: str = "industry",
    population: str = "population",
    lon: str = "lon",
    lat: str = "lat",
    weight: str = "n",
    exponent: float = 2.0,
    top: int | None = None,
) -> pd.DataFrame:
    """ "创新地 + 产业地" pairs of one chain segment ranked by linkage potential minus current linkage.

    Parameters
    ----------
    places : DataFrame
        One row per place: ``id``, innovation strength (e.g. the segment's patents), industry strength (e.g. its
        revenue or firms), population and coordinates.
    observed : DataFrame
        Current ties of the segment between places (``src``, ``dst``, ``weight``), e.g. the innovation layer's
        transfers, contracts and joint patents; direction is ignored.
    exponent : float
        Distance decay of the gravity model.
    top : int, optional
        Keep the ``top`` pairs with the largest positive gap.

    Returns
    -------
    DataFrame
        One row per pair (innovation place ``src``, industry place ``dst``): the two shares of each, ``observed``,
        ``expected`` (gravity potential scaled to the observed total over all pairs), ``gap`` (expected −
        observed) and ``rank`` (1 = largest gap). Sorted by gap.

    Notes
    -----
    With :math:`a_i` and :math:`b_i` the place's shares of the segment's innovation and industry strength, a
    place is an innovation place (创新地) when :math:`a_i > b_i` and :math:`a_i \\ge 1/N`, an industry place
    (产业地) when :math:`b_i > a_i` and :math:`b_i \\ge 1/N` (above the average share of the :math:`N` places).
    The potential of every unordered pair is the modified gravity model (:func:`chainatlas.analytics.gravity.
    gravity`) with population :math:`P_i` and the segment mass :math:`G_i = a_i + b_i`, scaled as in
    :func:`chainatlas.analytics.gravity.linkage_gap` so that potential and observed ties have the same total over
    all pairs; only innovation × industry pairs are returned.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"unit": ["sh", "sz", "nt"], "innovation": [10.0, 1.0, 0.0],
    ...                   "industry": [2.0, 5.0, 6.0], "population": [24.0, 12.0, 7.0],
    ...                   "lon": [121.47, 120.58, 120.89], "lat": [31.23, 31.30, 31.98]})
    >>> o = pd.DataFrame({"src": ["sh"], "dst": ["sz"], "n": [5.0]})
    >>> pairing(p, o)[["src", "dst", "observed"]].values.tolist()
    [['sh', 'nt', 0.0], ['sh', 'sz', 5.0]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 四(二): 发起"创新地+产业地"共建计划.
    .. [2] See :func:`chainatlas.analytics.gravity.gravity` for the gravity model.
    """
    from chainatlas.analytics.gravity import gravity, linkage_gap

    require_frame(places, "places")
    require_columns(places, [id, innovation, industry, population, lon, lat], "places")
    require_frame(observed, "observed")
    require_columns(observed, ["src", "dst", weight], "observed")
    if top is not None:
        top = require_positive_int(top, "top")
    p = places[[id, innovation, industry, population, lon, lat]].copy()
    a = as_float_array(p[innovation].to_numpy(), f"places[{innovation!r}]", ndim=1, nonnegative=True)
    b = as_float_array(p[industry].to_numpy(), f"places[{industry!r}]", ndim=1, nonnegative=True)
    if a.sum() <= 0 or b.sum() <= 0:
        raise ConfigError(
            f"places: {innovation!r} and {industry!r} must both have a positive total "
            f"(got {a.sum():g} and {b.sum():g}); the segment has no innovation or no industry"
        )
    n = len(p)
    p["a"], p["b"] = a / a.sum(), b / b.sum()
    p["G"] = p["a"] + p["b"]
    if (p["G"] > 0).sum() < 2:
        only = p.loc[p["G"] > 0, id].tolist()
        raise ConfigError(
            f"places: only {only} holds innovation or industry in this segment; there is no pair"
        )
    inn = set(p.loc[(p["a"] > p["b"]) & (p["a"] >= 1.0 / n), id])
    ind = set(p.loc[(p["b"] > p["a"]) & (p["b"] >= 1.0 / n), id])
    expected = gravity(p, id=id, population=population, gdp="G", lon=lon, lat=lat, exponent=exponent)
    obs = observed[
        observed["src"].isin(p[id]) & observed["dst"].isin(p[id]) & (observed["src"] != observed["dst"])
    ]
    if float(obs[weight].sum()) <= 0:
        raise ConfigError(
            "observed: no ties between distinct places, so the potential cannot be scaled to the "
            "current linkage; see the places' shares instead"
        )
    gap = linkage_gap(obs, expected, directed=False, weight=weight)
    fwd = gap["src"].isin(inn) & gap["dst"].isin(ind)
    rev = gap["dst"].isin(inn) & gap["src"].isin(ind)
    out = gap[fwd | rev].copy()
    swap = rev[fwd | rev].to_numpy()
    out.loc[swap, ["src", "dst"]] = out.loc[swap, ["dst", "src"]].to_numpy()
    shares = p.set_index(id)[["a", "b"]]
    out.insert(2, "src_innovation_share", out["src"].map(shares["a"]).to_numpy())
    out.insert(3, "src_industry_share", out["src"].map(shares["b"]).to_numpy())
    out.insert(4, "dst_innovation_share", out["dst"].map(shares["a"]).to_numpy())
    out.insert(5, "dst_industry_share", out["dst"].map(shares["b"]).to_numpy())
    out = out.sort_values(
        ["gap", "src", "dst"], ascending=[False, True, True], kind="stable", ignore_index=True
    )
    out["rank"] = np.arange(1, len(out) + 1)
    if top is not None:
        out = out[out["gap"] > 0].head(top).reset_index(drop=True)
    return out.drop(columns=["ratio"])


def hub_shares(
    ties: pd.DataFrame, hubs: Sequence[str], years: Sequence[int] | None = None
) -> tuple[pd.DataFrame, dict[str, float | None]]:
    """How much of each hub's co-operation stays among the hubs: the paper's spillover indicator.

    Parameters
    ----------
    ties : DataFrame
        Undirected ties between places (``year``, ``src``, ``dst``, ``n``), each pair stored once in either
        direction; self-loops are ignored.
    hubs : sequence of str
        The hub places (the paper: 上海, 南京, 杭州, 合肥, 苏州).
    years : sequence of int, optional
        Years to report (default: those in ``ties``); a year without ties gets NaN.

    Returns
    -------
    (shares, slopes)
        ``shares``: one row per hub and year with ``ties_total`` (the hub's ties with every other place),
        ``ties_to_hubs`` (with the other hubs) and ``share``; ``slopes``: per hub the OLS slope of the share on
        the year (share points per year), None with fewer than two years.

    Notes
    -----
    .. math:: s_{h,t} = \\frac{\\sum_{j \\in H \\setminus h} w_{hj,t}}{\\sum_{j \\ne h} w_{hj,t}}

    A high share means the hub co-operates mostly with the other hubs, i.e. innovation spills little beyond them
    (潘秋晨 2023 reports > 50 % for 上海 in 2020); a falling slope means it reaches further.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"year": [2020, 2020, 2021], "src": ["sh", "nj", "sh"], "dst": ["nj", "nt", "nt"],
    ...                   "n": [3.0, 1.0, 1.0]})
    >>> s, slope = hub_shares(t, ["sh", "nj"])
    >>> s.set_index(["hub", "year"])["share"].to_dict()
    {('sh', 2020): 1.0, ('sh', 2021): 0.0, ('nj', 2020): 0.75, ('nj', 2021): nan}
    >>> round(slope["sh"], 12)
    -1.0

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 二 (上海 与 南京、杭州、合肥、苏州).
    """
    require_frame(ties, "ties")
    require_columns(ties, ["year", "src", "dst", "n"], "ties")
    t = ties[(ties["src"] != ties["dst"])]
    years = sorted(int(y) for y in (years if years is not None else t["year"].unique()))
    rows = []
    for hub in hubs:
        others = set(hubs) - {hub}
        mine = t[(t["src"] == hub) | (t["dst"] == hub)]
        partner = mine["dst"].where(mine["src"] == hub, mine["src"])
        to_hubs = mine["n"].where(partner.isin(others), 0.0)
        total = mine.groupby("year")["n"].sum()
        inner = to_hubs.groupby(mine["year"]).sum()
        for y in years:
            tot = float(total.get(y, 0.0))
            rows.append(
                {
                    "hub": hub,
                    "year": y,
                    "ties_total": tot,
                    "ties_to_hubs": float(inner.get(y, 0.0)),
                    "share": float(inner.get(y, 0.0)) / tot if tot > 0 else np.nan,
                }
            )
    shares = pd.DataFrame(rows, columns=["hub", "year", "ties_total", "ties_to_hubs", "share"])
    slopes: dict[str, float | None] = {}
    for hub, g in shares.groupby("hub", sort=False):
        g = g.dropna(subset=["share"])
        yr = g["year"].to_numpy(dtype=float)
        slopes[hub] = float(np.polyfit(yr - yr.mean(), g["share"], 1)[0]) if len(g) >= 2 else None
    return shares, slopes
