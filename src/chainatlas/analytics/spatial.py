"""Spatial autocorrelation of place indicators: weights, global and local Moran's I.

Thin, documented wrappers over PySAL: weights are built with libpysal from shapely geometries (GeoJSON features
as the bundled geography ships them) or from points (k nearest neighbours on the sphere); the statistics are
computed by esda (``Moran``), and local Moran's I by one cached numba kernel on esda's permutation draws whose
results equal ``esda.Moran_Local``'s (esda's own kernel cannot be cached and cost ~10 s of compiling per run). What the wrappers add: alignment of the
variable on the place ids, never mutating the caller's weights, reproducible permutations (a fixed seed without
touching NumPy's global random state), and small frozen result objects with documented fields.

Contents
--------
:func:`contiguity_weights`   queen or rook contiguity from GeoJSON features / shapely geometries
:func:`knn_weights`          k-nearest-neighbour weights from a table of points (great-circle distance)
:func:`gal_weights`          weights read from a GAL file (GeoDa / PySAL neighbour lists)
:func:`matrix_weights`       weights from a square matrix table (ids in the first column and the header)
:func:`moran`                global Moran's I with normal, randomisation and permutation inference
:func:`local_moran`          LISA: local Moran's I, quadrants HH/LH/LL/HL and permutation significance
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import (
    as_float_array,
    require_choice,
    require_columns,
    require_frame,
    require_positive_int,
    require_probability,
)
from chainatlas.analytics.gravity import EARTH_RADIUS_KM, haversine_km
from chainatlas.errors import ConfigError

__all__ = [
    "QUADRANTS",
    "LocalMoranResult",
    "MoranResult",
    "contiguity_weights",
    "gal_weights",
    "knn_weights",
    "local_moran",
    "matrix_weights",
    "moran",
]

#: esda's quadrant codes of the Moran scatterplot → labels (value high/low, spatial lag high/low)
QUADRANTS: dict[int, str] = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


# ---------------------------------------------------------------------------------------------- weights
def contiguity_weights(
    features: Mapping | Sequence,
    *,
    ids: Sequence[Hashable] | None = None,
    id_field: str = "adcode",
    rook: bool = False,
    fill_islands: bool = True,
):
    """Queen (or rook) contiguity weights from polygons.

    Parameters
    ----------
    features : dict or sequence
        A GeoJSON FeatureCollection (``dict`` with ``features``), a list of GeoJSON features, or a list of
        shapely geometries (then ``ids`` is required).
    ids : sequence, optional
        Place ids in the order of the geometries; default: ``properties[id_field]`` of each feature.
    id_field : str
        Feature property holding the id.
    rook : bool
        Rook contiguity (shared edge) instead of queen (shared edge or vertex).
    fill_islands : bool
        Give every place without a contiguous neighbour (an island such as 舟山's outlying counties, or a unit
        separated by water) its single nearest place by great-circle distance between representative points,
        as a symmetric tie, so that every place has a spatial lag.

    Returns
    -------
    libpysal.weights.W
        Binary weights (transform ``"O"``), ``id_order`` = the given order.

    Notes
    -----
    :math:`w_{ij} = 1` if polygons ``i`` and ``j`` share a boundary point (queen) or a boundary segment (rook),
    computed by :class:`libpysal.weights.Queen` / :class:`libpysal.weights.Rook` from shapely geometries.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> w = contiguity_weights([box(i, j, i + 1, j + 1) for j in range(3) for i in range(3)], ids=list("abcdefghi"))
    >>> sorted(w.neighbors["e"]), w.cardinalities["a"]
    (['a', 'b', 'c', 'd', 'f', 'g', 'h', 'i'], 3)

    References
    ----------
    .. [1] Anselin, L. (1988). Spatial Econometrics: Methods and Models. Kluwer, ch. 3.
    .. [2] Rey, S. J. & Anselin, L. (2007). PySAL: a Python library of spatial analytical methods. Review of
       Regional Studies 37(1), 5–27.
    """
    import libpysal
    from shapely.errors import ShapelyError
    from shapely.geometry import shape
    from shapely.geometry.base import BaseGeometry

    items = features.get("features") if isinstance(features, Mapping) else features
    if items is None or isinstance(items, (str, bytes)) or len(items) == 0:
        raise ConfigError(
            "features: expected a GeoJSON FeatureCollection, a list of features or of shapely "
            "geometries, with at least one item"
        )
    geoms: list[BaseGeometry] = []
    found: list[Hashable] = []  # None where a geometry brings no id
    for k, item in enumerate(items):
        if isinstance(item, BaseGeometry):
            geoms.append(item)
            found.append(None)
            continue
        if not isinstance(item, Mapping) or "geometry" not in item:
            raise ConfigError(f"features: item {k} is neither a GeoJSON feature nor a shapely geometry")
        try:
            geoms.append(shape(item["geometry"]))
        except (ShapelyError, TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            raise ConfigError(f"features: item {k} has an invalid geometry ({exc})") from None
        found.append((item.get("properties") or {}).get(id_field))
    if ids is None:
        if any(v is None for v in found):
            raise ConfigError(
                f"ids: not given, and some features have no property {id_field!r}; pass ids or "
                f"the right id_field"
            )
        ids = found
    ids = list(ids)
    if len(ids) != len(geoms):
        raise ConfigError(f"ids: expected {len(geoms)} ids (one per geometry), got {len(ids)}")
    if len(set(ids)) != len(ids):
        raise ConfigError("ids: expected unique place ids")
    cls = libpysal.weights.Rook if rook else libpysal.weights.Queen
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; islands are handled just below
        warnings.filterwarnings("ignore", message=".*(island|disconnected|not fully connected).*")
        w = cls.from_iterable(geoms, ids=ids)
    islands = list(w.islands)
    if fill_islands and islands and len(ids) > 1:
        pts = np.array([[g.representative_point().x, g.representative_point().y] for g in geoms])
        neighbors = {i: list(w.neighbors[i]) for i in ids}
        pos = {i: k for k, i in enumerate(ids)}
        for isl in islands:
            k = pos[isl]
            d = haversine_km(pts[k, 0], pts[k, 1], pts[:, 0], pts[:, 1])
            d[k] = np.inf
            near = ids[int(np.argmin(d))]
            if near not in neighbors[isl]:
                neighbors[isl].append(near)
            if isl not in neighbors[near]:
                neighbors[near].append(isl)
        w = libpysal.weights.W(neighbors, id_order=ids, silence_warnings=True)
    return w


def knn_weights(points: pd.DataFrame, k: int = 4, *, id: str = "adcode", lon: str = "lon", lat: str = "lat"):
    """k-nearest-neighbour weights from point coordinates (great-circle distance).

    Parameters
    ----------
    points : DataFrame
        One row per place with an id and coordinates in degrees (e.g. government seats or centroids).
    k : int
        Neighbours per place, ``1 <= k < n``.
    id, lon, lat : str
        Column names.

    Returns
    -------
    libpysal.weights.W
        Binary, asymmetric in general (``j`` among ``i``'s nearest does not imply the reverse);
        ``id_order`` = row order.

    Notes
    -----
    :math:`w_{ij} = 1` if ``j`` is one of the ``k`` places nearest to ``i`` by arc distance on a sphere of radius
    :data:`chainatlas.analytics.gravity.EARTH_RADIUS_KM` (libpysal's KD-tree with ``distance_metric="arc"``).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"adcode": ["sh", "hz", "nj", "hf"], "lon": [121.47, 120.16, 118.80, 117.23],
    ...                   "lat": [31.23, 30.27, 32.06, 31.82]})
    >>> knn_weights(p, k=1).neighbors
    {'sh': ['hz'], 'hz': ['sh'], 'nj': ['hf'], 'hf': ['nj']}

    References
    ----------
    .. [1] Getis, A. & Aldstadt, J. (2004). Constructing the spatial weights matrix using a local statistic.
       Geographical Analysis 36(2), 90–104.
    """
    import libpysal

    require_frame(points, "points")
    require_columns(points, [id, lon, lat], "points")
    ids = points[id].tolist()
    if len(set(ids)) != len(ids) or any(pd.isna(v) for v in ids):
        raise ConfigError(f"points: expected unique, non-missing ids in column {id!r}")
    n = len(ids)
    k = require_positive_int(k, "k")
    if k >= n:
        raise ConfigError(f"k: expected fewer neighbours than places ({n}), got {k}")
    xy = np.column_stack(
        [
            as_float_array(points[lon].to_numpy(), f"points[{lon!r}]", ndim=1),
            as_float_array(points[lat].to_numpy(), f"points[{lat!r}]", ndim=1),
        ]
    )
    with warnings.catch_warnings():
        # libpysal warns when the kNN graph has several components (common for small k); not an error here
        warnings.filterwarnings("ignore", message=".*(island|disconnected|not fully connected).*")
        w = libpysal.weights.KNN.from_array(xy, k=k, distance_metric="arc", radius=EARTH_RADIUS_KM)
    neighbors = {ids[i]: [ids[j] for j in w.neighbors[i]] for i in range(n)}
    return libpysal.weights.W(neighbors, id_order=ids, silence_warnings=True)


def gal_weights(path):
    """Spatial weights read from a GAL file (the neighbour-list format of GeoDa and PySAL).

    Parameters
    ----------
    path : str or path-like
        A ``.gal`` file: a header line (``n`` or ``0 n shapefile id_field``), then for every unit a line
        ``id k`` followed by a line with its ``k`` neighbour ids.

    Returns
    -------
    libpysal.weights.W
        Binary weights (transform ``"O"``); ids are the strings written in the file, ``id_order`` their order
        there.

    Notes
    -----
    :math:`w_{ij} = 1` if ``j`` is listed as a neighbour of ``i``. Read with ``libpysal.io.open(path).read()``
    (Anselin's GAL format as documented by GeoDa). Ids stay strings, so that a variable indexed by adcode strings
    aligns on them in :func:`moran`.

    Examples
    --------
    >>> import libpysal
    >>> w = gal_weights(libpysal.examples.get_path("stl.gal"))
    >>> w.n, w.id_order[:3], sorted(w.neighbors["1"])
    (78, ['1', '2', '3'], ['3', '6', '7'])

    References
    ----------
    .. [1] Anselin, L., Syabri, I. & Kho, Y. (2006). GeoDa: an introduction to spatial data analysis.
       Geographical Analysis 38(1), 5–22 (the GAL weights file).
    .. [2] Rey, S. J. & Anselin, L. (2007). PySAL. Review of Regional Studies 37(1), 5–27.
    """
    import os

    import libpysal

    try:
        name = os.fspath(path)
    except TypeError:
        raise ConfigError(f"path: expected a path to a .gal file, got {type(path).__name__}") from None
    if not os.path.isfile(name):
        raise ConfigError(f"path: no GAL file at {name!r}")
    try:
        f = (
            libpysal.io.open(name, "r", "gal")
            if not name.lower().endswith(".gal")
            else libpysal.io.open(name)
        )
        try:
            w = f.read()
        finally:
            f.close()
    except Exception as exc:  # noqa: BLE001 - libpysal raises bare Exception, ValueError or IndexError on malformed files
        raise ConfigError(
            f"path: {name!r} is not a readable GAL file ({type(exc).__name__}: {exc}); expected a "
            f"header line, then per unit 'id k' and a line of k neighbour ids"
        ) from None
    if not isinstance(w, libpysal.weights.W) or w.n == 0:
        raise ConfigError(f"path: {name!r} holds no units")
    return w


def matrix_weights(table: pd.DataFrame, *, binary: bool = False):
    """Spatial weights from a square matrix table: ids in the first column and in the header.

    Parameters
    ----------
    table : DataFrame
        Either ``n`` rows × ``n + 1`` columns whose first column holds the row ids (a CSV read with
        ``pandas.read_csv``), or ``n × n`` with the ids as index. The header (the other column names) must list
        the same ids in the same order (compared as strings, so ``320100`` and ``"320100"`` match). Values
        non-negative and finite; the diagonal 0 (no place is its own neighbour).
    binary : bool
        Keep only whether a weight is positive (1) instead of its value.

    Returns
    -------
    libpysal.weights.W
        Weights :math:`w_{ij}` = cell (row ``i``, column ``j``), only positive cells stored (transform ``"O"``);
        ids as strings in row order. A row of zeros is an island.

    Notes
    -----
    The matrix is taken as given (row = the place, column = its neighbour); it need not be symmetric.
    :func:`moran` row-standardises a copy by default (``transformation="r"``); give ``transformation="o"`` to
    use the values as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"id": ["a", "b", "c"], "a": [0, 1, 0], "b": [1, 0, 1], "c": [0, 1, 0]})
    >>> w = matrix_weights(t)
    >>> w.neighbors, w.id_order
    ({'a': ['b'], 'b': ['a', 'c'], 'c': ['b']}, ['a', 'b', 'c'])

    References
    ----------
    .. [1] Anselin, L. (1988). Spatial Econometrics: Methods and Models. Kluwer, ch. 3 (the weights matrix W).
    """
    import libpysal

    frame = require_frame(table, "table")
    n_rows, n_cols = frame.shape
    if n_rows == 0:
        raise ConfigError("table: expected a square weights matrix, got no rows")
    if n_cols == n_rows + 1:
        ids = [str(v) for v in frame.iloc[:, 0].tolist()]
        body = frame.iloc[:, 1:]
    elif n_cols == n_rows:
        ids = [str(v) for v in frame.index.tolist()]
        body = frame
    else:
        raise ConfigError(
            f"table: expected n rows and n + 1 columns (ids in the first column, the same ids in the "
            f"header), got shape {frame.shape}"
        )
    header = [str(c) for c in body.columns]
    if len(set(ids)) != len(ids):
        raise ConfigError("table: expected unique ids in the first column")
    if header != ids:
        diff = (
            next(k for k, (a, b) in enumerate(zip(ids, header)) if a != b) if len(ids) == len(header) else 0
        )
        raise ConfigError(
            f"table: the header must list the row ids in the same order; at position {diff} the row "
            f"id is {ids[diff]!r} and the column is {header[diff]!r}"
        )
    m = as_float_array(body.to_numpy(), "table", ndim=2, nonnegative=True)
    diag = np.flatnonzero(np.diag(m) != 0)
    if diag.size:
        raise ConfigError(
            f"table: expected 0 on the diagonal (no place is its own neighbour), found "
            f"{m[diag[0], diag[0]]:g} for {ids[diag[0]]!r}"
        )
    if binary:
        m = (m > 0).astype(float)
    neighbors = {i: [ids[j] for j in np.flatnonzero(m[k] > 0)] for k, i in enumerate(ids)}
    weights = {i: [float(m[k, j]) for j in np.flatnonzero(m[k] > 0)] for k, i in enumerate(ids)}
    return libpysal.weights.W(neighbors, weights, id_order=ids, silence_warnings=True)


# ---------------------------------------------------------------------------------------------- global Moran
@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I (esda) of one variable.

    Attributes
    ----------
    I : float
        Moran's I.
    EI : float
        Expectation under the null, :math:`-1/(n-1)`.
    VI_norm, z_norm, p_norm : float
        Variance, z-value and p-value under the normality assumption.
    VI_rand, z_rand, p_rand : float
        The same under the randomisation assumption.
    p_sim : float
        Permutation pseudo p-value, :math:`(1 + \\#\\{\\text{as extreme}\\})/(1 + \\text{permutations})` on the
        observed side (esda's one-tailed convention, whatever ``two_tailed`` says); NaN without permutations.
    EI_sim, z_sim, p_z_sim : float
        Mean of the permuted I, standardised I and its normal p-value.
    two_tailed : bool
        Whether ``p_norm``/``p_rand`` are two-tailed.
    n, permutations, seed : int
    transformation : str
        Weights transformation used (``"r"`` row-standardised by default).
    p_sim_two_tailed : float
        Two-tailed permutation p-value, :math:`\\min(1, 2\\,p_{sim})`; NaN without permutations.
    """

    I: float
    EI: float
    VI_norm: float
    z_norm: float
    p_norm: float
    VI_rand: float
    z_rand: float
    p_rand: float
    p_sim: float
    EI_sim: float
    z_sim: float
    p_z_sim: float
    two_tailed: bool
    n: int
    permutations: int
    seed: int
    transformation: str
    p_sim_two_tailed: float = float("nan")


