"""Tests of chainatlas.analytics.networks.multiplex: layer overlap, participation coefficient (by hand) and
the QAP test (against a plain loop over the same permutations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import networks as N
from chainatlas.errors import ConfigError


# ------------------------------------------------------------------------------------------------ multiplex
def test_layer_overlap():
    e = pd.DataFrame(
        {
            "layer": ["k", "k", "k", "i", "i", "v"],
            "src": ["a", "b", "c", "b", "a", "a"],
            "dst": ["b", "c", "a", "a", "c", "b"],
            "weight": [1.0, 2.0, 3.0, 5.0, 1.0, 2.0],
        }
    )
    d = N.layer_overlap(e, directed=True).set_index(["layer_a", "layer_b"])
    assert d.loc[("k", "i"), "n_common"] == 0 and d.loc[("k", "i"), "jaccard"] == 0.0
    assert d.loc[("k", "v"), "jaccard"] == pytest.approx(1 / 3)
    u = N.layer_overlap(e, directed=False).set_index(["layer_a", "layer_b"])
    # undirected: k = {ab:1, bc:2, ac:3}, i = {ab:5, ac:1}
    assert u.loc[("k", "i"), "jaccard"] == pytest.approx(2 / 3)
    assert u.loc[("k", "i"), "weight_corr"] == pytest.approx(np.corrcoef([1, 2, 3], [5, 0, 1])[0, 1])
    assert list(u.index) == [("k", "i"), ("k", "v"), ("i", "v")]


def test_participation_coefficient():
    e = pd.DataFrame(
        {
            "layer": ["k", "i", "k", "i", "v"],
            "src": ["a", "a", "b", "c", "a"],
            "dst": ["b", "c", "c", "b", "d"],
            "weight": [1.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    p = N.participation_coefficient(e, directed=False, weight=None)
    # a: one tie in each of 3 layers -> 1; d: all in v -> 0; b: k=2 (a,c), i=1 (c) -> 3/2 (1 - 4/9 - 1/9)
    assert p.loc["a", "participation"] == pytest.approx(1.0)
    assert p.loc["d", "participation"] == pytest.approx(0.0)
    assert p.loc["b", "participation"] == pytest.approx(1.5 * (1 - 4 / 9 - 1 / 9))
    assert p.loc["b", "overlapping_degree"] == 3
    six = N.participation_coefficient(e, directed=False, weight=None, layers=list("kivxyz"))
    assert six.loc["a", "participation"] == pytest.approx(6 / 5 * (1 - 3 / 9))
    with pytest.raises(ConfigError, match="not in layers"):
        N.participation_coefficient(e, weight=None, layers=["k"])


def test_qap_correlation():
    rng = np.random.default_rng(0)
    n = 20
    x = rng.random((n, n))
    y = 0.5 * x + rng.random((n, n))
    res = N.qap_correlation(x, y, n_permutations=499, seed=1)
    off = ~np.eye(n, dtype=bool)
    assert res.r == pytest.approx(np.corrcoef(x[off], y[off])[0, 1], abs=1e-12)
    assert res.p_greater == pytest.approx(1 / 500) and res.p_two_sided == pytest.approx(1 / 500)
    # the vectorised permutations equal a plain loop over the same permutations
    perms = np.argsort(np.random.default_rng(5).random((50, n)), axis=1)
    naive = np.array([np.corrcoef(x[off], y[np.ix_(p, p)][off])[0, 1] for p in perms])
    res5 = N.qap_correlation(x, y, n_permutations=50, seed=5)
    assert res5.p_greater == pytest.approx((1 + np.sum(naive >= res5.r - 1e-12)) / 51)
    # independent relations: not significant; reproducible with the seed
    z = rng.random((n, n))
    r1 = N.qap_correlation(x, z, n_permutations=199, seed=2)
    assert r1 == N.qap_correlation(x, z, n_permutations=199, seed=2)
    assert r1.p_two_sided > 0.05
    # DataFrames are aligned on labels
    lab = [f"c{i}" for i in range(n)]
    X = pd.DataFrame(x, index=lab, columns=lab)
    Y = pd.DataFrame(y, index=lab, columns=lab).iloc[::-1, ::-1]
    assert N.qap_correlation(X, Y, n_permutations=9).r == pytest.approx(res.r)
    with pytest.raises(ConfigError, match="constant"):
        N.qap_correlation(x, np.ones((n, n)))
