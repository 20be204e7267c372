"""Tests of chainatlas.analytics.io (input–output maths).

Golden numbers: Miller, R. E. & Blair, P. D. (2009), Input–Output Analysis: Foundations and Extensions, 2nd ed.,
chapter 2 — Table 2.3 (Z, y, x), Table 2.4 (A), the Leontief inverse printed after Table 2.3 (4 decimals) and the
example with new final demand (600, 1500) → x = (1247.5, 1841.6); the same numbers are the fixture of pymrio's
tests/test_math.py ("td_IO_Data_Miller").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import io
from chainatlas.errors import ConfigError

# Miller & Blair (2009), Table 2.3: interindustry flows, final demand and total output (2 sectors)
MB_Z = np.array([[150.0, 500.0], [200.0, 100.0]])
MB_Y = np.array([350.0, 1700.0])
MB_X = np.array([1000.0, 2000.0])
# Miller & Blair (2009), Table 2.4: technical coefficients
MB_A = np.array([[0.15, 0.25], [0.20, 0.05]])
# Miller & Blair (2009), §2.3, the Leontief inverse of the example, as printed (4 decimals)
MB_L = np.array([[1.2541, 0.3300], [0.2640, 1.1221]])
# Miller & Blair (2009), §2.3: new final demand (600, 1500) requires x = (1247.5, 1841.6) (1 decimal as printed)
MB_Y_NEW = np.array([600.0, 1500.0])
MB_X_NEW = np.array([1247.5, 1841.6])


def test_miller_blair_golden_arrays():
    assert io.calc_x(MB_Z, MB_Y) == pytest.approx(MB_X)
    A = io.calc_A(MB_Z, MB_X)
    np.testing.assert_allclose(A, MB_A, atol=1e-15)
    L = io.calc_L(A)
    np.testing.assert_allclose(L, MB_L, atol=5e-5)  # printed to 4 decimals
    np.testing.assert_allclose(io.calc_x_from_L(L, MB_Y_NEW), MB_X_NEW, atol=0.05)
    np.testing.assert_allclose(io.calc_x_from_L(L, MB_Y), MB_X, atol=1e-9)
    np.testing.assert_allclose(io.calc_Z(A, MB_X), MB_Z, atol=1e-12)
    # exact form of the printed inverse: (I - A)^-1 = adj / det, det = 0.85*0.95 - 0.25*0.2 = 0.7575
    np.testing.assert_allclose(L, np.array([[0.95, 0.25], [0.20, 0.85]]) / 0.7575, atol=1e-14)


def test_miller_blair_golden_frames_keep_labels():
    lab = pd.Index(["sec1", "sec2"])
    Z = pd.DataFrame(MB_Z, index=lab, columns=lab)
    before = Z.copy()
    x = io.calc_x(Z, pd.Series(MB_Y, index=lab))
    assert isinstance(x, pd.Series) and list(x.index) == ["sec1", "sec2"]
    A = io.calc_A(Z, x)
    L = io.calc_L(A)
    assert isinstance(L, pd.DataFrame) and list(L.columns) == ["sec1", "sec2"]
    np.testing.assert_allclose(L.to_numpy(), MB_L, atol=5e-5)
    pd.testing.assert_frame_equal(Z, before)  # inputs are not modified
    # final demand with several categories is summed
    Y = pd.DataFrame({"households": [300.0, 1000.0], "exports": [50.0, 700.0]}, index=lab)
    assert io.calc_x(Z, Y).tolist() == pytest.approx(MB_X.tolist())


def test_ghosh_identities():
    B = io.calc_B(MB_Z, MB_X)
    np.testing.assert_allclose(B, [[0.15, 0.5], [0.1, 0.05]], atol=1e-15)
    G = io.calc_G(B)
    L = io.calc_L(io.calc_A(MB_Z, MB_X))
    # G = x^-1 L x (Miller & Blair 2009, eq. 12.8) and x' = v'G
    np.testing.assert_allclose(G, np.diag(1 / MB_X) @ L @ np.diag(MB_X), atol=1e-12)
    v = io.calc_v(MB_Z, MB_X)
    np.testing.assert_allclose(v, [650.0, 1400.0])
    np.testing.assert_allclose(v @ G, MB_X, atol=1e-9)


def test_linkages():
    lk = io.calc_linkages(MB_Z, MB_X)
    L = np.array([[0.95, 0.25], [0.20, 0.85]]) / 0.7575
    np.testing.assert_allclose(lk["backward_direct"], [0.35, 0.30])
    np.testing.assert_allclose(lk["backward_total"], L.sum(axis=0))
    np.testing.assert_allclose(lk["backward_index"], L.sum(axis=0) / L.sum() * 2)
    np.testing.assert_allclose(lk["sensitivity_index"], L.sum(axis=1) / L.sum() * 2)
    G = np.diag(1 / MB_X) @ L @ np.diag(MB_X)
    np.testing.assert_allclose(lk["forward_total"], G.sum(axis=1))
    np.testing.assert_allclose(lk["forward_direct"], [0.65, 0.15])
    assert lk["backward_index"].mean() == pytest.approx(1.0) and lk["forward_index"].mean() == pytest.approx(
        1.0
    )
    assert lk["key_sector"].tolist() == [True, False]


def random_table(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Z = rng.random((n, n)) * (rng.random((n, n)) < 0.6) * 100
    y = rng.random(n) * 200 + 50
    return Z, y


def test_extraction_complete_hand_computed():
    # extract sector 1 of Miller & Blair's example: x2 = 1700 / (1 - 0.05)
    e = io.calc_extraction(MB_Z, MB_Y, [0])
    assert e.x_extracted.tolist() == pytest.approx([0.0, 1700 / 0.95])
    assert e.loss == pytest.approx(3000 - 1700 / 0.95)
    assert e.loss_outside == pytest.approx(2000 - 1700 / 0.95)
    assert e.loss_share == pytest.approx(e.loss / 3000)


def test_extraction_backward_forward_links():
    Z, y = random_table(6, 1)
    x = io.calc_x(Z, y)
    A = io.calc_A(Z, x)
    # backward: column 2 of A zeroed
    Ab = A.copy()
    Ab[:, 2] = 0
    e = io.calc_extraction(Z, y, [2], how="backward")
    assert e.loss == pytest.approx(x.sum() - np.linalg.solve(np.eye(6) - Ab, y).sum())
    # forward: row 2 of B zeroed, Ghosh model
    B = io.calc_B(Z, x)
    v = io.calc_v(Z, x)
    Bf = B.copy()
    Bf[2, :] = 0
    ef = io.calc_extraction(Z, y, [2], how="forward")
    assert ef.loss == pytest.approx(x.sum() - (v @ np.linalg.inv(np.eye(6) - Bf)).sum())
    # links between a "region" {0, 1, 2} and the rest: block-diagonal A
    el = io.calc_extraction(Z, y, [0, 1, 2], how="links")
    Al = A.copy()
    Al[:3, 3:] = 0
    Al[3:, :3] = 0
    assert el.x_extracted.to_numpy() == pytest.approx(np.linalg.solve(np.eye(6) - Al, y))
    assert el.loss > 0
    # complete extraction of a set equals removing the rows/columns from the system
    ec = io.calc_extraction(Z, y, [0, 1, 2])
    keep = [3, 4, 5]
    xr = np.linalg.solve(np.eye(3) - A[np.ix_(keep, keep)], y[keep])
    assert ec.x_extracted.to_numpy()[keep] == pytest.approx(xr)
    # the losses are ordered: complete >= backward for the same set, and all non-negative
    eb = io.calc_extraction(Z, y, [0, 1, 2], how="backward")
    assert ec.loss >= eb.loss >= 0


def test_extraction_region_block_with_labels():
    regions, sectors = ["沪", "苏"], ["ic", "bio", "nev"]
    idx = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    Z, y = random_table(6, 2)
    Zf = pd.DataFrame(Z, index=idx, columns=idx)
    yf = pd.Series(y, index=idx)
    block = [("苏", s) for s in sectors]
    e = io.calc_extraction(Zf, yf, block, how="links")
    assert e.x.index.equals(idx) and e.sectors == tuple(block)
    assert e.loss == pytest.approx(io.calc_extraction(Z, y, [3, 4, 5], how="links").loss)
    with pytest.raises(ConfigError, match="not labels of Z"):
        io.calc_extraction(Zf, yf, [("浙", "ic")])


def test_guards():
    with pytest.raises(ConfigError, match="Z: expected a square matrix"):
        io.calc_A(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ConfigError, match="x: expected 2 values"):
        io.calc_A(MB_Z, np.ones(3))
    with pytest.raises(ConfigError, match="non-negative"):
        io.calc_A(MB_Z, np.array([-1.0, 1.0]))
    with pytest.raises(ConfigError, match="not productive"):
        io.calc_L(np.array([[1.0, 0.0], [0.0, 0.5]]))
    with pytest.raises(ConfigError, match="how"):
        io.calc_extraction(MB_Z, MB_Y, [0], how="partial")
    with pytest.raises(ConfigError, match="positions"):
        io.calc_extraction(MB_Z, MB_Y, [5])
    with pytest.raises(ConfigError, match="at least one"):
        io.calc_extraction(MB_Z, MB_Y, [])
    # a sector with zero output gets zero coefficients, not NaN
    A = io.calc_A(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([10.0, 0.0]))
    assert np.isfinite(A).all() and A[1, 1] == 0


def test_x_from_demand_miller_blair_golden():
    # Miller & Blair (2009) §2.3: with the coefficients of Table 2.3 fixed, the new final demand f = (600, 1500)
    # needs x = (1247.5, 1841.6) (printed to 1 decimal; pymrio tests/test_math.py fixture td_IO_Data_Miller,
    # "xnew_arr"). Exactly: L = adj(I - A)/det, det = 0.7575, so x = (945, 1395) / 0.7575.
    # (Not (1247.7, 2220.2): the second sector needs 0.2*600 + 0.85*1500 = 1395 per 0.7575 = 1841.58.)
    Z_before, x_before, y_before = MB_Z.copy(), MB_X.copy(), MB_Y_NEW.copy()
    x_new = io.calc_x_from_demand(MB_Z, MB_X, MB_Y_NEW)
    np.testing.assert_allclose(x_new, MB_X_NEW, atol=0.05)
    np.testing.assert_allclose(x_new, np.array([945.0, 1395.0]) / 0.7575, rtol=1e-12)
    np.testing.assert_array_equal(MB_Z, Z_before)
    np.testing.assert_array_equal(MB_X, x_before)
    np.testing.assert_array_equal(MB_Y_NEW, y_before)
    # the observed final demand gives back the observed output; same as calc_A -> calc_L -> calc_x_from_L
    np.testing.assert_allclose(io.calc_x_from_demand(MB_Z, MB_X, MB_Y), MB_X, atol=1e-9)
    L = io.calc_L(io.calc_A(MB_Z, MB_X))
    np.testing.assert_allclose(x_new, io.calc_x_from_L(L, MB_Y_NEW), rtol=1e-12)


def test_x_from_demand_labels_and_guards():
    Z = pd.DataFrame(MB_Z, index=["agri", "manu"], columns=["agri", "manu"])
    y = pd.DataFrame({"households": [400.0, 1000.0], "exports": [200.0, 500.0]}, index=["agri", "manu"])
    out = io.calc_x_from_demand(Z, pd.Series(MB_X, index=Z.index), y)  # categories are summed
    assert isinstance(out, pd.Series) and list(out.index) == ["agri", "manu"] and out.name == "x"
    np.testing.assert_allclose(out.to_numpy(), MB_X_NEW, atol=0.05)
    with pytest.raises(ConfigError, match=r"y: expected 2 values"):
        io.calc_x_from_demand(MB_Z, MB_X, [1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match=r"x: expected 2 values"):
        io.calc_x_from_demand(MB_Z, [1.0], MB_Y_NEW)
    with pytest.raises(ConfigError, match="singular"):
        io.calc_x_from_demand(np.array([[1.0, 0.0], [0.0, 1.0]]), [1.0, 1.0], [1.0, 1.0])
