"""Tests of chainatlas.analytics.shock (issue 14: the propagation engine and the systemic-risk index).

Numbers are computed by hand in the docstrings. Timing convention of the engine (its Notes): goods shipped at
step t arrive at step t + 1, so a customer's input falls one step after its supplier's output.

The five-firm network used by several tests (values per day, one step = one day)::

    firm 0  segment A  output 100   sells 40 to firm 2, 20 to firm 3, 40 to final demand
    firm 1  segment A  output  80   sells 80 to final demand; the substitute (spare share 0.3125 = 25 a day)
    firm 2  segment B  output  80   buys 40 from 0 (a = 0.5), sells 40 to firm 4, 40 to final demand
    firm 3  segment B  output  40   buys 20 from 0 (a = 0.5), sells 40 to final demand
    firm 4  segment C  output  50   buys 40 from 2 (a = 0.8), sells 50 to final demand
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainatlas.analytics import shock as S
from chainatlas.errors import ConfigError

A, B, C = 0, 1, 2


def five(inventory=0.0, spare=0.0) -> S.Network:
    return S.Network.from_links(
        5,
        supplier=[0, 0, 2],
        customer=[2, 3, 4],
        value=[40.0, 20.0, 40.0],
        output=[100.0, 80.0, 80.0, 40.0, 50.0],
        segment=[A, A, B, B, C],
        inventory_days=inventory,
        spare=spare,
    )


def random_network(seed: int, n: int = 40, m: int = 120, inventory=(0.0, 10.0), places: int = 6) -> S.Network:
    """A random network with some unknown outputs, imports from three partners, inventories and spare."""
    rng = np.random.default_rng(seed)
    sup, cus = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = sup != cus
    sup, cus = sup[keep], cus[keep]
    val = rng.lognormal(2, 1, sup.size)
    out = np.bincount(sup, weights=val, minlength=n) + rng.uniform(0, 50, n)
    out[rng.random(n) < 0.3] = np.nan
    imp = np.where(rng.random(n) < 0.3, rng.uniform(1, 10, n), 0.0)
    return S.Network.from_links(
        n,
        sup,
        cus,
        val,
        out,
        segment=rng.integers(0, 5, n),
        place=rng.integers(0, places, n),
        import_value=imp,
        import_partner=np.where(imp > 0, rng.integers(0, 3, n), -1),
        inventory_days=rng.uniform(*inventory, n),
        spare=rng.uniform(0, 0.3, n),
    )


def distances(places: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 300, (places, 2))
    return np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))


def daily(steps: int, **kw) -> S.Settings:
    return S.Settings(steps=steps, step_days=1, **kw)


# ------------------------------------------------------------------------------------------------ network
def test_from_links_builds_both_views_slots_and_final_demand():
    """Firm 3 buys 30 from 0 (segment 0), 10 from 1 (segment 1) and 5 from 2 (segment 0), and imports 5:
    slots (seg 0: 35, seg 1: 10, imports: 5); its output is unknown → max(sales 0, purchases 45 + imports 5)
    = 50, so a = (0.7, 0.2, 0.1). Firm 0's known output 40 ≥ sales 30 → final demand 10; firm 1's unknown
    output is its sales, 10."""
    net = S.Network.from_links(
        4,
        supplier=[1, 0, 2],
        customer=[3, 3, 3],
        value=[10.0, 30.0, 5.0],
        output=[40.0, np.nan, 5.0, np.nan],
        segment=[0, 1, 0, 2],
        import_value=[0, 0, 0, 5.0],
        import_partner=[-1, -1, -1, 2],
    )
    assert net.output.tolist() == [40.0, 10.0, 5.0, 50.0]
    assert net.final_demand.tolist() == [10.0, 0.0, 0.0, 50.0]
    assert net.in_ptr.tolist() == [0, 0, 0, 0, 3]
    assert net.in_supplier.tolist() == [0, 2, 1]  # by supplier segment, then supplier
    assert net.slot_ptr.tolist() == [0, 0, 0, 0, 3]
    assert net.slot_segment.tolist() == [0, 1, S.IMPORT_SLOT]
    assert net.slot_base.tolist() == [35.0, 10.0, 5.0]
    np.testing.assert_allclose(net.slot_a, [0.7, 0.2, 0.1], rtol=1e-15)
    assert net.in_slot.tolist() == [0, 0, 1]
    # the supplier view points back to the same links
    assert net.out_ptr.tolist() == [0, 1, 2, 3, 3]
    np.testing.assert_array_equal(net.in_supplier[net.out_edge], [0, 1, 2])
    np.testing.assert_array_equal(net.out_value, net.in_value[net.out_edge])
    assert net.m == 3 and net.in_customer.tolist() == [3, 3, 3]
    with pytest.raises(ValueError):
        net.output[0] = 1.0  # read-only


@pytest.mark.parametrize(
    ("kwargs", "param", "words"),
    [
        ({"supplier": [0], "customer": [0]}, "supplier", "itself"),
        ({"supplier": [0], "customer": [5]}, "customer", "< n = 3"),
        ({"supplier": [0, 1], "customer": [1]}, "customer", "expected 2 customers"),
        ({"value": [0.0]}, "value", "> 0"),
        ({"value": [np.inf]}, "value", "finite"),
        ({"output": [5.0, 1.0, 1.0]}, "output", "below its sales"),
        ({"output": [20.0, 0.0, 1.0]}, "output", "buys inputs"),
        ({"segment": [0, 1]}, "segment", "expected 3 values"),
        ({"segment": [0, -2, 1]}, "segment", ">= -1"),
        ({"inventory_days": -1.0}, "inventory_days", ">= 0"),
        ({"spare": [0.1, np.nan, 0]}, "spare", "finite"),
        ({"supplier": [0.5], "customer": [1]}, "supplier", "integers"),
    ],
)
def test_from_links_rejects_bad_input(kwargs, param, words):
    base = {"n": 3, "supplier": [0], "customer": [1], "value": [10.0]}
    with pytest.raises(ConfigError) as err:
        S.Network.from_links(**{**base, **kwargs})
    assert err.value.param == param
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("make", "param"),
    [
        (lambda: S.Shock("flood", [0]), "shock.kind"),
        (lambda: S.Shock("capacity", [0], start=3, end=3), "shock.end"),
        (lambda: S.Shock("capacity", [0], capacity=1.5), "shock.capacity"),
        (lambda: S.Shock("imports", [0], cut=-0.1), "shock.cut"),
        (lambda: S.Shock("capacity", [-1]), "shock.firms"),
        (lambda: S.Settings(steps=0), "settings.steps"),
        (lambda: S.Settings(switch_delay=-1), "settings.switch_delay"),
        (lambda: S.Settings(search_radius_km=0), "settings.search_radius_km"),
        (lambda: S.Settings(substitution="yes"), "settings.substitution"),
        (lambda: S.Settings(rationing="priority"), "settings.rationing"),
        (lambda: S.Settings(overproduction=-0.1), "settings.overproduction"),
        (lambda: S.Settings(refill_steps=0), "settings.refill_steps"),
    ],
)
def test_shock_and_settings_are_checked(make, param):
    with pytest.raises(ConfigError) as err:
        make()
    assert err.value.param == param


def test_simulate_checks_its_arguments():
    net = five()
    with pytest.raises(ConfigError, match="beyond the horizon") as err:
        S.simulate(net, [S.Shock("capacity", [0], start=9)], daily(5))
    assert err.value.param == "shocks[0].start"
    with pytest.raises(ConfigError) as err:
        S.simulate(net, [S.Shock("capacity", [7])], daily(5))
    assert err.value.param == "shocks[0].firms"
    with pytest.raises(ConfigError) as err:
        S.simulate(net, [], daily(5, substitution=True, search_radius_km=50.0))
    assert err.value.param == "distance_km"
    with pytest.raises(ConfigError) as err:
        S.simulate(net, [], daily(5), whitelist=[1, 0, 0, 0, 0])
    assert err.value.param == "whitelist"
    with pytest.raises(ConfigError) as err:
        S.simulate(net, [], daily(5), engine="fortran")
    assert err.value.param == "engine"


# ------------------------------------------------------------------------------------------------ conservation
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    weekly=st.booleans(),
    substitution=st.booleans(),
    refill=st.integers(1, 4),
    rationing=st.sampled_from(S.RATIONING),
    overproduction=st.sampled_from([0.0, 0.2]),
)
def test_no_shock_keeps_every_firm_at_baseline(seed, weekly, substitution, refill, rationing, overproduction):
    net = random_network(seed)
    sett = S.Settings(
        steps=30,
        step_days=7 if weekly else 1,
        substitution=substitution,
        refill_steps=refill,
        rationing=rationing,
        overproduction=overproduction,
    )
    r = S.simulate(net, [], sett, distance_km=distances(6) if substitution else None)
    base = net.output * sett.step_days
    np.testing.assert_allclose(r.output, np.broadcast_to(base, r.output.shape), rtol=1e-9, atol=0)
    assert r.direct.max() == 0.0
    assert r.substitutions["step"].size == 0
    # a shock that takes nothing away (capacity 1, cut 0) changes nothing either
    r2 = S.simulate(net, [S.Shock("capacity", None, capacity=1.0), S.Shock("imports", None, cut=0.0)], sett)
    np.testing.assert_allclose(r2.output, r.output, rtol=1e-12)


# ------------------------------------------------------------------------------------------------ five firms
def test_closed_supplier_customer_runs_out_on_day_d_plus_1():
    """Firm 0 closes for k = 4 days (steps 1–4, reopening at step 5); firm 2 holds d = 3 days of its input
    (120 = 3 × 40), the others none.

    The last delivery from firm 0 (shipped at step 0) arrives at step 1; the first day without deliveries is
    step 2. The stock covers d = 3 such days (steps 2, 3, 4: 120 → 80 → 40 → 0) and firm 2 runs out on the
    (d + 1)-th day without deliveries, step 5 = start + d + 1, producing 0: firm 0 reopened at step 5 but
    its goods arrive at step 6. Firm 4 (just in time) misses firm 2's step-5 goods one step later, at step 6.
    Firm 3 (just in time) has no input at steps 2–5.

    Proportional rationing when firm 0 reopens (step 5): firm 2 orders its use plus the stock gap,
    40 + (120 − 0) = 160; firm 3 orders 20; final demand 40; demand 220 > capacity 100, so everyone gets
    100/220 = 5/11 of the order: firm 2 800/11, firm 3 100/11, arriving at step 6; firm 3 then makes
    (100/11) / 0.5 = 200/11 and firm 2, with 800/11 ≥ 40 in hand, makes its full 80.
    """
    sett = daily(7, rationing="proportional")
    r = S.simulate(five(inventory=[0, 0, 3, 0, 0]), [S.Shock("capacity", [0], start=1, end=5)], sett)
    out = r.output
    assert out[:, 0].tolist() == [100, 0, 0, 0, 0, 100, 100]
    assert out[:, 2].tolist() == [80, 80, 80, 80, 80, 0, 80]
    assert out[:, 4].tolist() == [50, 50, 50, 50, 50, 50, 0]
    assert out[:6, 3].tolist() == [40, 40, 0, 0, 0, 0]
    assert out[6, 3] == pytest.approx(200 / 11, rel=1e-12)
    assert out[:, 1].tolist() == [80] * 7
    # direct loss is firm 0's lost capacity; the customers' losses are indirect
    assert r.direct[:, 0].tolist() == [0, 100, 100, 100, 100, 0, 0]
    assert r.direct[:, 1:].max() == 0
    assert r.indirect[5, 2] == 80 and r.indirect[6, 4] == 50


def test_partial_capacity_rations_customers_in_proportion():
    """Firm 0 keeps half its capacity from step 1 on (everyone just in time). It makes 50 against demand
    100 (40 from firm 2, 20 from firm 3, 40 final), so each gets 1/2: firm 2 receives 20, firm 3 10, final
    demand 20. From step 2 firm 2 makes 20 / 0.5 = 40 and firm 3 10 / 0.5 = 20; firm 2 in turn rations its
    demand (firm 4 40, final 40) at 40/80, so from step 3 firm 4 makes 20 / 0.8 = 25. Direct loss 50 a step
    (firm 0), indirect 40 + 20 + 25 = 85."""
    r = S.simulate(
        five(), [S.Shock("capacity", [0], start=1, capacity=0.5)], daily(6, rationing="proportional")
    )
    assert r.output.tolist() == [
        [100, 80, 80, 40, 50],
        [50, 80, 80, 40, 50],
        [50, 80, 40, 20, 50],
        [50, 80, 40, 20, 25],
        [50, 80, 40, 20, 25],
        [50, 80, 40, 20, 25],
    ]
    assert r.direct.sum(axis=1).tolist() == [0, 50, 50, 50, 50, 50]
    assert r.indirect.sum(axis=1).tolist() == [0, 0, 60, 85, 85, 85]


def test_substitution_after_the_switch_delay_with_exact_volumes():
    """As the rationing test, with substitution and a switch delay of 2 steps. Links 0→2 and 0→3 are short
    at steps 1 and 2 (20 of 40, 10 of 20); at step 3 (the third step of shortage) the customers switch, in
    firm order: firm 2 takes its missing 20 from firm 1 (the only other segment-A firm; spare 25), firm 3
    takes the remaining 5 of firm 1's spare (it misses 10). Firm 1 makes 80 + 25 = 105 from step 3. The goods
    arrive at step 4: firm 2 has 20 + 20 = 40 and makes 80; firm 3 has 10 + 5 = 15 and makes 30; firm 4 gets
    firm 2's full 40 at step 5 and makes 50."""
    net = five(spare=[0, 0.3125, 0, 0, 0])
    r = S.simulate(
        net,
        [S.Shock("capacity", [0], start=1, capacity=0.5)],
        daily(7, substitution=True, switch_delay=2, rationing="proportional"),
    )
    assert r.output.tolist() == [
        [100, 80, 80, 40, 50],
        [50, 80, 80, 40, 50],
        [50, 80, 40, 20, 50],
        [50, 105, 40, 20, 25],
        [50, 105, 80, 30, 25],
        [50, 105, 80, 30, 50],
        [50, 105, 80, 30, 50],
    ]
    subs = r.substitutions
    assert subs["step"].tolist() == [3, 3]
    assert subs["end"].tolist() == [-1, -1]
    assert subs["customer"].tolist() == [2, 3]
    assert subs["old_supplier"].tolist() == [0, 0]
    assert subs["new_supplier"].tolist() == [1, 1]
    assert subs["value"].tolist() == [20.0, 5.0]
    assert subs["delivered"].tolist() == [20.0 * 4, 5.0 * 4]  # steps 3, 4, 5, 6
    # the substitute's extra sales are a gain (negative loss), not a loss
    assert r.loss[3:, 1].tolist() == [-25.0] * 4


