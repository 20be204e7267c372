"""Tests of chainatlas.analytics.networks.cores: Borgatti–Everett coreness against a direct least-squares
fit and a brute-force split, on planted and star-like graphs."""

from __future__ import annotations

import itertools

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import networks as N


# ------------------------------------------------------------------------------------------------ core–periphery
def planted_core(n_core: int, n_per: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_core + n_per
    rows = []
    for i, j in itertools.combinations(range(n), 2):
        both = i < n_core and j < n_core
        one = (i < n_core) != (j < n_core)
        p = 0.95 if both else (0.35 if one else 0.03)
        if rng.random() < p:
            rows.append((i, j, 1.0))
    return pd.DataFrame(rows, columns=["src", "dst", "weight"])


def test_core_periphery_planted():
    e = planted_core(8, 25, 1)
    g = N.build_graph(e, directed=False, nodes=list(range(33)))
    cp = N.core_periphery(g, None)
    assert set(cp.core[cp.core].index) == set(range(8))
    assert cp.core_size == 8 and cp.fit_discrete > 0.5 and cp.fit_continuous > 0.5
    assert np.linalg.norm(cp.coreness) == pytest.approx(1.0)
    assert cp.coreness[:8].min() > cp.coreness[8:].max()


def test_core_periphery_is_least_squares_fit_and_best_split():
    from scipy.optimize import least_squares

    rng = np.random.default_rng(5)
    n = 15
    a = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    a = np.triu(a, 1)
    a = a + a.T
    rows = [(i, j, a[i, j]) for i in range(n) for j in range(i + 1, n) if a[i, j] > 0]
    g = N.build_graph(
        pd.DataFrame(rows, columns=["src", "dst", "weight"]), directed=False, nodes=list(range(n))
    )
    cp = N.core_periphery(g)
    off = ~np.eye(n, dtype=bool)
    # reference: direct nonlinear least squares of a_ij ~ c_i c_j over i != j
    fit = least_squares(
        lambda c: (a - np.outer(c, c))[off], x0=np.full(n, 0.5), xtol=1e-15, ftol=1e-15, gtol=1e-15
    )
    ref = np.abs(fit.x) / np.linalg.norm(fit.x)
    np.testing.assert_allclose(cp.coreness.to_numpy(), ref, atol=1e-7)
    assert cp.fit_continuous == pytest.approx(np.corrcoef(a[off], np.outer(ref, ref)[off])[0, 1], abs=1e-7)
    # discrete split: brute force over k along the coreness order with explicit masks
    order = np.argsort(-cp.coreness.to_numpy(), kind="stable")
    best = (None, -np.inf)
    for k in range(2, n - 1):
        core = np.zeros(n, dtype=bool)
        core[order[:k]] = True
        cc = np.outer(core, core) & off
        pp = np.outer(~core, ~core) & off
        r = np.corrcoef(np.r_[a[cc], a[pp]], np.r_[np.ones(cc.sum()), np.zeros(pp.sum())])[0, 1]
        if r > best[1]:
            best = (k, r)
    assert cp.core_size == best[0] and cp.fit_discrete == pytest.approx(best[1], abs=1e-12)


def test_core_periphery_small_and_empty():
    cp = N.core_periphery(ig.Graph(3), None)
    assert cp.core_size == 0 and not cp.core.any() and (cp.coreness == 0).all()


def test_core_periphery_on_a_star_like_graph_has_no_minimum_but_answers() -> None:
    """A weighted tree (hub 0): the residual has no minimiser, so the fit stops at max_iter on a direction."""
    e = pd.DataFrame(
        {
            "src": ["0", "0", "0", "0", "2"],
            "dst": ["1", "2", "4", "7", "8"],
            "weight": [2.0, 1.0, 8.83, 0.67, 1.67],
        }
    )
    g = N.build_graph(e, directed=False, nodes=[str(i) for i in range(9)])
    cp = N.core_periphery(g, max_iter=200)
    assert not cp.converged
    assert cp.coreness.idxmax() == "0" and cp.coreness["0"] > 0.99  # the hub takes the whole direction
    assert cp.coreness[["3", "5", "6"]].tolist() == [0.0, 0.0, 0.0]  # isolates
    assert N.core_periphery(ig.Graph.Full(5), weight=None).converged
    m = N.node_metrics(g)  # and node_metrics no longer fails on such a graph
    assert m.set_index("node").loc["0", "coreness"] == pytest.approx(cp.coreness["0"], abs=1e-3)
