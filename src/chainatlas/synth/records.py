"""One generator per input kind: dated, weighted ties between the entities of a :class:`World`.

Every generator is vectorised (numpy draws, ``searchsorted`` samplers, pyarrow string kernels); no
per-row Python loop runs for any kind whose size grows with the dataset size. Each takes its own random
stream, so the kinds are independent of each other's sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainatlas.synth import names as nm
from chainatlas.synth.calibration import (
    ENCLAVE_PAIRS,
    EXPORT_PARTNERS,
    FIRST_YEAR,
    G60_CITIES,
    IMPORT_PROFILES,
    LAST_YEAR,
    RECOGNITIONS,
    VOUCHER_CROSS_SHARE,
    YEARS,
    EnclavePair,
    Recognition,
    gravity_kernel,
    sample_rows,
)
from chainatlas.synth.output import Records, Take
from chainatlas.synth.policy_text import policy_texts
from chainatlas.synth.world import (
    FIRM,
    FUND,
    INSTITUTE,
    PLATFORM,
    SERVICE,
    UNIVERSITY,
    GroupSampler,
    World,
)

__all__ = [
    "alliances",
    "enclave_shareholders",
    "enclave_terms",
    "enclaves",
    "experts",
    "flows",
    "hub_boost",
    "investments",
    "match_truth",
    "needs",
    "open_call_bids",
    "open_call_frame",
    "open_call_outcomes",
    "open_call_tasks",
    "open_calls",
    "papers",
    "patent_transfers",
    "patents",
    "policies",
    "recognised",
    "recognitions",
    "services",
    "supply_links",
    "tax",
    "tax_sharing",
    "tech_contracts",
    "trade",
    "vouchers",
]

LAST_DAY = np.datetime64(f"{LAST_YEAR}-12-31")


# ------------------------------------------------------------------------------------------------ helpers


def _years(rng: np.random.Generator, n: int, growth: float) -> np.ndarray:
    """Years 2015–2024 with volumes growing by ``growth`` per year (log scale)."""
    p = np.exp(growth * (YEARS - FIRST_YEAR))
    return rng.choice(YEARS, size=n, p=p / p.sum())


def _dates(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    start = (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    days = np.where(np.asarray(years) % 4 == 0, 366, 365)
    return start + (rng.random(len(start)) * days).astype("timedelta64[D]")


def _not_before(d: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """``max(d, lo)`` capped at the last day of the period (NaT bounds are ignored)."""
    lo = np.where(np.isnat(lo), d, lo)
    return np.minimum(np.maximum(d, lo), LAST_DAY)


def _year_of(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[Y]").astype(np.int64) + 1970


def _ids(prefix: str, years: np.ndarray, width: int) -> pa.Array:
    """``prefix + year + running number`` (unique within the year), e.g. ``T20230000017``."""
    years = np.asarray(years)
    order = np.argsort(years, kind="stable")
    ys = years[order]
    first = np.searchsorted(ys, ys, side="left")
    run = np.empty(len(years), dtype=np.int64)
    run[order] = np.arange(len(years)) - first + 1
    num = pc.utf8_lpad(pc.cast(pa.array(run), pa.string()), width=width, padding="0")
    return nm.join(pa.scalar(prefix), pc.cast(pa.array(years), pa.string()), num)


def _money(x: np.ndarray) -> np.ndarray:
    """Round to 0.01 and keep a floor of 0.01 (no exponent notation in the CSV)."""
    return np.maximum(np.round(x, 2), 0.01)


def _party(w: World, prefix: str, idx: np.ndarray) -> dict[str, Take]:
    e = w.ent
    return {
        f"{prefix}_name": Take(e.name, idx),
        f"{prefix}_code": Take(e.code, idx),
        f"{prefix}_adcode": Take(e.adcode, idx),
        f"{prefix}_address": Take(e.address, idx),
    }


def _party_lists(w: World, names: tuple[str, str, str, str], slots: np.ndarray) -> dict:
    """Aligned ``;`` lists of names, codes, adcodes and addresses (empty item where unknown)."""
    e = w.ent

    def joiner(src: pa.Array):
        def build(a: int, b: int) -> pa.Array:
            parts = [
                pc.take(src, pa.array(slots[a:b, j], mask=slots[a:b, j] < 0)) for j in range(slots.shape[1])
            ]
            out = pc.binary_join_element_wise(*parts, ";", null_handling="skip")
            return pc.if_else(pc.match_substring_regex(out, "^;*$"), pa.scalar(None, pa.string()), out)

        return build

    srcs = (e.name, e.code, e.filled("adcode"), e.filled("address"))
    return {n: joiner(s) for n, s in zip(names, srcs)}


def _chain_cols(w: World, seg: np.ndarray) -> dict[str, Take]:
    ch = w.chains
    seg = np.asarray(seg)
    chain_idx = np.where(seg >= 0, ch.seg_chain[np.maximum(seg, 0)], -1)
    return {
        "chain": Take(pa.array(ch.chain_ids, pa.string()), chain_idx),
        "segment": Take(pa.array(list(ch.seg_id), pa.string()), seg),
    }


def _pick_codes(
    rng: np.random.Generator, lists: list[np.ndarray], seg: np.ndarray, fallback: np.ndarray
) -> tuple[pa.Array, np.ndarray]:
    """One code per row from its segment's list (``fallback`` for ``seg < 0`` or an empty list).

    Returns the vocabulary and the index of each row's code in it.
    """
    vocab = np.array(sorted({c for lst in lists for c in lst} | set(fallback)), dtype=object)
    pos = {c: i for i, c in enumerate(vocab)}
    flat = np.array([pos[c] for lst in lists for c in lst] + [pos[c] for c in fallback], dtype=np.int64)
    lens = np.array([len(lst) for lst in lists] + [len(fallback)])
    offs = np.concatenate([[0], np.cumsum(lens)[:-1]])
    g = np.where((seg >= 0) & (lens[np.maximum(seg, 0)] > 0), seg, len(lists))
    k = (rng.random(len(seg)) * lens[g]).astype(np.int64)
    return pa.array(vocab.tolist(), pa.string()), flat[offs[g] + k]


def _title_objects(w: World) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Vocabulary of technical objects and, per chain index (+1 generic), its slice."""
    keys = [w.chains.keyword(c) for c in range(len(w.chains.chain_ids))] + [""]
    vocab: list[str] = []
    offs, lens = [], []
    for k in keys:
        offs.append(len(vocab))
        vocab.extend(nm.CHAIN_OBJECTS[k])
        lens.append(len(nm.CHAIN_OBJECTS[k]))
    return vocab, np.array(offs), np.array(lens)


def _objects(rng: np.random.Generator, w: World, seg: np.ndarray) -> pa.Array:
    vocab, offs, lens = _title_objects(w)
    c = np.where(seg >= 0, w.chains.seg_chain[np.maximum(seg, 0)], len(offs) - 1)
    return nm.take(vocab, offs[c] + (rng.random(len(seg)) * lens[c]).astype(np.int64))


def _city_mass(w: World, weight: np.ndarray) -> np.ndarray:
    return np.bincount(w.ent.city, weights=weight, minlength=len(w.geo.city))


def hub_boost(
    w: World,
    first_mass: np.ndarray,
    partner_mass: np.ndarray,
    target: float,
    gamma: float = 2.0,
    d0: float = 30.0,
) -> float:
    """The multiplier ``b`` on hub–hub ties that gives Shanghai the ``target`` share of co-operation.

    Notes
    -----
    With first parties in city ``i`` in proportion to ``first_mass`` and partners drawn from the gravity
    kernel ``K_b`` (hub–hub pairs × ``b``), the expected ties are ``T = V + Vᵀ``, ``V_ij = m_i K_b(i, j)``.
    The share is ``Σ_{j ∈ {南京, 杭州, 合肥, 苏州}} T_{沪,j} / Σ_{j ≠ 沪} T_{沪,j}``, increasing in ``b``;
    ``b`` is found by bisection on ``log b`` in [-6, 6].
    """
    g = w.geo
    others = np.array([h for h in g.hubs if h != g.sh])
    H = np.zeros(len(g.city), dtype=bool)
    H[g.hubs] = True

    def share(b: float) -> float:
        B = np.where(H[:, None] & H[None, :], b, 1.0)
        np.fill_diagonal(B, 1.0)
        V = first_mass[:, None] * gravity_kernel(g.dist, partner_mass, gamma, d0, B)
        row = (V + V.T)[g.sh]
        return float(row[others].sum() / (row.sum() - row[g.sh]))

    lo, hi = -6.0, 6.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(np.exp(mid)) < target else (lo, mid)
    return float(np.exp((lo + hi) / 2))