def moran(
    y: pd.Series | Sequence[float] | np.ndarray,
    w,
    *,
    permutations: int = 999,
    seed: int = 0,
    transformation: str = "r",
    two_tailed: bool = True,
) -> MoranResult:
    """Global Moran's I with analytical and permutation inference (esda.Moran).

    Parameters
    ----------
    y : Series or array_like
        The variable; a Series is aligned on ``w.id_order`` by its index (every place needed), an array is taken
        in ``w.id_order``.
    w : libpysal.weights.W
        Spatial weights (not modified: a copy is transformed).
    permutations : int
        Random relabellings for ``p_sim`` (0: none).
    seed : int
        Seed of the permutations. NumPy's global random state is saved and restored around the call (esda draws
        from it), so nothing else in the process is affected.
    transformation : {"r", "b", "d", "v", "o"}
        Weights transformation (row-standardised, binary, doubly standardised, variance stabilising, original).
    two_tailed : bool
        Two-tailed analytical p-values ``p_norm``, ``p_rand`` (esda's default); ``False``: one-tailed.

    Returns
    -------
    MoranResult

    Notes
    -----
    With :math:`z_i = y_i - \\bar y` and :math:`S_0 = \\sum_{ij} w_{ij}`,

    .. math:: I = \\frac{n}{S_0} \\frac{\\sum_{ij} w_{ij} z_i z_j}{\\sum_i z_i^2}, \\qquad E[I] = -\\frac{1}{n-1}

    Variances under normality and randomisation follow Cliff & Ord (1981).

    p-values, as esda computes them: the analytical one-tailed p-value is taken on the side of the observed z,
    :math:`p_1 = 1 - \\Phi(|z|)`, and the two-tailed one is :math:`p_2 = 2 p_1` (esda doubles it when
    ``two_tailed=True``); so either is half or twice the other. The permutation p-value ``p_sim`` is always
    one-tailed, folded onto the observed side, :math:`(1 + \\min(m, M - m))/(M + 1)` with ``m`` permuted I at
    least the observed one out of ``M``; its two-tailed counterpart is ``p_sim_two_tailed`` =
    :math:`\\min(1, 2\\,p_{sim})`. ``p_z_sim`` is one-tailed.

    Weights may come from polygons (:func:`contiguity_weights`, queen or rook), points (:func:`knn_weights`), a
    GAL file (:func:`gal_weights`) or a matrix table (:func:`matrix_weights`).

    Examples
    --------
    >>> import libpysal
    >>> w = libpysal.weights.lat2W(3, 3)
    >>> r = moran(np.arange(9.0), w, permutations=99)
    >>> round(r.I, 4), round(r.EI, 4)
    (0.5556, -0.125)

    References
    ----------
    .. [1] Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. Biometrika 37, 17–23.
    .. [2] Cliff, A. D. & Ord, J. K. (1981). Spatial Processes: Models and Applications. Pion.
    .. [3] Rey, S. J. & Anselin, L. (2007). PySAL. Review of Regional Studies 37(1), 5–27.
    """
    import esda

    values, wc = _prepare(y, w, transformation)
    perms = _permutations(permutations)
    state = np.random.get_state()
    try:
        np.random.seed(_seed(seed))
        m = esda.Moran(values, wc, transformation=transformation, permutations=perms, two_tailed=two_tailed)
    finally:
        np.random.set_state(state)
    nan = float("nan")
    return MoranResult(
        I=float(m.I),
        EI=float(m.EI),
        VI_norm=float(m.VI_norm),
        z_norm=float(m.z_norm),
        p_norm=float(m.p_norm),
        VI_rand=float(m.VI_rand),
        z_rand=float(m.z_rand),
        p_rand=float(m.p_rand),
        p_sim=float(m.p_sim) if perms else nan,
        EI_sim=float(m.EI_sim) if perms else nan,
        z_sim=float(m.z_sim) if perms else nan,
        p_z_sim=float(m.p_z_sim) if perms else nan,
        two_tailed=bool(two_tailed),
        n=len(values),
        permutations=perms,
        seed=int(seed),
        transformation=transformation,
        p_sim_two_tailed=min(1.0, 2.0 * float(m.p_sim)) if perms else nan,
    )