def test_substitution_ends_when_the_old_supplier_delivers_again():
    """Firm 0 closed at steps 1–3, no delay: at step 1 firm 2 misses 40 and takes all of firm 1's spare, 25
    (firm 3 then finds none left); 25 / 0.5 = 50 is what firm 2 makes at steps 2–4. Firm 0 delivers in full
    again at step 4, when the switch ends and the spare is freed: 3 steps × 25 delivered."""
    net = five(spare=[0, 0.3125, 0, 0, 0])
    r = S.simulate(
        net, [S.Shock("capacity", [0], start=1, end=4)], daily(8, substitution=True, switch_delay=0)
    )
    subs = r.substitutions
    assert subs["customer"].tolist() == [2]
    assert subs["value"].tolist() == [25.0]
    assert (subs["step"][0], subs["end"][0]) == (1, 4)
    assert subs["delivered"].tolist() == [75.0]  # steps 1, 2, 3
    assert r.output[2:5, 2].tolist() == [50.0, 50.0, 50.0]  # 25 / 0.5
    assert r.output[1:4, 1].tolist() == [105.0] * 3 and r.output[4:, 1].tolist() == [80.0] * 4


def test_mixed_rationing_serves_firms_before_final_demand():
    """As the rationing test with firms served first: firm 0's 50 go to its customers' orders 40 + 20 = 60 in
    proportion, 50/60 = 5/6: firm 2 gets 100/3 and makes 200/3, firm 3 gets 50/3 and makes 100/3; final demand
    gets nothing. Firm 2's 200/3 cover firm 4's order 40 first, so firm 4 keeps making 50."""
    r = S.simulate(five(), [S.Shock("capacity", [0], start=1, capacity=0.5)], daily(5))
    np.testing.assert_allclose(r.output[2:], [[50, 80, 200 / 3, 100 / 3, 50]] * 3, rtol=1e-12)