def _coop_kernels(
    w: World,
    first_mass: np.ndarray,
    partner_mass: np.ndarray,
    targets: np.ndarray,
    gamma: float = 2.0,
    d0: float = 30.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One partner-city kernel per year, each calibrated to that year's Shanghai share; stacked (Y·C, C).

    ``first_mass`` and ``partner_mass`` are ``(Y, C)``: each year counts only the entities founded by then.
    """
    g = w.geo
    H = np.zeros(len(g.city), dtype=bool)
    H[g.hubs] = True
    boosts = np.array(
        [hub_boost(w, fm, pm, t, gamma, d0) for fm, pm, t in zip(first_mass, partner_mass, targets)]
    )
    Ks = []
    for b, pm in zip(boosts, partner_mass):
        B = np.where(H[:, None] & H[None, :], b, 1.0)
        np.fill_diagonal(B, 1.0)
        Ks.append(gravity_kernel(g.dist, pm, gamma, d0, B))
    return np.concatenate(Ks), boosts


#: Shanghai's share of its co-patents with other YRD cities that are with 南京/杭州/合肥/苏州, by year:
#: around half (the paper: "> 50 %" in 2020) and rising.
SH_HUB_SHARE = 0.46 + 0.015 * (YEARS - FIRST_YEAR)


def _firm_sampler(w: World, weight: np.ndarray, by_city: bool = True) -> GroupSampler:
    e = w.ent
    wt = np.where(e.etype == FIRM, weight, 0.0)
    return GroupSampler(
        e.city if by_city else np.zeros(e.n, dtype=np.int64), wt, len(w.geo.city) if by_city else 1
    )


def _chain_class(w: World) -> np.ndarray:
    """Each entity's chain index for chain firms, ``n_chains`` for other firms, ``-1`` for the rest."""
    e, ch = w.ent, w.chains
    nc = len(ch.chain_ids)
    cls = np.where(e.seg >= 0, ch.seg_chain[np.maximum(e.seg, 0)], nc)
    return np.where(e.etype == FIRM, cls, -1)


def _related_firms(
    rng: np.random.Generator,
    w: World,
    weight: np.ndarray,
    cls: np.ndarray,
    origin: np.ndarray,
    gamma: float,
    discount: np.ndarray | None = None,
) -> np.ndarray:
    """A firm for each row, of the row's class (a chain index; ``n_chains``: outside the chains; ``-1``: any
    firm), in a city drawn from a gravity kernel from ``origin`` over that class's ``weight`` per city (divided by
    ``discount`` per city when given). Rows whose class has no weight take any firm.
    """
    e, g = w.ent, w.geo
    C, nc = len(g.city), len(w.chains.chain_ids)
    group = _chain_class(w)
    wt = np.where(group >= 0, weight, 0.0)
    ANY = nc + 1
    M = np.zeros((nc + 2, C))
    np.add.at(M, (np.maximum(group, 0), e.city), wt)
    M[ANY] = M[: nc + 1].sum(axis=0)
    if discount is not None:
        M = M / discount
    cls = np.where((cls < 0) | (M.sum(axis=1)[np.maximum(cls, 0)] <= 0), ANY, cls)
    city = sample_rows(rng, gravity_kernel(g.dist, M, gamma).reshape((nc + 2) * C, C), cls * C + origin)
    own = cls != ANY
    out = np.empty(len(cls), dtype=np.int64)
    out[own] = GroupSampler(np.maximum(group, 0) * C + e.city, wt, (nc + 2) * C).sample(
        rng, (cls * C + city)[own]
    )
    out[~own] = _firm_sampler(w, wt).sample(rng, city[~own])
    return out


# ------------------------------------------------------------------------------------------ supply links

#: Distance decay of supply ties: ``(d + d0)^-γ`` (d0 stands for the distance inside a city).
SUPPLY_GAMMA, SUPPLY_D0_KM = 2.0, 30.0


def _industry_groups(w: World) -> tuple[np.ndarray, int]:
    """Each entity's industry group: its segment ``0..S-1`` for chain firms, ``S + k`` for the ``k``-th GB/T 4754
    division of the other firms (non-firms get group ``S`` with no weight). Returns the groups and their number.
    """
    e, S = w.ent, w.chains.n
    industry = np.asarray(e.industry.to_numpy(zero_copy_only=False), dtype=object)
    div = np.array([c[:2] if isinstance(c, str) else "" for c in industry], dtype=object)
    other = (e.etype == FIRM) & (e.seg < 0)
    divs, inv = np.unique(div[other], return_inverse=True)
    group = np.where(e.seg >= 0, e.seg, S)
    group[other] = S + inv
    return group, S + max(1, len(divs))


def supply_links(rng: np.random.Generator, w: World, n_rows: int) -> Records:
    """Supplier → customer ties between firms of related industries, one row per pair and year.

    A chain firm buys from firms of an upstream segment of its chain (75 %), of its own segment (10 %; 40 % when
    it has no upstream segment) or general inputs from another industry, and one time in ten from a
    most-downstream segment of its chain (charging, dealers, distributors, AI system integrators); a firm outside the chains buys within
    its own GB/T 4754 division (70 %) or general inputs. So a chain segment's customers are firms of the same
    chain downstream, and the chain's industry network is made of its own firms. General inputs come from a
    division drawn in proportion to the size of the firms outside the chains. The supplier's city is drawn
    from a gravity kernel (γ = 2, d₀ = 30 km) weighted by the supplier group's size in each city, so ties decay
    with distance and intra-city ties are common.
    A tie starts in a year drawn with 8 % yearly growth (never before either firm exists) and lasts a
    geometric number of years (mean 4); its value scales with both firms' revenue and grows 6 % a year.
    """
    e, ch, g = w.ent, w.chains, w.geo
    S, C = ch.n, len(g.city)
    firm = e.etype == FIRM
    size = np.where(firm, e.revenue, 0.0) ** 0.7
    fgroup, G = _industry_groups(w)
    # oversample: links are deduplicated and clipped at 2024, then cut at n_rows link-years
    n_links = int(n_rows / 1.5) + 20
    cust = rng.choice(e.n, size=n_links, p=size / size.sum())
    cseg = e.seg[cust]
    ups = list(ch.upstream)
    maxk = max(1, max(len(u) for u in ups))
    U = np.full((S, maxk), -1)
    for s, u in enumerate(ups):
        U[s, : len(u)] = u
    nup = np.array([len(u) for u in ups])
    # general inputs: the division of a firm outside the chains, drawn by size
    other_w = np.where(firm & (e.seg < 0), size, 0.0)
    general = fgroup[rng.choice(e.n, size=n_links, p=other_w / other_w.sum())]
    r = rng.random(n_links)
    is_c = cseg >= 0
    sc = np.maximum(cseg, 0)
    group = np.where(is_c, general, np.where(r < 0.7, fgroup[cust], general))
    pick_up = is_c & (nup[sc] > 0) & (r < 0.75)
    k = (rng.random(n_links) * np.maximum(nup[sc], 1)).astype(np.int64)
    group[pick_up] = U[sc[pick_up], k[pick_up]]
    same = is_c & ~pick_up & (r < (np.where(nup[sc] > 0, 0.85, 0.4)))
    group[same] = cseg[same]
    # the most-downstream segments (charging, aftermarket, distribution, applications) sell to firms of their
    # own chain too (fleet charging, dealers' service, hospital supply firms, AI systems for the chain's makers)
    has_down = np.zeros(S, dtype=bool)
    for u in ups:
        has_down[u] = True
    nc = len(ch.chain_ids)
    terminal = [np.flatnonzero(~has_down & (ch.seg_chain == c) & (nup > 0)) for c in range(nc)]
    n_term = np.array([len(t) for t in terminal])
    T = np.full((nc, max(1, n_term.max())), -1)
    for c, t in enumerate(terminal):
        T[c, : len(t)] = t
    cc = ch.seg_chain[sc]
    sell_down = is_c & (n_term[cc] > 0) & (rng.random(n_links) < 0.1)
    j = (rng.random(n_links) * np.maximum(n_term[cc], 1)).astype(np.int64)
    group[sell_down] = T[cc[sell_down], j[sell_down]]
    # supplier city: gravity kernel over the supplier group's size per city
    M = np.zeros((G, C))
    np.add.at(M, (fgroup[firm], e.city[firm]), size[firm])
    K = gravity_kernel(g.dist, M, gamma=SUPPLY_GAMMA, d0_km=SUPPLY_D0_KM).reshape(G * C, C)
    scity = sample_rows(rng, K, group * C + e.city[cust])
    sampler = GroupSampler(fgroup * C + e.city, size, G * C)
    ok = sampler.has(group * C + scity)
    sup = np.full(n_links, -1)
    sup[ok] = sampler.sample(rng, (group * C + scity)[ok])
    keep = ok & (sup != cust)
    sup, cust, group = sup[keep], cust[keep], group[keep]
    _, first = np.unique(sup.astype(np.int64) * e.n + cust, return_index=True)
    first.sort()
    sup, cust = sup[first], cust[first]
    # years: start with growth, not before both firms exist; geometric duration
    start = _years(rng, len(sup), 0.08)
    start = np.minimum(np.maximum(start, np.maximum(e.founded_year[sup], e.founded_year[cust])), LAST_YEAR)
    length = np.minimum(rng.geometric(0.25, len(sup)), LAST_YEAR - start + 1)
    cum = np.cumsum(length)
    n_keep = int(np.searchsorted(cum, n_rows, side="right"))
    sup, cust, start, length = sup[:n_keep], cust[:n_keep], start[:n_keep], length[:n_keep]
    link = np.repeat(np.arange(n_keep), length)
    period = start[link] + (np.arange(len(link)) - np.repeat(np.cumsum(length) - length, length))
    base = 0.02 * e.revenue[sup] ** 0.6 * e.revenue[cust] ** 0.4 * np.exp(rng.normal(0, 0.8, n_keep))
    value = _money(base[link] * np.exp(0.06 * (period - start[link]) + rng.normal(0, 0.25, len(link))))
    sseg = e.seg[sup]
    hs_vocab, hs_idx = _pick_codes(rng, ch.hs, sseg, w.hs_general[:: max(1, len(w.hs_general) // 400)])
    # software and service segments (design, data, CRO ...) supply no customs product
    no_goods = np.array([len(h) == 0 for h in ch.hs])
    hs_idx[(sseg >= 0) & no_goods[np.maximum(sseg, 0)]] = -1
    return Records(
        "supply_links",
        len(link),
        {
            "supplier_code": Take(e.code, sup[link]),
            "supplier_name": Take(e.name, sup[link]),
            "customer_code": Take(e.code, cust[link]),
            "customer_name": Take(e.name, cust[link]),
            "period": period,
            "value": value,
            "hs_code": Take(hs_vocab, hs_idx[link]),
            **_chain_cols(w, sseg[link]),
        },
    )


# -------------------------------------------------------------------------------------------- innovation


def _innovation_parties(
    rng: np.random.Generator,
    w: World,
    n: int,
    years: np.ndarray,
    first_w: np.ndarray,
    partner_w: np.ndarray,
    p_co: np.ndarray,
    extra: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Parties of co-operative records (patents, papers): an ``(n, 1 + 1 + len(extra))`` index matrix.

    The first party is drawn by ``first_w``; with probability ``p_co`` (by year) a partner follows in a
    city drawn from the year's calibrated co-operation kernel (hub–hub ties × b_y), chosen there by
    ``partner_w``; each further party joins with probability ``extra[k]`` in the first or the partner's city.
    A record's year is moved up to the first party's founding year before the partner is drawn (so the
    year's kernel applies), and later parties founded after that year are dropped.
    Returns the slots, the years and notes for the manifest (the hub boost of each year).
    """
    e, g = w.ent, w.geo
    C = len(g.city)
    fy = e.founded_year
    alive = [fy <= y for y in YEARS]
    first_mass = np.stack([_city_mass(w, first_w * a) for a in alive])
    partner_mass = np.stack([_city_mass(w, partner_w * a) for a in alive])
    K, boosts = _coop_kernels(w, first_mass, partner_mass, SH_HUB_SHARE)
    slots = np.full((n, 2 + len(extra)), -1, dtype=np.int64)
    slots[:, 0] = rng.choice(e.n, size=n, p=first_w / first_w.sum())
    years = np.minimum(np.maximum(years, e.founded_year[slots[:, 0]]), LAST_YEAR)
    co = rng.random(n) < p_co[years - FIRST_YEAR]
    city0 = e.city[slots[:, 0]]
    pc_city = sample_rows(rng, K, (years[co] - FIRST_YEAR) * C + city0[co])
    sampler = GroupSampler(e.city, partner_w, C)

    def draw(cities: np.ndarray, yrs: np.ndarray) -> np.ndarray:
        """A party in each city that exists in the record's year (redrawn a few times, else none)."""
        out = np.full(len(cities), -1)
        ok = sampler.has(cities)
        out[ok] = sampler.sample(rng, cities[ok])
        for _ in range(8):
            young = (out >= 0) & (fy[np.maximum(out, 0)] > yrs)
            if not young.any():
                break
            out[young] = sampler.sample(rng, cities[young])
        out[(out >= 0) & (fy[np.maximum(out, 0)] > yrs)] = -1
        return out

    # a firm's partners are universities, institutes and firms of its own chain (or, outside the chains, other
    # firms outside them); an academic lead's partners are anyone
    group = _chain_class(w)
    academic = np.isin(e.etype, [UNIVERSITY, INSTITUTE])
    lead_cls = group[slots[:, 0]]
    pools = [GroupSampler(e.city, partner_w * (academic | (group == k)), C) for k in range(group.max() + 1)]

    def draw_related(cities: np.ndarray, yrs: np.ndarray, cls: np.ndarray) -> np.ndarray:
        out = draw(cities, yrs)
        for k, pool in enumerate(pools):
            m = np.flatnonzero((cls == k) & pool.has(cities))
            if not len(m):
                continue
            pick = pool.sample(rng, cities[m])
            for _ in range(8):
                young = fy[pick] > yrs[m]
                if not young.any():
                    break
                pick[young] = pool.sample(rng, cities[m][young])
            out[m] = np.where(fy[pick] > yrs[m], out[m], pick)
        return out

    slots[co, 1] = draw_related(pc_city, years[co], lead_cls[co])
    for k, p in enumerate(extra):
        add = (slots[:, 1] >= 0) & (rng.random(n) < p)
        base = np.where(rng.random(n) < 0.5, slots[:, 0], np.maximum(slots[:, 1], 0))
        slots[add, 2 + k] = draw_related(e.city[base[add]], years[add], lead_cls[add])
    # a party may appear only once per record, and only if it exists in the record's year
    for j in range(1, slots.shape[1]):
        dup = (slots[:, [j]] == slots[:, :j]).any(axis=1) & (slots[:, j] >= 0)
        young = (slots[:, j] >= 0) & (fy[np.maximum(slots[:, j], 0)] > years)
        slots[dup | young, j] = -1
    # compact: shift the parties left so lists have no holes
    order = np.argsort(slots < 0, axis=1, kind="stable")
    slots = np.take_along_axis(slots, order, axis=1)
    notes = {"hub_boost_by_year": dict(zip(map(str, YEARS.tolist()), np.round(boosts, 3).tolist()))}
    return slots, years, notes


def patents(rng: np.random.Generator, w: World, n: int) -> Records:
    """Patent applications, 2015–2024, concentrated in the five hubs.

    First applicants are drawn by innovation weight (size, chain membership, the city's innovation
    weight; universities and institutes lead), so the hubs file most patents. 18–27 % (rising) are
    co-applications; the co-applicant's city comes from a gravity kernel whose hub–hub ties are scaled
    each year so that Shanghai's co-patents with 南京/杭州/合肥/苏州 are 46 % → 59.5 % of its co-patents
    with other YRD cities (:data:`SH_HUB_SHARE`). IPC symbols come from the first applicant's segment
    (universities and institutes: a random segment, including the broken one, 60 % of the time).
    """
    e, ch = w.ent, w.chains
    years = _years(rng, n, 0.09)
    first_w = e.innov.copy()
    partner_w = e.innov * np.where(np.isin(e.etype, [UNIVERSITY, INSTITUTE]), 2.0, 1.0)
    p_co = 0.18 + 0.01 * (YEARS - FIRST_YEAR)
    slots, years, notes = _innovation_parties(rng, w, n, years, first_w, partner_w, p_co, (0.25, 0.05))
    lead = slots[:, 0]
    # filed on or after the founding of every applicant (all were founded by the record's year)
    founded = np.where(slots >= 0, e.founded[np.maximum(slots, 0)], np.datetime64("NaT"))
    latest = founded.astype(np.int64).max(axis=1).astype("datetime64[D]")  # NaT is the smallest int64
    app = _not_before(_dates(rng, years), latest)
    years = _year_of(app)
    seg = e.seg[lead].copy()
    academic = np.isin(e.etype[lead], [UNIVERSITY, INSTITUTE]) & (rng.random(n) < 0.6)
    seg[academic] = rng.integers(0, ch.n, int(academic.sum()))
    vocab, i1 = _pick_codes(rng, ch.ipc, seg, ch.ipc_general)
    _, i2 = _pick_codes(rng, ch.ipc, seg, ch.ipc_general)
    i2 = np.where((i2 != i1) & (rng.random(n) < 0.45), i2, -1)
    ipc = nm.join(
        pc.take(vocab, pa.array(i1)), pc.take(vocab, pa.array(i2, mask=i2 < 0)), sep=";", skip_nulls=True
    )
    invention = rng.random(n) < 0.55
    # CN application number: year, type (1 invention, 2 utility model), 7-digit serial, check digit
    ptype = np.where(invention, 1, 2)
    key = years * 10 + ptype
    order = np.argsort(key, kind="stable")
    ks = key[order]
    serial = np.empty(n, dtype=np.int64)
    serial[order] = np.arange(n) - np.searchsorted(ks, ks, side="left") + 1
    number = (years * 10 + ptype) * 10_000_000 + serial  # 12 digits
    digits = (number[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    check = (digits * np.array([2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])).sum(axis=1) % 11
    check_s = np.where(check == 10, "X", check.astype(str))
    pid = nm.join(pa.scalar("CN"), pc.cast(pa.array(number), pa.string()), pa.scalar("."), pa.array(check_s))
    lag = np.where(invention, rng.uniform(1.5, 3.5, n), rng.uniform(0.5, 1.2, n)) * 365.25
    granted = rng.random(n) < np.where(invention, 0.55, 0.95)
    grant = app + lag.astype("timedelta64[D]")
    grant = np.where(granted & (grant <= LAST_DAY), grant, np.datetime64("NaT"))
    title = nm.join(
        pa.scalar("一种"),
        nm.take(nm.MODIFIERS, nm.choose(rng, n, nm.MODIFIERS)),
        _objects(rng, w, seg),
        nm.take(nm.PATENT_SUFFIXES, nm.choose(rng, n, nm.PATENT_SUFFIXES)),
    )
    rec = Records(
        "patents",
        n,
        {
            "patent_id": pid,
            "title": title,
            "application_date": app,
            "grant_date": grant,
            "ipc": ipc,
            **_party_lists(
                w, ("applicants", "applicant_codes", "applicant_adcodes", "applicant_addresses"), slots
            ),
        },
        notes=notes,
    )
    # kept for patent_transfers (which transfers existing patents) and the tests
    rec.notes["_slots"], rec.notes["_app"], rec.notes["_granted"] = slots, app, ~np.isnat(grant)
    rec.notes["_pid"], rec.notes["_seg"] = pid, seg
    return rec


def patent_transfers(rng: np.random.Generator, w: World, pat: Records, n: int) -> Records:
    """Assignments and licences of generated patents, from their first applicant to a firm.

    Granted patents are four times likelier to move; the buyer is a firm of the patent's chain (any firm for a
    patent outside the chains), in a city drawn from a gravity kernel over those firms' mass (γ = 1.5), so
    transfers spill from the hubs to the manufacturing cities.
    """
    e = w.ent
    slots, app, granted = pat.notes["_slots"], pat.notes["_app"], pat.notes["_granted"]
    wt = np.where(granted, 4.0, 1.0)
    m = int(n * 1.8) + 10
    p = rng.choice(len(app), size=m, p=wt / wt.sum())
    frm = slots[p, 0]
    size = np.where(e.etype == FIRM, e.revenue, 0.0) ** 0.5 * e.tech
    pseg = pat.notes["_seg"][p]
    cls = np.where(pseg >= 0, w.chains.seg_chain[np.maximum(pseg, 0)], -1)
    to = _related_firms(rng, w, size, cls, e.city[frm], gamma=1.5)
    date = app[p] + rng.uniform(180, 1800, m).astype("timedelta64[D]")
    date = np.maximum(date, e.founded[to])
    keep = (date <= LAST_DAY) & (to != frm)
    keep &= np.cumsum(keep) <= n
    p, frm, to, date = p[keep], frm[keep], to[keep], date[keep]
    k = len(p)
    lic = rng.random(k) < 0.3
    value = _money(np.exp(rng.normal(np.where(lic, 2.0, 3.2), 1.1, k)))
    return Records(
        "patent_transfers",
        k,
        {
            "transfer_id": _ids("T", _year_of(date), 7),
            "patent_id": pc.take(pat.notes["_pid"], pa.array(p)),
            "transfer_type": np.where(lic, "license", "transfer").astype(object),
            "date": date,
            **_party(w, "from", frm),
            **_party(w, "to", to),
            "value": value,
        },
    )


def papers(rng: np.random.Generator, w: World, n: int) -> Records:
    """Co-authored papers by institution; universities and institutes write 95 %, hubs dominate."""
    e, ch = w.ent, w.chains
    years = _years(rng, n, 0.06)
    mult = np.select([e.etype == UNIVERSITY, e.etype == INSTITUTE, e.etype == FIRM], [1.0, 1.0, 0.02], 0.0)
    first_w = e.innov * mult
    p_co = 0.45 + 0.015 * (YEARS - FIRST_YEAR)
    slots, years, notes = _innovation_parties(rng, w, n, years, first_w, first_w, p_co, (0.35, 0.15, 0.05))
    seg = rng.integers(-ch.n // 2, ch.n, n)  # about a third outside the chains
    seg = np.where(seg < 0, -1, seg)
    obj = _objects(rng, w, seg)
    mod = nm.take(nm.MODIFIERS, nm.choose(rng, n, nm.MODIFIERS))
    pat = nm.choose(rng, n, nm.PAPER_PATTERNS)
    # the patterns are few, so build each with whole-array joins and pick per row
    variants = [
        nm.join(
            *[
                pa.scalar(x) if x not in ("{m}", "{o}") else (mod if x == "{m}" else obj)
                for x in _split_pattern(t)
            ]
        )
        for t in nm.PAPER_PATTERNS
    ]
    title = variants[0]
    for i, v in enumerate(variants[1:], start=1):
        title = pc.if_else(pa.array(pat == i), v, title)
    num = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width=7, padding="0")
    pid = nm.join(pa.scalar("10.5555/yrd."), pc.cast(pa.array(years), pa.string()), pa.scalar("."), num)
    return Records(
        "papers",
        n,
        {
            "paper_id": pid,
            "title": title,
            "pub_year": years,
            **_party_lists(
                w,
                ("institutions", "institution_codes", "institution_adcodes", "institution_addresses"),
                slots,
            ),
            "field": nm.take(nm.FIELDS, nm.choose(rng, n, nm.FIELDS)),
        },
        notes=notes,
    )


def _split_pattern(t: str) -> list[str]:
    out, rest = [], t
    while rest:
        i = min((rest.find(x) for x in ("{m}", "{o}") if x in rest), default=-1)
        if i < 0:
            out.append(rest)
            break
        if i:
            out.append(rest[:i])
        out.append(rest[i : i + 3])
        rest = rest[i + 3 :]
    return out


def tech_contracts(rng: np.random.Generator, w: World, n: int) -> Records:
    """Registered technology contracts: sellers where knowledge is (hubs), buyers where firms are.

    A firm sells to firms of its own chain (outside the chains: to firms outside them), a university or
    institute to any firm. The buyer's city follows a gravity kernel (γ = 1.2, flatter than supply ties) over
    those firms' mass divided by the square of the city's innovation weight, so knowledge spills from the hubs to manufacturing cities
    (创新地 → 产业地); the chain and segment are the buyer's when it is a chain firm.
    """
    e, g = w.ent, w.geo
    years = _years(rng, n, 0.12)
    seller_w = e.innov * np.where(e.etype == FIRM, 0.5, 1.0)
    seller = rng.choice(e.n, size=n, p=seller_w / seller_w.sum())
    buyer_w = np.where(e.etype == FIRM, e.revenue**0.5 * e.tech * np.where(e.seg >= 0, 3.0, 1.0), 0.0)
    # a firm sells to firms of its own chain (or outside the chains), a university or institute to any firm;
    # buyers' mass discounted by the city's innovation weight: knowledge flows to where production is
    buyer = _related_firms(rng, w, buyer_w, _chain_class(w)[seller], e.city[seller], 1.2, g.innov**2)
    date = _not_before(_not_before(_dates(rng, years), e.founded[seller]), e.founded[buyer])
    types = np.array(["development", "service", "consulting", "transfer", "license"], dtype=object)
    t = rng.choice(5, size=n, p=[0.45, 0.25, 0.1, 0.12, 0.08])
    value = _money(np.exp(rng.normal(np.log([120, 40, 15, 80, 60])[t], 1.1)))
    keep = buyer != seller
    idx = np.flatnonzero(keep)
    return Records(
        "tech_contracts",
        len(idx),
        {
            "contract_id": _ids("JS", _year_of(date[idx]), 7),
            "contract_type": types[t[idx]],
            "date": date[idx],
            **_party(w, "seller", seller[idx]),
            **_party(w, "buyer", buyer[idx]),
            "value": value[idx],
            **_chain_cols(w, e.seg[buyer[idx]]),
        },
    )


# ------------------------------------------------------------------------------------------ capital ties


def investments(rng: np.random.Generator, w: World, n: int) -> Records:
    """Equity investments, branches, industrial transfers and fund investments between firms.

    Investors are large firms (weight revenue^1.1) or funds. A chain firm invests in, opens branches at and moves
    production to firms of its own chain; a firm outside the chains mostly (70 %) within its own GB/T 4754
    division; a fund in any firm. The investee's city follows a gravity kernel (γ = 1.8) over the mass of those
    firms, tilted toward poorer cities for industrial transfers (产业转移).
    """
    e, g, ch = w.ent, w.geo, w.chains
    years = _years(rng, n, 0.07)
    types = np.array(["equity", "branch", "transfer", "fund"], dtype=object)
    t = rng.choice(4, size=n, p=[0.45, 0.25, 0.1, 0.2])
    firm_w = np.where(e.etype == FIRM, e.revenue, 0.0)
    inv_w = firm_w**1.1
    fund_w = np.where(e.etype == FUND, 1.0 + e.revenue, 0.0)
    investor = np.where(
        t == 3,
        rng.choice(e.n, size=n, p=fund_w / fund_w.sum()),
        rng.choice(e.n, size=n, p=inv_w / inv_w.sum()),
    )
    tee_w = firm_w**0.5
    C, S, nc = len(g.city), ch.n, len(ch.chain_ids)
    # investee classes: a chain, a division outside the chains, or any firm (the last class)
    fgroup, G = _industry_groups(w)
    igroup = np.where(e.seg >= 0, ch.seg_chain[np.maximum(e.seg, 0)], nc + fgroup - S)
    IG = nc + G - S + 1
    ANY = IG - 1
    M = np.zeros((IG, C))
    np.add.at(M, (igroup, e.city), tee_w)
    M[ANY] = _city_mass(w, tee_w)
    cls = np.where(
        (t == 3) | (e.etype[investor] != FIRM) | ((e.seg[investor] < 0) & (rng.random(n) < 0.3)),
        ANY,
        igroup[investor],
    )
    K = np.concatenate(
        [
            gravity_kernel(g.dist, M, 1.8).reshape(IG * C, C),
            gravity_kernel(g.dist, M / g.econ**2, 1.8).reshape(IG * C, C),
        ]
    )
    city = sample_rows(rng, K, np.where(t == 2, IG * C, 0) + cls * C + e.city[investor])
    related = GroupSampler(igroup * C + e.city, tee_w, IG * C)
    own = (cls != ANY) & related.has(cls * C + city)
    investee = np.empty(n, dtype=np.int64)
    investee[own] = related.sample(rng, (cls * C + city)[own])
    investee[~own] = _firm_sampler(w, tee_w).sample(rng, city[~own])
    keep = investee != investor
    investor, investee, t, years = investor[keep], investee[keep], t[keep], years[keep]
    m = len(t)
    date = _not_before(_not_before(_dates(rng, years), e.founded[investor]), e.founded[investee])
    share = np.select(
        [t == 0, t == 1, t == 2, t == 3],
        [rng.uniform(5, 70, m), np.full(m, 100.0), rng.uniform(51, 100, m), rng.uniform(1, 20, m)],
    )
    amount = _money(e.revenue[investor] ** 0.5 * np.exp(rng.normal(2.0, 1.0, m)))
    return Records(
        "investments",
        m,
        {
            "investment_id": _ids("I", _year_of(date), 7),
            "investor_code": Take(e.code, investor),
            "investor_name": Take(e.name, investor),
            "investee_code": Take(e.code, investee),
            "investee_name": Take(e.name, investee),
            "invest_type": types[t],
            "date": date,
            "amount": amount,
            "share_pct": np.round(share, 2),
        },
    )


# --------------------------------------------------------------------------------------------- trade, tax


def trade(rng: np.random.Generator, w: World, n_rows: int) -> Records:
    """Monthly customs records by firm, HS code, partner country and direction.

    Chain firms export their segment's products and import either their own or (60 %) an upstream
    segment's products — fabs import equipment and materials. Imports of choke-point products
    (:attr:`Chains.choke`: the segments whose :data:`~chainatlas.synth.calibration.SEGMENT_PLAN` names an
    import profile) come from that profile's few partners (:data:`~chainatlas.synth.calibration.IMPORT_PROFILES`:
    semiconductor equipment and materials mostly from Japan, processors from Taiwan, lithium from resource
    countries), the rest from a broad mix — so 卡点 show up as concentrated foreign sourcing.
    Manufacturers outside the chains trade general goods (HS chapters 25–96 minus the chains' codes).
    """
    e, ch = w.ent, w.chains
    firm = e.etype == FIRM
    has_hs = np.array([len(h) > 0 for h in ch.hs] + [True])
    segx = np.where(e.seg >= 0, e.seg, ch.n)
    industry = np.asarray(e.industry.to_numpy(zero_copy_only=False), dtype=object)
    div = np.array([c[:2] if isinstance(c, str) else "" for c in industry])
    maker = (div >= "13") & (div <= "43")
    trader = div == "51"
    ups_hs = [u[has_hs[u]] for u in ch.upstream]
    buys_up = np.array([len(u) > 0 for u in ups_hs] + [False])
    chain_trades = (e.seg >= 0) & (has_hs[segx] | buys_up[segx])
    eligible = np.select([chain_trades, maker | trader], [4.0, 1.0], 0.02) * firm
    wt = eligible * np.maximum(e.revenue, 1.0) ** 0.8
    n_rel = int(n_rows / 4.0) + 10
    f = rng.choice(e.n, size=n_rel, p=wt / wt.sum())
    seg = e.seg[f]
    s = np.maximum(seg, 0)
    p_imp = np.where(
        seg < 0, 0.4, np.select([ch.choke[s], ch.seg_position[s] == "downstream"], [0.7, 0.25], 0.5)
    )
    imp = rng.random(n_rel) < p_imp
    # the product's segment: own, or for imports (60 %) one of the upstream segments that has products
    maxk = max(1, max(len(u) for u in ups_hs))
    U = np.full((ch.n, maxk), -1)
    for i, u in enumerate(ups_hs):
        U[i, : len(u)] = u
    nup = np.array([len(u) for u in ups_hs])
    k = (rng.random(n_rel) * np.maximum(nup[s], 1)).astype(np.int64)
    up = (seg >= 0) & imp & (nup[s] > 0) & ((rng.random(n_rel) < 0.6) | ~has_hs[s])
    pseg = np.where(up, U[s, k], seg)
    hs_vocab, hs_idx = _pick_codes(rng, ch.hs, pseg, w.hs_general)
    ps = np.maximum(pseg, 0)
    names = list(IMPORT_PROFILES)
    seg_profile = np.array([names.index(p.imports) for p in ch.plan] + [names.index("broad")])
    profile = np.where(~imp, len(names), seg_profile[np.where(pseg < 0, ch.n, ps)])
    profiles = [*IMPORT_PROFILES.values(), EXPORT_PARTNERS]
    countries = sorted({c for prof in profiles for c in prof})
    P = np.array([[prof.get(c, 0.0) for c in countries] for prof in profiles])
    P /= P.sum(axis=1, keepdims=True)
    partner = sample_rows(rng, P, profile)
    # each relation is active in ~4 months, not before the firm exists
    rel = np.repeat(np.arange(n_rel), 4)
    year = np.minimum(np.maximum(_years(rng, len(rel), 0.06), e.founded_year[f][rel]), LAST_YEAR)
    month = rng.integers(1, 13, len(rel))
    # the key is the firm's (HS, partner, direction, month): two relations of one firm may coincide
    fk = ((f[rel].astype(np.int64) * len(hs_vocab) + hs_idx[rel]) * len(countries) + partner[rel]) * 2 + imp[
        rel
    ]
    _, first = np.unique(fk * 200 + (year - FIRST_YEAR) * 13 + month, return_index=True)
    first = np.sort(first)[:n_rows]
    rel, year, month = rel[first], year[first], month[first]
    m = len(rel)
    choke_row = imp & (pseg >= 0) & ch.choke[ps]
    scale = np.maximum(e.revenue[f], 1.0) ** 0.5 * np.where(choke_row, 3.0, 1.0)
    value = _money(scale[rel] * 1000 * np.exp(rng.normal(0, 1.0, m) + 0.05 * (year - FIRST_YEAR)))
    unit = np.exp(rng.normal(3, 1.5, m))
    qty = np.where(rng.random(m) < 0.7, np.round(value / unit, 2), np.nan)
    period = nm.join(
        pc.cast(pa.array(year), pa.string()),
        pa.scalar("-"),
        pc.utf8_lpad(pc.cast(pa.array(month), pa.string()), width=2, padding="0"),
    )
    return Records(
        "trade",
        m,
        {
            "credit_code": Take(e.code, f[rel]),
            "period": period,
            "hs_code": Take(hs_vocab, hs_idx[rel]),
            "partner_country": np.array(countries, dtype=object)[partner[rel]],
            "direction": np.where(imp[rel], "import", "export").astype(object),
            "value": value,
            "quantity": qty,
        },
        notes={"choke_segments": [ch.label(s) for s in np.flatnonzero(ch.choke)]},
    )


def _enclave_type(p: EnclavePair) -> str:
    """The 飞地类型 of a pair: reverse and 科创 parks are innovation enclaves, 山海协作 parks poverty-relief (消薄)
    ones, the 特别合作区 'other', the rest industrial."""
    if p.reverse or "科" in p.kind:
        return "innovation"
    if "山海协作" in p.kind:
        return "poverty"
    if "特别合作区" in p.kind:
        return "other"
    return "industrial"


#: planted equity cases: role -> (origin %, host %); see :func:`enclave_frame`
EQUITY_CASES = {
    "host_exactly_30": (70.0, 30.0),
    "origin_exactly_50": (50.0, 50.0),
    "shares_over_100": (65.0, 40.0),
    "own_terms_host_min": (62.0, 33.0),
}
#: the own terms of the ``own_terms_host_min`` enclave: the host must hold at least 35 % (default 30)
OWN_TERMS_HOST_MIN = 35.0


def enclave_frame(
    rng: np.random.Generator, w: World, n_enclaves: int, firms_per: int, reverse_extra: int = 0
) -> dict:
    """The enclaves' identities, equity split and the host-county firms that share tax with the origin.

    About a quarter of the enclaves break the rule 飞出地控股 / 飞入地 ≥ 30 % (half with the origin not
    controlling, half with the host under 30 %), so enclave evaluation has something to find. On top, four
    enclaves that kept the rule get a planted case (:data:`EQUITY_CASES`): host at exactly 30 % (passes), origin
    at exactly 50 % (fails: control is more than 50 %), shares adding to 105 %, and 62/33 under own terms that ask
    the host for 35 %. ``reverse_extra`` adds that many 逆向飞地 from the pairs after the first ``n_enclaves``
    (without tax-sharing firms), so a small dataset has reverse enclaves too; their draws follow all the others,
    so the first ``n_enclaves`` are what they were without them.
    """
    e, g = w.ent, w.geo
    pairs = list(ENCLAVE_PAIRS[:n_enclaves])
    name_of = dict(zip(g.county, g.county_short)) | dict(zip(g.city, g.city_short))
    k = len(pairs)
    origin_eq = np.round(rng.uniform(51, 70, k))
    host_eq = np.floor(rng.uniform(30, 100 - origin_eq + 1))
    bad = rng.permutation(k)[: max(2, k // 4)]
    half = len(bad) // 2
    origin_eq[bad[:half]] = np.round(rng.uniform(30, 49, half))
    host_eq[bad[:half]] = 100 - origin_eq[bad[:half]]
    host_eq[bad[half:]] = np.round(rng.uniform(10, 25, len(bad) - half))
    origin_eq[bad[half:]] = 100 - host_eq[bad[half:]]
    established = np.array([np.datetime64(f"{p.established}-01-01") for p in pairs]) + rng.integers(
        0, 365, k
    ).astype("timedelta64[D]")
    share_pct = np.round(rng.choice([30.0, 40.0, 50.0, 60.0], size=k))
    reported = np.asarray(e.adcode.to_numpy(zero_copy_only=False), dtype=object)
    firm_sets = []
    taken = np.zeros(e.n, dtype=bool)  # a firm belongs to one enclave at most
    for p in pairs:
        cand = np.flatnonzero(
            (e.etype == FIRM) & (g.county[e.county] == p.host) & (reported == p.host) & ~taken
        )
        pick = rng.choice(cand, size=min(firms_per, len(cand)), replace=False) if len(cand) else cand
        taken[pick] = True
        firm_sets.append(pick)
    if reverse_extra:
        more = [p for p in ENCLAVE_PAIRS[n_enclaves:] if p.reverse][:reverse_extra]
        m = len(more)
        o2 = np.round(rng.uniform(51, 70, m))
        origin_eq = np.concatenate([origin_eq, o2])
        host_eq = np.concatenate([host_eq, np.floor(rng.uniform(30, 100 - o2 + 1))])
        est2 = np.array([np.datetime64(f"{p.established}-01-01") for p in more]) + rng.integers(
            0, 365, m
        ).astype("timedelta64[D]")
        established = np.concatenate([established, est2])
        share_pct = np.concatenate([share_pct, np.round(rng.choice([30.0, 40.0, 50.0, 60.0], size=m))])
        firm_sets += [np.zeros(0, dtype=np.int64)] * m
        pairs += more
        k += m
    # planted equity cases, on enclaves that kept the rule
    kept = [i for i in rng.permutation(k).tolist() if i not in set(bad.tolist())]
    equity_roles: dict[str, int] = {}
    for role, (o, h) in EQUITY_CASES.items():
        if kept:
            i = kept.pop(0)
            origin_eq[i], host_eq[i] = o, h
            equity_roles[role] = i
    names = [
        f"{name_of[p.origin]}{'(' + name_of[p.host] + ')' if p.reverse else name_of[p.host]}{p.kind}"
        for p in pairs
    ]
    broken = np.flatnonzero((origin_eq <= 50) | (host_eq < 30))
    return {
        "pairs": pairs,
        "n_base": len(ENCLAVE_PAIRS[:n_enclaves]),
        "names": names,
        "types": [_enclave_type(p) for p in pairs],
        "origin_eq": origin_eq,
        "host_eq": host_eq,
        "established": established,
        "share_pct": share_pct,
        "firms": firm_sets,
        "bad": sorted(broken.tolist()),
        "equity_roles": equity_roles,
    }


def _enclave_performance(rng: np.random.Generator, frame: dict, sel: range) -> dict[str, np.ndarray]:
    """Area, output, tax, investment and firm counts of the enclaves ``sel``, one row per enclave and year from
    the year it was set up (or 2015) to 2024."""
    pairs = frame["pairs"]
    rows = [
        (i, y)
        for i in sel
        for y in range(max(FIRST_YEAR, int(_year_of(frame["established"][i : i + 1])[0])), LAST_YEAR + 1)
    ]
    idx = np.array([r[0] for r in rows], dtype=np.int64)
    year = np.array([r[1] for r in rows], dtype=np.int64)
    k = len(sel)
    local = idx - sel.start
    est = _year_of(frame["established"])
    age = year - est[idx] + 1
    area0 = rng.uniform(800, 6000, k)
    # a 逆向飞地 is an R&D base in floors of a hub's buildings, not an industrial park
    area0 = area0 * np.array([0.05 if pairs[i].reverse else 1.0 for i in sel])
    level = np.exp(rng.normal(np.log(400), 0.7, k))
    taxrate = rng.uniform(0.03, 0.06, k)
    area = np.round(area0[local] * np.minimum(1 + 0.12 * age, 2.5), 1)
    ramp = np.minimum(1.0, 0.2 + 0.16 * age)
    output = _money(area * level[local] * ramp * np.exp(rng.normal(0, 0.1, len(idx))))
    firms = np.maximum(1, np.round(area / 60 * ramp * rng.uniform(0.6, 1.4, k)[local])).astype(np.int64)
    return {
        "idx": idx,
        "year": year,
        "age": age,
        "area": area,
        "output": output,
        "tax": _money(output * taxrate[local]),
        "investment": _money(area * rng.uniform(150, 500, len(idx)) * 0.15),
        "firms": firms,
    }


def _best_and_worst(v: np.ndarray, best: int, worst: int) -> np.ndarray:
    """``v`` with position ``best`` 10 % above every other value and ``worst`` 10 % below every other one."""
    v = v.copy()
    others = np.delete(v, best)
    v[best] = 1.1 * others.max()
    others = np.delete(v, worst)
    v[worst] = 0.9 * others.min()
    return v


def enclaves(rng: np.random.Generator, w: World, frame: dict) -> Records:
    """Yearly performance of each enclave from the year it was set up (or 2015) to 2024, and its ledger.

    Area grows with the enclave's age; output per 亩 ramps up over five years toward an enclave-specific
    level (lognormal around 400 万元/亩, so some enclaves fall far below the 亩均效益 norms);
    tax is 3–6 % of output; investment and firm counts ramp with area.

    The ledger fields (issue 15): the operating company is a park platform of the host's city; the origin
    transfers each year the land quota the enclave's growing area needs beyond what the host provides from its
    own quota (one enclave only 60 % of it: a shortfall; one beyond what its agreement promised); joint funding
    in the first three years, the origin paying 50–80 %; value added 22–32 % of output, energy at about 4 万元 of
    value added per tce, R&D 1–5 % of output, about 30 万元 of value added per person. Within each type and
    year the enclave with the highest tax per 亩 is made best on the four other 亩均 indicators (10 % ahead
    of the rest) and the one with the lowest worst on all of them, so the leader and the laggard do not depend on
    the weights; one other enclave-year has no energy figure. One industrial enclave leaves its type blank and one
    forward enclave its direction (both read as the default). The planted cases are listed in ``frame["roles"]``
    for the manifest.
    """
    e, g = w.ent, w.geo
    name_of = dict(zip(g.county, g.county_short)) | dict(zip(g.city, g.city_short))
    pairs = frame["pairs"]
    k, k0 = len(pairs), frame["n_base"]
    perf = _enclave_performance(rng, frame, range(k0))
    if k > k0:
        extra = _enclave_performance(rng, frame, range(k0, k))
        perf = {c: np.concatenate([perf[c], extra[c]]) for c in perf}
    idx, year, area, output = perf["idx"], perf["year"], perf["area"], perf["output"]
    n = len(idx)
    codes = np.array([f"E{i + 1:03d}" for i in range(k)], dtype=object)
    types = np.array(frame["types"], dtype=object)
    first_row = np.searchsorted(idx, np.arange(k), side="left")
    last_row = np.searchsorted(idx, np.arange(k), side="right") - 1

    # roles: distinct enclaves for each planted case (never one of the planted equity cases)
    used = set(frame["equity_roles"].values())
    order = [i for i in rng.permutation(k).tolist() if i not in used]
    roles: dict[str, int] = {}
    wants = {
        "land_shortfall": lambda i: last_row[i] - first_row[i] >= 2,
        "land_over_agreed": lambda i: last_row[i] - first_row[i] >= 2,
        "output_missed": lambda i: True,
        "tax_missed": lambda i: True,
        "paid_in_blank": lambda i: True,
        "type_blank": lambda i: types[i] == "industrial",
        "direction_blank": lambda i: not pairs[i].reverse,
    }
    for role, ok in wants.items():
        i = next((i for i in order if ok(i)), None)
        if i is not None:
            roles[role] = i
            order.remove(i)

    # the operating company: a park platform of the host county, else of its city (every city has one)
    county_city = dict(zip(g.county, g.county_city))
    ent_county = g.county[e.county]
    platform = e.etype == PLATFORM
    operator = np.array(
        [
            (
                np.flatnonzero(platform & (ent_county == p.host))
                if (platform & (ent_county == p.host)).any()
                else np.flatnonzero(platform & (e.city == county_city[p.host]))
            )[0]
            for p in pairs
        ]
    )

    # land quota: what the area needs beyond the host's own land, transferred as it is needed
    host_land = np.round(area[first_row] * rng.uniform(0.2, 0.5, k), 1)
    needed = np.maximum(0.0, area - host_land[idx])
    prev = np.where(np.arange(n) == first_row[idx], 0.0, np.concatenate([[0.0], needed[:-1]]))
    # whole 亩, rounded up: the cumulative transfer never falls short of the need by rounding
    quota = np.ceil(np.round(np.maximum(0.0, needed - prev), 6))
    short = roles.get("land_shortfall", -1)
    quota = np.where(idx == short, np.round(0.6 * quota), quota)
    agreed = np.ceil(needed[last_row] / 10) * 10 + 10  # above the need plus the rounding of every year
    if "land_over_agreed" in roles:
        i = roles["land_over_agreed"]
        agreed[i] = np.round(0.8 * needed[last_row[i]], 1)

    # joint funding in the first three years, the origin paying 50-80 %
    early = (np.arange(n) - first_row[idx]) < 3
    joint = np.where(early, _money(perf["investment"] * rng.uniform(0.1, 0.3, n)), np.nan)
    origin_part = rng.uniform(0.5, 0.8, k)[idx]
    origin_fund = np.round(joint * origin_part, 2)
    host_fund = np.round(joint - origin_fund, 2)

    # the 亩均 inputs, then a clear leader and laggard in each type and year
    va = output * rng.uniform(0.22, 0.32, n)
    vpe = np.exp(rng.normal(np.log(4.0), 0.3, n))  # 万元 of value added per tce
    rdi = rng.uniform(0.01, 0.05, n)
    lp = np.exp(rng.normal(np.log(30.0), 0.3, n))  # 万元 of value added per person
    tpm = perf["tax"] / area
    vpm = va / area
    leaders: dict[str, dict[str, str]] = {}
    laggards: dict[str, dict[str, str]] = {}
    groups: dict[tuple[str, int], np.ndarray] = {}
    for t in sorted(set(types)):
        for y in range(FIRST_YEAR, LAST_YEAR + 1):
            rows = np.flatnonzero((types[idx] == t) & (year == y))
            if len(rows) >= 2:
                groups[(t, y)] = rows
                best, worst = int(np.argmax(tpm[rows])), int(np.argmin(tpm[rows]))
                vpm[rows] = _best_and_worst(vpm[rows], best, worst)
                vpe[rows] = _best_and_worst(vpe[rows], best, worst)
                rdi[rows] = _best_and_worst(rdi[rows], best, worst)
                lp[rows] = _best_and_worst(lp[rows], best, worst)
                leaders.setdefault(t, {})[str(y)] = str(codes[idx[rows[best]]])
                laggards.setdefault(t, {})[str(y)] = str(codes[idx[rows[worst]]])
            elif len(rows) == 1:
                leaders.setdefault(t, {})[str(y)] = str(codes[idx[rows[0]]])
    va = _money(vpm * area)
    energy = np.round(va / vpe, 1)
    rd = _money(rdi * output)
    employees = np.maximum(1, np.round(va / lp)).astype(np.int64)
    # one enclave-year without an energy figure: the middle one of the largest group of the last year
    missing: list[list[Any]] = []
    last = [key for key in groups if key[1] == LAST_YEAR]
    if last:
        key = max(last, key=lambda kk: (len(groups[kk]), kk[0]))
        rows = groups[key]
        if len(rows) >= 3:
            ranked = rows[np.argsort(tpm[rows])]
            r = int(ranked[len(ranked) // 2])
            energy[r] = np.nan
            missing.append([str(codes[idx[r]]), int(year[r]), "energy_tce"])

    # targets of the agreements: met with a margin, or missed every year from the target year on
    est = _year_of(frame["established"])
    target_year = np.minimum(np.maximum(est + 3, FIRST_YEAR + 1), LAST_YEAR - 1)
    on = year >= target_year[idx]
    lo_out = np.array([output[(idx == i) & on].min() for i in range(k)])
    hi_out = np.array([output[(idx == i) & on].max() for i in range(k)])
    lo_tax = np.array([perf["tax"][(idx == i) & on].min() for i in range(k)])
    hi_tax = np.array([perf["tax"][(idx == i) & on].max() for i in range(k)])
    target_output = np.round(0.85 * lo_out, -1)
    target_tax = np.round(0.85 * lo_tax, 0)
    if "output_missed" in roles:
        i = roles["output_missed"]
        target_output[i] = np.round(1.25 * hi_out[i], -1)
    if "tax_missed" in roles:
        i = roles["tax_missed"]
        target_tax[i] = np.round(1.25 * hi_tax[i], 0)

    # shareholders of the operating company: the origin's fund or park platform, the host's state-owned
    # investment company (named only), and for what is left a large firm of the origin's city
    shareholders = []
    fund = e.etype == FUND
    for i, p in enumerate(pairs):
        oc = county_city.get(p.origin, None)
        ocity = oc if oc is not None else int(np.flatnonzero(g.city == p.origin)[0])
        cand = np.flatnonzero(fund & (e.city == ocity))
        if not len(cand):
            cand = np.flatnonzero(platform & (e.city == ocity))
        o_ent = int(cand[0])
        holders = [
            ("origin", int(o_ent), None, str(ent_county[o_ent]), float(frame["origin_eq"][i])),
            ("host", -1, f"{name_of[p.host]}国有资产投资经营有限公司", p.host, float(frame["host_eq"][i])),
        ]
        rest = 100.0 - frame["origin_eq"][i] - frame["host_eq"][i]
        if rest > 0:
            firms_o = np.flatnonzero((e.etype == FIRM) & (e.city == ocity))
            f_ent = int(firms_o[np.argmax(e.revenue[firms_o])])
            holders.append(("other", f_ent, None, str(ent_county[f_ent]), float(rest)))
        shareholders.append(holders)
    capital = np.round(area[first_row] * rng.uniform(30, 80, k), -1)  # 万元 of registered capital

    frame.update(
        rows=perf,
        codes=codes,
        roles=roles,
        operator=operator,
        host_land=host_land,
        land_agreed=agreed,
        target_year=target_year,
        target_output=target_output,
        target_tax=target_tax,
        shareholders=shareholders,
        capital=capital,
        land={
            "needed": needed,
            "quota": quota,
        },
        mu={"leaders": leaders, "laggards": laggards, "missing": missing},
    )
    type_col = types[idx].copy()
    type_col[idx == roles.get("type_blank", -1)] = None
    direction = np.array(["reverse" if p.reverse else "forward" for p in pairs], dtype=object)[idx]
    direction[idx == roles.get("direction_blank", -1)] = None
    return Records(
        "enclaves",
        n,
        {
            "enclave_id": codes[idx],
            "enclave_name": np.array(frame["names"], dtype=object)[idx],
            "origin_adcode": np.array([p.origin for p in pairs], dtype=object)[idx],
            "host_adcode": np.array([p.host for p in pairs], dtype=object)[idx],
            "established": frame["established"][idx],
            "origin_equity_pct": frame["origin_eq"][idx],
            "host_equity_pct": frame["host_eq"][idx],
            "period": year,
            "area_mu": area,
            "output": output,
            "tax": perf["tax"],
            "investment": perf["investment"],
            "firms": perf["firms"],
            "enclave_type": type_col,
            "direction": direction,
            "operator_name": Take(e.name, operator[idx]),
            "operator_code": Take(e.code, operator[idx]),
            "land_quota_mu": quota,
            "joint_fund": joint,
            "origin_fund": origin_fund,
            "host_fund": host_fund,
            "value_added": va,
            "energy_tce": energy,
            "rd_spend": rd,
            "employees": employees,
        },
        notes={"equity_rule_violations": [str(codes[i]) for i in frame["bad"]]},
    )


def _paid_in(frame: dict, i: int, age: np.ndarray) -> np.ndarray:
    """Paid-in capital (万元) of each shareholder of enclave ``i`` at each ``age`` (rows: shareholders): the origin
    pays in over three years, the host over four, other shareholders at once."""
    speed = {"origin": (0.5, 0.25), "host": (0.3, 0.2), "other": (1.0, 0.0)}
    out = []
    for side, _, _, _, pct in frame["shareholders"][i]:
        a, b = speed[side]
        out.append(frame["capital"][i] * pct / 100 * np.minimum(1.0, a + b * age))
    return np.round(np.array(out), 2)


def enclave_terms(rng: np.random.Generator, w: World, frame: dict) -> Records:
    """The agreement of each enclave: signed before it was set up, a 15-30 year term, output and tax targets from
    a target year three years in (met with a 15 % margin, or missed: ``frame["roles"]``), the land quota agreed and
    the host's own land, the equity floors (blank: 50/30; one enclave asks the host for 35 %) and the origin's
    promised tax share (the share of its total-basis tax-sharing agreement; one promises 10 points more than it
    gets)."""
    k = len(frame["pairs"])
    codes = frame["codes"]
    signed = frame["established"] - rng.integers(30, 300, k).astype("timedelta64[D]")
    term = rng.choice([15, 20, 30], size=k)
    host_min = np.full(k, np.nan)
    origin_min = np.full(k, np.nan)
    own = frame["equity_roles"].get("own_terms_host_min")
    if own is not None:
        host_min[own], origin_min[own] = OWN_TERMS_HOST_MIN, 50.0
    promised = np.full(k, np.nan)
    for i, plan in frame.get("sharing", {}).items():
        if plan["basis"] == "total" and plan["role"] in ("default", "promise_unmet"):
            promised[i] = plan["share"] + (10.0 if plan["role"] == "promise_unmet" else 0.0)
    notes = np.array(["园区共建、利益共享", "飞出地控股、市场化运营", "园区落地+团队控股"], dtype=object)
    return Records(
        "enclave_terms",
        k,
        {
            "enclave_id": codes,
            "agreement_id": np.array([f"EA-{c}" for c in codes], dtype=object),
            "signed": signed,
            "term_years": term,
            "target_output": frame["target_output"],
            "target_tax": frame["target_tax"],
            "target_year": frame["target_year"],
            "land_quota_agreed_mu": frame["land_agreed"],
            "host_land_mu": frame["host_land"],
            "origin_min_equity_pct": origin_min,
            "host_min_equity_pct": host_min,
            "origin_tax_share_pct": promised,
            "note": notes[rng.integers(0, len(notes), k)],
        },
    )


def enclave_shareholders(rng: np.random.Generator, w: World, frame: dict) -> Records:
    """The shareholders of each enclave's operating company in every year of the enclave: side, place, share
    (the enclave's equity split; what is left to 100 % held by a firm of the origin's city) and paid-in capital
    (blank for one enclave: its equity ties are then share × investment)."""
    e = w.ent
    perf = frame["rows"]
    blank = frame["roles"].get("paid_in_blank", -1)
    cols: dict[str, list[Any]] = {
        c: [] for c in ("i", "year", "side", "ent", "name", "adcode", "pct", "paid")
    }
    for i in range(len(frame["pairs"])):
        rows = np.flatnonzero(perf["idx"] == i)
        paid = _paid_in(frame, i, perf["age"][rows])
        for s, (side, ent, name, adcode, pct) in enumerate(frame["shareholders"][i]):
            m = len(rows)
            cols["i"] += [i] * m
            cols["year"] += perf["year"][rows].tolist()
            cols["side"] += [side] * m
            cols["ent"] += [ent] * m
            cols["name"] += [name] * m
            cols["adcode"] += [adcode] * m
            cols["pct"] += [pct] * m
            cols["paid"] += [np.nan] * m if i == blank else paid[s].tolist()
    ent = np.array(cols["ent"], dtype=np.int64)
    named = pa.array(cols["name"], pa.string())
    n = len(ent)
    return Records(
        "enclave_shareholders",
        n,
        {
            "enclave_id": frame["codes"][np.array(cols["i"], dtype=np.int64)],
            "period": np.array(cols["year"], dtype=np.int64),
            "shareholder_name": pc.coalesce(pc.take(e.name, pa.array(ent, mask=ent < 0)), named),
            "shareholder_code": Take(e.code, ent),
            "side": np.array(cols["side"], dtype=object),
            "adcode": np.array(cols["adcode"], dtype=object),
            "share_pct": np.array(cols["pct"]),
            "paid_in": np.array(cols["paid"], dtype=float),
        },
    )


#: planted tax-sharing cases, in the order they are given to the enclaves with tax-sharing firms
SHARING_ROLES = ("capped", "increment", "capital", "under", "over", "outside_term", "promise_unmet")


def _sharing_plan(frame: dict, totals: dict[int, dict[int, float]]) -> dict[int, dict[str, Any]]:
    """Each enclave's tax-sharing arrangement, from the yearly tax of its shared records (``totals``).

    Default: all of the tax at the enclave's share (``total``), open-ended or for 20 years, from the year the
    enclave was set up. Planted (one enclave each, where the records allow): a cap at 60 % of the largest yearly
    share (it binds), an increment over the start year's tax (base amount left blank: the base year's records
    give it), a split by the origin's paid-in share of the operating company (``capital``), records sharing 60 %
    or 130 % of the agreed in 2022-2024 (under, over), an agreement that ended in 2021 while the records went on
    sharing (outside its term), and an enclave whose agreement promises the origin 10 points more than it gets.
    """
    est = _year_of(frame["established"])
    plans: dict[int, dict[str, Any]] = {}
    equity = set(frame["equity_roles"].values()) | {frame["roles"].get("paid_in_blank", -1)}
    cands = sorted(totals, key=lambda i: (-len(totals[i]), i))
    for i in cands:
        start = max(int(est[i]), FIRST_YEAR)
        plans[i] = {
            "agreement": f"TS-E{i + 1:03d}",
            "role": "default",
            "basis": "total",
            "share": float(frame["share_pct"][i]),
            "start": start,
            "duration": 20 if i % 2 == 0 else None,
            "end": None,
            "cap": None,
            "base_year": None,
            "base_amount": None,
            "deviate": {},
        }
    late = range(LAST_YEAR - 2, LAST_YEAR + 1)
    needs = {
        "capped": lambda i: len(totals[i]) >= 2,
        "increment": lambda i: len(totals[i]) >= 3 and plans[i]["start"] in totals[i],
        "capital": lambda i: i not in equity,
        "under": lambda i: any(y in totals[i] for y in late),
        "over": lambda i: any(y in totals[i] for y in late),
        "outside_term": lambda i: plans[i]["start"] <= 2020 and any(y in totals[i] for y in late),
        "promise_unmet": lambda i: True,
    }
    free = list(cands)
    for role in SHARING_ROLES:
        i = next((i for i in free if needs[role](i)), None)
        if i is None:
            continue
        free.remove(i)
        plan = plans[i]
        plan["role"] = role
        s = plan["share"]
        if role == "capped":
            plan["cap"] = float(np.round(0.6 * s / 100 * max(totals[i].values()), 2))
        elif role == "increment":
            plan["basis"] = "increment"
            plan["base_year"] = plan["start"]
        elif role == "capital":
            plan["basis"] = "capital"
        elif role in ("under", "over"):
            plan["deviate"] = {y: (0.6 if role == "under" else 1.3) for y in late if y in totals[i]}
        elif role == "outside_term":
            plan["duration"] = 2021 - plan["start"] + 1
    return plans


def _agreed_pct(frame: dict, i: int, plan: dict[str, Any], year: int, total: float) -> float:
    """The share (%) of the year's shared records' tax the arrangement gives the sharing side."""
    s = plan["share"]
    if plan["basis"] == "capital":
        perf = frame["rows"]
        row = np.flatnonzero((perf["idx"] == i) & (perf["year"] == year))  # a tax year is an enclave year
        paid = _paid_in(frame, i, perf["age"][row])[:, 0]
        sides = [h[0] for h in frame["shareholders"][i]]
        return float(100 * paid[sides.index("origin")] / paid.sum())
    if plan["basis"] == "increment":
        base = plan["base_amount"]
        return 0.0 if total <= 0 else float(s * max(0.0, total - base) / total)
    agreed = s / 100 * total
    if plan["cap"] is not None:
        agreed = min(agreed, plan["cap"])
    pct = 0.0 if total <= 0 else 100 * agreed / total
    return float(min(100.0, pct * plan["deviate"].get(year, 1.0)))


def tax(rng: np.random.Generator, w: World, n_rows: int, frame: dict) -> Records:
    """Yearly tax per firm for a panel of firms, and tax-sharing rows for the firms in enclaves.

    Panel firms (drawn by revenue^0.3, all enclave firms included) report every year from 2015 or their
    founding; revenue is the firm's size discounted by its own growth rate, tax 2–7 % of revenue. In
    enclaves, from the year the enclave was set up, the host county collects and shares with the origin
    (``shared_to_adcode``) under agreement ``TS-Exxx``: each record carries the share of its tax the enclave's
    arrangement gives the origin that year (:func:`_sharing_plan`; ``frame["sharing"]`` keeps the plans for
    :func:`tax_sharing`).
    """
    e = w.ent
    firm = np.flatnonzero(e.etype == FIRM)
    start = np.maximum(FIRST_YEAR, e.founded_year[firm])
    length = LAST_YEAR - start + 1
    key = -np.log(rng.random(len(firm))) / np.maximum(e.revenue[firm], 1.0) ** 0.3
    encl = np.concatenate([np.asarray(s, dtype=np.int64) for s in frame["firms"]] or [np.zeros(0, np.int64)])
    key[np.isin(firm, encl)] = -1.0  # enclave firms first
    order = np.argsort(key, kind="stable")
    n_firms = int(np.searchsorted(np.cumsum(length[order]), n_rows, side="right"))
    sel = np.sort(order[:n_firms])
    f, start, length = firm[sel], start[sel], length[sel]
    row_f = np.repeat(f, length)
    period = np.repeat(start, length) + (
        np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    )
    growth = rng.normal(0.08, 0.05, len(f))
    rate = rng.uniform(0.02, 0.07, len(f))
    pos = np.repeat(np.arange(len(f)), length)
    revenue = _money(
        e.revenue[row_f] * np.exp(-growth[pos] * (LAST_YEAR - period) + rng.normal(0, 0.1, len(pos)))
    )
    tax_paid = _money(revenue * rate[pos])
    # tax sharing in enclaves
    n = len(row_f)
    shared_to = np.full(n, None, dtype=object)
    share = np.full(n, np.nan)
    agreement = np.full(n, None, dtype=object)
    est = _year_of(frame["established"])
    masks: dict[int, np.ndarray] = {}
    totals: dict[int, dict[int, float]] = {}
    for i, (p, firms_i) in enumerate(zip(frame["pairs"], frame["firms"])):
        m = np.isin(row_f, firms_i) & (period >= est[i])
        if m.any():
            masks[i] = m
            ys, inv = np.unique(period[m], return_inverse=True)
            totals[i] = dict(zip(ys.tolist(), np.bincount(inv, weights=tax_paid[m]).tolist()))
            shared_to[m] = p.origin
            agreement[m] = f"TS-E{i + 1:03d}"
    plans = _sharing_plan(frame, totals)
    for i, plan in plans.items():
        if plan["basis"] == "increment":
            plan["base_amount"] = float(np.round(totals[i][plan["base_year"]], 2))
        pct = {y: round(_agreed_pct(frame, i, plan, y, t), 4) for y, t in totals[i].items()}
        share[masks[i]] = np.array([pct[y] for y in period[masks[i]].tolist()])
        plan["totals"] = totals[i]
        plan["record_pct"] = pct
    frame["sharing"] = plans
    return Records(
        "tax",
        n,
        {
            "credit_code": Take(e.code, row_f),
            "period": period,
            "revenue": revenue,
            "tax_paid": tax_paid,
            "adcode": Take(e.adcode, row_f),
            "shared_to_adcode": shared_to,
            "share_pct": share,
            "agreement_id": agreement,
        },
    )


def tax_sharing(rng: np.random.Generator, w: World, frame: dict) -> Records:
    """One 税收分享协议 per enclave whose firms share tax (``frame["sharing"]``, made by :func:`tax`): the host
    county collects, the origin shares; the agreement id is the one the tax records carry."""
    plans = frame["sharing"]
    order = sorted(plans)
    pairs = frame["pairs"]
    collecting = [pairs[i].host for i in order]  # the host county: its firms report it as their place
    return Records(
        "tax_sharing",
        len(order),
        {
            "agreement_id": np.array([plans[i]["agreement"] for i in order], dtype=object),
            "enclave_id": frame["codes"][np.array(order, dtype=np.int64)],
            "collecting_adcode": np.array(collecting, dtype=object),
            "sharing_adcode": np.array([pairs[i].origin for i in order], dtype=object),
            "basis": np.array([plans[i]["basis"] for i in order], dtype=object),
            "base_year": np.array(
                [str(plans[i]["base_year"]) if plans[i]["base_year"] else None for i in order], dtype=object
            ),
            "share_pct": np.array(
                [np.nan if plans[i]["basis"] == "capital" else plans[i]["share"] for i in order]
            ),
            "cap": np.array([np.nan if plans[i]["cap"] is None else plans[i]["cap"] for i in order]),
            "start_year": np.array([plans[i]["start"] for i in order], dtype=np.int64),
            "duration_years": pa.array([plans[i]["duration"] for i in order], pa.int64()),
        },
    )


# ----------------------------------------------------------------------------------------- flows, services

#: flow type -> (gravity exponent, value of the largest pair in 2015, yearly growth, 2020/2022 dip)
_FLOW_TYPES = {
    "rail": (1.5, 50_000, 0.06, True),
    "road": (2.0, 40_000, 0.03, True),
    "migration": (1.8, 300_000, 0.01, True),
    "commuting": (3.0, 80_000, 0.05, True),
    "logistics": (1.8, 5_000, 0.05, False),
    "information": (0.8, 100_000, 0.10, False),
}


def flows(rng: np.random.Generator, w: World, n_pairs: int | None) -> Records:
    """Flows between every ordered pair of cities (or the ``n_pairs`` largest), per type and year.

    ``value ∝ (pop_i · pop_j)^0.5 · econ_i · econ_j / (d_ij + 30 km)^γ`` with a type-specific γ, scaled so
    the largest pair equals the type's reference value in 2015, growing yearly, with a dip in 2020 and
    2022 for movements of people and vehicles. Rail and road carry a travel time (road distance taken
    as 1.25 × great-circle; rail at 200 km/h improving 1 % a year, road at 85 km/h).
    """
    g = w.geo
    C = len(g.city)
    i, j = np.nonzero(~np.eye(C, dtype=bool))
    base = np.sqrt(g.pop[i] * g.pop[j]) * g.econ[i] * g.econ[j]
    if n_pairs is not None and n_pairs < len(i):
        top = np.sort(np.argsort(-base / (g.dist[i, j] + 30.0) ** 2, kind="stable")[:n_pairs])
        i, j, base = i[top], j[top], base[top]
    types = list(_FLOW_TYPES)
    P, T, Y = len(i), len(types), len(YEARS)
    ti, pi, yi = (a.ravel() for a in np.meshgrid(np.arange(T), np.arange(P), np.arange(Y), indexing="ij"))
    gamma = np.array([_FLOW_TYPES[t][0] for t in types])
    ref = np.array([_FLOW_TYPES[t][1] for t in types], dtype=float)
    grow = np.array([_FLOW_TYPES[t][2] for t in types])
    dip = np.array([_FLOW_TYPES[t][3] for t in types])
    d = g.dist[i, j]
    raw = base[None, :] / (d[None, :] + 30.0) ** gamma[:, None]  # (T, P)
    raw = raw / raw.max(axis=1, keepdims=True) * ref[:, None]
    year = YEARS[yi]
    covid = np.where(dip[ti] & (year == 2020), 0.7, np.where(dip[ti] & (year == 2022), 0.85, 1.0))
    value = raw[ti, pi] * np.exp(grow[ti] * yi) * covid * np.exp(rng.normal(0, 0.1, len(ti)))
    value = np.where(np.isin(ti, [0, 1, 3]), np.round(value), np.round(value, 2))
    road_km = 1.25 * d[pi]
    tt = np.select([ti == 0, ti == 1], [15 + road_km / 200 * 60 * 0.99**yi, 10 + road_km / 85 * 60], np.nan)
    return Records(
        "flows",
        len(ti),
        {
            "flow_type": np.array(types, dtype=object)[ti],
            "origin": g.city[i][pi].astype(object),
            "destination": g.city[j][pi].astype(object),
            "period": year,
            "value": value,
            "travel_time_min": np.round(tt, 1),
        },
    )


def services(rng: np.random.Generator, w: World, n: int) -> Records:
    """Innovation vouchers, shared instruments, brokerage and joint credit, provider → firm.

    The user's city follows a flat gravity kernel (γ = 1.2) from the provider's city, so a large share of
    vouchers is redeemed across city and provincial borders (创新券通用通兑).
    """
    e, g = w.ent, w.geo
    years = _years(rng, n, 0.15)
    types = np.array(["voucher", "instrument", "brokerage", "credit"], dtype=object)
    t = rng.choice(4, size=n, p=[0.45, 0.25, 0.15, 0.15])
    prov_w = [
        np.select([e.etype == SERVICE, e.etype == INSTITUTE, e.etype == UNIVERSITY], [3.0, 2.0, 1.0], 0.0),
        np.select([e.etype == INSTITUTE, e.etype == UNIVERSITY], [2.0, 1.0], 0.0),
        (e.etype == SERVICE).astype(float),
        (e.etype == SERVICE).astype(float),
    ]
    prov_w = [p * w.geo.innov[e.city] for p in prov_w]
    provider = np.empty(n, dtype=np.int64)
    for k in range(4):
        m = t == k
        provider[m] = rng.choice(e.n, size=int(m.sum()), p=prov_w[k] / prov_w[k].sum())
    user_w = np.where(e.etype == FIRM, e.tech / np.maximum(e.employees, 1) ** 0.2, 0.0)
    K = gravity_kernel(g.dist, _city_mass(w, user_w), gamma=1.2)
    user = _firm_sampler(w, user_w).sample(rng, sample_rows(rng, K, e.city[provider]))
    date = _not_before(_not_before(_dates(rng, years), e.founded[provider]), e.founded[user])
    value = _money(np.exp(rng.normal(np.log([10, 3, 20, 800])[t], 0.8)))
    return Records(
        "services",
        n,
        {
            "service_id": _ids("S", _year_of(date), 7),
            "service_type": types[t],
            "date": date,
            **_party(w, "provider", provider),
            **_party(w, "user", user),
            "value": value,
        },
    )


# ------------------------------------------------------------------------------------- innovation vouchers


def _under(codes: np.ndarray, place: str) -> np.ndarray:
    """Whether each adcode lies in ``place`` (a province ``310000``, city ``320500`` or county code)."""
    prefix = place[:2] if place.endswith("0000") else place[:4] if place.endswith("00") else place
    return np.char.startswith(codes.astype(str), prefix)


def _in_force(rec: Recognition, day: np.ndarray) -> np.ndarray:
    ok = day >= np.datetime64(rec.start)
    if rec.end is not None:
        ok &= day <= np.datetime64(rec.end)
    return ok & ~np.isnat(day)


def recognised(issuer: np.ndarray, provider: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether a recognition of :data:`RECOGNITIONS` in force on ``day`` covers each (issuer place, provider
    place): the issuer under one of its places and the provider under the other."""
    out = np.zeros(len(issuer), dtype=bool)
    for r in RECOGNITIONS:
        pair = (_under(issuer, r.a) & _under(provider, r.b)) | (_under(issuer, r.b) & _under(provider, r.a))
        out |= pair & _in_force(r, day)
    return out


#: voucher cases planted in every size: cross-province redemptions in the 12 months before the first
#: recognition between its two places (unrecognised then), and redemptions of Anhui vouchers at Jiangsu providers
#: (never recognised)
VOUCHERS_BEFORE_START = 2
VOUCHERS_UNRECOGNISED = 3


def vouchers(rng: np.random.Generator, w: World, n: int) -> Records:
    """Innovation vouchers (创新券) issued to firms and redeemed at service providers, institutes and universities.

    Holders are firms weighted by technology intensity; the issuer is the holder's city (80 %) or province.
    85 % are redeemed 20-300 days after issue (those that would fall after 2024 are not yet), half by the holder
    and half by the provider, mostly below face value (a tenth give no amount: the face value counts). The
    provider sits inside the issuing place, unless a recognition (:data:`RECOGNITIONS`) covering the issuer is in
    force on the redemption day: then :data:`VOUCHER_CROSS_SHARE` of the vouchers go to a provider in a recognised
    partner place — so cross-province redemptions start with the recognitions. Planted in every size:
    :data:`VOUCHERS_BEFORE_START` Jiangsu vouchers redeemed at Shanghai providers in the 12 months before the
    沪苏 recognition started, and :data:`VOUCHERS_UNRECOGNISED` Anhui vouchers redeemed in Jiangsu, which no
    recognition covers (``notes``).
    """
    e, g = w.ent, w.geo
    C = len(g.city)
    years = _years(rng, n, 0.15)
    hold_w = np.where(e.etype == FIRM, e.tech / np.maximum(e.employees, 1) ** 0.2, 0.0)
    holder = rng.choice(e.n, size=n, p=hold_w / hold_w.sum())
    hcity = e.city[holder]
    prov_codes = np.unique(g.province_code)
    hprov = np.searchsorted(prov_codes, g.province_code[hcity])
    by_province = rng.random(n) < 0.2
    issuer = np.where(by_province, g.province_code[hcity], g.city[hcity]).astype(object)
    issued = _not_before(_dates(rng, years), e.founded[holder])
    delay = rng.integers(20, 300, n).astype("timedelta64[D]")
    redeemed = issued + delay
    redeemed = np.where((rng.random(n) < 0.85) & (redeemed <= LAST_DAY), redeemed, np.datetime64("NaT"))
    done = ~np.isnat(redeemed)

    # providers: inside the issuing place, or in a recognised partner place
    # providers that existed by 2015 (universities are undated), so no redemption predates its provider
    prov_w = np.select(
        [e.etype == SERVICE, e.etype == INSTITUTE, e.etype == UNIVERSITY], [3.0, 2.0, 1.0], 0.0
    )
    prov_w = prov_w * g.innov[e.city] * (e.founded_year <= FIRST_YEAR - 1)
    eprov = np.searchsorted(prov_codes, g.province_code[e.city])
    P = len(prov_codes)
    # groups: cities 0..C-1, provinces C..C+P-1
    by_city = GroupSampler(e.city, prov_w, C)
    by_prov = GroupSampler(eprov, prov_w, P)
    target = np.where(by_province, C + hprov, hcity)  # the issuing place as a group
    partner = np.full(n, -1, dtype=np.int64)
    seen = np.zeros(n)
    u = rng.random((len(RECOGNITIONS), n))
    for j, r in enumerate(RECOGNITIONS):
        for mine, other in ((r.a, r.b), (r.b, r.a)):
            ok = done & _under(issuer.astype(str), mine) & _in_force(r, redeemed)
            seen += ok
            take = ok & (u[j] * seen < 1)  # reservoir sampling: each partner equally likely
            code = other
            grp = (
                C + int(np.searchsorted(prov_codes, code))
                if code.endswith("0000")
                else int(np.flatnonzero(g.city == code[:4] + "00")[0])
            )
            partner = np.where(take, grp, partner)
    cross = (partner >= 0) & (rng.random(n) < VOUCHER_CROSS_SHARE)
    target = np.where(cross, partner, target)
    # planted: Jiangsu vouchers redeemed in Shanghai in the year before the 沪苏 recognition (unrecognised then)
    first = RECOGNITIONS[0]
    start = np.datetime64(first.start)
    window = (issued >= start - np.timedelta64(365, "D")) & (issued < start - np.timedelta64(30, "D"))
    js = np.char.startswith(issuer.astype(str), first.b[:2])
    before = np.flatnonzero(window & js)[:VOUCHERS_BEFORE_START]
    redeemed[before] = issued[before] + np.timedelta64(20, "D")
    target[before] = C + int(np.searchsorted(prov_codes, first.a))
    # planted: Anhui vouchers redeemed at Jiangsu providers (no recognition ever covers them)
    ah = np.char.startswith(issuer.astype(str), "34") & ~np.isnat(redeemed)
    ah[before] = False
    unrec = np.flatnonzero(ah)[:VOUCHERS_UNRECOGNISED]
    target[unrec] = C + int(np.searchsorted(prov_codes, "320000"))
    done = ~np.isnat(redeemed)
    # a city without any provider falls back to its province
    city_grp = target < C
    tc = np.minimum(target, C - 1)
    empty = city_grp & ~by_city.has(tc)
    target = np.where(empty, C + np.searchsorted(prov_codes, g.province_code[tc]), target)
    provider = np.full(n, -1, dtype=np.int64)
    c_rows = done & (target < C)
    p_rows = done & (target >= C)
    provider[c_rows] = by_city.sample(rng, target[c_rows])
    provider[p_rows] = by_prov.sample(rng, target[p_rows] - C)
    face = np.round(np.exp(rng.normal(np.log(10.0), 0.6, n)) * 2) / 2
    face = np.maximum(face, 0.5)
    value = np.where(done & (rng.random(n) < 0.9), _money(face * rng.uniform(0.5, 1.0, n)), np.nan)
    mode = np.where(rng.random(n) < 0.5, "user", "provider").astype(object)
    mode = np.where(done, mode, None)
    ids = _ids("V", _year_of(issued), 6)
    notes = _voucher_notes(w, ids, issuer, provider, redeemed, mode, before, unrec)
    return Records(
        "vouchers",
        n,
        {
            "voucher_id": ids,
            "issuer_adcode": issuer,
            "issued": issued,
            "face_value": face,
            "holder_code": Take(e.code, holder),
            "holder_name": Take(e.name, holder),
            "holder_adcode": Take(e.adcode, holder),
            "provider_code": Take(e.code, provider),
            "provider_name": Take(e.name, provider),
            "provider_adcode": Take(e.adcode, provider),
            "redeemed": redeemed,
            "redeemed_value": value,
            "redeem_mode": mode,
        },
        notes=notes,
    )


def _voucher_notes(
    w: World,
    ids: pa.Array,
    issuer: np.ndarray,
    provider: np.ndarray,
    redeemed: np.ndarray,
    mode: np.ndarray,
    before: np.ndarray,
    unrec: np.ndarray,
) -> dict[str, Any]:
    """What the vouchers hold, for the manifest: redemptions by mode, cross-province ones, per recognition the
    cross-province redemptions between its two places in the 12 months before and after its start, and the
    cross-province redemptions no recognition covered on the day (ids)."""
    e, g = w.ent, w.geo
    done = ~np.isnat(redeemed)
    place = np.where(provider >= 0, g.county[e.county[np.maximum(provider, 0)]], "").astype(str)
    iss = issuer.astype(str)
    cross = done & (provider >= 0) & (iss.astype("<U2") != place.astype("<U2"))  # another province
    covered = recognised(iss, place, redeemed)
    effect = []
    for r in RECOGNITIONS:
        between = cross & ((_under(iss, r.a) & _under(place, r.b)) | (_under(iss, r.b) & _under(place, r.a)))
        start = np.datetime64(r.start)
        year_before = np.datetime64(f"{int(r.start[:4]) - 1}{r.start[4:]}")
        year_after = np.datetime64(f"{int(r.start[:4]) + 1}{r.start[4:]}")
        effect.append(
            {
                "agreement_id": r.agreement_id,
                "adcode_a": r.a,
                "adcode_b": r.b,
                "start": r.start,
                "before": int((between & (redeemed >= year_before) & (redeemed < start)).sum()),
                "after": int((between & (redeemed >= start) & (redeemed < year_after)).sum()),
            }
        )

    def id_list(rows: np.ndarray) -> list[str]:
        return [str(v) for v in pc.take(ids, pa.array(np.asarray(rows, dtype=np.int64))).to_pylist()]

    return {
        "vouchers": len(issuer),
        "redeemed": int(done.sum()),
        "redeemed_by_mode": {m: int((mode == m).sum()) for m in ("user", "provider")},
        "cross_province": int(cross.sum()),
        "cross_province_recognised": int((cross & covered).sum()),
        "recognition_effect": effect,
        "unrecognised": id_list(np.flatnonzero(cross & ~covered)),
        "planted_before_start": id_list(before),
        "planted_unrecognised": id_list(unrec),
    }


def recognitions(rng: np.random.Generator, w: World, n: int | None = None) -> Records:
    """The voucher recognitions of :data:`RECOGNITIONS`, one row per pair of places (the same in every size)."""
    rs = RECOGNITIONS
    return Records(
        "recognitions",
        len(rs),
        {
            "agreement_id": np.array([r.agreement_id for r in rs], dtype=object),
            "adcode_a": np.array([r.a for r in rs], dtype=object),
            "adcode_b": np.array([r.b for r in rs], dtype=object),
            "start": np.array([np.datetime64(r.start) for r in rs]),
            "end": np.array([np.datetime64(r.end) if r.end else np.datetime64("NaT") for r in rs]),
            "scope": np.array([r.scope for r in rs], dtype=object),
        },
    )


# ------------------------------------------------------------------------------------- policies, needs ...


def policies(rng: np.random.Generator, w: World, n: int) -> Records:
    """Policies of city, provincial, county and regional bodies naming the chains and segments they back.

    Segments are drawn among those present in the jurisdiction's city or, one time in five, among the
    segments absent there (补链 policies). The body text backs them with incentives and mentions others in
    passing (:func:`chainatlas.synth.policy_text.policy_texts`); ``notes["_truth"]`` holds the true tags.
    """
    g, ch = w.geo, w.chains
    years = _years(rng, n, 0.05)
    level = rng.choice(4, size=n, p=[0.55, 0.25, 0.15, 0.05])  # city, provincial, county, regional
    mass = g.mass / g.mass.sum()
    city = rng.choice(len(g.city), size=n, p=mass)
    county = g.pick_county(rng, city)
    pcode = g.province_code[city]
    adcode = np.select(
        [level == 0, level == 1, level == 2], [g.city[city], pcode, g.county[county]], "310117"
    )
    city_dept = np.array(
        ["人民政府", "科学技术局", "经济和信息化局", "发展和改革委员会", "人民政府办公室"], dtype=object
    )
    prov_dept = np.array(["人民政府", "科学技术厅", "经济和信息化厅", "发展和改革委员会"], dtype=object)
    regional = np.array(
        ["长三角G60科创走廊联席会议办公室", "长三角生态绿色一体化发展示范区执行委员会"], dtype=object
    )
    sh = g.city[city] == "310100"
    prov_issuer = np.where(
        sh,
        np.array(
            ["上海市人民政府", "上海市科学技术委员会", "上海市经济和信息化委员会", "上海市发展和改革委员会"],
            dtype=object,
        )[rng.integers(0, 4, n)],
        g.province_name[city].astype(object) + prov_dept[rng.integers(0, 4, n)],
    )
    issuer = np.select(
        [level == 0, level == 1, level == 2],
        [
            g.city_name[city].astype(object) + city_dept[rng.integers(0, 5, n)],
            prov_issuer,
            g.county_name[county].astype(object) + "人民政府",
        ],
        regional[rng.integers(0, 2, n)],
    )
    adcode = np.where(level == 3, np.where(issuer == regional[1], "310118", "310117"), adcode)
    lvl = np.array(["city", "provincial", "county", "regional"], dtype=object)[level]
    c1 = rng.integers(0, len(ch.chain_ids), n)
    two = rng.random(n) < 0.3
    c2 = np.where(two, (c1 + rng.integers(1, max(2, len(ch.chain_ids)), n)) % len(ch.chain_ids), -1)
    cid = np.array(ch.chain_ids, dtype=object)
    chains = np.where(two, cid[c1] + ";" + cid[np.maximum(c2, 0)], cid[c1])
    # segments of the first chain: present in the city (or absent there: 补链), 1-3 of them
    segs_of = [np.flatnonzero(ch.seg_chain == c) for c in range(len(ch.chain_ids))]
    present = ch.spread[:, city].T > 0  # (n, S)
    fill = rng.random(n) < 0.2
    labels = np.array([ch.label(s) for s in range(ch.n)], dtype=object)
    seg_lists = np.empty(n, dtype=object)
    r = rng.random((n, ch.n))
    for c in range(len(ch.chain_ids)):
        m = c1 == c
        S_c = segs_of[c]
        want = np.where(fill[m, None], ~present[m][:, S_c], present[m][:, S_c])
        score = np.where(want, r[m][:, S_c], r[m][:, S_c] + 2.0)
        k = rng.integers(1, min(3, len(S_c)) + 1, int(m.sum()))
        best = np.argsort(score, axis=1)
        pick = [";".join(labels[S_c[best[i, : k[i]]]]) for i in range(int(m.sum()))]  # ≤ a few thousand rows
        seg_lists[m] = pick
    cname = np.array(ch.chain_names, dtype=object)[c1]
    place = np.select(
        [level == 0, level == 1, level == 2],
        [
            g.city_name[city].astype(object),
            g.province_name[city].astype(object),
            g.county_name[county].astype(object),
        ],
        "长三角",
    )
    tpl = rng.integers(0, 5, n)
    title = np.select(
        [tpl == 0, tpl == 1, tpl == 2, tpl == 3],
        [
            place + "关于促进" + cname + "产业高质量发展的若干政策",
            place
            + cname
            + "产业链补链强链行动方案（"
            + years.astype(str).astype(object)
            + "—"
            + (years + 2).astype(str).astype(object)
            + "年）",
            place + "关于支持" + cname + "重点环节发展的实施意见",
            place + "科技创新券管理办法（" + cname + "专项）",
        ],
        place + "推进长三角" + cname + "产业链创新链协同的工作方案",
    )
    date = _dates(rng, years)
    # the body names the backed segments (and a second chain) with incentives, others in passing: the true tags
    # go to labels/policy_truth.csv (synth/policy_text.py)
    names = dict(zip(ch.chain_ids, ch.chain_names, strict=True))
    text, truth = policy_texts(rng, place, chains, seg_lists, names)
    return Records(
        "policies",
        n,
        {
            "policy_id": _ids("P", years, 5),
            "title": title,
            "issuer": issuer,
            "adcode": adcode,
            "level": lvl,
            "date": date,
            "chains": chains,
            "segments": seg_lists,
            "text": text,
        },
        notes={"_truth": truth},
    )


def needs(rng: np.random.Generator, w: World, n: int) -> Records:
    """Technology needs posted by chain firms (by revenue^0.5), with the segment's IPC and a budget."""
    e, ch = w.ent, w.chains
    years = _years(rng, n, 0.12)
    wt = np.where((e.etype == FIRM) & (e.seg >= 0), np.maximum(e.revenue, 1.0) ** 0.5, 0.0)
    firm = rng.choice(e.n, size=n, p=wt / wt.sum())
    seg = e.seg[firm]
    date = _not_before(_dates(rng, years), e.founded[firm])
    obj = _objects(rng, w, seg)
    title = nm.join(
        nm.take(nm.MODIFIERS, nm.choose(rng, n, nm.MODIFIERS)),
        obj,
        nm.take(nm.NEED_WORDS, nm.choose(rng, n, nm.NEED_WORDS)),
    )
    vocab, i1 = _pick_codes(rng, ch.ipc, seg, ch.ipc_general)
    segname = np.array(list(ch.seg_name), dtype=object)[seg]
    desc = nm.join(
        pa.scalar("面向"),
        pa.array(segname.tolist(), pa.string()),
        pa.scalar("环节，寻求"),
        obj,
        pa.scalar("方面的联合研发或技术转让合作（合成数据）"),
    )
    return Records(
        "needs",
        n,
        {
            "need_id": _ids("N", _year_of(date), 6),
            "credit_code": Take(e.code, firm),
            "firm_name": Take(e.name, firm),
            "title": title,
            "description": desc,
            "ipc": Take(vocab, i1),
            **_chain_cols(w, seg),
            "date": date,
            "budget": _money(np.exp(rng.normal(np.log(150), 1.0, n))),
        },
        notes={"_seg": seg, "_obj": obj},
    )


def experts(rng: np.random.Generator, w: World, n: int) -> Records:
    """Researcher profiles at universities (65 %), institutes (25 %) and chain firms (10 %).

    Academics work on a segment drawn in proportion to the segment's firms plus a floor, so even the
    broken segment has researchers — the R&D liaisons (研发联络者) a matching should propose.
    """
    e, ch = w.ent, w.chains
    t = rng.choice(3, size=n, p=[0.65, 0.25, 0.10])
    weights = [
        np.where(e.etype == UNIVERSITY, e.innov, 0.0),
        np.where(e.etype == INSTITUTE, e.innov, 0.0),
        np.where((e.etype == FIRM) & (e.seg >= 0), np.maximum(e.revenue, 1.0) ** 0.5, 0.0),
    ]
    inst = np.empty(n, dtype=np.int64)
    for k in range(3):
        m = t == k
        inst[m] = rng.choice(e.n, size=int(m.sum()), p=weights[k] / weights[k].sum())
    seg_count = np.bincount(e.seg[e.seg >= 0], minlength=ch.n).astype(float)
    p = seg_count / seg_count.sum() + 0.5 / ch.n
    seg = np.where(t == 2, e.seg[inst], rng.choice(ch.n, size=n, p=p / p.sum()))
    vocab, i1 = _pick_codes(rng, ch.ipc, seg, ch.ipc_general)
    segname = pa.array(np.array(list(ch.seg_name), dtype=object)[seg].tolist(), pa.string())
    names = nm.person_names(rng, n)
    obj = _objects(rng, w, seg)  # after the names: the stream's draws stay in the order they always had
    return Records(
        "experts",
        n,
        {
            "expert_id": nm.join(
                pa.scalar("X"),
                pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width=7, padding="0"),
            ),
            "name": names,
            "institution_name": Take(e.name, inst),
            "institution_code": Take(e.code, inst),
            "adcode": Take(e.adcode, inst),
            "ipc": Take(vocab, i1),
            **_chain_cols(w, seg),
            "keywords": nm.join(segname, pa.scalar(";"), obj),
        },
        notes={"_seg": seg, "_obj": obj},
    )


def match_truth(rng: np.random.Generator, needs: Records, experts: Records, sample: int) -> pa.Table:
    """The labelled answers of R&D-liaison matching: for ``sample`` needs drawn at random, every expert of the
    need's segment whose research direction is the need's technical object (a need for 轻量化车身 in 电机电控 and a
    researcher of 电机电控 working on 轻量化车身); needs without such an expert are left out.

    Returns a table ``need_id, expert_id`` sorted by need, then expert — the file ``chainatlas match evaluate
    --truth`` reads.
    """
    n_seg = np.asarray(needs.notes["_seg"])
    x_seg = np.asarray(experts.notes["_seg"])
    n_obj = np.asarray(needs.notes["_obj"].to_numpy(zero_copy_only=False), dtype=object)
    x_obj = np.asarray(experts.notes["_obj"].to_numpy(zero_copy_only=False), dtype=object)
    # (segment, object) as one key per row, shared by both sides
    keys = {k: i for i, k in enumerate(sorted(set(zip(x_seg.tolist(), x_obj.tolist(), strict=True))))}
    xk = np.array([keys[k] for k in zip(x_seg.tolist(), x_obj.tolist(), strict=True)], dtype=np.int64)
    pick = np.sort(rng.choice(needs.n, size=min(sample, needs.n), replace=False))
    nk = np.array([keys.get(k, -1) for k in zip(n_seg[pick].tolist(), n_obj[pick].tolist(), strict=True)])
    order = np.argsort(xk, kind="stable")
    lo = np.searchsorted(xk[order], nk, side="left")
    hi = np.searchsorted(xk[order], nk, side="right")
    hi[nk < 0] = lo[nk < 0]
    q = np.repeat(pick, hi - lo)
    x = np.concatenate([order[a:b] for a, b in zip(lo, hi, strict=True)]) if len(pick) else np.zeros(0, int)
    need_ids = pa.array(needs.columns["need_id"]).take(pa.array(q))
    expert_ids = pa.array(experts.columns["expert_id"]).take(pa.array(x))
    table = pa.table({"need_id": need_ids, "expert_id": expert_ids})
    return table.sort_by([("need_id", "ascending"), ("expert_id", "ascending")])


def alliances(rng: np.random.Generator, w: World, n: int) -> Records:
    """Members of chain alliances: YRD-wide, G60, provincial and hub-city alliances for each chain.

    Members are the chain's firms (by revenue^0.5) with universities and institutes (a quarter), drawn
    only from the alliance's territory; roles run 理事长单位 → 副理事长单位 → 理事单位 → 会员单位. Each alliance
    carries its level (region, corridor, province, city). Drawn independently, the alliances of a chain share few
    members — the paper's four industries whose alliances at several levels "lack a handle to connect each other";
    ``notes["alliances"]`` counts them per chain (members, members in two alliances or more, levels).
    """
    e, g, ch = w.ent, w.geo, w.chains
    prov_names = dict(zip(g.province_code, g.province_name))
    specs = []  # (chain index, name, allowed city mask, year founded, level)
    for c, cname in enumerate(ch.chain_names):
        specs.append((c, f"长三角{cname}产业联盟", np.ones(len(g.city), dtype=bool), 2016, "region"))
        specs.append((c, f"G60科创走廊{cname}产业联盟", np.isin(g.city, G60_CITIES), 2018, "corridor"))
        for pcode, pname in sorted(prov_names.items()):
            specs.append((c, f"{pname[:2]}{cname}产业创新联盟", g.province_code == pcode, 2017, "province"))
        for h in g.hubs[rng.permutation(len(g.hubs))[:2]]:
            specs.append((c, f"{g.city_short[h]}{cname}产业创新联合体", g.city == g.city[h], 2020, "city"))
    size = rng.dirichlet(np.full(len(specs), 3.0)) * n
    rows_a, rows_m = [], []
    # a few dozen alliances: a loop over alliances, not rows
    for a, (c, _, allowed, _, _) in enumerate(specs):
        k = round(size[a])
        on = allowed[e.city]
        fw = np.where((e.etype == FIRM) & (e.seg >= 0) & on, np.maximum(e.revenue, 1.0) ** 0.5, 0.0)
        fw[e.seg >= 0] *= ch.seg_chain[e.seg[e.seg >= 0]] == c
        aw = np.where(np.isin(e.etype, [UNIVERSITY, INSTITUTE]) & on, e.innov, 0.0)
        picks = []
        for wt, share in ((fw, 0.75), (aw, 0.25)):
            m = min(round(k * share), int((wt > 0).sum()))
            if m > 0:
                picks.append(rng.choice(e.n, size=m, replace=False, p=wt / wt.sum()))
        mem = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
        rows_a.append(np.full(len(mem), a))
        rows_m.append(mem)
    aidx = np.concatenate(rows_a)
    mem = np.concatenate(rows_m)
    # order within alliance by size: the largest members lead
    order = np.lexsort((-np.maximum(e.revenue[mem], e.innov[mem] * 100), aidx))
    aidx, mem = aidx[order], mem[order]
    rank = np.arange(len(aidx)) - np.searchsorted(aidx, aidx, side="left")
    asize = np.bincount(aidx, minlength=len(specs))[aidx]
    role = np.select(
        [rank == 0, rank < 4, rank < np.maximum(4, asize // 10)],
        ["理事长单位", "副理事长单位", "理事单位"],
        "会员单位",
    ).astype(object)
    founded = np.array([s[3] for s in specs])[aidx]
    joined = _dates(rng, np.minimum(founded + rng.geometric(0.35, len(aidx)) - 1, LAST_YEAR))
    joined = np.where(rank < 4, _dates(rng, founded), joined)
    joined = _not_before(joined, e.founded[mem])
    ids = np.array([f"A{a + 1:03d}" for a in range(len(specs))], dtype=object)
    chain_of = np.array([s[0] for s in specs])
    level = np.array([s[4] for s in specs], dtype=object)
    # per chain: alliances, levels, distinct members and those in two of the chain's alliances or more
    notes: dict[str, Any] = {}
    for c, cid in enumerate(ch.chain_ids):
        on = chain_of[aidx] == c
        pairs = np.unique(np.stack([mem[on], aidx[on]]), axis=1)
        times = np.unique(pairs[0], return_counts=True)[1]
        notes[cid] = {
            "alliances": int((chain_of == c).sum()),
            "levels": sorted(set(level[chain_of == c]), key=["region", "corridor", "province", "city"].index),
            "members": len(times),
            "shared_members": int((times >= 2).sum()),
        }
    return Records(
        "alliances",
        len(aidx),
        {
            "alliance_id": ids[aidx],
            "alliance_name": np.array([s[1] for s in specs], dtype=object)[aidx],
            "level": level[aidx],
            **_party(w, "member", mem),
            "role": role,
            "joined": joined,
            "chain": np.array(ch.chain_ids, dtype=object)[chain_of[aidx]],
        },
        notes={"alliances": notes},
    )


# ------------------------------------------------------------------------------------- open calls (揭榜挂帅)

#: calls per chain: 揭榜挂帅 started in IC and AI (the paper, 四(三)), so those two post most of them
OPEN_CALL_CHAIN_WEIGHT = {"ic": 0.35, "ai": 0.35, "nev": 0.15, "bio": 0.15}
#: chance that a winning team misses a task (late or overdue): the choke segments' key technologies are harder
OPEN_CALL_FAIL = {"choke": 0.45, "other": 0.15}
#: share of bids made by a team of one city; the others draw members across cities (gravity, γ = 1)
OPEN_CALL_LOCAL_TEAMS = 0.3
#: calls posted from this day on are still being bid for: no winner, no tasks
OPEN_CALL_BIDDING_FROM = np.datetime64(f"{LAST_YEAR}-10-01")
#: the planted cases, each the first call (by id) that can hold it; listed in the manifest
OPEN_CALL_CASES = ("no_bids", "joint_winners", "local_winner", "late", "overdue")
_MILESTONES = (
    "完成方案设计与评审",
    "突破关键技术并完成样品",
    "完成测试验证",
    "完成中试与工艺定型",
    "实现成果转化与产业化",
)


def _pick_one(rng: np.random.Generator, group: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """A mask choosing one eligible row per group at random (groups without an eligible row choose none)."""
    key = np.where(eligible, rng.random(len(group)), -1.0)
    order = np.lexsort((key, group))
    last = np.r_[group[order][1:] != group[order][:-1], True] if len(group) else np.zeros(0, dtype=bool)
    out = np.zeros(len(group), dtype=bool)
    out[order[last]] = True
    return out & eligible


def _distinct_per(group: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """How many distinct ``value`` each of ``n`` groups has."""
    if not len(group):
        return np.zeros(n, dtype=np.int64)
    pairs = np.unique(np.stack([group, value]), axis=1)
    return np.bincount(pairs[0], minlength=n)


def open_call_frame(rng: np.random.Generator, w: World, n: int) -> dict[str, Any]:
    """The open calls (揭榜挂帅) and what follows from them: bids with their teams, the winners, the decomposed
    tasks with their dates and the outcomes; the four kinds are written from it.

    Calls are posted 2018–2024 (more each year) by hub-heavy cities (a quarter by their province), mostly in IC and
    AI (:data:`OPEN_CALL_CHAIN_WEIGHT`), on segments weighted toward the choke segments, with budgets of a few
    hundred to a few thousand 万元 (one in twenty unknown) and 2–3 years to complete. Each gets 1–4 bids (some
    none) of 2–5 members — the chain's firms (by revenue^0.5), universities and institutes — drawn in the posting
    city for :data:`OPEN_CALL_LOCAL_TEAMS` of the bids and by a gravity kernel (γ = 1) from it for the others, so
    most winning teams cross cities and many cross provinces. A call posted before :data:`OPEN_CALL_BIDDING_FROM`
    with a bid has a winner and 3–5 tasks due between its award and its deadline: a task due by the last day of
    the data is done on time, except the one a failing call misses (:data:`OPEN_CALL_FAIL`), done late or not at
    all (overdue); tasks due later are open. Outcomes: patents for most calls with a task done, transfers and
    products for some of those done in full on time. The cases of :data:`OPEN_CALL_CASES` are planted.
    """
    e, g, ch = w.ent, w.geo, w.chains
    C, nc = len(g.city), len(ch.chain_ids)
    day = np.timedelta64(1, "D")
    nat = np.datetime64("NaT", "D")
    # ---------------------------------------------------------------------------------------- calls
    span_years = np.arange(2018, LAST_YEAR + 1)
    py = np.exp(0.25 * (span_years - 2018))
    years = rng.choice(span_years, size=n, p=py / py.sum())
    posted = _dates(rng, years)
    by_date = np.lexsort((posted, years))  # calls in the order they were posted (their ids)
    years, posted = years[by_date], posted[by_date]
    mass = g.mass * g.innov
    city = rng.choice(C, size=n, p=mass / mass.sum())
    provincial = rng.random(n) < 0.25
    adcode = np.where(provincial, g.province_code[city], g.city[city]).astype(object)
    cw = np.array([OPEN_CALL_CHAIN_WEIGHT.get(c, 0.1) for c in ch.chain_ids])
    chain = rng.choice(nc, size=n, p=cw / cw.sum())
    has_firms = np.bincount(e.seg[e.seg >= 0], minlength=ch.n) > 0
    sw = np.where(has_firms, 1.0 + 2.0 * ch.choke, 0.0)
    seg = np.empty(n, dtype=np.int64)
    for c in range(nc):  # the four chains
        m = chain == c
        p_s = np.where(ch.seg_chain == c, sw, 0.0)
        seg[m] = rng.choice(ch.n, size=int(m.sum()), p=p_s / p_s.sum())
    budget = np.maximum(np.round(np.exp(rng.normal(np.log(800), 0.7, n)), -1), 50.0)
    budget = np.where(rng.random(n) < 0.05, np.nan, budget)
    due = posted + rng.integers(730, 1096, n) * day
    within = np.arange(n) - np.searchsorted(years, years, side="left")
    ids = np.array([f"JB{y}{k + 1:04d}" for y, k in zip(years, within, strict=True)], dtype=object)
    obj = np.asarray(_objects(rng, w, seg).to_pylist(), dtype=object)
    prov_short = np.array([str(x)[:2] for x in g.province_name], dtype=object)
    short = np.where(provincial, prov_short[city], g.city_short[city].astype(object))
    segname = np.array(list(ch.seg_name), dtype=object)[seg]
    title = obj + "关键技术攻关"
    desc = (
        short
        + "发榜：面向"
        + segname
        + "环节，征集"
        + obj
        + "关键技术攻关团队（项目分解—团队包干—成果转化；合成数据）"
    )
    bidding = posted >= OPEN_CALL_BIDDING_FROM

    def first(mask: np.ndarray) -> int | None:
        """The call with the smallest id among ``mask``."""
        return int(np.flatnonzero(mask)[np.argmin(ids[mask])]) if mask.any() else None

    # ---------------------------------------------------------------------------------------- bids and teams
    n_bids = rng.integers(1, 5, n)
    n_bids[rng.random(n) < 0.06] = 0
    cases: dict[str, int | None] = {"no_bids": first(~bidding & (n_bids == 0))}
    if cases["no_bids"] is None:
        cases["no_bids"] = first(~bidding)
        if cases["no_bids"] is not None:
            n_bids[cases["no_bids"]] = 0
    bid_call = np.repeat(np.arange(n), n_bids)
    bid_no = np.arange(len(bid_call)) - np.searchsorted(bid_call, bid_call, side="left")
    B = len(bid_call)
    local = rng.random(B) < OPEN_CALL_LOCAL_TEAMS
    m_bid = np.repeat(np.arange(B), rng.integers(2, 6, B))
    m_rank = np.arange(len(m_bid)) - np.searchsorted(m_bid, m_bid, side="left")
    m_call = bid_call[m_bid]
    academic = rng.random(len(m_bid)) < np.where(m_rank == 0, 0.45, 0.4)
    # groups: a chain's firms per city (chain × C + city), universities and institutes per city (nc × C + city)
    acad = np.isin(e.etype, [UNIVERSITY, INSTITUTE])
    chain_firm = (e.etype == FIRM) & (e.seg >= 0)
    grp = np.where(acad, nc, np.where(chain_firm, ch.seg_chain[np.maximum(e.seg, 0)], nc)) * C + e.city
    wt = np.where(acad, e.innov, np.where(chain_firm, np.maximum(e.revenue, 1.0) ** 0.5, 0.0))
    sampler = GroupSampler(grp, wt, (nc + 1) * C)
    mass_g = np.zeros((nc + 1, C))
    np.add.at(mass_g, (grp // C, grp % C), wt)
    cls = np.where(academic, nc, chain[m_call])
    cls = np.where(mass_g.sum(axis=1)[cls] > 0, cls, nc)
    origin = city[m_call]
    m_city = sample_rows(rng, gravity_kernel(g.dist, mass_g, 1.0).reshape((nc + 1) * C, C), cls * C + origin)
    m_city = np.where(local[m_bid] & sampler.has(cls * C + origin), origin, m_city)
    member = sampler.sample(rng, cls * C + m_city)
    # nobody founded after the call was posted: draw again in the same group, then drop whoever is left
    for _ in range(5):
        young = e.founded[member] > posted[m_call]
        if not young.any():
            break
        member[young] = sampler.sample(rng, (cls * C + m_city)[young])
    names = np.asarray(e.name.to_numpy(zero_copy_only=False), dtype=object)
    keep = ~(e.founded[member] > posted[m_call])
    name_id = np.unique(names[member], return_inverse=True)[1].ravel()
    once = np.zeros(len(m_bid), dtype=bool)
    once[np.unique(np.stack([m_bid, name_id]), axis=1, return_index=True)[1]] = True
    keep &= once  # a name once per bid (the key)
    m_bid, member = m_bid[keep], member[keep]
    lead = np.r_[True, m_bid[1:] != m_bid[:-1]] if len(m_bid) else np.zeros(0, dtype=bool)
    # ---------------------------------------------------------------------------------------- winners
    staffed = np.bincount(m_bid, minlength=B) > 0
    staffed_bids = np.bincount(bid_call[staffed], minlength=n)
    awarded = ~bidding & (staffed_bids > 0)
    win = _pick_one(rng, bid_call, staffed & awarded[bid_call])
    bid_ncity = _distinct_per(m_bid, e.city[member], B)
    cases["joint_winners"] = first(awarded & (staffed_bids >= 2))
    if cases["joint_winners"] is not None:
        win[np.flatnonzero((bid_call == cases["joint_winners"]) & staffed)[:2]] = True
    local_win = np.zeros(n, dtype=bool)
    local_win[bid_call[win & (bid_ncity == 1)]] = True
    solo = np.bincount(bid_call[win], minlength=n) == 1
    cases["local_winner"] = first(local_win & solo)
    # ---------------------------------------------------------------------------------------- tasks
    calls_t = np.flatnonzero(awarded)
    n_tasks = rng.integers(3, 6, len(calls_t))
    t_call = np.repeat(calls_t, n_tasks)
    t_no = np.arange(len(t_call)) - np.searchsorted(t_call, t_call, side="left")
    t_n = np.repeat(n_tasks, n_tasks)
    award = posted + rng.integers(45, 121, n) * day
    span = (due - award).astype(np.int64)
    t_due = award[t_call] + np.round(span[t_call] * (t_no + 1) / t_n).astype(np.int64) * day
    passed = t_due <= LAST_DAY
    done = np.where(passed, np.maximum(t_due - rng.integers(0, 46, len(t_call)) * day, award[t_call]), nat)
    fails = rng.random(n) < np.where(ch.choke[seg], OPEN_CALL_FAIL["choke"], OPEN_CALL_FAIL["other"])
    miss = _pick_one(rng, t_call, passed & fails[t_call])
    late_by = rng.integers(15, 151, len(t_call)) * day
    overdue = miss & ((rng.random(len(t_call)) < 0.35) | (t_due + late_by > LAST_DAY))
    late = miss & ~overdue
    for case, mask in (("late", late), ("overdue", overdue)):
        if mask.any():
            cases[case] = first(np.isin(np.arange(n), t_call[mask]))
            continue
        # none drawn: plant one in the first call with a task due that misses nothing yet
        clean = np.isin(np.arange(n), t_call[passed]) & ~np.isin(np.arange(n), t_call[miss])
        i = first(
            clean & (np.arange(n) != (cases["joint_winners"] if cases["joint_winners"] is not None else -1))
        )
        cases[case] = i
        if i is not None:
            k = np.flatnonzero((t_call == i) & passed)[0]
            miss[k] = True
            (late if case == "late" else overdue)[k] = True
            late_by[k] = 15 * day
    done = np.where(late, t_due + late_by, done)
    done = np.where(overdue, nat, done)
    t_text = np.array(_MILESTONES, dtype=object)[(len(_MILESTONES) * t_no) // t_n]
    # ---------------------------------------------------------------------------------------- outcomes
    is_done = ~np.isnat(done)
    any_done = np.bincount(t_call[is_done], minlength=n) > 0
    first_done = np.full(n, LAST_DAY)
    np.minimum.at(first_done, t_call[is_done], done[is_done])
    missed = np.bincount(t_call[miss], minlength=n) > 0
    open_left = np.bincount(t_call[~is_done], minlength=n) > 0
    succeeded = awarded & ~missed & ~open_left
    r = rng.random((n, 4))
    parts = [
        (any_done & (r[:, 0] < np.where(missed, 0.5, 0.85)), "patent", 1 + (r[:, 1] * 4).astype(np.int64)),
        (succeeded & (r[:, 2] < 0.6), "transfer", np.ones(n, dtype=np.int64)),
        (succeeded & (r[:, 3] < 0.4), "product", np.ones(n, dtype=np.int64)),
    ]
    o_call = np.concatenate([np.flatnonzero(m) for m, _, _ in parts])
    o_type = np.concatenate([np.full(int(m.sum()), t, dtype=object) for m, t, _ in parts])
    o_count = np.concatenate([k[m] for m, _, k in parts])
    order = np.lexsort((o_type, ids[o_call]))
    o_call, o_type, o_count = o_call[order], o_type[order], o_count[order]
    o_date = np.minimum(first_done[o_call] + rng.integers(20, 400, len(o_call)) * day, LAST_DAY)
    o_year = _year_of(o_date)
    o_ref = np.where(
        o_type == "patent",
        np.array([f"CN{y}1{k + 1:07d}.X" for k, y in enumerate(o_year)], dtype=object),
        np.where(
            o_type == "transfer",
            np.array([f"JS{y}{k + 1:06d}" for k, y in enumerate(o_year)], dtype=object),
            obj[o_call] + "产业化产品",
        ),
    )
    # ---------------------------------------------------------------------------------------- notes
    w_rows = win[m_bid]
    team_cities = _distinct_per(bid_call[m_bid[w_rows]], e.city[member[w_rows]], n)
    prov_idx = np.unique(g.province_code, return_inverse=True)[1].ravel()
    team_provs = _distinct_per(bid_call[m_bid[w_rows]], prov_idx[e.city[member[w_rows]]], n)
    status = np.select([~awarded, missed, succeeded], ["no_tasks", "failed", "succeeded"], "open")
    notes = {
        "calls": n,
        "as_of": str(LAST_DAY),
        "bidding_from": str(OPEN_CALL_BIDDING_FROM),
        "chains": {cid: int((chain == c).sum()) for c, cid in enumerate(ch.chain_ids)},
        "calls_with_bids": int((staffed_bids > 0).sum()),
        "awarded": int(awarded.sum()),
        "cross_city_winners": int((team_cities[awarded] >= 2).sum()),
        "cross_province_winners": int((team_provs[awarded] >= 2).sum()),
        "statuses": {s: int((status == s).sum()) for s in ("succeeded", "failed", "open", "no_tasks")},
        "tasks": {
            "on_time": int((passed & ~miss).sum()),
            "late": int(late.sum()),
            "overdue": int(overdue.sum()),
            "open": int((~passed).sum()),
        },
        "outcomes": {t: int(o_count[o_type == t].sum()) for t in ("patent", "transfer", "product")},
        "fail_chance": dict(OPEN_CALL_FAIL),
        "cases": {k: (None if cases.get(k) is None else str(ids[cases[k]])) for k in OPEN_CALL_CASES},
    }
    return {
        "ids": ids, "title": title, "desc": desc, "adcode": adcode, "seg": seg, "budget": budget,
        "posted": posted, "due": due, "bid_call": bid_call, "bid_no": bid_no, "win": win,
        "m_bid": m_bid, "member": member, "lead": lead,
        "t_call": t_call, "t_no": t_no, "t_text": t_text, "t_due": t_due, "t_done": done,
        "o_call": o_call, "o_type": o_type, "o_ref": o_ref, "o_count": o_count, "o_date": o_date,
        "notes": notes,
    }  # fmt: skip


def open_calls(rng: np.random.Generator, w: World, frame: dict[str, Any]) -> Records:
    """The calls of :func:`open_call_frame`, one row each (the frame drew everything; ``rng`` is unused)."""
    f = frame
    return Records(
        "open_calls",
        len(f["ids"]),
        {
            "call_id": f["ids"],
            "title": f["title"],
            "description": f["desc"],
            "adcode": f["adcode"],
            **_chain_cols(w, f["seg"]),
            "budget": f["budget"],
            "posted": f["posted"],
            "due": f["due"],
        },
        notes=f["notes"],
    )


def open_call_bids(rng: np.random.Generator, w: World, frame: dict[str, Any]) -> Records:
    """One row per member of every bid of :func:`open_call_frame`: the lead first, ``winner`` on every row of a
    winning bid."""
    f = frame
    b = f["m_bid"]
    call = f["ids"][f["bid_call"][b]]
    return Records(
        "open_call_bids",
        len(b),
        {
            "call_id": call,
            "bid_id": call + "-" + (f["bid_no"][b] + 1).astype(str).astype(object),
            **_party(w, "member", f["member"]),
            "lead": f["lead"],
            "winner": f["win"][b],
        },
    )


def open_call_tasks(rng: np.random.Generator, w: World, frame: dict[str, Any]) -> Records:
    """The decomposed tasks of the awarded calls of :func:`open_call_frame`: due, and done (on time or late) or
    not (overdue, or open)."""
    f = frame
    return Records(
        "open_call_tasks",
        len(f["t_call"]),
        {
            "call_id": f["ids"][f["t_call"]],
            "task_id": "T" + (f["t_no"] + 1).astype(str).astype(object),
            "milestone": f["t_text"],
            "due": f["t_due"],
            "done": f["t_done"],
        },
    )


def open_call_outcomes(rng: np.random.Generator, w: World, frame: dict[str, Any]) -> Records:
    """The patents, transfers and products of the calls of :func:`open_call_frame`."""
    f = frame
    return Records(
        "open_call_outcomes",
        len(f["o_call"]),
        {
            "call_id": f["ids"][f["o_call"]],
            "outcome_type": f["o_type"],
            "reference": f["o_ref"],
            "count": f["o_count"],
            "date": f["o_date"],
        },
    )