# ---------------------------------------------------------------------------------------------- local Moran
@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class LocalMoranResult:
    """Local Moran's I (LISA) of one variable.

    Attributes
    ----------
    frame : DataFrame
        One row per place (index = ``w.id_order``, name ``place``): ``Is`` (local I), ``quadrant`` (HH, LH, LL,
        HL: the value and its spatial lag above/below the mean), ``p_sim`` (conditional-permutation pseudo
        p-value), ``z_sim``, ``p_z_sim``, ``significant`` (``p_sim < alpha``) and ``cluster`` (the quadrant when
        significant, else ``"ns"``).
    alpha : float
    permutations, seed : int
    transformation : str
    """

    frame: pd.DataFrame
    alpha: float
    permutations: int
    seed: int
    transformation: str

    def counts(self) -> pd.Series:
        """Number of places per cluster label (HH, LH, LL, HL, ns), in that order."""
        return self.frame["cluster"].value_counts().reindex(["HH", "LH", "LL", "HL", "ns"], fill_value=0)


def _lisa_null(z, indptr, indices, weights, self_weights, permuted_ids, scaling):  # pragma: no cover - numba
    """Local Moran's I of every place under conditional randomisation: ``(n, permutations)``.

    For place ``i`` and draw ``p``, the ``card_i`` neighbour slots take the values of the places
    ``permuted_ids[p, :card_i]`` drawn among the ``n - 1`` others (index ``j >= i`` shifted past ``i``) — esda's
    ``_moran_local_crand`` statistic, written as one kernel over CSR arrays so that numba can cache it.
    """
    n = z.shape[0]
    perms = permuted_ids.shape[0]
    out = np.empty((n, perms))
    for i in range(n):
        start = indptr[i]
        card = indptr[i + 1] - start
        for p in range(perms):
            s = 0.0
            for k in range(card):
                j = permuted_ids[p, k]
                if j >= i:
                    j += 1
                s += z[j] * weights[start + k]
            out[i, p] = z[i] * (s + self_weights[i] * z[i]) * scaling
    return out