def test_just_in_time_loop_winds_down_under_proportional_rationing_only():
    """Firms 0 and 1 supply each other half their output (50 of 100) and sell 50 to final demand, just in
    time. Firm 0 keeps half its capacity for steps 1–14. Under proportional rationing final demand, held at
    baseline, takes a growing share of each firm's shrinking output and the loop winds down (it never comes
    back after the shock); with firms served first the loop holds at half and recovers in full."""
    net = S.Network.from_links(2, [0, 1], [1, 0], [50.0, 50.0], [100.0, 100.0], segment=[0, 1])
    shock = [S.Shock("capacity", [0], start=1, end=15, capacity=0.5)]
    prop = S.simulate(net, shock, daily(80, rationing="proportional"))
    mixed = S.simulate(net, shock, daily(80))
    assert S.Settings().rationing == "mixed"
    assert prop.output[-10:].max() < 5.0
    assert mixed.output[1:15, 0].tolist() == [50.0] * 14
    np.testing.assert_allclose(mixed.output[-10:], 100.0, rtol=1e-9)


def test_overproduction_refills_the_stock_a_closure_used():
    """Supplier 0 (output 40, all sold to firm 1) closes at steps 1–4 and again at 30–32; firm 1 (output 80,
    a = 0.5) holds 3 days (120) and runs dry at step 5 as in the five-firm test. Without overproduction firm 0
    can only make the 40 firm 1 uses, the stock stays empty and the second closure stops firm 1 at steps 31–33.
    With 25 % overproduction firm 0 makes 50 from step 5: 10 a day refill the 120 in 12 days (firm 0 makes 50
    at steps 5–16, then 40), and firm 1 rides out the second closure."""
    net = S.Network.from_links(2, [0], [1], [40.0], [40.0, 80.0], inventory_days=[0, 3])
    shocks = [S.Shock("capacity", [0], start=1, end=5), S.Shock("capacity", [0], start=30, end=33)]
    flat = S.simulate(net, shocks, daily(40))
    assert np.flatnonzero(flat.output[:, 1] == 0).tolist() == [5, 31, 32, 33]
    over = S.simulate(net, shocks, daily(40, overproduction=0.25))
    assert np.flatnonzero(over.output[:, 1] == 0).tolist() == [5]
    assert over.output[5:17, 0].tolist() == [50.0] * 12 and over.output[17:30, 0].tolist() == [40.0] * 13
    assert over.loss[5:17, 0].tolist() == [-10.0] * 12


