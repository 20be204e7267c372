"""Firm-level supply-shock propagation and economic systemic risk (平战转换, issue 14: the pure engine).

A supply network of firms with their baseline output, supply links with values, input segments, imports,
inventories and spare capacity (:class:`Network`); shocks that cut firms' capacity or their imports for a while
(:class:`Shock`); a run's settings (:class:`Settings`). :func:`simulate` propagates the shocks step by step in the
style of Inoue & Todo (2019) — production limited by the scarcest input after inventory, orders with inventory
top-ups, rationing (firms first, or proportional), substitution by same-segment firms with spare capacity,
linear recovery, optional overproduction to refill stocks — and
:func:`esri` computes the economic systemic risk index of Diem et al. (2022): the share of total output lost when
one firm (or one group of firms) fails. Both run in one Numba kernel each, compiled on first use and cached on
disk; nothing here opens a database or a file. :func:`simulate` visits at each step only the firms away from
their baseline and those their orders or deliveries reach (its active set), on numba's threads, with results
that do not depend on their number.

Contents
--------
:class:`Network`      firms and supply links as CSR arrays (:meth:`Network.from_links` builds and validates it)
:class:`Shock`        a capacity cut (lockdown, failure, partial loss) or an import cut, for a span of steps
:class:`Settings`     horizon, step length, substitution, switching delay, search radius, recovery, seed,
                      rationing, stock refill time, overproduction
:class:`Result`       output per step (per firm or per group), baseline, direct loss, substitutions, kept alive
:func:`simulate`      the propagation over the horizon
:class:`EsriResult`   ESRI per firm or group: share of output lost at the horizon and on average
:func:`esri`          the systemic-risk index for every firm (or the given ones, or per group)

Units: :class:`Network` holds values per *day*; a run with ``Settings.step_days = 7`` works in values per week
(each daily value times 7) and inventories of ``d`` days last ``d / 7`` steps. Every array a result returns is in
values per step.

Two choices matter more than they look (measured on synthetic networks, see :class:`Settings` and
:func:`esri`): under proportional rationing with final demand held at baseline, loops of firms that supply
each other wind down for good once their stocks are gone, so rationing serves firms first by default; and the
ESRI of a strictly Leontief firm (every input essential) without stocks spreads any failure through a dense
network, so pass ``essential`` (and inventories) for an index that ranks firms.
"""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainatlas.errors import ConfigError

__all__ = [
    "PARALLEL_MIN",
    "RATIONING",
    "SHOCK_KINDS",
    "SNAP_TOL",
    "EsriResult",
    "Network",
    "Result",
    "Settings",
    "Shock",
    "esri",
    "simulate",
]

#: the kinds of :class:`Shock`
SHOCK_KINDS = ("capacity", "imports")
#: how a supplier short of output shares it (:class:`Settings`)
RATIONING = ("proportional", "mixed")
#: ``Network.slot_segment`` of the input slot that holds a firm's imports
IMPORT_SLOT = -2
#: a link is short when its supplier delivers less than this share of its baseline below what was ordered
_SHORT_TOL = 1e-9
#: relative tolerance below which :func:`simulate` sets a firm's state exactly back to its baseline
SNAP_TOL = 1e-12
#: the largest ``snap`` :func:`simulate` takes: it must stay well below ``_SHORT_TOL``, the shortfall at which a
#: link counts as short for substitution (at 1e-10 a substitution can come out differently from the full sweep)
SNAP_MAX = 1e-10


# ------------------------------------------------------------------------------------------------ guards
def _int_array(values: object, param: str, n: int | None = None, *, low: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        raise ConfigError("expected an array of integers", param=param) from None
    if arr.ndim != 1:
        raise ConfigError(f"expected a 1-dimensional array, got shape {arr.shape}", param=param)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        whole = (
            np.issubdtype(arr.dtype, np.floating)
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        )
        if not whole:
            raise ConfigError(f"expected integers, got values of type {arr.dtype}", param=param)
    arr = arr.astype(np.int64, copy=True)
    if n is not None and arr.shape[0] != n:
        raise ConfigError(f"expected {n} values (one per firm), got {arr.shape[0]}", param=param)
    if low is not None and arr.size and arr.min() < low:
        k = int(np.argmin(arr))
        raise ConfigError(f"expected integers >= {low}, found {arr[k]} at position {k}", param=param)
    return arr


def _float_array(
    values: object,
    param: str,
    n: int,
    *,
    allow_nan: bool = False,
    low: float | None = 0.0,
    positive: bool = False,
) -> np.ndarray:
    try:
        out = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise ConfigError("expected numbers", param=param) from None
    if out.ndim == 0:
        out = np.full(n, float(out))
    if out.ndim != 1 or out.shape[0] != n:
        raise ConfigError(f"expected {n} values (or one number for all), got shape {out.shape}", param=param)
    bad = np.isinf(out) if allow_nan else ~np.isfinite(out)
    if bad.any():
        k = int(np.argmax(bad))
        raise ConfigError(f"expected finite numbers, found {out[k]!r} at position {k}", param=param)
    if positive:
        wrong = ~(out > 0) & ~np.isnan(out)
        if wrong.any():
            k = int(np.argmax(wrong))
            raise ConfigError(f"expected numbers > 0, found {out[k]!r} at position {k}", param=param)
    elif low is not None:
        wrong = out < low
        if wrong.any():
            k = int(np.argmax(wrong))
            raise ConfigError(f"expected numbers >= {low}, found {out[k]!r} at position {k}", param=param)
    return out


def _check_int(value: object, param: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"expected an integer >= {low}, got {value!r}", param=param)
    return int(value)


def _check_share(value: object, param: str) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"expected a number in [0, 1], got {value!r}", param=param) from None
    if not (0.0 <= v <= 1.0):
        raise ConfigError(f"expected a number in [0, 1], got {value!r}", param=param)
    return v