_KERNELS: dict[str, object] = {}


def _kernel(name: str):
    """Our LISA kernel and esda's permutation draws, compiled by numba once and cached on disk.

    esda runs its conditional randomisation through ``compute_chunk``, which takes the statistic as a function
    argument; numba cannot cache such a function, so every new process spent ~10 s (first versions ~90 s)
    compiling before ``analyze moran`` did any work. :func:`_lisa_null` is the same statistic as a cacheable
    kernel; the draws are esda's own ``vec_permutations`` (re-jitted with ``cache=True``), so for a seed the
    permutations — and the results, to rounding — are esda's (tests compare them); with an empty cache the
    first call compiles for ~2 s.
    """
    if name not in _KERNELS:
        import numba

        if name == "lisa":
            _KERNELS[name] = numba.njit(cache=True, nogil=True)(_lisa_null)
        else:
            from esda import crand

            _KERNELS[name] = numba.njit(cache=True, fastmath=True)(crand.vec_permutations.py_func)
    return _KERNELS[name]


def local_moran(
    y: pd.Series | Sequence[float] | np.ndarray,
    w,
    *,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    transformation: str = "r",
) -> LocalMoranResult:
    """Local Moran's I with conditional permutation inference (as esda.Moran_Local computes it).

    Parameters
    ----------
    y : Series or array_like
        As in :func:`moran`.
    w : libpysal.weights.W
        Spatial weights (not modified).
    permutations : int
        Conditional permutations per place (at least 1).
    seed : int
        Seed passed to esda's conditional randomisation (reproducible).
    alpha : float
        Significance level for ``significant`` and ``cluster``.
    transformation : str
        Weights transformation (``"r"`` default).

    Returns
    -------
    LocalMoranResult

    Notes
    -----
    .. math:: I_i = \\frac{(n-1) z_i}{\\sum_k z_k^2} \\sum_j w_{ij} z_j

    The pseudo p-value holds ``y_i`` fixed and permutes the other values over ``i``'s neighbours (conditional
    randomisation, Anselin 1995); it is esda's current "directed" p-value (one-sided, in the direction of the
    observed ``I_i``). The statistic and its null run in one numba kernel cached on disk (see :func:`_kernel`),
    on esda's own permutation draws: the results equal ``esda.Moran_Local``'s for the same seed (tested). ``z_sim`` is NaN where all permutations give the same
    value (a place whose neighbours' values are all equal). The quadrant is that of the Moran scatterplot
    (1 HH, 2 LH, 3 LL, 4 HL). With many places, consider a stricter ``alpha`` for multiple testing.

    Examples
    --------
    >>> import libpysal
    >>> r = local_moran(np.arange(9.0), libpysal.weights.lat2W(3, 3), permutations=99)
    >>> r.frame["quadrant"].tolist()
    ['LL', 'LL', 'LL', 'LL', 'LL', 'HH', 'HH', 'HH', 'HH']

    References
    ----------
    .. [1] Anselin, L. (1995). Local indicators of spatial association — LISA. Geographical Analysis 27(2),
       93–115.
    .. [2] Rey, S. J. & Anselin, L. (2007). PySAL. Review of Regional Studies 37(1), 5–27.
    """
    from scipy import stats as scipy_stats

    values, wc = _prepare(y, w, transformation)
    perms = require_positive_int(permutations, "permutations")
    a = require_probability(alpha, "alpha", open_low=True, open_high=True)
    wc.transform = transformation
    n = len(values)
    z = (values - values.mean()) / values.std()
    adj = wc.sparse.tocsr(copy=True).astype(float)
    self_weights = adj.diagonal().copy()
    adj.setdiag(0)
    adj.eliminate_zeros()  # as esda's crand: the neighbour order of the draws is the CSR order
    lag = adj @ z + self_weights * z
    scaling = (n - 1) / float((z * z).sum())
    observed = scaling * z * lag
    cards = np.diff(adj.indptr)
    draws = _kernel("draws")(max(int(cards.max()), 1), n, perms, _seed(seed))
    sim = _kernel("lisa")(
        z, adj.indptr.astype(np.int64), adj.indices.astype(np.int64), adj.data, self_weights, draws, scaling
    )
    # esda's "directed" pseudo p-value: the share of draws as extreme, on the observed side. A draw of the observed
    # neighbour values themselves ties with the observed I up to rounding; it counts as "as large" (esda leaves
    # that to the rounding of two differently ordered sums)
    tol = 1e-9 * np.maximum(np.abs(observed), 1e-300)[:, None]
    larger = (sim >= observed[:, None] - tol).sum(axis=1)
    larger = np.minimum(larger, perms - larger)
    p_sim = (larger + 1.0) / (perms + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sim = (observed - sim.mean(axis=1)) / sim.std(axis=1)
    p_z_sim = scipy_stats.norm.sf(np.abs(z_sim))
    codes = np.select([(z > 0) & (lag > 0), (z <= 0) & (lag > 0), (z <= 0) & (lag <= 0)], [1, 2, 3], 4)
    quadrant = pd.Series(codes).map(QUADRANTS).to_numpy()
    significant = p_sim < a
    frame = pd.DataFrame(
        {
            "Is": observed,
            "quadrant": quadrant,
            "p_sim": p_sim,
            "z_sim": z_sim,
            "p_z_sim": p_z_sim,
            "significant": significant,
            "cluster": np.where(significant, quadrant, "ns"),
        },
        index=pd.Index(list(wc.id_order), name="place"),
    )
    return LocalMoranResult(
        frame=frame, alpha=a, permutations=perms, seed=int(seed), transformation=transformation
    )


# ---------------------------------------------------------------------------------------------- helpers
def _prepare(y: object, w: object, transformation: str):
    import libpysal

    if not isinstance(w, libpysal.weights.W):
        raise ConfigError(
            f"w: expected libpysal.weights.W (see contiguity_weights, knn_weights), got {type(w).__name__}"
        )
    require_choice(transformation, ("r", "b", "d", "v", "o", "R", "B", "D", "V", "O"), "transformation")
    order = list(w.id_order)
    if isinstance(y, pd.Series):
        missing = [i for i in order if i not in y.index]
        if missing:
            raise ConfigError(f"y: no value for places {missing[:5]} of w; give every place a value")
        if not y.index.is_unique:
            raise ConfigError("y: expected one value per place, the index has duplicates")
        values = as_float_array(y.loc[order].to_numpy(), "y", ndim=1)
    else:
        values = as_float_array(y, "y", ndim=1)
        if len(values) != len(order):
            raise ConfigError(f"y: expected {len(order)} values (one per place of w), got {len(values)}")
    if len(values) < 3:
        raise ConfigError(f"y: expected at least 3 places, got {len(values)}")
    if np.allclose(values, values[0]):
        raise ConfigError("y: the variable is constant; Moran's I is undefined")
    return values, copy.deepcopy(w)


def _permutations(p: object) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 0:
        raise ConfigError(f"permutations: expected a non-negative integer, got {p!r}")
    return int(p)


def _seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (0 <= seed < 2**32):
        raise ConfigError(f"seed: expected an integer in [0, 2**32), got {seed!r}")
    return int(seed)