def substitution_net(spare_near: float) -> tuple[S.Network, np.ndarray]:
    """Customer 1 (place 0) buys 10 a day from supplier 0 (segment 0); candidates of segment 0: firms 2 and
    3 at place 1 (20 km), firm 4 at place 2 (5 km)."""
    net = S.Network.from_links(
        5,
        supplier=[0],
        customer=[1],
        value=[10.0],
        output=[10.0, 20.0, 40.0, 40.0, 40.0],
        segment=[0, 1, 0, 0, 0],
        place=[0, 0, 1, 1, 2],
        spare=[0, 0, 0.25, 0.25, spare_near],
    )
    dist = np.array([[0.0, 20.0, 5.0], [20.0, 0.0, 25.0], [5.0, 25.0, 0.0]])
    return net, dist


def test_substitutes_are_taken_nearest_first_within_the_radius():
    """Firm 4 (5 km) has spare 0.1 × 40 = 4 and is taken first; the missing 6 come from one of the firms at
    20 km (spare 10 each). With a 10 km radius only firm 4 is in reach."""
    net, dist = substitution_net(0.1)
    shock = [S.Shock("capacity", [0], start=1)]
    r = S.simulate(net, shock, daily(4, substitution=True, switch_delay=0), distance_km=dist)
    assert r.substitutions["new_supplier"][0] == 4
    assert r.substitutions["value"].tolist() == [4.0, 6.0]
    assert r.substitutions["new_supplier"][1] in (2, 3)
    assert r.output[2:, 1].tolist() == [20.0, 20.0]
    near = S.simulate(
        net, shock, daily(4, substitution=True, switch_delay=0, search_radius_km=10.0), distance_km=dist
    )
    assert near.substitutions["new_supplier"].tolist() == [4]
    assert near.output[2:, 1].tolist() == [8.0, 8.0]  # 4 / (10/20)


def test_ties_between_equally_near_substitutes_follow_the_seed():
    net, dist = substitution_net(0.0)
    chosen = {}
    for seed in range(12):
        sett = daily(3, substitution=True, switch_delay=0, seed=seed)
        runs = [
            S.simulate(net, [S.Shock("capacity", [0], start=1)], sett, distance_km=dist) for _ in range(2)
        ]
        assert (
            runs[0].substitutions["new_supplier"].tolist() == runs[1].substitutions["new_supplier"].tolist()
        )
        chosen[seed] = int(runs[0].substitutions["new_supplier"][0])
    assert set(chosen.values()) == {2, 3}


def test_deterministic_for_a_seed_and_python_engine_agrees():
    net = random_network(7)
    shocks = [
        S.Shock("capacity", np.arange(0, 40, 5), start=2, end=8, capacity=0.2),
        S.Shock("imports", None, 3, 12, partner=1, cut=0.7),
    ]
    sett = S.Settings(steps=16, step_days=1, substitution=True, switch_delay=1, recovery_steps=3, seed=5)
    runs = [S.simulate(net, shocks, sett, distance_km=distances(6)) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].output, runs[1].output)
    for key, col in runs[0].substitutions.items():
        np.testing.assert_array_equal(col, runs[1].substitutions[key])
    assert runs[0].substitutions["step"].size > 0 and runs[0].loss.sum() > 0
    slow = S.simulate(net, shocks, sett, distance_km=distances(6), engine="python")
    np.testing.assert_allclose(slow.output, runs[0].output, rtol=1e-12)
    np.testing.assert_allclose(slow.direct, runs[0].direct, rtol=1e-12)


# ------------------------------------------------------------------------------------------------ more dynamics
@pytest.mark.parametrize("seed", range(6))
def test_long_enough_inventories_leave_no_indirect_loss(seed):
    """Firms without in-network suppliers close for k = 3 days; every firm holds 2k days of stock. Their
    customers ride it out (and refill afterwards without starving anyone), so the only loss is direct."""
    base = random_network(seed)
    net = S.Network.from_links(
        base.n, base.in_supplier, base.in_customer, base.in_value, base.output,
        segment=base.segment, import_value=base.import_value, inventory_days=6.0,
    )  # fmt: skip
    sources = np.flatnonzero((np.diff(net.in_ptr) == 0) & (np.diff(net.out_ptr) > 0))[:4]
    assert sources.size > 0
    r = S.simulate(net, [S.Shock("capacity", sources, start=2, end=5)], daily(40))
    assert np.abs(r.indirect).max() <= 1e-9 * net.output.max()
    assert r.direct.sum() == pytest.approx(3 * net.output[sources].sum(), rel=1e-12)


def test_import_cut_hits_only_the_importer_and_its_downstream():
    """Firm 0 imports 20 of its 50 output from partner 0 (a = 0.4) and feeds the chain 0 → 1 → 2 (30 a day on
    each link; firms 1 and 2 make 60 with a = 0.5); firm 3 imports from partner 1 and feeds firm 4; firm 5
    also imports from partner 0 but is not in the shock. Cutting half of firm 0's partner-0 imports from
    step 1: 10 arrive from step 2, so firm 0 makes 10 / 0.4 = 25.

    Proportional rationing: firm 1 gets 25 · 30/50 = 15 and makes 30 from step 3; firm 2 gets 30 · 30/60 =
    15 and makes 30 from step 4. Mixed (firms first): firm 1 gets all 25 and makes 50, which covers firm 2's
    order of 30 before final demand: firm 2 loses nothing.
    """
    net = S.Network.from_links(
        6,
        supplier=[0, 1, 3],
        customer=[1, 2, 4],
        value=[30.0, 30.0, 10.0],
        output=[50.0, 60.0, 60.0, 30.0, 20.0, 40.0],
        segment=[0, 1, 2, 0, 1, 0],
        import_value=[20.0, 0, 0, 5.0, 0, 10.0],
        import_partner=[0, -1, -1, 1, -1, 0],
    )
    cut = [S.Shock("imports", [0], start=1, partner=0, cut=0.5)]
    prop = S.simulate(net, cut, daily(8, rationing="proportional"))
    assert np.flatnonzero(prop.loss.max(axis=0) > 1e-9).tolist() == [0, 1, 2]
    assert prop.output[4:, :3].tolist() == [[25.0, 30.0, 30.0]] * 4
    assert prop.direct.max() == 0  # an import cut takes no capacity away: the loss is indirect
    mixed = S.simulate(net, cut, daily(8))
    assert np.flatnonzero(mixed.loss.max(axis=0) > 1e-9).tolist() == [0, 1]
    assert mixed.output[4:, :3].tolist() == [[25.0, 50.0, 60.0]] * 4
    # a cut of partner 1 leaves firm 0's chain alone
    r1 = S.simulate(net, [S.Shock("imports", None, start=1, partner=1, cut=1.0)], daily(8))
    assert np.flatnonzero(r1.loss.max(axis=0) > 1e-9).tolist() == [3, 4]