def _frozen(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


# ------------------------------------------------------------------------------------------------ network
@dataclass(frozen=True, eq=False)
class Network:
    """A firm-level supply network as arrays, firms indexed ``0..n-1`` (build it with :meth:`from_links`).

    All values are per day. Arrays are read-only.

    Attributes
    ----------
    n : int
        Number of firms.
    output : ndarray of float, (n,)
        Baseline output per day; ``output >= sales``.
    sales, purchases : ndarray of float, (n,)
        Baseline sales to and purchases from in-network firms per day (purchases exclude imports).
    final_demand : ndarray of float, (n,)
        ``output - sales`` (>= 0): what a firm sells outside the network (households, exports, firms not in it).
    segment, place, province : ndarray of int, (n,)
        Indexes into the caller's lists of segment labels, place codes and provinces; -1 = none.
    in_ptr, in_supplier, in_value, in_slot : ndarray
        Links by customer (CSR): the links of customer ``i`` are ``in_ptr[i]:in_ptr[i+1]``, each with its
        supplier, its value per day and the index of the customer's input slot it feeds. Within a customer,
        links are sorted by the supplier's segment, then by supplier.
    out_ptr, out_customer, out_value, out_edge : ndarray
        The same links by supplier (CSR); ``out_edge`` is the link's position in the ``in_*`` arrays.
    slot_ptr, slot_segment, slot_base, slot_a : ndarray
        Input slots: firm ``i`` has slots ``slot_ptr[i]:slot_ptr[i+1]``, one per segment its suppliers belong
        to (suppliers without a segment share one slot with ``slot_segment`` -1) and one for its imports
        (``slot_segment`` == -2, :data:`IMPORT_SLOT`); ``slot_base`` is the baseline purchase per day and
        ``slot_a = slot_base / output`` the input coefficient :math:`a_{i,s}`.
    import_value : ndarray of float, (n,)
        Baseline imports per day.
    import_partner : ndarray of int, (n,)
        Index of the partner region the firm imports from (-1 = none or unknown).
    inventory_days : ndarray of float, (n,)
        Days of baseline input use a firm holds in stock, for every input slot (0 = just in time).
    capacity : ndarray of float, (n,)
        Share of baseline output a firm can make at baseline (all 1).
    spare : ndarray of float, (n,)
        Share of its own baseline output a firm can add for new customers when they substitute a supplier.
    """

    n: int
    output: np.ndarray
    sales: np.ndarray
    purchases: np.ndarray
    final_demand: np.ndarray
    segment: np.ndarray
    place: np.ndarray
    province: np.ndarray
    in_ptr: np.ndarray
    in_supplier: np.ndarray
    in_value: np.ndarray
    in_slot: np.ndarray
    out_ptr: np.ndarray
    out_customer: np.ndarray
    out_value: np.ndarray
    out_edge: np.ndarray
    slot_ptr: np.ndarray
    slot_segment: np.ndarray
    slot_base: np.ndarray
    slot_a: np.ndarray
    import_value: np.ndarray
    import_partner: np.ndarray
    inventory_days: np.ndarray
    capacity: np.ndarray
    spare: np.ndarray

    @property
    def m(self) -> int:
        """Number of supply links."""
        return int(self.in_supplier.shape[0])

    @property
    def in_customer(self) -> np.ndarray:
        """The customer of every link, in the order of the ``in_*`` arrays."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.in_ptr))

    @classmethod
    def from_links(
        cls,
        n: int,
        supplier: Sequence[int] | np.ndarray,
        customer: Sequence[int] | np.ndarray,
        value: Sequence[float] | np.ndarray,
        output: Sequence[float] | np.ndarray | None = None,
        *,
        segment: Sequence[int] | np.ndarray | None = None,
        place: Sequence[int] | np.ndarray | None = None,
        province: Sequence[int] | np.ndarray | None = None,
        import_value: Sequence[float] | np.ndarray | float = 0.0,
        import_partner: Sequence[int] | np.ndarray | None = None,
        inventory_days: Sequence[float] | np.ndarray | float = 0.0,
        spare: Sequence[float] | np.ndarray | float = 0.0,
    ) -> Network:
        """Build a :class:`Network` from a list of supply links, checking every input.

        Parameters
        ----------
        n : int
            Number of firms (>= 1); firms are ``0..n-1``.
        supplier, customer : array_like of int, (m,)
            The two ends of each supply link (``0 <= index < n``, no self links). Several links between one
            pair are kept as they are.
        value : array_like of float, (m,)
            Baseline value of each link per day (> 0).
        output : array_like of float, (n,), optional
            Baseline output per day; NaN (or ``None`` for all) = unknown, filled with
            ``max(sales, purchases + imports)`` so that the network is consistent. A known output must be at
            least the firm's sales, and positive if the firm buys anything.
        segment, place, province : array_like of int, (n,), optional
            Indexes into the caller's label lists (-1 = none; default all -1).
        import_value : float or array_like of float, (n,)
            Baseline imports per day (>= 0).
        import_partner : array_like of int, (n,), optional
            Partner region index of each firm's imports (-1 = none; default all -1).
        inventory_days : float or array_like of float, (n,)
            Days of baseline input use held in stock per input slot (>= 0; 0 = just in time).
        spare : float or array_like of float, (n,)
            Share of its own baseline output a firm can add for new customers (>= 0).

        Returns
        -------
        Network
            With both CSR views, the input slots, :math:`a_{i,s}` and final demand.

        Notes
        -----
        Sales :math:`s_i = \\sum_j z_{ij}` and purchases :math:`p_i = \\sum_j z_{ji}` over links of value
        :math:`z`. An unknown output is :math:`x_i = \\max(s_i, p_i + m_i)` with imports :math:`m_i`; final
        demand is :math:`f_i = x_i - s_i \\ge 0`. Input slot :math:`s` of firm :math:`i` gathers its suppliers
        of one segment; :math:`a_{i,s} = \\sum_{j \\in s} z_{ji} / x_i`, and imports form one more slot with
        :math:`a_{i,\\mathrm{imp}} = m_i / x_i`.

        Examples
        --------
        >>> net = Network.from_links(3, supplier=[0, 1], customer=[2, 2], value=[30.0, 10.0],
        ...                          output=[50.0, float("nan"), 100.0], segment=[0, 1, 2])
        >>> net.output.tolist(), net.final_demand.tolist()
        ([50.0, 10.0, 100.0], [20.0, 0.0, 100.0])
        >>> net.slot_segment.tolist(), net.slot_a.tolist()
        ([0, 1], [0.3, 0.1])

        References
        ----------
        .. [1] Inoue, H. & Todo, Y. (2019). Firm-level propagation of shocks through supply-chain networks.
           Nature Sustainability 2, 841–847.
        """
        n = _check_int(n, "n", low=1)
        sup = _int_array(supplier, "supplier", low=0)
        cus = _int_array(customer, "customer", low=0)
        m = sup.shape[0]
        if cus.shape[0] != m:
            raise ConfigError(
                f"expected {m} customers (one per supplier), got {cus.shape[0]}", param="customer"
            )
        for name, arr in (("supplier", sup), ("customer", cus)):
            if m and arr.max() >= n:
                k = int(np.argmax(arr))
                raise ConfigError(f"expected firm indexes < n = {n}, found {arr[k]} at link {k}", param=name)
        loops = np.flatnonzero(sup == cus)
        if loops.size:
            k = int(loops[0])
            raise ConfigError(
                f"link {k} goes from firm {sup[k]} to itself; self links are not allowed", param="supplier"
            )
        val = _float_array(value, "value", m, positive=True)
        seg = _int_array(segment, "segment", n, low=-1) if segment is not None else np.full(n, -1, np.int64)
        plc = _int_array(place, "place", n, low=-1) if place is not None else np.full(n, -1, np.int64)
        prv = (
            _int_array(province, "province", n, low=-1) if province is not None else np.full(n, -1, np.int64)
        )
        imp = _float_array(import_value, "import_value", n)
        if import_partner is not None:
            partner = _int_array(import_partner, "import_partner", n, low=-1)
        else:
            partner = np.full(n, -1, np.int64)
        inv = _float_array(inventory_days, "inventory_days", n)
        spr = _float_array(spare, "spare", n)

        sales = np.bincount(sup, weights=val, minlength=n).astype(np.float64)
        purchases = np.bincount(cus, weights=val, minlength=n).astype(np.float64)
        if output is None:
            out = np.full(n, np.nan)
        else:
            out = _float_array(output, "output", n, allow_nan=True)
        known = ~np.isnan(out)
        short = known & (out < sales * (1 - 1e-12))
        if short.any():
            k = int(np.argmax(short))
            raise ConfigError(
                f"firm {k} has output {out[k]!r} below its sales to in-network customers {sales[k]!r}; output "
                f"must be >= sales (pass NaN to have it filled)",
                param="output",
            )
        idle = known & (out <= 0) & (purchases + imp > 0)
        if idle.any():
            k = int(np.argmax(idle))
            raise ConfigError(
                f"firm {k} buys inputs ({purchases[k] + imp[k]!r} per day) but has output {out[k]!r}; expected "
                f"output > 0 (pass NaN to have it filled)",
                param="output",
            )
        out = np.where(known, np.maximum(out, sales), np.maximum(sales, purchases + imp))
        fd = np.maximum(out - sales, 0.0)

        # links by customer, grouped by the supplier's segment: one input slot per (customer, segment)
        sseg = seg[sup]
        order = np.lexsort((sup, sseg, cus))
        in_sup, in_val, in_cus, in_seg = sup[order], val[order], cus[order], sseg[order]
        in_ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(in_cus, minlength=n), out=in_ptr[1:])
        new_slot = np.ones(m, bool)
        if m:
            new_slot[1:] = (in_cus[1:] != in_cus[:-1]) | (in_seg[1:] != in_seg[:-1])
        dom_slot = np.cumsum(new_slot) - 1  # domestic slot number, in order of (customer, segment)
        n_dom = int(new_slot.sum())
        dom_owner = in_cus[new_slot]
        dom_seg = in_seg[new_slot]
        dom_base = np.bincount(dom_slot, weights=in_val, minlength=n_dom).astype(np.float64)
        has_imp = imp > 0
        # all slots: the domestic slots of a firm, then its import slot
        owner = np.concatenate([dom_owner, np.flatnonzero(has_imp)])
        kind = np.concatenate([np.zeros(n_dom, np.int64), np.ones(int(has_imp.sum()), np.int64)])
        rank = np.lexsort((kind, owner))
        slot_of = np.empty(owner.shape[0], np.int64)
        slot_of[rank] = np.arange(owner.shape[0])
        slot_owner = owner[rank]
        slot_segment = np.concatenate([dom_seg, np.full(int(has_imp.sum()), IMPORT_SLOT, np.int64)])[rank]
        slot_base = np.concatenate([dom_base, imp[has_imp]])[rank]
        slot_ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(slot_owner, minlength=n), out=slot_ptr[1:])
        in_slot = slot_of[dom_slot]
        with np.errstate(divide="ignore", invalid="ignore"):
            slot_a = np.where(out[slot_owner] > 0, slot_base / out[slot_owner], 0.0)

        # the same links by supplier
        by_sup = np.lexsort((in_cus, in_sup))
        out_ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(in_sup, minlength=n), out=out_ptr[1:])
        net = cls(
            n=n,
            output=out,
            sales=sales,
            purchases=purchases,
            final_demand=fd,
            segment=seg,
            place=plc,
            province=prv,
            in_ptr=in_ptr,
            in_supplier=in_sup,
            in_value=in_val,
            in_slot=in_slot,
            out_ptr=out_ptr,
            out_customer=in_cus[by_sup],
            out_value=in_val[by_sup],
            out_edge=by_sup.astype(np.int64),
            slot_ptr=slot_ptr,
            slot_segment=slot_segment,
            slot_base=slot_base,
            slot_a=slot_a,
            import_value=imp,
            import_partner=partner,
            inventory_days=inv,
            capacity=np.ones(n),
            spare=spr,
        )
        _frozen(*(v for v in vars(net).values() if isinstance(v, np.ndarray)))
        return net


# ------------------------------------------------------------------------------------------------ shocks
@dataclass(frozen=True, eq=False)
class Shock:
    """One shock: a capacity cut or an import cut for firms between two steps.

    Attributes
    ----------
    kind : {'capacity', 'imports'}
        ``capacity``: the firms can make at most ``capacity`` × their baseline output (a lockdown of a place is
        capacity 0 for its firms not on the white list; a failure is capacity 0 with ``end=None``; a partial
        loss of x % is capacity ``1 - x``). ``imports``: the firms' imports from ``partner`` (every partner if
        None) are cut by the share ``cut``.
    firms : array of int or None
        The firms hit (None = every firm; for ``imports``, every firm importing from ``partner``).
    start : int
        First step of the shock (>= 0).
    end : int or None
        First step after it (exclusive; None = to the horizon). Recovery starts here.
    capacity : float
        Remaining capacity share in [0, 1] (``capacity`` shocks).
    partner : int or None
        Partner region index of an ``imports`` shock (None = all partners).
    cut : float
        Share of the imports cut, in [0, 1] (``imports`` shocks).
    """

    kind: str
    firms: np.ndarray | Sequence[int] | None
    start: int = 0
    end: int | None = None
    capacity: float = 0.0
    partner: int | None = None
    cut: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in SHOCK_KINDS:
            raise ConfigError(f"expected one of {list(SHOCK_KINDS)}, got {self.kind!r}", param="shock.kind")
        if self.firms is not None:
            object.__setattr__(self, "firms", _int_array(self.firms, "shock.firms", low=0))
        _check_int(self.start, "shock.start", low=0)
        if self.end is not None and _check_int(self.end, "shock.end", low=0) <= self.start:
            raise ConfigError(f"expected end > start = {self.start}, got {self.end}", param="shock.end")
        object.__setattr__(self, "capacity", _check_share(self.capacity, "shock.capacity"))
        object.__setattr__(self, "cut", _check_share(self.cut, "shock.cut"))
        if self.partner is not None:
            _check_int(self.partner, "shock.partner", low=0)


@dataclass(frozen=True)
class Settings:
    """How a run goes.

    Attributes
    ----------
    steps : int
        Horizon in steps (>= 1).
    step_days : int
        Days per step: 1 (daily) or 7 (weekly) usually (>= 1).
    substitution : bool
        Whether customers replace a supplier that delivers less than ordered (see :func:`simulate`).
    switch_delay : int
        Steps of shortage on a link before its customer switches (0 = in the first step of shortage).
    search_radius_km : float or None
        Substitutes must lie within this distance of the customer (place centroids); None = anywhere.
    recovery_steps : int
        Capacity (and imports) return linearly over this many steps after a shock ends; 0 = at once.
    seed : int
        Seed of the permutation that breaks ties between equally near substitutes.
    refill_steps : int
        Inventory gaps are closed over this many steps (Inoue & Todo's τ; 1 = order the whole gap at once).
    rationing : {'mixed', 'proportional'}
        How a supplier short of output shares it. ``mixed`` (default; Pichler & Farmer's mixed
        proportional-priority rationing): its customer firms first, in proportion to their orders, and final
        demand gets what is left. ``proportional``: every customer and final demand in proportion to its
        order. Under proportional rationing final demand, held at baseline, takes a growing share of a
        shrinking output away from firms that supply each other; such loops wind down and, once their stocks
        are gone, never come back (a synthetic 30k-firm network lost 94 % of its output a year after a 4-week
        lockdown of a tenth of its places, against full recovery with ``mixed``).
    overproduction : float
        Share of baseline output a firm can make on top of its capacity when orders exceed baseline (to refill
        its customers' stocks after a shock; Hallegatte's ARIO overproduction). 0 = capacity caps output at
        baseline, and stocks drawn down by a shock can only be refilled at the expense of other customers.
    """

    steps: int = 52
    step_days: int = 7
    substitution: bool = False
    switch_delay: int = 1
    search_radius_km: float | None = None
    recovery_steps: int = 0
    seed: int = 0
    refill_steps: int = 1
    rationing: str = "mixed"
    overproduction: float = 0.0

    def __post_init__(self) -> None:
        _check_int(self.steps, "settings.steps", low=1)
        _check_int(self.step_days, "settings.step_days", low=1)
        if not isinstance(self.substitution, (bool, np.bool_)):
            raise ConfigError(
                f"expected true or false, got {self.substitution!r}", param="settings.substitution"
            )
        _check_int(self.switch_delay, "settings.switch_delay", low=0)
        if self.search_radius_km is not None:
            r = self.search_radius_km
            if (
                isinstance(r, bool)
                or not isinstance(r, (int, float, np.number))
                or not (np.isfinite(r) and r > 0)
            ):
                raise ConfigError(
                    f"expected a distance in km > 0 or none, got {r!r}", param="settings.search_radius_km"
                )
        _check_int(self.recovery_steps, "settings.recovery_steps", low=0)
        _check_int(self.seed, "settings.seed", low=0)
        _check_int(self.refill_steps, "settings.refill_steps", low=1)
        if self.rationing not in RATIONING:
            raise ConfigError(
                f"expected one of {list(RATIONING)}, got {self.rationing!r}", param="settings.rationing"
            )
        o = self.overproduction
        if (
            isinstance(o, bool)
            or not isinstance(o, (int, float, np.number))
            or not (np.isfinite(o) and o >= 0)
        ):
            raise ConfigError(f"expected a share >= 0, got {o!r}", param="settings.overproduction")


@dataclass(frozen=True, eq=False)
class Result:
    """What :func:`simulate` returns (values per step).

    Attributes
    ----------
    output : ndarray of float, (steps, units)
        Output per step of every firm, or of every group when the run was aggregated (``units`` = firms or
        groups); includes what substitutes made for their new customers.
    baseline : ndarray of float, (units,)
        Baseline output per step.
    direct : ndarray of float, (steps, units)
        Direct loss: :math:`\\min(x_i (1 - c_i(t)), \\max(0, x_i - y_i(t)))`, the capacity a shock removed,
        capped by the firm's actual loss.
    substitutions : dict of str to ndarray
        One row per switch (DataFrame-ready): ``step`` (when it began), ``end`` (the step it ended at, -1 if
        it lasted to the horizon), ``customer``, ``old_supplier``, ``new_supplier``, ``value`` (volume per step
        committed) and ``delivered`` (total delivered).
    kept_alive : ndarray of float, (n,) or None
        For the white-listed firms of the run (0 elsewhere): the output of their customers attributable to
        their deliveries, summed over the steps at which a shock (or its recovery) held some capacity or
        imports below baseline (None without a white list).
    step_days : int
        Days per step.
    groups : int or None
        Number of groups when aggregated, else None.
    computed : ndarray of int, (steps,) or None
        Firms whose production the engine computed at each step: its active set (all of them in a full sweep).
    """

    output: np.ndarray
    baseline: np.ndarray
    direct: np.ndarray
    substitutions: dict[str, np.ndarray]
    kept_alive: np.ndarray | None
    step_days: int
    groups: int | None = None
    computed: np.ndarray | None = None

    @property
    def loss(self) -> np.ndarray:
        """Output lost per step: ``baseline - output`` (negative for substitutes that sold more)."""
        return self.baseline[None, :] - self.output

    @property
    def indirect(self) -> np.ndarray:
        """Indirect loss per step: ``loss - direct``."""
        return self.loss - self.direct


@dataclass(frozen=True, eq=False)
class EsriResult:
    """The economic systemic risk index of firms (or groups).

    Attributes
    ----------
    index : ndarray of int
        The failing firm of each entry (or the group label when computed per group).
    esri : ndarray of float
        Share of total baseline output lost at the horizon's last step when that firm (group) fails.
    mean : ndarray of float
        Share of total baseline output lost, averaged over the horizon's steps.
    affected : ndarray of int
        Firms producing less than baseline at the last step (the failing ones included).
    steps : int
        Steps of propagation.
    """

    index: np.ndarray
    esri: np.ndarray
    mean: np.ndarray
    affected: np.ndarray
    steps: int


# ------------------------------------------------------------------------------------------------ kernels
def _plan_orders(  # pragma: no cover - compiled by numba with the kernel (the python engine runs it as it is)
    i, p_i, slot_ptr, slot_a, slot_base, slot_target, S, R, need, ff, refill, active, snap
):
    """Firm ``i``'s orders for the next step (Notes, 2): planned output ``p_i`` x a_is plus the inventory gap,
    as factors of each input slot's baseline purchase (``ff[s] = [order, what the firm means to use]``)."""
    for s in range(slot_ptr[i], slot_ptr[i + 1]):
        use = slot_a[s] * p_i
        # stock expected at the start of the step after, when what is ordered now arrives
        ahead = max(0.0, S[s] + R[s] - use)
        nd = max(0.0, use + (slot_target[s] - ahead) / refill)
        # stock top-ups are one-off: suppliers plan on what their customers mean to use; an order within
        # `snap` of the baseline is the baseline order
        f_ord = nd / slot_base[s]
        f_use = use / slot_base[s]
        if active and abs(f_ord - 1.0) <= snap and abs(f_use - 1.0) <= snap:
            f_ord = 1.0
            f_use = 1.0
            nd = slot_base[s]
        need[s] = nd
        ff[s, 0] = f_ord
        ff[s, 1] = f_use


def _simulate_kernel(  # pragma: no cover - compiled by numba (the python engine runs it as it is)
    steps,
    o,
    fd,
    in_ptr,
    in_sup,
    in_val,
    in_white,
    out_ptr,
    out_cust,
    slot_ptr,
    slot_lp,
    slot_base,
    slot_a,
    slot_target,
    slot_seg,
    imp_partner,
    refill,
    over,
    sh_ptr,
    sh_firms,
    sh_kind,
    sh_start,
    sh_end,
    sh_level,
    sh_partner,
    recovery,
    mixed,
    substitution,
    delay,
    radius,
    seg_ptr,
    bucket_ptr,
    cand_firms,
    place,
    dist,
    place_order,
    spare_abs,
    firm_seg,
    firm_key,
    order,
    labels,
    n_groups,
    g_base,
    grp_ptr,
    grp_firms,
    track_white,
    active,
    snap,
):
    """The whole run: ``steps`` steps of capacities, orders, production, rationing, substitution, inventories.

    See :func:`simulate` for the equations and the active set. The links of input slot ``s`` are
    ``slot_lp[s]:slot_lp[s+1]`` (none for imports); the candidate substitutes of segment ``g`` are
    ``cand_firms[seg_ptr[g]:seg_ptr[g+1]]`` and those of a (segment, place) key
    ``cand_firms[bucket_ptr[key]:bucket_ptr[key+1]]``. Loops over firms run in parallel (``_prange``) and write
    only what belongs to their firm or set a flag to true; the customers' orders are summed into two arrays,
    one per half of the customers (each in firm order, so the result does not depend on the number of
    threads); substitution runs in firm order on one thread. Without ``active`` every firm and link is
    computed at every step (the full sweep, the reference). Returns ``(output, direct, kept_alive, subs,
    computed)`` with ``subs`` a (k, 7) float array of switches and ``computed`` the number of firms whose
    production was computed at each step.
    """
    n = o.shape[0]
    m = in_sup.shape[0]
    n_slots = slot_base.shape[0]
    n_places = dist.shape[0]
    # state: every firm starts at its baseline; a firm outside the active set holds exactly these values
    S = slot_target.copy()  # stock per input slot
    R = slot_base.copy()  # arriving this step (shipped the step before)
    need = slot_base.copy()  # ordered per slot this step
    # per slot, [order, what the firm means to use] / baseline purchase (1 outside the active set): the
    # order on a link is its baseline value times the first
    ff = np.ones((n_slots, 2))
    plan = o.copy()  # what customers meant to use at the previous step, plus final demand
    arrive = in_val.copy() if track_white else np.zeros(0)  # shipment on each link arriving this step
    # demand on each firm, [orders, what customers mean to use], is the baseline D0 (final demand plus the
    # baseline orders) plus the deviations of the customers away from baseline, summed per half of the
    # customers (the halves split the links evenly)
    D0 = fd.copy()
    for e in range(m):
        D0[in_sup[e]] += in_val[e]
    half = 0
    while half < n and in_ptr[half] < m // 2:
        half += 1
    c_lo = np.array([0, half])
    c_hi = np.array([half, n])
    dev = np.zeros((2, n, 2))
    x = o.copy()
    ratio = np.ones(n)
    y = o.copy()  # output this step (baseline outside the firms that moved)
    lost_direct = np.zeros(n)
    # capacities and import availability of this step and of the next one (orders are planned ahead)
    cap = np.ones(n)
    impf = np.ones(n)
    hit = np.zeros(n, np.bool_)  # a shock holds its capacity or imports below baseline at this step
    hit_list = np.empty(n, np.int64)
    n_hit = 0
    cap_n = np.ones(n)
    impf_n = np.ones(n)
    hit_n = np.zeros(n, np.bool_)
    hit_list_n = np.empty(n, np.int64)
    n_hit_n = 0
    disrupted = False
    disrupted_n = False
    in_w = np.zeros(n, np.bool_)  # away from baseline at the start of the step
    in_c = np.zeros(n, np.bool_)  # production computed at this step
    in_q = np.zeros(n, np.bool_)  # a supplier rationed it at this step
    todo = np.zeros(n, np.bool_)  # a link short or a shortage episode under way: substitution has work
    if not active:
        in_w[:] = True
        in_q[:] = True
    g_touch = np.zeros(n_groups, np.bool_)
    out = np.zeros((steps, n_groups))
    direct = np.zeros((steps, n_groups))
    computed = np.zeros(steps, np.int64)
    # kept alive: the baseline credit per step, plus the deviations of the firms that moved
    k_base = np.zeros(n)
    k_dev = np.zeros(n)
    n_disrupted = 0
    if track_white:
        for i in range(n):
            for s in range(slot_ptr[i], slot_ptr[i + 1]):
                for e in range(slot_lp[s], slot_lp[s + 1]):
                    if in_white[e]:
                        k_base[in_sup[e]] += o[i] * in_val[e] / slot_base[s]
    n_sub = m if substitution else 0
    counter = np.zeros(n_sub, np.int32)
    searched = np.zeros(n_sub, np.bool_)
    head = np.full(n_sub, -1, np.int64)
    n_open = np.zeros(n, np.int32)  # links of a firm with a shortage episode under way
    short_e = np.zeros(n_sub)  # what each link of a firm substitution visits lacks at this step
    # the links substitution visits, firm i's at work_e[in_ptr[i]:in_ptr[i] + n_work_e[i]], with their slots
    work_e = np.zeros(n_sub, np.int64)
    work_s = np.zeros(n_sub, np.int64)
    n_work_e = np.zeros(n, np.int64)
    released = np.zeros(n_sub, np.bool_)  # a switch of the link ended at this step
    spare_left = spare_abs.copy()
    # what each candidate can give, in the order of cand_firms (0 while it is shocked), so that a search reads
    # its pool in sequence; cpos: the firm's place in its segment's pool and in its (segment, place) pool
    avail = np.zeros(cand_firms.shape[0] if substitution else 0)
    cpos = np.full((n if substitution else 0, 2), -1, np.int64)
    for u in range(avail.shape[0]):
        k2 = cand_firms[u]
        cpos[k2, 0 if u < seg_ptr[seg_ptr.shape[0] - 1] else 1] = u
        avail[u] = spare_abs[k2]
    # spare left per segment and per (segment, place), so that a search skips pools with none left
    seg_spare = np.zeros(max(seg_ptr.shape[0] - 1, 0))
    key_spare = np.zeros(max(bucket_ptr.shape[0] - 1, 0))
    if substitution:
        for f in range(n):
            if firm_seg[f] >= 0:
                seg_spare[firm_seg[f]] += spare_abs[f]
            if firm_key[f] >= 0:
                key_spare[firm_key[f]] += spare_abs[f]
    # switches: [customer, old supplier, new supplier, start, end (-1 while under way), next switch of the
    # link] and [volume per step, delivered, delivered at this step]
    sw = np.empty((64, 6), np.int64)
    sw_v = np.zeros((64, 3))
    n_c = 0
    n_live = 0  # switches under way
    n_spare = 0  # firms with spare capacity
    for f in range(n):
        if spare_abs[f] > 0.0:
            n_spare += 1
    todo_list = np.empty(n if substitution else 0, np.int64)
    n_shocks = sh_kind.shape[0]
    big = not active  # most firms moved at this step: sum the output of every firm
    # step -1 only sets the capacities of step 0 and the orders of the firms shocked at it
    for t in range(-1, steps):
        now = t >= 0
        if now:
            # demand (Notes, 2): a supplier's moves by its customers' orders minus their baseline orders (the
            # orders of this step were planned at the end of the step before), summed per half of the customers
            for h in _prange(2):
                dh = dev[h]
                for i in range(c_lo[h], c_hi[h]):
                    if not (in_w[i] or hit[i]):
                        continue
                    for s in range(slot_ptr[i], slot_ptr[i + 1]):
                        f_ord = ff[s, 0]
                        f_use = ff[s, 1]
                        if f_ord == 1.0 and f_use == 1.0:
                            continue
                        for e in range(slot_lp[s], slot_lp[s + 1]):
                            j = in_sup[e]
                            v = in_val[e]
                            dh[j, 0] += v * f_ord - v
                            dh[j, 1] += v * f_use - v
            # production (3): capacity, scarcest input after inventory, demand; the rationing ratio (4), the
            # customers of a firm that rations are marked; a firm at baseline but for its demand is computed
            # when its demand moved
            n_work = 0
            for i in _prange(n):
                planned = in_w[i] or hit[i]
                a0 = dev[0, i, 0]
                a1 = dev[0, i, 1]
                b0 = dev[1, i, 0]
                b1 = dev[1, i, 1]
                moved = a0 != 0.0 or a1 != 0.0 or b0 != 0.0 or b1 != 0.0
                if not (planned or moved):
                    if ratio[i] != 1.0:
                        ratio[i] = 1.0
                    continue
                d_i = D0[i]
                u_i = D0[i]
                if moved:
                    d_i = D0[i] + a0 + b0
                    u_i = D0[i] + a1 + b1
                    dev[0, i, 0] = 0.0
                    dev[0, i, 1] = 0.0
                    dev[1, i, 0] = 0.0
                    dev[1, i, 1] = 0.0
                in_c[i] = True
                n_work += 1
                plan[i] = u_i
                lim = min(cap[i] * over * o[i], d_i)
                for s in range(slot_ptr[i], slot_ptr[i + 1]):
                    if slot_a[s] > 0.0:
                        v = (S[s] + R[s]) / slot_a[s]
                        lim = min(lim, v)
                xi = max(0.0, lim)
                x[i] = xi
                if mixed:
                    # firms first: final demand is served from what their orders leave
                    firms = d_i - fd[i]
                    rt = min(1.0, xi / firms) if firms > 0.0 else 0.0
                else:
                    rt = xi / d_i if d_i > 0.0 else 0.0
                if active and abs(rt - 1.0) <= snap:
                    rt = 1.0
                ratio[i] = rt
                if active and rt != 1.0:
                    for p in range(out_ptr[i], out_ptr[i + 1]):
                        in_q[out_cust[p]] = True
            computed[t] = n_work
            if active:
                big = 4 * n_work > n
            if track_white and disrupted:
                # kept alive: the deviations from the baseline credit of the firms computed
                n_disrupted += 1
                for i in range(n):
                    if not in_c[i]:
                        continue
                    for s in range(slot_ptr[i], slot_ptr[i + 1]):
                        for e in range(slot_lp[s], slot_lp[s + 1]):
                            if in_white[e]:
                                v = 0.0
                                # a slot (nearly) nothing reaches credits nobody: no 0/0 from rounding
                                if x[i] > 0.0 and R[s] > _SHORT_TOL * slot_base[s]:
                                    v = x[i] * arrive[e] / R[s]
                                k_dev[in_sup[e]] += v - o[i] * in_val[e] / slot_base[s]
        # capacities and import availability of the next step (1)
        for q in range(n_hit_n):
            f = hit_list_n[q]
            cap_n[f] = 1.0
            impf_n[f] = 1.0
            hit_n[f] = False
        n_hit_n = 0
        disrupted_n = False
        t1 = t + 1
        for k in range(n_shocks if t1 < steps else 0):
            if t1 < sh_start[k]:
                continue
            frac = 0.0
            if sh_end[k] >= 0 and t1 >= sh_end[k]:
                if recovery == 0 or t1 >= sh_end[k] + recovery:
                    continue
                frac = (t1 - sh_end[k] + 1) / recovery
            if sh_kind[k] == 0:
                lvl = sh_level[k] + (1.0 - sh_level[k]) * frac
            else:
                lvl = 1.0 - sh_level[k] * (1.0 - frac)
            if lvl >= 1.0:
                continue
            disrupted_n = True
            for q in range(sh_ptr[k], sh_ptr[k + 1]):
                f = sh_firms[q]
                if sh_kind[k] == 0:
                    cap_n[f] = min(cap_n[f], lvl)
                elif sh_partner[k] < 0 or imp_partner[f] == sh_partner[k]:
                    impf_n[f] = min(impf_n[f], lvl)
                else:
                    continue
                if not hit_n[f]:
                    hit_n[f] = True
                    hit_list_n[n_hit_n] = f
                    n_hit_n += 1
        # per firm: what it receives (4), its stocks (6), output and direct loss; back within `snap` of its
        # baseline (stocks, arrivals, plan) with no shortage episode, it is set to the baseline and leaves the
        # active set; then its orders for the next step (2)
        n_todo = 0
        for i in _prange(n):
            c_i = now and in_c[i]
            moved = now and (in_w[i] or hit[i] or in_q[i])
            if not (c_i or moved or hit_n[i]):
                continue
            away = False
            if moved:
                # shipments in proportion to orders; imports up to what the partner still sends
                short_any = n_open[i] > 0
                rationed = in_q[i]  # else every supplier delivers what was ordered: no link to visit
                n_w = 0  # links substitution has work on: short, or with an episode under way
                for s in range(slot_ptr[i], slot_ptr[i + 1]):
                    # stocks: + received - used
                    xi = x[i] if c_i else o[i]
                    S[s] = max(0.0, S[s] + R[s] - slot_a[s] * xi)
                    if slot_seg[s] == -2:
                        R[s] = min(slot_base[s] * impf[i], need[s])
                        continue
                    f_ord = ff[s, 0]
                    if not rationed:
                        R[s] = slot_base[s] * f_ord
                        if track_white or short_any:
                            for e in range(slot_lp[s], slot_lp[s + 1]):
                                oe = in_val[e] * f_ord
                                if track_white:
                                    arrive[e] = oe
                                if short_any and counter[e] > 0:
                                    short_e[e] = min(in_val[e], oe) - oe
                                    work_e[in_ptr[i] + n_w] = e
                                    work_s[in_ptr[i] + n_w] = s
                                    n_w += 1
                        continue
                    tot = 0.0
                    for e in range(slot_lp[s], slot_lp[s + 1]):
                        oe = in_val[e] * f_ord
                        ship = oe * ratio[in_sup[e]]
                        if track_white:
                            arrive[e] = ship
                        tot += ship
                        if substitution:
                            # what the link lacks, for substitution
                            short = min(in_val[e], oe) - ship
                            if short > _SHORT_TOL * in_val[e] or counter[e] > 0:
                                short_e[e] = short
                                work_e[in_ptr[i] + n_w] = e
                                work_s[in_ptr[i] + n_w] = s
                                n_w += 1
                    R[s] = tot
                n_work_e[i] = n_w
                todo[i] = n_w > 0
                away = n_w > 0
                if away:
                    n_todo += 1
            elif c_i:
                for s in range(slot_ptr[i], slot_ptr[i + 1]):
                    S[s] = max(0.0, S[s] + R[s] - slot_a[s] * x[i])
            if c_i or moved:
                # output and direct loss
                yi = x[i] if c_i else o[i]
                g2 = labels[i]
                if g2 >= 0 and yi != o[i]:
                    y[i] = yi
                    g_touch[g2] = True
                    if c_i and cap[i] < 1.0 and o[i] - yi > 0.0:
                        lost_direct[i] = min(o[i] - yi, o[i] * (1.0 - cap[i]))
                in_c[i] = False
                in_q[i] = not active
                away = away or not active or n_open[i] > 0 or abs(plan[i] - o[i]) > snap * o[i]
                for s in range(slot_ptr[i], slot_ptr[i + 1]):
                    if away:
                        break
                    tol = snap * slot_base[s]
                    away = abs(S[s] - slot_target[s]) > tol or abs(R[s] - slot_base[s]) > tol
                in_w[i] = away
                if not away:
                    plan[i] = o[i]
                    for s in range(slot_ptr[i], slot_ptr[i + 1]):
                        S[s] = slot_target[s]
                        R[s] = slot_base[s]
                        need[s] = slot_base[s]
                        ff[s, 0] = 1.0
                        ff[s, 1] = 1.0
                    if track_white:
                        for e in range(in_ptr[i], in_ptr[i + 1]):
                            arrive[e] = in_val[e]
            if todo[i] or not (away or hit_n[i]):
                continue
            # next step's orders, split over suppliers by baseline shares (a firm substitution visits plans
            # after it)
            p_i = min(plan[i], cap_n[i] * over * o[i])
            _plan_orders(
                i, p_i, slot_ptr, slot_a, slot_base, slot_target, S, R, need, ff, refill, active, snap
            )
        if now and n_todo > 0:
            # substitution (5). The firms with work, in the caller's order
            n_todo = 0
            for r in range(n):
                i = order[r]
                if todo[i]:
                    todo[i] = False
                    todo_list[n_todo] = i
                    n_todo += 1
            # a) per firm, in parallel, what touches only its own links: shortage counters, the switches of its
            #    links that end (episode over, or the substitute shocked) and what the others deliver
            for q1 in _prange(n_todo):
                i1 = todo_list[q1]
                for w1 in range(in_ptr[i1], in_ptr[i1] + n_work_e[i1]):
                    e1 = work_e[w1]
                    left = short_e[e1]
                    if left <= _SHORT_TOL * in_val[e1]:
                        if counter[e1] == 0:
                            continue
                        # delivered in full: the episode ends, its substitutes are released (b)
                        counter[e1] = 0
                        n_open[i1] -= 1
                        searched[e1] = False
                        released[e1] = True
                        c1 = head[e1]
                        while c1 >= 0:
                            if sw[c1, 4] < 0:
                                sw[c1, 4] = t
                            c1 = sw[c1, 5]
                        continue
                    if counter[e1] == 0:
                        n_open[i1] += 1
                    counter[e1] += 1
                    # substitutes already committed deliver first
                    c1 = head[e1]
                    while c1 >= 0:
                        if sw[c1, 4] < 0:
                            if cap[sw[c1, 2]] < 1.0:
                                sw[c1, 4] = t
                                released[e1] = True
                            elif left > 0.0:
                                d1 = min(left, sw_v[c1, 0])
                                left = left - d1
                                R[work_s[w1]] += d1
                                sw_v[c1, 1] += d1
                                sw_v[c1, 2] = d1
                        c1 = sw[c1, 5]
                    short_e[e1] = left  # what is left for a search
            # their sales count in the substitutes' output (in the order of the switches)
            for c in range(n_c):
                d = sw_v[c, 2]
                if d > 0.0:
                    sw_v[c, 2] = 0.0
                    k2 = sw[c, 2]
                    if labels[k2] >= 0:
                        y[k2] += d
                        g_touch[labels[k2]] = True
            # room for the switches the searches can start, before their loop (an array that grows inside a
            # loop costs every iteration of it): a search starts one switch per candidate it empties of spare
            # plus one, and a firm is emptied at most once per step plus once per switch of it that ends
            n_search = 0
            for q_todo in range(n_todo):
                i = todo_list[q_todo]
                for w in range(in_ptr[i], in_ptr[i] + n_work_e[i]):
                    if slot_seg[work_s[w]] >= 0 and not searched[work_e[w]]:
                        n_search += 1
            room = n_c + n_search + n_spare + n_live
            if room > sw.shape[0]:
                size = max(room, 2 * sw.shape[0])
                # copied element by element: numba 0.68's parallel slice copy of these goes out of bounds
                sw_grown = np.empty((size, 6), np.int64)
                sw_v_grown = np.zeros((size, 3))
                for c in range(n_c):
                    for col in range(6):
                        sw_grown[c, col] = sw[c, col]
                    for col in range(3):
                        sw_v_grown[c, col] = sw_v[c, col]
                sw = sw_grown
                sw_v = sw_v_grown
            # b) in the caller's firm order, what the firms share: the spare of the switches that ended comes
            #    back, then the links still short search for substitutes
            for q_todo in range(n_todo):
                i = todo_list[q_todo]
                for w in range(in_ptr[i], in_ptr[i] + n_work_e[i]):
                    e = work_e[w]
                    s = work_s[w]
                    if released[e]:
                        released[e] = False
                        c = head[e]
                        while c >= 0:
                            if sw[c, 4] == t:
                                n_live -= 1
                                k2 = sw[c, 2]
                                spare_left[k2] += sw_v[c, 0]
                                seg_spare[firm_seg[k2]] += sw_v[c, 0]
                                if firm_key[k2] >= 0:
                                    key_spare[firm_key[k2]] += sw_v[c, 0]
                                sp = spare_left[k2] if cap[k2] >= 1.0 else 0.0
                                if cpos[k2, 0] >= 0:
                                    avail[cpos[k2, 0]] = sp
                                if cpos[k2, 1] >= 0:
                                    avail[cpos[k2, 1]] = sp
                            c = sw[c, 5]
                        if counter[e] == 0:  # the episode ended
                            head[e] = -1
                            continue
                    short = short_e[e]
                    if (
                        counter[e] <= delay
                        or searched[e]
                        or slot_seg[s] < 0
                        or short <= _SHORT_TOL * in_val[e]
                    ):
                        continue
                    searched[e] = True
                    j = in_sup[e]
                    g = slot_seg[s]
                    pl = place[i]
                    n_rounds = 1 if n_places == 0 or pl < 0 else n_places + 1
                    if n_places > 0 and pl < 0 and radius >= 0.0:
                        n_rounds = 0
                    for r in range(n_rounds):
                        if short <= _SHORT_TOL * in_val[e]:
                            break
                        if n_places == 0 or pl < 0:
                            if seg_spare[g] <= _SHORT_TOL * in_val[e]:
                                break
                            lo = seg_ptr[g]
                            hi = seg_ptr[g + 1]
                        else:
                            if r < n_places:
                                q = place_order[pl, r]
                                if radius >= 0.0 and dist[pl, q] > radius:
                                    break
                            else:
                                if radius >= 0.0:
                                    break
                                q = n_places  # firms without a place, when there is no radius
                            key = g * (n_places + 1) + q
                            if key_spare[key] <= _SHORT_TOL * in_val[e]:
                                continue
                            lo = bucket_ptr[key]
                            hi = bucket_ptr[key + 1]
                        for u in range(lo, hi):
                            if avail[u] <= 0.0:  # no spare left, or shocked
                                continue
                            k2 = cand_firms[u]
                            if k2 == i or k2 == j:
                                continue
                            d = min(short, spare_left[k2])
                            spare_left[k2] -= d
                            seg_spare[g] -= d
                            if firm_key[k2] >= 0:
                                key_spare[firm_key[k2]] -= d
                            sp = spare_left[k2] if cap[k2] >= 1.0 else 0.0
                            if cpos[k2, 0] >= 0:
                                avail[cpos[k2, 0]] = sp
                            if cpos[k2, 1] >= 0:
                                avail[cpos[k2, 1]] = sp
                            sw[n_c, 0] = i
                            sw[n_c, 1] = j
                            sw[n_c, 2] = k2
                            sw[n_c, 3] = t
                            sw[n_c, 4] = -1
                            sw[n_c, 5] = head[e]
                            sw_v[n_c, 0] = d
                            sw_v[n_c, 1] = d
                            head[e] = n_c
                            n_c += 1
                            n_live += 1
                            short -= d
                            R[s] += d
                            if labels[k2] >= 0:
                                y[k2] += d
                                g_touch[labels[k2]] = True
                            if short <= _SHORT_TOL * in_val[e]:
                                break
            # c) their orders of the next step, now that substitutes delivered (2)
            for q_todo in _prange(n_todo):
                i = todo_list[q_todo]
                p_i = min(plan[i], cap_n[i] * over * o[i])
                _plan_orders(
                    i, p_i, slot_ptr, slot_a, slot_base, slot_target, S, R, need, ff, refill, active, snap
                )
        if now:
            # output (and direct loss) per group: the baseline, summed again in firm order where a firm
            # moved (every firm's output in one pass when many moved: the same sums)
            if big:
                for g in range(n_groups):
                    out[t, g] = 0.0
                for i in range(n):
                    g2 = labels[i]
                    if g2 < 0:
                        continue
                    out[t, g2] += y[i]
                    y[i] = o[i]
                    if lost_direct[i] != 0.0:
                        direct[t, g2] += lost_direct[i]
                        lost_direct[i] = 0.0
                for g in range(n_groups):
                    if not g_touch[g]:
                        out[t, g] = g_base[g]
                    g_touch[g] = False
            else:
                for g in _prange(n_groups):
                    if not g_touch[g]:
                        out[t, g] = g_base[g]
                        continue
                    g_touch[g] = False
                    tot = 0.0
                    tot_d = 0.0
                    for q in range(grp_ptr[g], grp_ptr[g + 1]):
                        f = grp_firms[q]
                        tot += y[f]
                        y[f] = o[f]
                        if lost_direct[f] != 0.0:
                            tot_d += lost_direct[f]
                            lost_direct[f] = 0.0
                    out[t, g] = tot
                    direct[t, g] = tot_d
        # the next step's capacities become this step's
        cap, cap_n = cap_n, cap
        impf, impf_n = impf_n, impf
        hit, hit_n = hit_n, hit
        hit_list, hit_list_n = hit_list_n, hit_list
        n_hit, n_hit_n = n_hit_n, n_hit
        disrupted, disrupted_n = disrupted_n, disrupted
        if substitution:
            # candidates shocked at the new step give nothing, those no longer shocked their spare again
            for q in range(n_hit + n_hit_n):
                k2 = hit_list[q] if q < n_hit else hit_list_n[q - n_hit]
                sp = spare_left[k2] if cap[k2] >= 1.0 else 0.0
                if cpos[k2, 0] >= 0:
                    avail[cpos[k2, 0]] = sp
                if cpos[k2, 1] >= 0:
                    avail[cpos[k2, 1]] = sp
    kept = np.zeros(n)
    if track_white:
        for j in range(n):
            kept[j] = n_disrupted * k_base[j] + k_dev[j]
    subs = np.empty((n_c, 7))
    for c in range(n_c):
        subs[c, 0] = sw[c, 3]
        subs[c, 1] = sw[c, 4]
        subs[c, 2] = sw[c, 0]
        subs[c, 3] = sw[c, 1]
        subs[c, 4] = sw[c, 2]
        subs[c, 5] = sw_v[c, 0]
        subs[c, 6] = sw_v[c, 1]
    return out, direct, kept, subs, computed


def _esri_kernel(  # pragma: no cover - compiled by numba (the python engine runs it as it is)
    steps,
    o,
    fd,
    in_ptr,
    in_sup,
    in_val,
    in_slot,
    out_ptr,
    out_cust,
    out_val,
    out_edge,
    slot_ptr,
    slot_base,
    slot_ess,
    slot_seg,
    sigma0,
    beta,
    fail_ptr,
    fail_firms,
    total,
    tol,
    spread,
):
    """ESRI of every failing set ``fail_firms[fail_ptr[k]:fail_ptr[k+1]]``: one sparse propagation each.

    Only firms whose inputs, demand or stocks moved are visited; the buffers are reset to the baseline for
    exactly the firms a run touched, so the cost of a firm's index is the size of the cascade it starts.
    ``h`` is the production level (it sets the demand on suppliers), ``hs`` the level deliveries to customers
    follow: ``h`` itself when ``spread`` (Diem et al.), else the input-limited level.
    """
    n = o.shape[0]
    n_slots = slot_base.shape[0]
    n_sets = fail_ptr.shape[0] - 1
    h = np.ones(n)
    hs = np.ones(n)
    dem = np.empty(n)  # demand on each firm: final demand + customers' production x link value
    for i in range(n):
        dem[i] = o[i]
    pi = np.ones(n_slots)  # arrivals in each slot relative to baseline
    sig = sigma0.copy()  # stock in steps of baseline use
    failing = np.zeros(n, np.bool_)
    touched = np.zeros(n, np.bool_)
    touched_list = np.empty(n, np.int64)
    in_cand = np.zeros(n, np.bool_)
    cand = np.empty(n, np.int64)
    nxt = np.empty(n, np.int64)
    hnew = np.empty(n)
    hsnew = np.empty(n)
    res = np.zeros(n_sets)
    mean = np.zeros(n_sets)
    affected = np.zeros(n_sets, np.int64)
    for k in range(n_sets):
        n_t = 0
        n_c = 0
        loss = 0.0
        # step 0: the failing firms stop
        for q in range(fail_ptr[k], fail_ptr[k + 1]):
            f = fail_firms[q]
            failing[f] = True
        for q in range(fail_ptr[k], fail_ptr[k + 1]):
            f = fail_firms[q]
            if h[f] == 0.0:
                continue
            dh = -h[f]
            h[f] = 0.0
            hs[f] = 0.0
            loss += o[f]
            if not touched[f]:
                touched[f] = True
                touched_list[n_t] = f
                n_t += 1
            for e in range(out_ptr[f], out_ptr[f + 1]):
                c = out_cust[e]
                s = in_slot[out_edge[e]]
                pi[s] -= out_val[e] / slot_base[s]
                if not touched[c]:
                    touched[c] = True
                    touched_list[n_t] = c
                    n_t += 1
                if not in_cand[c] and not failing[c]:
                    in_cand[c] = True
                    cand[n_c] = c
                    n_c += 1
            for e in range(in_ptr[f], in_ptr[f + 1]):
                u = in_sup[e]
                dem[u] += in_val[e] * dh
                if not touched[u]:
                    touched[u] = True
                    touched_list[n_t] = u
                    n_t += 1
                if not in_cand[u] and not failing[u]:
                    in_cand[u] = True
                    cand[n_c] = u
                    n_c += 1
        total_loss = loss
        t_done = 1
        for t in range(1, steps):
            if n_c == 0:
                break
            # production levels from the inputs and demand of step t (synchronous update)
            for q in range(n_c):
                i = cand[q]
                hd = 1.0
                ne_num = 0.0
                ne_den = 0.0
                for s in range(slot_ptr[i], slot_ptr[i + 1]):
                    if slot_seg[s] == -2:
                        continue
                    av = pi[s] + sig[s]
                    if slot_ess[s]:
                        hd = min(hd, av)
                    else:
                        ne_num += slot_base[s] * (min(1.0, av))
                        ne_den += slot_base[s]
                if ne_den > 0.0:
                    v = beta + (1.0 - beta) * ne_num / ne_den
                    hd = min(hd, v)
                hu = dem[i] / o[i] if o[i] > 0.0 else 1.0
                hd = max(0.0, min(1.0, hd))
                hnew[q] = min(hu, hd)
                hsnew[q] = hnew[q] if spread else hd
            n_n = 0
            for q in range(n_c):
                in_cand[cand[q]] = False
            # stocks first, with the arrivals of step t (the propagation below already writes step t + 1's)
            for q in range(n_c):
                i = cand[q]
                v = hnew[q]
                moving = False
                for s in range(slot_ptr[i], slot_ptr[i + 1]):
                    if slot_seg[s] == -2 or sigma0[s] <= 0.0:
                        continue
                    av = pi[s] + sig[s]
                    ns = max(0.0, min(sigma0[s], av - min(av, v)))
                    if abs(ns - sig[s]) > tol:
                        moving = True
                    sig[s] = ns
                if moving:
                    in_cand[i] = True
                    nxt[n_n] = i
                    n_n += 1
            for q in range(n_c):
                i = cand[q]
                dhs = hsnew[q] - hs[i]
                if abs(dhs) > tol:
                    hs[i] = hsnew[q]
                    for e in range(out_ptr[i], out_ptr[i + 1]):
                        c = out_cust[e]
                        s = in_slot[out_edge[e]]
                        pi[s] += out_val[e] * dhs / slot_base[s]
                        if not touched[c]:
                            touched[c] = True
                            touched_list[n_t] = c
                            n_t += 1
                        if not in_cand[c] and not failing[c]:
                            in_cand[c] = True
                            nxt[n_n] = c
                            n_n += 1
                dh = hnew[q] - h[i]
                if abs(dh) <= tol:
                    continue
                h[i] = hnew[q]
                loss -= o[i] * dh
                for e in range(in_ptr[i], in_ptr[i + 1]):
                    u = in_sup[e]
                    dem[u] += in_val[e] * dh
                    if not touched[u]:
                        touched[u] = True
                        touched_list[n_t] = u
                        n_t += 1
                    if not in_cand[u] and not failing[u]:
                        in_cand[u] = True
                        nxt[n_n] = u
                        n_n += 1
            for q in range(n_n):
                cand[q] = nxt[q]
            n_c = n_n
            total_loss += loss
            t_done = t + 1
        # a state that stopped moving stays as it is to the horizon
        total_loss += loss * (steps - t_done)
        res[k] = loss / total
        mean[k] = total_loss / (steps * total)
        cnt = 0
        for q in range(n_t):
            i = touched_list[q]
            if h[i] < 1.0 - tol:
                cnt += 1
            h[i] = 1.0
            hs[i] = 1.0
            dem[i] = o[i]
            for s in range(slot_ptr[i], slot_ptr[i + 1]):
                pi[s] = 1.0
                sig[s] = sigma0[s]
            touched[i] = False
        for q in range(n_c):
            in_cand[cand[q]] = False
        for q in range(fail_ptr[k], fail_ptr[k + 1]):
            failing[fail_firms[q]] = False
        affected[k] = cnt
    return res, mean, affected


_PYTHON_KERNELS: dict[str, Callable[..., Any]] = {"simulate": _simulate_kernel, "esri": _esri_kernel}
#: the kernels' parallel loops: ``range`` for the python engine, ``numba.prange`` once numba compiles them
_prange = range


@functools.cache
def _kernel(name: str) -> Callable[..., Any]:
    """A kernel compiled by Numba (once per process; the machine code is cached on disk)."""
    try:
        import numba
    except ImportError as exc:  # a declared dependency; say how to get it back
        raise ConfigError("the shock engine needs numba: pip install 'numba==0.68.1'") from exc
    global _prange, _plan_orders
    _prange = numba.prange  # behaves as range when called from Python
    # the kernels' helpers are compiled first: a compiled kernel calls only compiled functions
    if not isinstance(_plan_orders, numba.core.registry.CPUDispatcher):
        _plan_orders = numba.njit(cache=True, nogil=True, inline="always")(_plan_orders)
    parallel = name == "simulate"
    compiled: Callable[..., Any] = numba.njit(cache=True, nogil=True, parallel=parallel)(
        _PYTHON_KERNELS[name]
    )
    return compiled


#: firms + links below which a simulation runs on one thread: its steps are too short for the threads to pay
PARALLEL_MIN = 20_000


@contextlib.contextmanager
def _threads_for(work: int, engine: str) -> Iterator[None]:
    """One numba thread for a small network (numba's setting is per calling thread, and restored)."""
    if engine != "numba" or work >= PARALLEL_MIN:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _engine(name: str, engine: str) -> Callable[..., Any]:
    if engine == "numba":
        return _kernel(name)
    if engine == "python":
        return _PYTHON_KERNELS[name]
    raise ConfigError(f"expected 'numba' or 'python', got {engine!r}", param="engine")


# ------------------------------------------------------------------------------------------------ layout
@dataclass(frozen=True, eq=False)
class _Layout:
    """The firms renumbered for the simulation kernel: internal firm ``k`` is firm ``perm[k]`` (``inv`` maps
    back), with the links, input slots and supplier view of the network in that order. Suppliers with the most
    customers come first (then by place), so that the demand and the rationing a step reads and writes for
    the suppliers of the firms it visits fall in few cache lines; results are mapped back to the caller's
    numbering."""

    perm: np.ndarray
    inv: np.ndarray
    link: np.ndarray  # internal link l is link link[l] of the network (``in_*`` order)
    slot: np.ndarray  # internal slot q is slot slot[q]
    in_ptr: np.ndarray
    in_sup: np.ndarray
    in_value: np.ndarray
    slot_ptr: np.ndarray
    slot_lp: np.ndarray  # links of internal slot q: slot_lp[q]:slot_lp[q + 1]
    out_ptr: np.ndarray
    out_cust: np.ndarray


def _blocks(ptr: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR blocks ``ptr`` taken in ``order``: the new pointer and the old position of every new entry."""
    counts = np.diff(ptr)[order]
    new_ptr = np.zeros(order.shape[0] + 1, np.int64)
    np.cumsum(counts, out=new_ptr[1:])
    idx = np.repeat(ptr[:-1][order] - new_ptr[:-1], counts) + np.arange(new_ptr[-1], dtype=np.int64)
    return new_ptr, idx


#: layouts by the identity of the network's link arrays (``dataclasses.replace`` of a network keeps them)
_LAYOUTS: dict[int, tuple[Any, _Layout]] = {}


def _layout(network: Network) -> _Layout:
    key = id(network.in_supplier)
    hit = _LAYOUTS.get(key)
    if hit is not None and hit[0]() is network.in_supplier:
        return hit[1]
    n = network.n
    small = np.int32 if max(n, network.m, network.slot_base.shape[0]) < 2**31 else np.int64
    perm = np.lexsort((network.place, -np.diff(network.out_ptr))).astype(np.int64)
    inv = np.empty(n, np.int64)
    inv[perm] = np.arange(n, dtype=np.int64)
    in_ptr, link = _blocks(network.in_ptr, perm)
    slot_ptr, slot = _blocks(network.slot_ptr, perm)
    slot_inv = np.empty(slot.shape[0], np.int64)
    slot_inv[slot] = np.arange(slot.shape[0], dtype=np.int64)
    in_slot = slot_inv[network.in_slot[link]]  # non-decreasing: a firm's links stay in slot order
    out_ptr, out_idx = _blocks(network.out_ptr, perm)
    lay = _Layout(
        perm=perm,
        inv=inv,
        link=link,
        slot=slot,
        in_ptr=in_ptr,
        in_sup=inv[network.in_supplier[link]].astype(small),
        in_value=network.in_value[link],
        slot_ptr=slot_ptr,
        slot_lp=np.searchsorted(in_slot, np.arange(slot.shape[0] + 1)).astype(np.int64),
        out_ptr=out_ptr,
        out_cust=inv[network.out_customer[out_idx]].astype(small),
    )
    _LAYOUTS[key] = (weakref.ref(network.in_supplier), lay)
    weakref.finalize(network.in_supplier, _LAYOUTS.pop, key, None)
    return lay


# ------------------------------------------------------------------------------------------------ simulate
def _shock_arrays(network: Network, shocks: Sequence[Shock], steps: int):
    ptr = [0]
    firms: list[np.ndarray] = []
    kind, start, end, level, partner = [], [], [], [], []
    for k, sh in enumerate(shocks):
        if not isinstance(sh, Shock):
            raise ConfigError(f"expected a Shock, got {type(sh).__name__}", param=f"shocks[{k}]")
        f = np.arange(network.n, dtype=np.int64) if sh.firms is None else np.asarray(sh.firms, np.int64)
        if f.size and f.max() >= network.n:
            raise ConfigError(
                f"expected firm indexes < n = {network.n}, found {int(f.max())}", param=f"shocks[{k}].firms"
            )
        if sh.start >= steps:
            raise ConfigError(
                f"start {sh.start} is beyond the horizon of {steps} steps", param=f"shocks[{k}].start"
            )
        if sh.kind == "imports":  # only firms that import (from the partner) are hit
            has = network.import_value[f] > 0
            if sh.partner is not None:
                has &= network.import_partner[f] == sh.partner
            f = f[has]
        firms.append(f)
        ptr.append(ptr[-1] + f.size)
        kind.append(SHOCK_KINDS.index(sh.kind))
        start.append(sh.start)
        end.append(-1 if sh.end is None else sh.end)
        level.append(sh.capacity if sh.kind == "capacity" else sh.cut)
        partner.append(-1 if sh.partner is None else sh.partner)
    return (
        np.asarray(ptr, np.int64),
        np.concatenate(firms) if firms else np.zeros(0, np.int64),
        np.asarray(kind, np.int64),
        np.asarray(start, np.int64),
        np.asarray(end, np.int64),
        np.asarray(level, np.float64),
        np.asarray(partner, np.int64),
    )


def _substitute_index(network: Network, settings: Settings, distance_km: object | None):
    """Candidate substitutes by segment (and by segment × place), in the seed's order; place orders by distance."""
    n = network.n
    rng = np.random.default_rng(settings.seed)
    rank = rng.permutation(n)
    seg = network.segment
    n_seg = int(seg.max()) + 1 if n else 0
    has = seg >= 0
    by_seg = np.flatnonzero(has)[np.lexsort((rank[has], seg[has]))]
    seg_ptr = np.zeros(n_seg + 1, np.int64)
    np.cumsum(np.bincount(seg[has], minlength=n_seg), out=seg_ptr[1:])
    if distance_km is None:
        if settings.search_radius_km is not None:
            raise ConfigError(
                "a search radius needs the place × place distance matrix (distance_km)", param="distance_km"
            )
        return (
            seg_ptr,
            by_seg.astype(np.int64),
            np.zeros(1, np.int64),
            np.zeros(0, np.int64),
            np.zeros((0, 0)),
            np.zeros((0, 0), np.int64),
        )
    try:
        dist = np.array(distance_km, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise ConfigError("expected a square matrix of distances in km", param="distance_km") from None
    if dist.ndim != 2 or dist.shape[0] != dist.shape[1] or dist.shape[0] == 0:
        raise ConfigError(
            f"expected a square matrix (places × places), got shape {dist.shape}", param="distance_km"
        )
    if np.isnan(dist).any() or (dist < 0).any():
        raise ConfigError(
            "expected distances >= 0 (inf for unreachable), found NaN or negative", param="distance_km"
        )
    n_places = dist.shape[0]
    if network.place.max() >= n_places:
        k = int(np.argmax(network.place))
        raise ConfigError(
            f"firm {k} has place {network.place[k]} but the matrix covers {n_places} places",
            param="distance_km",
        )
    place_rank = rng.permutation(n_places)
    place_order = np.empty((n_places, n_places), np.int64)
    for p in range(n_places):
        place_order[p] = np.lexsort((place_rank, dist[p]))
    q = np.where(network.place >= 0, network.place, n_places)
    keys = seg[has] * (n_places + 1) + q[has]
    idx = np.flatnonzero(has)
    o = np.lexsort((rank[has], keys))
    bucket_firms = idx[o].astype(np.int64)
    # firms by (segment, place) as one CSR over every pair: a pair's firms are one slice, found in O(1)
    n_keys = n_seg * (n_places + 1)
    bucket_ptr = np.zeros(n_keys + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=bucket_ptr[1:])
    return seg_ptr, by_seg.astype(np.int64), bucket_ptr, bucket_firms, dist, place_order


def simulate(
    network: Network,
    shocks: Sequence[Shock],
    settings: Settings,
    *,
    whitelist: np.ndarray | Sequence[bool] | None = None,
    aggregate: np.ndarray | Sequence[int] | None = None,
    distance_km: np.ndarray | None = None,
    engine: str = "numba",
    active_set: bool = True,
    snap: float = SNAP_TOL,
) -> Result:
    """Propagate supply shocks through the firm network, step by step.

    Parameters
    ----------
    network : Network
        The firms and their links (values per day).
    shocks : sequence of Shock
        Applied together; where several cut one firm's capacity, the lowest level holds.
    settings : Settings
        Horizon, step length, substitution, recovery, seed.
    whitelist : array_like of bool, (n,), optional
        The white-listed firms whose deliveries are credited in ``Result.kept_alive``.
    aggregate : array_like of int, (n,), optional
        A group label per firm (0..G-1; -1 = left out): the result is then steps × G, to keep memory bounded
        on big networks.
    distance_km : ndarray, (places, places), optional
        Distances between place centroids (km) for choosing the nearest substitutes; needed with
        ``settings.search_radius_km``. Without it every substitute is equally near.
    engine : {'numba', 'python'}
        ``python`` runs the very same code uncompiled (a slow reference, for tests and benchmarks).
    active_set : bool
        True (default): a step computes only the firms away from their baseline and those a shock, their
        customers' orders or their suppliers' rationing reach (Notes). False: every firm and link at every
        step, the full sweep the active set is checked against.
    snap : float
        Relative tolerance of the active set (default :data:`SNAP_TOL`, at most :data:`SNAP_MAX`): a firm whose
        state is back within it of the baseline is set exactly to the baseline (Notes).

    Returns
    -------
    Result
        Output per step (per firm or group), baseline, direct loss, substitutions, ``kept_alive`` and the
        number of firms computed at each step.

    Notes
    -----
    Quantities per step (daily values × ``step_days``). Firm :math:`i` has baseline output :math:`\\bar x_i`,
    final demand :math:`f_i`, input slots :math:`s` (one per supplier segment, one for imports) with baseline
    purchase :math:`\\bar z_{is}`, :math:`a_{is} = \\bar z_{is} / \\bar x_i`, stock target
    :math:`S^*_{is} = (d_i / \\mathrm{step\\_days})\\, \\bar z_{is}` for :math:`d_i` inventory days, and
    :math:`\\tau` = ``refill_steps``. Goods shipped at step :math:`t` arrive at :math:`t + 1`
    (:math:`R_{is}(t)`); at baseline :math:`S = S^*`, :math:`R = \\bar z` and every firm makes :math:`\\bar x_i`
    at every step. At each step :math:`t`:

    1. capacity :math:`c_i(t)` = the lowest level of the active shocks; after a shock with level :math:`c`
       ends at :math:`e`, :math:`c + (1 - c)\\min(1, (t - e + 1)/\\mathrm{recovery\\_steps})`. An import cut
       :math:`\\kappa` leaves :math:`\\mu_i(t) = 1 - \\kappa` of the imports (same recovery).
    2. orders: planned output :math:`\\hat x_i = \\min(U_i(t-1), (1 + \\omega) c_i(t) \\bar x_i)` with
       :math:`\\omega` = ``overproduction`` and :math:`U_i = f_i + \\sum_c a_{cs} \\hat x_c\\, \\bar z_{ic} /
       \\bar z_{cs}` what its customers meant to use (their stock top-ups are one-off and are not planned on,
       which keeps the loops of the network from amplifying them); the stock expected when the order arrives,
       :math:`\\hat S_{is} = \\max(0, S_{is} + R_{is} - a_{is} \\hat x_i)` (goods in transit counted once);
       need :math:`N_{is} = \\max(0,\\; a_{is} \\hat x_i + (S^*_{is} - \\hat S_{is}) / \\tau)`, ordered from each
       supplier :math:`j` of the slot in proportion to baseline: :math:`O_{ji} = N_{is}\\, \\bar z_{ji} /
       \\bar z_{is}`; demand :math:`D_j(t) = f_j + \\sum_i O_{ji}` (final demand stays at baseline).
    3. production (Leontief over slots):
       :math:`x_i = \\min\\big((1 + \\omega) c_i \\bar x_i,\\; \\min_s (S_{is} + R_{is}) / a_{is},\\; D_i\\big)`.
    4. rationing: proportional, every customer and final demand get :math:`x_j / D_j` of what they asked;
       mixed, customers get :math:`\\min(1, x_j / (D_j - f_j))` and final demand the rest. Imports arrive
       up to :math:`\\min(N_{i,\\mathrm{imp}}, \\mu_i \\bar z_{i,\\mathrm{imp}})`.
    5. substitution (if on): a link is short when it delivers less than :math:`\\min(O_{ji}, \\bar z_{ji})`;
       after ``switch_delay`` steps of shortage its customer takes the missing volume from firms of the
       supplier's segment that are not shocked (:math:`c_k = 1`) and have spare capacity
       (:math:`\\sigma_k \\bar x_k` minus what they already committed), nearest first within the search
       radius (ties by the seed's permutation), up to their spare. The volume is reserved and delivered each
       step (up to the link's shortfall) until the old supplier delivers in full again (or the substitute is
       shocked); it adds to the substitute's output. One search per episode of shortage.
    6. stocks :math:`S_{is} \\leftarrow S_{is} + R_{is} - a_{is} x_i`.

    Direct loss :math:`\\min(\\bar x_i(1 - c_i), \\max(0, \\bar x_i - y_i))` for output :math:`y_i` (with
    substitute sales); indirect = loss − direct. ``kept_alive`` of a white-listed firm :math:`w`:
    :math:`\\sum_t \\sum_i x_i(t)\\, R_{wi}(t) / R_{is(w)}(t)` over the steps with a shock (or recovery)
    under way, :math:`R_{wi}` what arrived from :math:`w` (a slot that receives less than 1e-9 of its baseline
    credits no one: its share would be a ratio of rounding residues).

    **Active set.** A firm is at baseline when its stocks, arrivals and plan are at their baseline values and no
    shortage episode of its links is under way: it then orders exactly its baseline, and if its demand is at
    baseline too it makes exactly its baseline output. A step computes the firms away from baseline and the
    shocked ones (their orders), the suppliers whose demand moved (production, rationing) and the customers of
    suppliers that rationed (what they receive); every other firm keeps its baseline without being visited, so
    a step costs in proportion to the firms and links it reaches (``Result.computed``), and with no shock nothing
    is computed and every output equals the baseline bit for bit. After a shock, firms come back only
    asymptotically (a stock gap shrinks by a factor at every step), so with ``snap`` = :math:`\\epsilon`: a firm
    whose every stock and arrival is within :math:`\\epsilon \\bar z_{is}` of :math:`S^*_{is}` and
    :math:`\\bar z_{is}`, whose plan is within :math:`\\epsilon \\bar x_i` of :math:`\\bar x_i` and with no
    shortage episode is set exactly to its baseline and leaves the set; an order factor :math:`N_{is} / \\bar
    z_{is}` (with its planned use) within :math:`\\epsilon` of 1 is taken as 1, and so is a rationing ratio.
    That is all the active set changes: deviations below :math:`\\epsilon` of a firm's baseline are dropped,
    none above (measured against the full sweep, ``active_set=False``: at most 2.5e-12 of a firm's baseline
    output with the default 1e-12 on 150 random networks, and the same substitutions; :math:`\\epsilon` must stay
    well below the 1e-9 shortfall at which a link counts as short, hence :data:`SNAP_MAX`). Firms whose stocks
    cannot be refilled stay in the set (a supplier that sells everything to firms and has no overproduction
    never refills its customers' stocks).

    **Numbering and threads.** The kernel numbers the firms its own way (suppliers with the most customers first,
    then by place), so that the demand and rationing of the suppliers a step visits share cache lines, and maps
    every result back. Its loops over firms run on numba's threads (``numba.set_num_threads``); each writes only
    what belongs to its firm, demand is summed over two fixed halves of the customers in firm order, and
    substitution runs on one thread in the caller's firm order: the result is the same for any number of
    threads, run after run. A network of fewer than :data:`PARALLEL_MIN` firms + links runs on one thread.
    Measured (``bench/bench_simulate.py --synthetic``, 2 cores, otherwise idle): a 52-week scenario on a
    synthetic network of 1.0 M firms and 5.1 M links (a city with 9 % of the output locked down for 4 weeks,
    half the imports of a partner cut for 12, 15 days of stock) takes 4.8 s with substitution and 3.4 s
    without (7.8 s and 5.6 s on one thread, against 9.6 s and 7.8 s for the full sweep this engine replaced),
    computing 65 % of the firm-steps; threads help less when another program holds a core.

    **Just in time.** With zero inventories a network settles back to baseline after a shock where goods do not
    come back to the firms that made them (chains and trees: the gap a closure leaves travels downstream and
    leaves through final demand, exactly). In a loop of firms that supply each other it may not: each firm
    makes only what its inputs allow, at most its baseline, and orders only what it plans to use, so the goods
    a closure took out of the loop circulate as a gap for good and the loop's output oscillates with it (a
    3-firm example in the tests). With stocks the firms order the gap back and the loop settles (one day was
    enough in every such case we tried: the test's and eight random networks that did not settle just in
    time), while overproduction alone does not help. A loop without final demand keeps oscillating whatever
    the stocks: its firms plan on each other's plans of the step before, a mode nothing damps.

    Simplifications: a substitute's extra output draws on spare capacity assumed to hold its own inputs (its
    extra purchases are not propagated upstream); imports are not substituted; the target stock is fixed at
    baseline use. The production function is the Leontief one Pichler & Farmer (2022) call the strictest
    choice; :func:`esri` also offers their mix of essential and non-essential inputs.

    Examples
    --------
    A supplier (0) closed for steps 1–3 and its customer (1) holding two days of stock:

    >>> net = Network.from_links(2, supplier=[0], customer=[1], value=[10.0], output=[10.0, 20.0],
    ...                          inventory_days=2.0)
    >>> r = simulate(net, [Shock("capacity", [0], start=1, end=4)], Settings(steps=8, step_days=1))
    >>> r.output[:, 1].tolist()
    [20.0, 20.0, 20.0, 20.0, 0.0, 20.0, 20.0, 20.0]
    >>> r.direct[:, 0].tolist(), r.indirect[:, 1].tolist()
    ([0.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 20.0, 0.0, 0.0, 0.0])

    References
    ----------
    .. [1] Inoue, H. & Todo, Y. (2019). Firm-level propagation of shocks through supply-chain networks.
       Nature Sustainability 2, 841–847.
    .. [2] Pichler, A. & Farmer, J. D. (2022). Simultaneous supply and demand constraints in input–output
       networks: the case of Covid-19 in Germany, Italy, and Spain. Economic Systems Research 34(3), 273–293.
    .. [3] Diem, C., Borsos, A., Reisch, T., Kertész, J. & Thurner, S. (2022). Quantifying firm-level economic
       systemic risk from nation-wide supply networks. Scientific Reports 12, 7719.
    """
    if not isinstance(network, Network):
        raise ConfigError(f"expected a Network, got {type(network).__name__}", param="network")
    if not isinstance(settings, Settings):
        raise ConfigError(f"expected a Settings, got {type(settings).__name__}", param="settings")
    if isinstance(shocks, Shock):
        shocks = [shocks]
    if not isinstance(active_set, (bool, np.bool_)):
        raise ConfigError(f"expected true or false, got {active_set!r}", param="active_set")
    if _check_share(snap, "snap") > SNAP_MAX:
        raise ConfigError(f"expected a tolerance in [0, {SNAP_MAX:g}], got {snap!r}", param="snap")
    snap = float(snap)
    n = network.n
    steps, sd = settings.steps, float(settings.step_days)
    sh = _shock_arrays(network, shocks, steps)
    if aggregate is None:
        labels = np.arange(n, dtype=np.int64)
        n_groups = n
    else:
        labels = _int_array(aggregate, "aggregate", n, low=-1)
        n_groups = int(labels.max()) + 1 if n else 0
    if whitelist is None:
        white = np.zeros(n, np.bool_)
    else:
        white = np.asarray(whitelist)
        if white.shape != (n,) or white.dtype != np.bool_:
            raise ConfigError(f"expected {n} true/false values (one per firm)", param="whitelist")
    if settings.substitution:
        idx = _substitute_index(network, settings, distance_km)
    else:
        empty = np.zeros(0, np.int64)
        idx = (
            np.zeros(1, np.int64),
            empty,
            np.zeros(1, np.int64),
            empty,
            np.zeros((0, 0)),
            np.zeros((0, 0), np.int64),
        )
    seg_ptr, seg_firms, bucket_ptr, bucket_firms, dist, place_order = idx
    if dist.shape[0] and settings.substitution:
        q = np.where(network.place >= 0, network.place, dist.shape[0])
        firm_key = np.where(network.segment >= 0, network.segment * (dist.shape[0] + 1) + q, -1)
    else:
        firm_key = np.full(n, -1, np.int64)
    lay = _layout(network)
    perm, inv = lay.perm, lay.inv
    o = network.output * sd
    baseline = (
        o
        if aggregate is None
        else np.bincount(labels[labels >= 0], weights=o[labels >= 0], minlength=n_groups)
    )
    # the kernel's numbering (see _Layout); what it returns per firm is mapped back
    slot_base = network.slot_base[lay.slot] * sd
    owner_inv = np.repeat(network.inventory_days[perm], np.diff(lay.slot_ptr))
    slot_target = owner_inv / sd * slot_base
    radius = -1.0 if settings.search_radius_km is None else float(settings.search_radius_km)
    track_white = whitelist is not None and bool(white.any())
    in_white = white[perm][lay.in_sup] if track_white else np.zeros(0, np.bool_)
    k_labels = labels[perm]
    has_label = k_labels >= 0
    grp_firms = np.flatnonzero(has_label)[np.argsort(k_labels[has_label], kind="stable")].astype(np.int64)
    grp_ptr = np.zeros(n_groups + 1, np.int64)
    np.cumsum(np.bincount(k_labels[has_label], minlength=n_groups), out=grp_ptr[1:])
    sh_ptr, sh_firms, *sh_rest = sh
    kernel = _engine("simulate", engine)
    with _threads_for(network.n + network.m, engine):
        out, direct, kept, subs, computed = kernel(
            steps,
            o[perm],
            network.final_demand[perm] * sd,
            lay.in_ptr,
            lay.in_sup,
            lay.in_value * sd,
            in_white,
            lay.out_ptr,
            lay.out_cust,
            lay.slot_ptr,
            lay.slot_lp,
            slot_base,
            network.slot_a[lay.slot],
            slot_target,
            network.slot_segment[lay.slot],
            network.import_partner[perm],
            float(settings.refill_steps),
            1.0 + float(settings.overproduction),
            sh_ptr,
            inv[sh_firms],
            *sh_rest,
            settings.recovery_steps,
            settings.rationing == "mixed",
            bool(settings.substitution),
            settings.switch_delay,
            radius,
            seg_ptr,
            bucket_ptr + seg_firms.shape[0],
            inv[np.concatenate([seg_firms, bucket_firms]).astype(np.int64)],
            network.place[perm],
            dist,
            place_order,
            (network.spare * o)[perm],
            network.segment[perm],
            firm_key[perm],
            inv,
            k_labels,
            n_groups,
            baseline,
            grp_ptr,
            grp_firms,
            track_white,
            bool(active_set),
            snap,
        )
    kept = kept[inv]
    for c in (2, 3, 4):  # customer, old and new supplier: back to the caller's numbering
        subs[:, c] = perm[subs[:, c].astype(np.int64)]
    names = ("step", "end", "customer", "old_supplier", "new_supplier")
    substitutions: dict[str, np.ndarray] = {k: subs[:, c].astype(np.int64) for c, k in enumerate(names)}
    substitutions["value"] = subs[:, 5].copy()
    substitutions["delivered"] = subs[:, 6].copy()
    return Result(
        output=out,
        baseline=baseline,
        direct=direct,
        substitutions=substitutions,
        kept_alive=kept if whitelist is not None else None,
        step_days=settings.step_days,
        groups=None if aggregate is None else n_groups,
        computed=computed,
    )


# ------------------------------------------------------------------------------------------------ ESRI
def esri(
    network: Network,
    firms: np.ndarray | Sequence[int] | None = None,
    *,
    groups: np.ndarray | Sequence[int] | None = None,
    steps: int | None = None,
    settings: Settings | None = None,
    essential: np.ndarray | Sequence[bool] | None = None,
    nonessential_floor: float = 0.5,
    inventories: bool = True,
    spread_demand_cuts: bool = True,
    tol: float = 1e-6,
    engine: str = "numba",
) -> EsriResult:
    """Economic systemic risk index: the share of total output lost when a firm (or a group) fails.

    Parameters
    ----------
    network : Network
        The firms and their links.
    firms : array_like of int, optional
        The firms to compute it for (default: all); with ``groups``, the group labels.
    groups : array_like of int, (n,), optional
        A label per firm (-1 = none): the index is then computed per label, all the group's firms failing
        together (e.g. ``network.segment`` for the index of each segment).
    steps : int, optional
        Steps of propagation (default ``settings.steps``, or 100 without settings). With no inventories the
        cascade reaches Diem et al.'s fixed point once ``steps`` exceeds the longest path it travels.
    settings : Settings, optional
        Only ``steps`` and ``step_days`` are read (inventory days → steps).
    essential : array_like of bool, optional
        Whether inputs are essential: one value per input segment label, or a matrix ``[buyer segment, input
        segment]`` as Diem et al. and Pichler & Farmer take it from IHS Markit's survey (the wiring can take
        a chain's upstream segments as essential and general inputs as not). Default: all essential (Leontief
        in every input segment). Inputs from suppliers without a segment, and the inputs of buyers without
        one (matrix form), count as essential.
    nonessential_floor : float
        :math:`\\beta`: the production level a firm keeps when it loses all its non-essential inputs.
    inventories : bool
        Whether stocks (``network.inventory_days``) buffer the customers of failing firms; False gives Diem et
        al.'s model.
    spread_demand_cuts : bool
        True (Diem et al.): a firm producing less because its customers buy less also delivers less to its
        other customers (one production level per firm). False: deliveries follow the firm's input-limited
        level :math:`h^d` only, so lost demand travels upstream without coming back down.
    tol : float
        A production level that moves by no more than ``tol`` (levels are in [0, 1]) is left as it was and
        not propagated further; the index is then within about ``tol`` of the exact cascade. Smaller is
        slower where a cascade spreads tiny cuts over a large component.
    engine : {'numba', 'python'}
        ``python`` runs the same code uncompiled (slow reference).

    Returns
    -------
    EsriResult
        ``esri`` (loss share at the last step), ``mean`` (loss share averaged over the steps), ``affected``.

    Notes
    -----
    Relative production levels :math:`h_i(t) \\in [0, 1]`; the failing set :math:`F` has :math:`h = 0` from
    step 0, all other firms start at 1. With :math:`\\Pi_{is}(t) = \\sum_{j \\in s} z_{ji} h_j(t-1) / \\bar
    z_{is}` (inputs of slot :math:`s` arriving, relative to baseline) and stock :math:`\\sigma_{is}(t)` in
    steps of baseline use (:math:`\\sigma_{is}(0) = d_i / \\mathrm{step\\_days}`, 0 without inventories),
    availability :math:`A_{is} = \\Pi_{is} + \\sigma_{is}` and

    .. math::

        h^d_i(t) = \\min\\Big[\\min_{s \\in \\mathrm{es}} A_{is},\\; \\beta + (1 - \\beta)
        \\frac{\\sum_{s \\in \\mathrm{ne}} \\bar z_{is} \\min(1, A_{is})}{\\sum_{s \\in \\mathrm{ne}} \\bar
        z_{is}}\\Big], \\qquad
        h^u_i(t) = \\frac{f_i + \\sum_j z_{ij} h_j(t-1)}{\\bar x_i},

    :math:`h_i(t) = \\min(1, h^d_i, h^u_i)` for :math:`i \\notin F`; stocks
    :math:`\\sigma_{is} \\leftarrow \\min(\\sigma_{is}(0), \\sigma_{is} + \\Pi_{is} - \\min(h_i, A_{is}))`.
    Imports are unaffected. Then

    .. math:: \\mathrm{ESRI}_F = \\sum_i \\bar x_i (1 - h_i(T-1)) / \\sum_i \\bar x_i.

    With no inventories and final demand zero for firms that have customers (output = sales), this is Diem
    et al.'s generalised-Leontief cascade and index (their weights are out-strengths): downstream through
    essential inputs (Leontief) and non-essential ones (linear with floor :math:`\\beta`), upstream linearly
    in the customers' demand. Final demand is held at baseline. A firm with neither customers nor suppliers
    has an index equal to its own output share.

    With ``spread_demand_cuts=False`` the arrivals follow the suppliers' input-limited levels,
    :math:`\\Pi_{is} = \\sum_j z_{ji} \\min(1, h^d_j) / \\bar z_{is}` (0 for failing firms), while demand
    still follows :math:`h`.

    Each failing set is one sparse propagation visiting only the firms its cascade reaches; buffers are
    reused and reset for the touched firms only, so the cost is the cascade's size times its steps. Measured
    (one core): on a 48,000-firm network built from the ``medium`` synthetic atlas (35k links, 2023) every
    firm's index takes 8 s with stocks of 0–30 days, but about 40 ms a firm (30 min) for Diem's stock-free
    cascade, where half the firms' strict Leontief collapses reach over 10,000 firms; on a dense synthetic network (30,000 firms, 139k links)
    12–50 ms a firm with stocks and up to 160 ms without. Without stocks, pruning by ``tol`` moves the
    index by at most ``steps × tol`` (the maps are non-expansive in the largest level change); with stocks
    the differences measured against ``tol=1e-9`` stayed about ``tol``.

    Examples
    --------
    A chain 0 → 1 → 2, each firm selling 10 per day on the link and 10 to final demand. Firm 0 failing stops
    the chain (1.0); firm 2 failing halves firm 1's demand, and firm 1 at half output buys half as much from
    firm 0, which keeps its final demand: (20 + 10 + 5) / 60.

    >>> net = Network.from_links(3, supplier=[0, 1], customer=[1, 2], value=[10.0, 10.0],
    ...                          output=[20.0, 20.0, 20.0], segment=[0, 1, 2])
    >>> r = esri(net, steps=10)
    >>> r.esri.round(4).tolist(), r.affected.tolist()
    ([1.0, 0.8333, 0.5833], [3, 3, 3])

    References
    ----------
    .. [1] Diem, C., Borsos, A., Reisch, T., Kertész, J. & Thurner, S. (2022). Quantifying firm-level economic
       systemic risk from nation-wide supply networks. Scientific Reports 12, 7719.
    .. [2] Pichler, A. & Farmer, J. D. (2022). Simultaneous supply and demand constraints in input–output
       networks: the case of Covid-19 in Germany, Italy, and Spain. Economic Systems Research 34(3), 273–293.
    .. [3] Inoue, H. & Todo, Y. (2019). Firm-level propagation of shocks through supply-chain networks.
       Nature Sustainability 2, 841–847.
    """
    if not isinstance(network, Network):
        raise ConfigError(f"expected a Network, got {type(network).__name__}", param="network")
    if settings is not None and not isinstance(settings, Settings):
        raise ConfigError(f"expected a Settings, got {type(settings).__name__}", param="settings")
    if steps is None:
        steps = settings.steps if settings is not None else 100
    steps = _check_int(steps, "steps", low=1)
    beta = _check_share(nonessential_floor, "nonessential_floor")
    if _check_share(tol, "tol") >= 0.5:
        raise ConfigError(f"expected a small tolerance in [0, 0.5), got {tol!r}", param="tol")
    n = network.n
    if groups is None:
        index = np.arange(n, dtype=np.int64) if firms is None else _int_array(firms, "firms", low=0)
        if index.size and index.max() >= n:
            raise ConfigError(f"expected firm indexes < n = {n}, found {int(index.max())}", param="firms")
        fail_ptr = np.arange(index.size + 1, dtype=np.int64)
        fail_firms = index
    else:
        labels = _int_array(groups, "groups", n, low=-1)
        present = np.unique(labels[labels >= 0])
        index = present if firms is None else _int_array(firms, "firms", low=0)
        missing = np.setdiff1d(index, present)
        if missing.size:
            raise ConfigError(f"no firm has group label {int(missing[0])}", param="firms")
        has = labels >= 0
        members = np.flatnonzero(has)[np.argsort(labels[has], kind="stable")]
        counts = np.bincount(labels[has], minlength=int(labels.max()) + 1)
        starts = np.concatenate([[0], np.cumsum(counts)])
        fail_firms = (
            np.concatenate([members[starts[g] : starts[g + 1]] for g in index]) if index.size else members[:0]
        )
        fail_ptr = np.concatenate([[0], np.cumsum(counts[index])]).astype(np.int64)
    n_seg = max(int(network.segment.max()) + 1, 1)
    sseg = network.slot_segment
    owner_seg = np.repeat(network.segment, np.diff(network.slot_ptr))
    known = sseg >= 0
    if essential is None:
        slot_ess = np.ones(sseg.shape[0], np.bool_)
    else:
        ess = np.asarray(essential)
        shape_ok = ess.ndim == 1 and ess.shape[0] >= n_seg or ess.ndim == 2 and min(ess.shape) >= n_seg
        if ess.dtype != np.bool_ or not shape_ok:
            raise ConfigError(
                f"expected true/false values, one per segment label ({n_seg}) or a matrix of at least "
                f"{n_seg} × {n_seg} (buyer segment × input segment), got {ess.dtype} of shape {ess.shape}",
                param="essential",
            )
        if ess.ndim == 1:
            slot_ess = np.where(known, ess[np.maximum(sseg, 0)], True)
        else:
            both = known & (owner_seg >= 0)
            slot_ess = np.where(both, ess[np.maximum(owner_seg, 0), np.maximum(sseg, 0)], True)
        slot_ess = slot_ess.astype(np.bool_)
    sd = float(settings.step_days) if settings is not None else 1.0
    if inventories:
        sigma0 = np.repeat(network.inventory_days, np.diff(network.slot_ptr)) / sd
    else:
        sigma0 = np.zeros(sseg.shape[0])
    total = float(network.output.sum())
    if total <= 0:
        raise ConfigError("the network has no output (every firm's output is 0)", param="network")
    res, mean, affected = _engine("esri", engine)(
        steps,
        network.output,
        network.final_demand,
        network.in_ptr,
        network.in_supplier,
        network.in_value,
        network.in_slot,
        network.out_ptr,
        network.out_customer,
        network.out_value,
        network.out_edge,
        network.slot_ptr,
        network.slot_base,
        slot_ess,
        sseg,
        sigma0,
        beta,
        fail_ptr.astype(np.int64),
        fail_firms.astype(np.int64),
        total,
        float(tol),
        bool(spread_demand_cuts),
    )
    return EsriResult(index=index, esri=res, mean=mean, affected=affected, steps=steps)
