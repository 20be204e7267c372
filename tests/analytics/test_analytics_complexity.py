"""Tests of chainatlas.analytics.complexity.

The eigenvector ECI/PCI is checked against an independent implementation of Hidalgo & Hausmann's (2009) method of
reflections (iterated to convergence here), and RCA / proximity / density against hand computations of their
published definitions (Balassa 1965; Hidalgo et al. 2007).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import complexity as C
from chainatlas.errors import ConfigError


def random_activity(n_places: int, n_items: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # a latent capability structure so that ECI is well defined (connected, non-degenerate)
    cap = rng.random(n_places)
    req = rng.random(n_items)
    x = (
        rng.lognormal(0, 1, (n_places, n_items)) * (cap[:, None] + 0.3 > req[None, :])
        + rng.random((n_places, n_items)) * 0.05
    )
    return pd.DataFrame(
        x, index=[f"p{i}" for i in range(n_places)], columns=[f"s{j}" for j in range(n_items)]
    )


def reflections(m: np.ndarray, n_iter: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Method of reflections: k_{p,N} = (1/k_p) sum_i M_pi k_{i,N-1}, k_{i,N} = (1/k_i) sum_p M_pi k_{p,N-1}.

    Every two steps k_p is mapped by M~ (row-stochastic, constant eigenvector with eigenvalue 1). Subtracting the
    mean and rescaling after each step changes nothing in the standardised iterates (M~ 1 = 1) and avoids the
    loss of precision of the raw iterates, which converge to a constant.
    """
    kp0, ki0 = m.sum(axis=1), m.sum(axis=0)
    kp, ki = kp0.copy(), ki0.copy()
    for _ in range(n_iter):
        ki_new = (m.T @ kp) / ki0
        kp_new = (m @ ki) / kp0
        kp = kp_new - kp_new.mean()
        kp /= np.abs(kp).max()
        ki = ki_new - ki_new.mean()
        ki /= np.abs(ki).max()
    # even iterates of k_p (place side) and of k_i (item side)
    return (kp - kp.mean()) / kp.std(), (ki - ki.mean()) / ki.std()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_eci_equals_method_of_reflections(seed):
    x = random_activity(25, 40, seed)
    c = C.complexity(x)
    m = c.M.to_numpy(dtype=float)
    assert (m.sum(axis=1) > 0).all() and (m.sum(axis=0) > 0).all()
    kp, ki = reflections(m)
    # reflections converge to the second eigenvector up to sign
    eci = c.eci.to_numpy()
    pci = c.pci.to_numpy()
    assert min(np.abs(eci - kp).max(), np.abs(eci + kp).max()) < 1e-8
    assert min(np.abs(pci - ki).max(), np.abs(pci + ki).max()) < 1e-8
    # standardised, signed with diversity
    assert eci.mean() == pytest.approx(0, abs=1e-12) and eci.std() == pytest.approx(1)
    assert np.corrcoef(eci, c.diversity)[0, 1] > 0
    # items made by complex places are complex
    avg = (m.T @ eci) / m.sum(axis=0)
    assert np.corrcoef(pci, avg)[0, 1] > 0


def test_nested_matrix_orders_by_diversity():
    n = 6
    m = (np.arange(n)[:, None] + np.arange(n)[None, :] < n).astype(int)  # triangular, perfectly nested
    c = C.complexity(pd.DataFrame(m), binary=True)
    assert list(np.argsort(-c.eci.to_numpy())) == list(np.argsort(-m.sum(axis=1), kind="stable"))
    assert c.pci.is_monotonic_increasing  # rarer items are more complex


def test_rca_balassa_by_hand():
    x = pd.DataFrame({"ic": [6.0, 2.0, 0.0], "bio": [2.0, 6.0, 0.0]}, index=["sh", "hz", "empty"])
    before = x.copy()
    r = C.rca(x)
    pd.testing.assert_frame_equal(x, before)
    # sh: share of ic in sh = 6/8, share of ic in region = 8/16 -> 1.5
    assert r.loc["sh", "ic"] == pytest.approx(1.5) and r.loc["sh", "bio"] == pytest.approx(0.5)
    assert r.loc["empty"].isna().all()
    with pytest.raises(ConfigError, match="non-negative"):
        C.rca(-x)


def test_places_and_items_without_specialisation_are_nan():
    x = random_activity(10, 12, 4)
    x["never"] = 0.0
    x.loc["nowhere"] = 0.0
    c = C.complexity(x)
    assert np.isnan(c.pci["never"]) and np.isnan(c.eci["nowhere"])
    assert c.ubiquity["never"] == 0 and c.diversity["nowhere"] == 0
    assert c.eci.drop("nowhere").notna().all()


def test_proximity_density_opportunities_by_hand():
    M = pd.DataFrame(
        [[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 1]],
        index=["a", "b", "c", "d"],
        columns=["w", "x", "y", "z"],
    )
    phi = C.proximity(M)
    # k = (3, 2, 2, 2); co-occurrence w-x: 2 places -> 2 / max(3, 2)
    assert phi.loc["w", "x"] == pytest.approx(2 / 3) and phi.loc["y", "z"] == pytest.approx(1 / 2)
    assert np.allclose(phi, phi.T) and (np.diag(phi) == 0).all()
    dens = C.relatedness_density(M)
    # density of a (has w, x) around z: (phi_zw + phi_zx) / (phi_zw + phi_zx + phi_zy)
    zw, zx, zy = phi.loc["z", "w"], phi.loc["z", "x"], phi.loc["z", "y"]
    assert dens.loc["a", "z"] == pytest.approx((zw + zx) / (zw + zx + zy))
    pci = pd.Series({"w": -1.0, "x": 0.0, "y": 0.5, "z": 1.0})
    opp = C.opportunities(M, pci=pci, n=2)
    assert not any(M.loc[p, i] for p, i in zip(opp["place"], opp["item"]))  # only missing items
    assert opp.groupby("place").size().max() <= 2
    first = opp[opp["rank"] == 1].set_index("place")
    for place in M.index:
        missing = M.columns[M.loc[place] == 0]
        best = dens.loc[place, missing].max()
        assert first.loc[place, "density"] == pytest.approx(best)
    assert opp["pci"].notna().all()
    with pytest.raises(ConfigError, match="0/1"):
        C.proximity(M * 2)


def test_guards():
    with pytest.raises(ConfigError, match="at least 2 places"):
        C.complexity(pd.DataFrame([[1, 1]]), binary=True)
    with pytest.raises(ConfigError, match="place × item DataFrame"):
        C.rca(np.ones((2, 2)))
    with pytest.raises(ConfigError, match="n:"):
        C.opportunities(pd.DataFrame([[1, 0], [0, 1]]), n=0)