def test_recovery_is_linear_over_recovery_steps():
    """An isolated firm (output 100, all to final demand) keeps 20 % at steps 1–2; the shock ends at step 3
    and capacity returns over 4 steps: 0.2 + 0.8 × (1, 2, 3, 4)/4 = 0.4, 0.6, 0.8, 1.0 at steps 3–6.
    An import cut recovers the same way: firm 1 (imports 50 of output 100) loses them all at steps 1–2,
    gets half back at step 3 and all at step 4; goods arrive a step later."""
    net = S.Network.from_links(
        2, supplier=[], customer=[], value=[], output=[100.0, 100.0], import_value=[0.0, 50.0]
    )
    shocks = [S.Shock("capacity", [0], start=1, end=3, capacity=0.2), S.Shock("imports", [1], start=1, end=3)]
    r = S.simulate(net, shocks, daily(8, recovery_steps=4))
    np.testing.assert_allclose(r.output[:, 0], [100, 20, 20, 40, 60, 80, 100, 100], rtol=1e-12)
    np.testing.assert_allclose(r.direct[:, 0], [0, 80, 80, 60, 40, 20, 0, 0], atol=1e-12)
    r2 = S.simulate(net, shocks, daily(8, recovery_steps=2))
    assert r2.output[:, 1].tolist() == [100, 100, 0, 0, 50, 100, 100, 100]
    at_once = S.simulate(net, shocks, daily(8))
    assert at_once.output[:, 0].tolist() == [100, 20, 20, 100, 100, 100, 100, 100]


def test_weekly_steps_scale_values_and_inventories():
    """The docstring example in weeks: a supplier (10 a day) closed in weeks 1–3, its customer (20 a day)
    holding 14 days = 2 weeks of stock; it runs out in week 1 + 2 + 1 = 4. Values are per week (× 7)."""
    net = S.Network.from_links(
        2, supplier=[0], customer=[1], value=[10.0], output=[10.0, 20.0], inventory_days=14
    )
    r = S.simulate(net, [S.Shock("capacity", [0], start=1, end=4)], S.Settings(steps=6, step_days=7))
    assert r.output[:, 1].tolist() == [140, 140, 140, 140, 0, 140]
    assert r.baseline.tolist() == [70.0, 140.0]


def test_kept_alive_credits_white_listed_suppliers():
    """Firm 2 (output 80, a = 0.5) buys 30 from white-listed firm 0 and 10 from firm 1, both segment 0.
    Firm 1 is locked down at steps 1–3. Step 1: firm 2 still has both deliveries (40) and makes 80, of which
    30/40 are firm 0's: 60. Steps 2 and 3: only firm 0's 30 arrive, firm 2 makes 60, all firm 0's: 60 + 60.
    kept_alive of firm 0 = 180 (steps with a shock only)."""
    net = S.Network.from_links(
        3, supplier=[0, 1], customer=[2, 2], value=[30.0, 10.0], output=[30.0, 10.0, 80.0], segment=[0, 0, 1]
    )
    r = S.simulate(
        net, [S.Shock("capacity", [1], start=1, end=4)], daily(6), whitelist=np.array([True, False, False])
    )
    assert r.kept_alive is not None
    assert r.kept_alive.tolist() == [180.0, 0.0, 0.0]
    assert r.output[:, 2].tolist() == [80, 80, 60, 60, 60, 80]
    assert S.simulate(net, [], daily(3)).kept_alive is None


def test_aggregate_sums_firms_per_group():
    net = random_network(3)
    shocks = [S.Shock("capacity", [1, 2, 3], start=1, end=6, capacity=0.0)]
    sett = daily(12, recovery_steps=2)
    full = S.simulate(net, shocks, sett)
    labels = np.where(net.segment == 4, -1, net.segment)
    agg = S.simulate(net, shocks, sett, aggregate=labels)
    assert agg.groups == 4 and agg.output.shape == (12, 4)
    for g in range(4):
        np.testing.assert_allclose(agg.output[:, g], full.output[:, labels == g].sum(axis=1), rtol=1e-12)
        np.testing.assert_allclose(agg.direct[:, g], full.direct[:, labels == g].sum(axis=1), rtol=1e-12)
        assert agg.baseline[g] == pytest.approx(net.output[labels == g].sum())


# ------------------------------------------------------------------------------------------------ active set
def random_run(seed: int) -> tuple[S.Network, list[S.Shock], S.Settings, np.ndarray | None]:
    """A random network (20–120 firms, 1–6 links per firm, stocks of 0, 0–3 or 0–20 days), a capacity cut of a
    tenth of the firms and an import cut, and random settings."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 120))
    net = random_network(
        seed, n=n, m=int(n * rng.uniform(1, 6)), inventory=(0.0, float(rng.choice([0, 3, 20])))
    )
    shocks = [
        S.Shock(
            "capacity",
            rng.choice(n, size=max(1, n // 10), replace=False),
            start=int(rng.integers(0, 5)),
            end=int(rng.integers(6, 15)),
            capacity=float(rng.choice([0.0, 0.3])),
        ),
        S.Shock(
            "imports",
            None,
            int(rng.integers(0, 5)),
            int(rng.integers(6, 20)),
            partner=int(rng.integers(0, 3)),
            cut=0.7,
        ),
    ]
    substitution = bool(rng.random() < 0.6)
    sett = S.Settings(
        steps=40,
        step_days=int(rng.choice([1, 7])),
        substitution=substitution,
        switch_delay=int(rng.integers(0, 3)),
        recovery_steps=int(rng.integers(0, 4)),
        seed=seed,
        rationing=str(rng.choice(S.RATIONING)),
        overproduction=float(rng.choice([0.0, 0.2])),
        refill_steps=int(rng.integers(1, 3)),
    )
    return net, shocks, sett, distances(6) if substitution else None


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1))
def test_active_set_gives_the_paths_of_the_full_sweep(seed):
    """The active set drops only deviations below the snap tolerance (1e-12 of a firm's baseline): its paths
    stay within 1e-9 of each firm's baseline output of the full sweep (every firm and link at every step), with
    the same substitutions; a firm, a group, the white list's credit."""
    net, shocks, sett, dist = random_run(seed)
    white = np.random.default_rng(seed).random(net.n) < 0.2
    runs = [
        S.simulate(net, shocks, sett, distance_km=dist, whitelist=white, active_set=active)
        for active in (True, False)
    ]
    act, full = runs
    tol = 1e-9 * np.maximum(full.baseline, 1e-300)
    assert np.all(np.abs(act.output - full.output) <= tol)
    assert np.all(np.abs(act.direct - full.direct) <= tol)
    for key in ("step", "end", "customer", "old_supplier", "new_supplier"):
        np.testing.assert_array_equal(act.substitutions[key], full.substitutions[key])
    np.testing.assert_allclose(
        act.substitutions["delivered"],
        full.substitutions["delivered"],
        rtol=1e-9,
        atol=1e-9 * full.baseline.max(),
    )
    assert act.kept_alive is not None and full.kept_alive is not None
    np.testing.assert_allclose(act.kept_alive, full.kept_alive, rtol=1e-9, atol=1e-9 * full.baseline.sum())
    assert full.computed is not None and full.computed.tolist() == [net.n] * sett.steps
    assert act.computed is not None and act.computed.sum() <= full.computed.sum()
    groups = np.where(net.segment == 4, -1, net.segment)
    agg = S.simulate(net, shocks, sett, distance_km=dist, aggregate=groups)
    for g in range(4):
        np.testing.assert_allclose(agg.output[:, g], act.output[:, groups == g].sum(axis=1), rtol=1e-12)


def test_no_shock_computes_nothing_and_is_the_baseline_bit_for_bit():
    net = random_network(5)
    sett = S.Settings(steps=20, step_days=7, substitution=True)
    r = S.simulate(net, [], sett, distance_km=distances(6), whitelist=np.ones(net.n, bool))
    np.testing.assert_array_equal(r.output, np.broadcast_to(net.output * 7, r.output.shape))
    assert r.computed is not None and r.computed.tolist() == [0] * 20
    assert r.direct.max() == 0.0 and r.kept_alive is not None
    agg = S.simulate(net, [], sett, aggregate=net.segment)
    np.testing.assert_array_equal(agg.output, np.broadcast_to(agg.baseline, agg.output.shape))
    # a shock that takes nothing away (capacity 1, no cut) changes nothing either
    none = [S.Shock("capacity", None, capacity=1.0), S.Shock("imports", None, cut=0.0)]
    np.testing.assert_array_equal(S.simulate(net, none, sett).output, r.output)


def test_the_number_of_threads_does_not_change_the_result(monkeypatch):
    import numba

    monkeypatch.setattr(S, "PARALLEL_MIN", 0)  # threads even for a small network
    net, shocks, sett, dist = random_run(3)
    before = numba.get_num_threads()
    runs = []
    try:
        for k in sorted({1, before}):
            numba.set_num_threads(k)
            runs.append(S.simulate(net, shocks, sett, distance_km=dist, whitelist=net.segment == 1))
    finally:
        numba.set_num_threads(before)
    for r in runs[1:]:
        np.testing.assert_array_equal(r.output, runs[0].output)
        np.testing.assert_array_equal(r.direct, runs[0].direct)
        np.testing.assert_array_equal(r.kept_alive, runs[0].kept_alive)
        for key, col in r.substitutions.items():
            np.testing.assert_array_equal(col, runs[0].substitutions[key])


def test_snap_and_active_set_are_checked():
    net = five()
    with pytest.raises(ConfigError) as err:
        S.simulate(net, [], daily(3), snap=1e-6)
    assert err.value.param == "snap"
    with pytest.raises(ConfigError) as err:
        S.simulate(net, [], daily(3), active_set="yes")
    assert err.value.param == "active_set"


def test_just_in_time_chain_settles_back_to_baseline_exactly():
    """The five-firm network, everyone just in time, firm 0 closed at steps 1–2 (default settings: mixed
    rationing, no overproduction). The gap travels down the chains 0 → 2 → 4 and 0 → 3 and leaves through final
    demand:

    - steps 1–2: firm 0 makes 0; firms 2 and 3 still have firm 0's step-0 goods at step 1 (80, 40) and nothing
      at step 2 (0, 0); firm 4 has firm 2's goods of steps 0 and 1 (50, 50).
    - step 3: firm 0 reopens and makes its 100 (orders 40 + 20 from firms 2 and 3, final demand 40); firms 2
      and 3 have nothing yet (0, 0); firm 4 gets firm 2's step-2 nothing (0).
    - step 4: firms 2 and 3 get firm 0's step-3 goods (80, 40); firm 4 still firm 2's step-3 nothing (0).
    - step 5 on: everyone at baseline, and nothing is computed from step 5 on (the active set is empty).
    """
    r = S.simulate(five(), [S.Shock("capacity", [0], start=1, end=3)], daily(9))
    assert (
        r.output.tolist()
        == [
            [100, 80, 80, 40, 50],
            [0, 80, 80, 40, 50],
            [0, 80, 0, 0, 50],
            [100, 80, 0, 0, 0],
            [100, 80, 80, 40, 0],
        ]
        + [[100, 80, 80, 40, 50]] * 4
    )
    assert r.direct[:, 0].tolist() == [0, 100, 100, 0, 0, 0, 0, 0, 0]
    assert r.computed is not None and r.computed[5:].tolist() == [0, 0, 0, 0]


def test_just_in_time_loop_keeps_the_gap_a_day_of_stock_closes_it():
    """A loop: firm 0 (output 60) buys 50 from firm 1 (a = 5/6) and sells it 10; firm 1 (output 70) buys those
    10 (a = 1/7); both also sell to firm 2 (30 and 10) and to final demand (20 and 10). Firm 0 closed at step 1.

    At step 1 firm 1 makes only the 20 firm 2 and final demand ask for (firm 0, closed, orders nothing). Just in
    time, the goods the closure took out then keep going round: from step 3 firm 0 makes 60 when firm 1 made
    70 the step before (its 50 arrive) and 0 when firm 1 made 0; firm 1 makes 70 when firm 0 made 60 (its 10
    arrive) and 0 otherwise: each makes only what its inputs allow, at most its baseline, and orders only what
    it plans to use, so nothing refills the empty half of the loop. With one day of stock the two order their
    stock gaps back (served first under mixed rationing) and the loop settles: within 1e-9 of baseline by step
    60, and nothing left to compute by step 80.
    """

    def loop(days: float) -> S.Network:
        return S.Network.from_links(
            3, [0, 0, 1, 1], [1, 2, 0, 2], [10.0, 30.0, 50.0, 10.0], [60.0, 70.0, 40.0],
            segment=[0, 1, 2], inventory_days=days,
        )  # fmt: skip

    shock = [S.Shock("capacity", [0], start=1, end=2)]
    jit = S.simulate(loop(0.0), shock, daily(80))
    assert jit.output[:2, :2].tolist() == [[60, 70], [0, 20]]  # firm 1 makes what firm 2 and final demand ask
    assert jit.output[3::2, :2].tolist() == [[60, 0]] * 39
    assert jit.output[4::2, :2].tolist() == [[0, 70]] * 38
    assert jit.computed is not None and jit.computed[-10:].min() > 0  # never back
    stocked = S.simulate(loop(1.0), shock, daily(80))
    np.testing.assert_allclose(stocked.output[60:], np.broadcast_to(stocked.baseline, (20, 3)), rtol=1e-9)
    assert stocked.computed is not None and stocked.computed[-1] == 0


# ------------------------------------------------------------------------------------------------ ESRI
def diem_network() -> S.Network:
    """A Diem-style toy network (output = sales for firms with customers, so their final demand is 0):

    firm 0  segment 0 (raw material)   sells 10 to 2, 10 to 3            output 20
    firm 1  segment 1 (packaging)      sells 10 to 2                     output 10
    firm 2  segment 2                  buys 10 from 0, 10 from 1; sells 20 to 4   output 20
    firm 3  segment 2                  buys 10 from 0; sells 10 to 4              output 10
    firm 4  segment 3                  buys 20 from 2, 10 from 3 (one slot, 30)   output 30 (final)
    firm 5  segment 4                  isolated                                   output 10
    total output 100; segment 1 is non-essential, β = 1/2.
    """
    return S.Network.from_links(
        6,
        supplier=[0, 0, 1, 2, 3],
        customer=[2, 3, 2, 4, 4],
        value=[10.0, 10.0, 10.0, 20.0, 10.0],
        output=[20.0, 10.0, 20.0, 10.0, 30.0, 10.0],
        segment=[0, 1, 2, 2, 3, 4],
    )


ESSENTIAL = np.array([True, False, True, True, True])


def test_esri_of_the_toy_network_by_hand():
    """Fixed points of Diem et al.'s cascade, by hand (loss shares of the total output 100):

    - firm 0 fails: firms 2 and 3 lose their essential input (h = 0), firm 4 then both inputs (0), firm 1
      its only customer (h^u = 0): loss 20 + 10 + 20 + 10 + 30 = 90 → 0.9.
    - firm 1 fails: firm 2 loses its non-essential input, h = 1/2 + 1/2 · 0 = 1/2. Let h3 = h4 = h0 = y:
      h4 = (20 · 1/2 + 10 · h3)/30, h3 = min(h0, h4) (input from 0, demand from 4),
      h0 = (10 · 1/2 + 10 · h3)/20. With h3 = h4: 30 y = 10 + 10 y → y = 1/2, and h0 = (5 + 5)/20 = 1/2.
      Loss 10 + 10 + 10 + 5 + 15 = 50 → 0.5.
    - firm 2, 3 or 4 fails: the cascade shrinks to h = 0 for firms 0–4 (e.g. firm 2: h4 = h3/3, h0 = h3/2,
      h3 = min(h0, h4) → 0): 0.9.
    - firm 5 (no customers, no suppliers): its own share 10/100 = 0.1.
    With every input essential, losing firm 1 also stops firm 2, and the cascade takes all but firm 5: 0.9.
    """
    net = diem_network()
    r = S.esri(net, steps=200, essential=ESSENTIAL, tol=1e-13)
    np.testing.assert_allclose(r.esri, [0.9, 0.5, 0.9, 0.9, 0.9, 0.1], rtol=1e-9)
    assert r.index.tolist() == list(range(6))
    assert r.affected.tolist() == [5, 5, 5, 5, 5, 1]
    leontief = S.esri(net, steps=200, tol=1e-13)
    np.testing.assert_allclose(leontief.esri, [0.9, 0.9, 0.9, 0.9, 0.9, 0.1], rtol=1e-9)
    assert S.esri(net, [5, 1], steps=200, essential=ESSENTIAL, tol=1e-13).esri.round(9).tolist() == [0.1, 0.5]


def test_esri_without_spreading_demand_cuts_downstream():
    """The same network when a firm that sells less keeps delivering in full to its other customers.

    - firm 1 fails: h2 = 1/2 (its non-essential input), so firm 4 gets (20 · 1/2 + 10)/30 = 2/3 of its input
      and makes 2/3; firm 3 sells to firm 4 only: h3 = 2/3, but it still delivers in full; firm 0 sells half
      to firm 2 and 2/3 to firm 3: h0 = (5 + 20/3)/20 = 7/12. Loss 20 · 5/12 + 10 + 10 + 10/3 + 10 = 125/3
      → 5/12.
    - firm 2 fails: firm 4 keeps firm 3's third of its input, h4 = 1/3; firm 3 then sells a third, h3 = 1/3;
      firm 0 sells only to firm 3: h0 = (10/3)/20 = 1/6; firm 1 loses its one customer. Loss
      20 · 5/6 + 10 + 20 + 20/3 + 20 = 220/3 → 11/15 (0.9 when cuts spread).
    - firm 3 fails: firm 4 keeps firm 2's two thirds, h4 = 2/3; firm 2 sells only to firm 4, h2 = 2/3, and so
      buys 2/3 from firm 1 (h1 = 2/3) and from firm 0, whose other customer is gone: h0 = (20/3)/20 = 1/3.
      Loss 40/3 + 10/3 + 20/3 + 10 + 10 = 130/3 → 13/30.
    """
    net = diem_network()
    r = S.esri(net, steps=200, essential=ESSENTIAL, spread_demand_cuts=False, tol=1e-13)
    np.testing.assert_allclose(r.esri, [0.9, 5 / 12, 11 / 15, 13 / 30, 0.9, 0.1], rtol=1e-9)


def test_esri_per_group_fails_the_group_together():
    """Groups = segments: segment 2 = {2, 3} failing takes firms 0–4 (0.9); segment 1 = {1} is firm 1 (0.5);
    segment 4 = {5} is 0.1."""
    net = diem_network()
    r = S.esri(net, groups=net.segment, steps=200, essential=ESSENTIAL, tol=1e-13)
    assert r.index.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(r.esri, [0.9, 0.5, 0.9, 0.9, 0.1], rtol=1e-9)
    one = S.esri(net, [2], groups=net.segment, steps=200, essential=ESSENTIAL)
    assert one.affected.tolist() == [5]
    with pytest.raises(ConfigError) as err:
        S.esri(net, [7], groups=net.segment)
    assert err.value.param == "firms"


def test_esri_isolated_firm_is_its_own_output_share():
    net = S.Network.from_links(4, supplier=[0, 1], customer=[1, 2], value=[5.0, 5.0], output=[10, 20, 30, 40])
    r = S.esri(net, [3], steps=5)
    assert r.esri.tolist() == [0.4] and r.mean.tolist() == [0.4] and r.affected.tolist() == [1]


def test_esri_chain_and_mean_over_the_horizon():
    """Chain 0 → 1 → 2, each selling 10 on its link and 10 to final demand (output 20). Firm 0 failing stops
    1 at step 1 and 2 at step 2: loss 20, 40, 60, ... → ESRI 1, mean over 10 steps (20 + 40 + 8 · 60)/600
    = 0.9. Firm 2 failing halves firm 1's demand (h1 = 1/2), which halves half of firm 0's sales
    (h0 = (10 + 5)/20 = 3/4): (20 + 10 + 5)/60 = 7/12."""
    net = S.Network.from_links(3, supplier=[0, 1], customer=[1, 2], value=[10.0, 10.0], output=[20.0] * 3)
    r = S.esri(net, steps=10)
    np.testing.assert_allclose(r.esri, [1.0, 50 / 60, 35 / 60], rtol=1e-12)
    assert r.mean[0] == pytest.approx(0.9, rel=1e-12)


def test_esri_inventories_delay_the_cascade_by_their_days():
    """Firm 1 holds 2 days of its input: with firm 0 failing at step 0 it keeps producing at steps 1 and 2
    and stops at step 3 = d + 1; the horizon decides whether the index sees it. Weekly steps: 14 days are
    2 steps."""
    net = S.Network.from_links(
        3, supplier=[0, 1], customer=[1, 2], value=[10.0, 10.0], output=[20.0] * 3, inventory_days=[0, 2, 0]
    )
    at = [S.esri(net, [0], steps=t).esri[0] * 60 for t in (1, 2, 3, 4, 5)]
    np.testing.assert_allclose(at, [20, 20, 20, 40, 60], rtol=1e-12)
    assert S.esri(net, [0], steps=5, inventories=False).esri[0] == pytest.approx(1.0)
    weekly = S.Network.from_links(
        3, supplier=[0, 1], customer=[1, 2], value=[10.0, 10.0], output=[20.0] * 3, inventory_days=[0, 14, 0]
    )
    r = S.esri(weekly, [0], settings=S.Settings(steps=4, step_days=7))
    assert r.esri[0] * 60 == pytest.approx(40.0) and r.steps == 4


def esri_dense(
    net: S.Network,
    fail: np.ndarray,
    steps: int,
    essential: np.ndarray,
    beta: float,
    stock: bool,
    spread: bool,
) -> float:
    """Diem et al.'s iteration written densely with NumPy, every firm every step (the reference)."""
    owner = np.repeat(np.arange(net.n), np.diff(net.slot_ptr))
    dom = net.slot_segment != S.IMPORT_SLOT
    ess = np.where(net.slot_segment >= 0, essential[np.maximum(net.slot_segment, 0)], True)
    sig0 = np.repeat(net.inventory_days, np.diff(net.slot_ptr)) * float(stock)
    sig = sig0.copy()
    h = np.ones(net.n)
    h[fail] = 0.0
    hs = h.copy()
    for _ in range(1, steps):
        pi = np.bincount(net.in_slot, weights=net.in_value * hs[net.in_supplier], minlength=owner.size)
        pi = np.where(dom, pi / net.slot_base, 1.0)
        av = pi + sig
        hd = np.ones(net.n)
        np.minimum.at(hd, owner[dom & ess], av[dom & ess])
        ne = dom & ~ess
        num = np.bincount(owner[ne], weights=net.slot_base[ne] * np.minimum(1, av[ne]), minlength=net.n)
        den = np.bincount(owner[ne], weights=net.slot_base[ne], minlength=net.n)
        hd = np.where(den > 0, np.minimum(hd, beta + (1 - beta) * num / np.where(den > 0, den, 1)), hd)
        sold = np.bincount(net.in_supplier, weights=net.in_value * h[net.in_customer], minlength=net.n)
        hu = np.where(net.output > 0, (net.final_demand + sold) / np.where(net.output > 0, net.output, 1), 1)
        new = np.clip(np.minimum(hd, hu), 0, 1)
        new[fail] = 0.0
        sig = np.where(dom & (sig0 > 0), np.clip(sig + pi - np.minimum(new[owner], av), 0, sig0), sig)
        h = new
        hs = h if spread else np.where(np.isin(np.arange(net.n), fail), 0.0, np.clip(hd, 0, 1))
    return float((net.output * (1 - h)).sum() / net.output.sum())


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    inventories=st.booleans(),
    beta=st.sampled_from([0.0, 0.5, 1.0]),
    spread=st.booleans(),
)
def test_esri_sparse_propagation_equals_the_dense_iteration(seed, inventories, beta, spread):
    net = random_network(seed, n=30, m=70, inventory=(0.0, 3.0))
    essential = np.random.default_rng(seed).random(5) < 0.6
    kw = {"essential": essential, "nonessential_floor": beta, "inventories": inventories, "tol": 1e-13}
    r = S.esri(net, steps=12, spread_demand_cuts=spread, **kw)
    for f in range(net.n):
        ref = esri_dense(net, np.array([f]), 12, essential, beta, inventories, spread)
        assert r.esri[f] == pytest.approx(ref, abs=1e-10), f
    groups = np.where(net.segment < 3, net.segment, -1)
    rg = S.esri(net, groups=groups, steps=12, spread_demand_cuts=spread, **kw)
    for k, g in enumerate(rg.index):  # the labels present (a label no firm has is not in the index)
        ref = esri_dense(net, np.flatnonzero(groups == g), 12, essential, beta, inventories, spread)
        assert rg.esri[k] == pytest.approx(ref, abs=1e-10)


def test_esri_python_engine_agrees_and_arguments_are_checked():
    net = random_network(11)
    fast = S.esri(net, steps=8)
    slow = S.esri(net, steps=8, engine="python")
    np.testing.assert_allclose(slow.esri, fast.esri, rtol=1e-12)
    np.testing.assert_array_equal(slow.affected, fast.affected)
    with pytest.raises(ConfigError) as err:
        S.esri(net, [99])
    assert err.value.param == "firms"
    with pytest.raises(ConfigError) as err:
        S.esri(net, essential=[True])
    assert err.value.param == "essential"
    with pytest.raises(ConfigError) as err:
        S.esri(net, steps=0)
    assert err.value.param == "steps"
    with pytest.raises(ConfigError) as err:
        S.esri(net, nonessential_floor=2)
    assert err.value.param == "nonessential_floor"
