"""平战转换: supply-shock runs on the firm supply network of the atlas (issue 14).

The wiring between a scenario (:mod:`chainatlas.pipeline.scenario`), the network of the atlas
(:mod:`chainatlas.pipeline.supply_network`) and the pure engine :mod:`chainatlas.analytics.shock`: the shocks bound
to firms, runs and policy comparisons (:func:`run`), and the files a result is saved to (:func:`write`, for the
risk ranking and the emergency list of :mod:`chainatlas.pipeline.emergency` too). No maths here: the propagation
is the engine's.

**Results** (:func:`run`). Per step and variant the output against the baseline, the loss split into direct (the
capacity the shocks removed, capped by the firm's loss) and indirect (the rest: lost inputs and demand); the peak
(the largest loss of one step as a share of the region's baseline, and its step); recovery: the first step after
the peak from which the loss stays within 5 % of the baseline (time to 95 % recovery; null if not within the
horizon). A network of more than :data:`AGGREGATE_ABOVE` firm-steps runs aggregated to place × segment.

**Scope.** A simulation needs the whole network whatever the reader may see, so every read here is
``query.table(..., whole=True)``. What comes back to a reader with a jurisdiction is aggregates (by segment,
province, chain, the whole region) and firm-level rows only of firms inside the jurisdiction: a substitution or a
white-list row only when every firm it names is inside (as the scope reads supply records), the firms' loss,
the risk ranking and the emergency list only for firms inside. Loss by place outside the jurisdiction is withheld
for places with fewer than ``disclosure_k`` firms (the threshold rule of disclosure control; the place's row is
kept with ``suppressed`` true and its numbers null).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError
from chainatlas.pipeline import query
from chainatlas.pipeline.scenario import Scenario, ShockSpec, SimSettings, Variant
from chainatlas.pipeline.supply_network import (
    Labels,
    Progress,
    distances,
    is_synthetic,
    net_codes,
    network,
    place_prefix,
)
from chainatlas.storage.base import Backend

__all__ = [
    "AGGREGATE_ABOVE",
    "SimulationResult",
    "provenance",
    "run",
    "write",
]


# ================================================================================================ binding
@dataclass(frozen=True)
class _Bound:
    """A shock bound to the network: engine-neutral (turned into the engine's ``Shock`` by :func:`_engine_shocks`).

    ``kind`` ``capacity`` (``capacity`` remaining, a share) or ``imports`` (``cut`` per firm: the share of the
    firm's imports from ``partner`` cut). ``end`` exclusive, the horizon for failures."""

    kind: str
    firms: np.ndarray
    start: int
    end: int
    capacity: float = 1.0
    partner: int | None = None
    cut: np.ndarray | None = None
    label: str = ""


def _in_places(labels: Labels, places: Sequence[str], where: str) -> list[np.ndarray]:
    """Per place written, the indices of the firms placed inside it."""
    adc = labels.firms["adcode"].fillna("").astype(str)
    out = []
    for i, p in enumerate(places):
        _, prefix = place_prefix(p, f"{where}[{i}]")
        out.append(np.flatnonzero(adc.str.startswith(prefix).to_numpy()))
    return out


def _segment_firms(backend: Backend, labels: Labels, segments: Sequence[str], where: str) -> np.ndarray:
    """Firms belonging to any of ``segments`` (``chain:segment``; ``chain:`` the whole chain), full or partial
    members (``labels.chains``)."""
    segs = query.segments(backend)
    known = set(segs["chain"] + ":" + segs["segment"])
    chains_known = set(segs["chain"])
    m = labels.chains
    pick = np.zeros(len(m), bool)
    for i, s in enumerate(segments):
        c, _, seg = s.partition(":")
        if c not in chains_known:
            raise ConfigError(
                f"unknown chain {c!r}; expected one of {', '.join(sorted(chains_known))}",
                param=f"{where}[{i}]",
            )
        if seg and s not in known:
            ok = sorted(x.split(":", 1)[1] for x in known if x.startswith(c + ":"))
            raise ConfigError(
                f"{seg!r} is not a segment of chain {c!r}; expected one of {', '.join(ok)}",
                param=f"{where}[{i}]",
            )
        pick |= (m["chain"] == c).to_numpy() & ((m["segment"] == seg).to_numpy() if seg else True)
    return np.unique(m.loc[pick, "firm"].to_numpy(np.int64))


def _hs_segments(backend: Backend) -> pd.DataFrame:
    """HS 6-digit → ``chain:segment`` (``seg_lookup``, products)."""
    sl = query.table(backend, "seg_lookup", whole=True)
    sl = sl.filter(sl.ck_type == "h")
    return backend.execute(sl.select(hs6=sl.ck, chain=sl.chain, segment=sl.segment))


def _bind(
    backend: Backend, scenario: Scenario, variant: Variant, labels: Labels
) -> tuple[list[_Bound], np.ndarray, list[str]]:
    """The variant's shocks on the network, the white-list (boolean per firm) and notes."""
    n = len(labels.firms)
    horizon = scenario.horizon
    bound: list[_Bound] = []
    white = np.zeros(n, bool)
    notes: list[str] = []
    output = labels.firms["output"].to_numpy(float)
    prov = labels.firms["province"].astype(object).to_numpy()
    links = labels.links
    for s in scenario.shocks:
        end = horizon if s.end is None else min(s.end, horizon)
        tag = s.label or s.where
        if s.type == "lockdown":
            groups = _in_places(labels, s.places, f"{s.where}.places")
            locked = np.zeros(n, bool)
            for g in groups:
                locked[g] = True
            listed = np.zeros(n, bool)
            if s.whitelist:
                idx = labels.index_of(s.whitelist, f"{s.where}.whitelist")
                outside = idx[~locked[idx]]
                if len(outside):
                    notes.append(
                        f"{tag}: 白名单中 {len(outside)} 家企业不在封控地区内，不受影响 / {len(outside)} white-listed "
                        "firms lie outside the closed places"
                    )
                listed[idx[locked[idx]]] = True
            if s.whitelist_share > 0:
                for g in groups:
                    k = math.ceil(s.whitelist_share * len(g) - 1e-9)
                    if k:
                        top = g[np.argsort(-output[g], kind="stable")[:k]]
                        listed[top] = True
            pool = variant.pool if variant.pool is not None else s.pool
            if s.suppliers and listed.any():
                # direct suppliers of white-listed firms that are closed too resume with them: within the province
                # of the white-listed customer, or anywhere with the cross-province pool (白名单互认)
                sup, cus = links["supplier"].to_numpy(), links["customer"].to_numpy()
                hit = listed[cus] & locked[sup] & ~listed[sup]
                if not pool:
                    hit &= prov[sup] == prov[cus]
                listed[sup[hit]] = True
            closed = np.flatnonzero(locked & ~listed)
            kept = np.flatnonzero(locked & listed)
            white |= locked & listed
            if len(closed):
                bound.append(_Bound("capacity", closed, s.start, end, 0.0, label=tag))
            if len(kept) and s.whitelist_capacity < 1.0:
                bound.append(_Bound("capacity", kept, s.start, end, s.whitelist_capacity, label=tag))
            if not locked.any():
                notes.append(
                    f"{tag}: 封控地区内没有网络中的企业 / no firm of the network in the closed places"
                )
        elif s.type in ("fail", "capacity"):
            pick = np.zeros(n, bool)
            if s.firms:
                pick[labels.index_of(s.firms, f"{s.where}.firms")] = True
            sel = None
            if s.segments:
                sel = np.zeros(n, bool)
                sel[_segment_firms(backend, labels, s.segments, f"{s.where}.segments")] = True
            if s.places:
                inside = np.zeros(n, bool)
                for g in _in_places(labels, s.places, f"{s.where}.places"):
                    inside[g] = True
                sel = inside if sel is None else sel & inside
            if sel is not None:
                pick |= sel
            idx = np.flatnonzero(pick)
            if not len(idx):
                notes.append(f"{tag}: 未选中网络中的任何企业 / no firm of the network selected")
                continue
            if s.type == "fail":
                bound.append(_Bound("capacity", idx, s.start, horizon, 0.0, label=tag))
            else:
                bound.append(_Bound("capacity", idx, s.start, end, 1.0 - s.lost, label=tag))
        else:  # imports
            bound.extend(_bind_imports(backend, s, labels, end, tag, notes))
    return bound, white, notes


def _bind_imports(
    backend: Backend, s: ShockSpec, labels: Labels, end: int, tag: str, notes: list[str]
) -> list[_Bound]:
    """An import cut: the firms importing the products from the partners, each losing ``cut`` × (those imports ÷
    all its imports) of its imported input (the engine holds one import input per firm)."""
    imp = labels.imports
    if s.segments:
        _segment_firms(backend, labels, s.segments, f"{s.where}.segments")  # checks the names
    match = np.zeros(len(imp), bool)
    hs = imp["hs"].astype(str)
    for h in s.hs:
        match |= hs.str.startswith(h).to_numpy()
    if s.segments:
        lk = _hs_segments(backend)
        keys = set()
        for seg in s.segments:
            c, _, sg = seg.partition(":")
            part = lk[(lk["chain"] == c) & ((lk["segment"] == sg) if sg else True)]
            keys |= set(part["hs6"])
        match |= hs.str.slice(0, 6).isin(keys).to_numpy()
    who = np.zeros(len(imp), bool)
    if s.partners:
        who |= imp["partner"].isin(s.partners).to_numpy()
    if s.regions:
        who |= imp["partner_region"].isin(s.regions).to_numpy()
    hit = imp[match & who].groupby("firm")["value"].sum()
    if hit.empty:
        notes.append(
            f"{tag}: 网络中的企业当年没有相应进口 / no firm of the network imports these products from them"
        )
        return []
    total = labels.firms["imports"].to_numpy(float)[hit.index.to_numpy(np.int64)]
    cut = np.minimum(s.cut * hit.to_numpy(float) / total, 1.0)
    return [_Bound("imports", hit.index.to_numpy(np.int64), s.start, end, cut=cut, label=tag)]


def _inventory(backend: Backend, settings: SimSettings, labels: Labels, where: str) -> np.ndarray:
    """Days of inventory per firm: the default, a segment's days for its firms (by their segment in the network),
    a firm's own."""
    days = np.full(len(labels.firms), float(settings.inventory_days))
    if settings.inventory_segments:
        segs = query.segments(backend)
        known = set(segs["chain"] + ":" + segs["segment"])
        seg = labels.firms["segment"].astype(object)
        for k, v in settings.inventory_segments.items():
            if k not in known:
                raise ConfigError(
                    f"{k!r} is not a chain segment; expected chain:segment such as ic:fabrication",
                    param=f"{where}.inventory_days.segments.{k}",
                )
            days[(seg == k).to_numpy()] = v
    if settings.inventory_firms:
        keys = list(settings.inventory_firms)
        idx = labels.index_of(keys, f"{where}.inventory_days.firms")
        days[idx] = [settings.inventory_firms[k] for k in keys]
    return days


# ================================================================================================ results
@dataclass(frozen=True)
class SimulationResult:
    """What a scenario run gives, every value in 万元 (per step where it says so), one row per variant in
    ``summary``.

    Attributes
    ----------
    scenario : Scenario
    period : int
        The network's year.
    summary : DataFrame
        Per variant: ``baseline`` (the region's output per step), ``loss`` (over the horizon), ``loss_share`` (of
        the baseline over the horizon), ``direct``, ``indirect``, ``indirect_ratio`` (indirect ÷ direct),
        ``peak_loss_share`` and ``peak_step`` (the step of the largest loss, as a share of the baseline),
        ``recovered_step`` (the first step after the peak from which output stays at ≥ 95 % of the baseline; null:
        not within the horizon), ``recovery_steps`` (from the peak), ``recovery_days``, ``substitutions``
        (switches) and ``substituted`` (value supplied by new suppliers).
    series : DataFrame
        Per variant and step: ``baseline``, ``output``, ``loss``, ``direct``, ``indirect``, ``loss_share``.
    segments, places, provinces, chains : DataFrame
        The same per variant, step and ``unit`` (``chain:segment``, adcode, province adcode, chain id), with
        ``name``; loss by chain counts a firm in every chain it belongs to. ``places`` has ``suppressed``.
    firms : DataFrame
        Per variant the ``top`` firms by loss inside the reader's jurisdiction.
    substitutions : DataFrame
        Per variant the ``top`` switches by value (customer, the supplier that failed, the new one, their
        places, the distance, the first step, the value), each naming only firms inside the jurisdiction.
    whitelist : DataFrame
        Per variant the white-listed firms inside the jurisdiction whose running kept others' output alive
        (``kept_alive``: the output of their customers they supplied during the shocks).
    notes : list of str
    synthetic : bool
    """

    scenario: Scenario
    period: int
    summary: pd.DataFrame
    series: pd.DataFrame
    segments: pd.DataFrame
    places: pd.DataFrame
    provinces: pd.DataFrame
    chains: pd.DataFrame
    firms: pd.DataFrame
    substitutions: pd.DataFrame
    whitelist: pd.DataFrame
    notes: list[str]
    synthetic: bool
    seconds: float = 0.0

    TABLES = ("series", "segments", "places", "provinces", "chains", "firms", "substitutions", "whitelist")

    #: the formats :func:`write` saves it in
    FORMATS = ("csv", "json")

    def document(self) -> dict:
        """The result as one JSON-safe dict (what the API answers and ``-o result.json`` writes)."""
        from chainatlas.pipeline.analyze.result import frame_rows

        return {
            "synthetic": self.synthetic,
            "scenario": {
                "name": self.scenario.name,
                "period": self.period,
                "horizon": self.scenario.horizon,
                "step": self.scenario.step,
                "shocks": len(self.scenario.shocks),
                "variants": [v.name for v in self.scenario.variants],
            },
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
            "summary": frame_rows(self.summary),
            **{t: frame_rows(getattr(self, t)) for t in self.TABLES},
        }

    def tables(self) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """The main table of a CSV (the summary) and the tables written beside it."""
        return self.summary, {t: getattr(self, t) for t in self.TABLES}


def _recovery(loss_share: np.ndarray, threshold: float = 0.05) -> tuple[int, int | None]:
    """The peak step and the first step after it from which the loss stays ≤ ``threshold`` (None: never)."""
    peak = int(np.argmax(loss_share)) if len(loss_share) else 0
    if not len(loss_share) or loss_share[peak] <= 0:
        return peak, None if not len(loss_share) else peak
    bad = np.flatnonzero(loss_share[peak:] > threshold + 1e-12)
    last_bad = peak + int(bad[-1]) if len(bad) else peak - 1
    rec = last_bad + 1
    return peak, rec if rec < len(loss_share) else None


def _group_table(
    out: np.ndarray,
    base: np.ndarray,
    direct: np.ndarray,
    firm: np.ndarray,
    codes: np.ndarray,
    labels: Sequence[str],
) -> pd.DataFrame:
    """Per step and group: baseline, output, loss, direct, indirect and the loss share. Firm ``firm[r]`` is in group
    ``codes[r]`` (< 0: none); a firm may be in several groups (chains)."""
    from scipy import sparse

    cols = ["step", "unit", "baseline", "output", "loss", "direct", "indirect", "loss_share"]
    keep = codes >= 0
    k = len(labels)
    if k == 0 or not keep.any():
        return pd.DataFrame(columns=cols)
    m = sparse.csr_array((np.ones(int(keep.sum())), (firm[keep], codes[keep])), shape=(out.shape[1], k))
    agg, dag, b = out @ m, direct @ m, base @ m
    used = np.flatnonzero(b > 0)
    steps = out.shape[0]
    frame = pd.DataFrame(
        {
            "step": np.repeat(np.arange(steps), len(used)),
            "unit": np.tile(np.asarray(labels, dtype=object)[used], steps),
            "baseline": np.tile(b[used], steps),
            "output": np.asarray(agg)[:, used].ravel(),
            "direct": np.asarray(dag)[:, used].ravel(),
        }
    )
    frame["loss"] = frame["baseline"] - frame["output"]
    frame["indirect"] = frame["loss"] - frame["direct"]
    frame["loss_share"] = frame["loss"] / frame["baseline"]
    return frame[cols]


def run(
    backend: Backend,
    scenario: Scenario,
    *,
    progress: Progress | None = None,
    built: tuple[Any, Labels] | None = None,
) -> SimulationResult:
    """Run every variant of ``scenario`` on the atlas's firm network of its period.

    Parameters
    ----------
    backend : Backend
    scenario : Scenario
        From :func:`load_scenario` (``scenario.variant(name)`` for one variant).
    progress : callable, optional
        ``progress(what, i, n)`` per variant and step (the CLI prints it on stderr).
    built : (Network, Labels), optional
        The network of the scenario's period when the caller has it already (:func:`network`).

    Returns
    -------
    SimulationResult
        Aggregates for the whole region; firm-level rows only inside the reader's jurisdiction (module notes).
    """
    import time

    clock = time.perf_counter()
    say = progress or (lambda what, i, n: None)
    if built is None:
        say("network", 0, 1)
        built = network(backend, period=scenario.period)
    net, labels = built
    if scenario.period is not None and int(scenario.period) != labels.period:
        raise ConfigError(
            f"the scenario asks for {scenario.period} but the network given is of {labels.period}",
            param="period",
        )
    dist = distances(labels)
    rows, series, tables, notes = [], [], {t: [] for t in ("segments", "places", "provinces", "chains")}, []
    firms_out, subs_out, white_out = [], [], []
    scope = query.current_scope()
    firms = labels.firms
    inside = np.array([scope.covers(a) for a in firms["adcode"]], bool)
    cells, axes = _axes(labels, scenario.horizon)
    if cells is not None:
        notes.append(
            f"网络较大（{len(firms):,} 家企业 × {scenario.horizon} 步），按地区 × 环节汇总计算，不列企业损失；产业链损失按企业"
            f"主环节所属产业链计 / a big network ({len(firms):,} firms × {scenario.horizon} steps) is run aggregated to "
            "place × segment: no per-firm losses, and a firm's loss counts only in the chain of its main segment"
        )
    for vi, v in enumerate(scenario.variants):
        where = "settings" if len(scenario.variants) == 1 else f"compare[{vi}].settings"
        bound, white, bnotes = _bind(backend, scenario, v, labels)
        notes += [f"{v.name}: {x}" if len(scenario.variants) > 1 else x for x in bnotes]
        inv = _inventory(backend, v.settings, labels, where)

        def step_progress(t: int, total: int, name: str = v.name) -> None:
            say(f"{name}: step {t}/{total}", t, total)

        res = _engine_run(
            net, bound, scenario, v.settings, inv, white, dist, progress=step_progress, aggregate=cells
        )
        out, base, direct = res["output"], res["baseline"], res["direct"]
        steps = out.shape[0]
        tot_b = float(base.sum())
        tot_o = out.sum(axis=1)
        tot_d = direct.sum(axis=1)
        loss = tot_b - tot_o
        share = loss / tot_b if tot_b > 0 else np.zeros(steps)
        peak, rec = _recovery(share)
        subs = res["substitutions"]
        rows.append(
            {
                "variant": v.name,
                "baseline": tot_b,
                "loss": float(loss.sum()),
                "loss_share": float(loss.sum() / (tot_b * steps)) if tot_b > 0 else 0.0,
                "direct": float(tot_d.sum()),
                "indirect": float(loss.sum() - tot_d.sum()),
                "indirect_ratio": float((loss.sum() - tot_d.sum()) / tot_d.sum())
                if tot_d.sum() > 0
                else None,
                "peak_loss_share": float(share[peak]) if steps else 0.0,
                "peak_step": peak,
                "recovered_step": rec,
                "recovery_steps": None if rec is None else rec - peak,
                "recovery_days": None if rec is None else (rec - peak) * scenario.step_days,
                "substitutions": len(subs),
                "substituted": float(subs["value"].sum()) if len(subs) else 0.0,
                "whitelisted": int(white.sum()),
            }
        )
        series.append(
            pd.DataFrame(
                {
                    "variant": v.name,
                    "step": np.arange(steps),
                    "baseline": tot_b,
                    "output": tot_o,
                    "loss": loss,
                    "direct": tot_d,
                    "indirect": loss - tot_d,
                    "loss_share": share,
                }
            )
        )
        for name, (idx, codes, labs) in axes.items():
            tables[name].append(_group_table(out, base, direct, idx, codes, labs).assign(variant=v.name))
        top = v.settings.top
        if cells is None:
            firm_loss = base * steps - out.sum(axis=0)
            firm_direct = direct.sum(axis=0)
            order = _top(firm_loss, inside & (firm_loss > 1e-9), top)
            firms_out.append(
                firms.iloc[order][["firm", "name", "adcode", "province", "segment"]].assign(
                    variant=v.name,
                    baseline=base[order],
                    loss=firm_loss[order],
                    direct=firm_direct[order],
                    indirect=firm_loss[order] - firm_direct[order],
                    loss_share=firm_loss[order] / (base[order] * steps),
                )
            )
        subs_out.append(_substitutions(subs, labels, dist, inside, top).assign(variant=v.name))
        kept = res["kept_alive"]
        wl = _top(kept, white & inside & (kept > 1e-9), top)
        white_out.append(
            firms.iloc[wl][["firm", "name", "adcode", "segment"]].assign(variant=v.name, kept_alive=kept[wl])
        )
    summary = pd.DataFrame(rows)
    for c in ("recovered_step", "recovery_steps", "recovery_days"):  # whole steps, or null: not recovered
        summary[c] = pd.array(summary[c].tolist(), dtype="Int64")

    def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df[["variant", *[c for c in df.columns if c != "variant"]]]

    named = {k: _named(backend, k, cat(v)) for k, v in tables.items()}
    named["places"] = _withhold(named["places"], labels, scope)
    return SimulationResult(
        scenario=scenario,
        period=labels.period,
        summary=summary,
        series=cat(series),
        segments=named["segments"],
        places=named["places"],
        provinces=named["provinces"],
        chains=named["chains"],
        firms=cat(firms_out),
        substitutions=cat(subs_out),
        whitelist=cat(white_out),
        notes=list(labels.notes) + notes,
        synthetic=labels.synthetic,
        seconds=time.perf_counter() - clock,
    )


def _engine_shocks(bound: Sequence[_Bound]) -> list[Any]:
    """The engine's shocks: a capacity cut as it is; an import cut as one shock per distinct per-firm cut."""
    from chainatlas.analytics.shock import Shock

    out = []
    for b in bound:
        if b.kind == "capacity":
            out.append(Shock("capacity", b.firms, start=b.start, end=b.end, capacity=b.capacity))
            continue
        cut = np.asarray(b.cut, float)
        for value in np.unique(cut):
            if value > 0:
                out.append(
                    Shock("imports", b.firms[cut == value], start=b.start, end=b.end, cut=float(value))
                )
    return out


def _engine_run(
    net: Any,
    bound: Sequence[_Bound],
    scenario: Scenario,
    settings: SimSettings,
    inventory: np.ndarray,
    white: np.ndarray,
    dist: np.ndarray,
    *,
    progress: Callable[[int, int], None] | None = None,
    aggregate: np.ndarray | None = None,
) -> dict[str, Any]:
    """One run through :func:`chainatlas.analytics.shock.simulate`: ``output``, ``baseline``, ``direct`` (per
    step and firm, or per group with ``aggregate``), ``substitutions`` (a frame) and ``kept_alive`` (per firm)."""
    from chainatlas.analytics import shock

    sd = scenario.step_days
    run_net = replace(
        net, inventory_days=np.asarray(inventory, float), spare=np.full(net.n, settings.capacity_share)
    )
    cfg = shock.Settings(
        steps=scenario.horizon,
        step_days=sd,
        substitution=bool(settings.substitution and settings.capacity_share > 0),
        switch_delay=math.ceil(settings.delay_days / sd - 1e-9),
        search_radius_km=settings.radius_km,
        recovery_steps=settings.recovery,
        seed=settings.seed,
    )
    if progress is not None:
        progress(0, scenario.horizon)
    r = shock.simulate(
        run_net,
        _engine_shocks(bound),
        cfg,
        whitelist=np.asarray(white, bool),
        distance_km=dist if len(dist) else None,
        aggregate=aggregate,
    )
    if progress is not None:
        progress(scenario.horizon, scenario.horizon)
    subs = pd.DataFrame(
        {
            "step": r.substitutions["step"],
            "end": r.substitutions["end"],
            "customer": r.substitutions["customer"],
            "supplier": r.substitutions["old_supplier"],
            "new_supplier": r.substitutions["new_supplier"],
            "committed": r.substitutions["value"],
            "value": r.substitutions["delivered"],
        }
    )
    kept = r.kept_alive if r.kept_alive is not None else np.zeros(net.n)
    return {
        "output": r.output,
        "baseline": r.baseline,
        "direct": r.direct,
        "substitutions": subs,
        "kept_alive": kept,
    }


#: firm-steps above which a run is aggregated to place × segment (memory: two float arrays of steps × firms)
AGGREGATE_ABOVE = 20_000_000


def _axes(
    labels: Labels, steps: int
) -> tuple[np.ndarray | None, dict[str, tuple[np.ndarray, np.ndarray, list[str]]]]:
    """How results are grouped: ``(cells, axes)``. ``cells`` is None for a run per firm, else the group of each
    firm (place × segment) the engine aggregates to; ``axes`` maps each table (segments, places, provinces,
    chains) to ``(unit index, group code, group labels)`` over the engine's units (firms or groups)."""
    f = labels.firms
    seg = net_codes(labels.segments, f["segment"])
    plc = net_codes(labels.places, f["adcode"])
    prv = net_codes(labels.provinces, f["province"])
    chain_ids = sorted(labels.chains["chain"].unique().tolist())
    if len(f) * steps <= AGGREGATE_ABOVE:
        ch = labels.chains.drop_duplicates(["firm", "chain"])
        every = np.arange(len(f))
        return None, {
            "segments": (every, seg, labels.segments),
            "places": (every, plc, labels.places),
            "provinces": (every, prv, labels.provinces),
            "chains": (ch["firm"].to_numpy(np.int64), net_codes(chain_ids, ch["chain"]), chain_ids),
        }
    key = (plc + 1) * (len(labels.segments) + 1) + (seg + 1)
    uniq, cells = np.unique(key, return_inverse=True)
    first = np.zeros(len(uniq), np.int64)
    first[cells[::-1]] = np.arange(len(f))[::-1]  # a firm of each group: its place, segment and province
    g = np.arange(len(uniq))
    g_seg = seg[first]
    seg_chain = [s.split(":", 1)[0] for s in labels.segments]
    g_chain = np.array(
        [net_codes(chain_ids, pd.Series([seg_chain[x]]))[0] if x >= 0 else -1 for x in g_seg], np.int64
    )
    return cells.astype(np.int64), {
        "segments": (g, g_seg, labels.segments),
        "places": (g, plc[first], labels.places),
        "provinces": (g, prv[first], labels.provinces),
        "chains": (g, g_chain, chain_ids),
    }


def _top(values: np.ndarray, keep: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``values`` where ``keep`` (stable: ties in index order)."""
    idx = np.flatnonzero(keep)
    return idx[np.argsort(-values[idx], kind="stable")[:k]]


def _named(backend: Backend, kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """``name`` (Chinese) beside each unit of a grouped table."""
    if df.empty:
        return df
    from chainatlas import geo

    if kind == "segments":
        s = query.segments(backend)
        names = dict(zip(s["chain"] + ":" + s["segment"], s["name_zh"], strict=True))
    elif kind == "chains":
        c = query.chains(backend)
        names = dict(zip(c["id"], c["name_zh"], strict=True))
    else:
        p = geo.places()
        names = dict(zip(p["adcode"], p["name_zh"], strict=True))
    df.insert(df.columns.get_loc("unit") + 1, "name", df["unit"].map(names))
    return df


def _withhold(places: pd.DataFrame, labels: Labels, scope: Any) -> pd.DataFrame:
    """Loss by place outside the reader's jurisdiction only for places of at least ``disclosure_k`` firms."""
    if places.empty:
        return places.assign(suppressed=pd.Series(dtype=bool))
    from chainatlas import config

    k = int(config.get("disclosure_k"))
    counts = labels.firms["adcode"].value_counts()
    held = np.array([not scope.covers(u) and counts.get(u, 0) < k for u in places["unit"]], bool)
    out = places.assign(suppressed=held)
    num = ["baseline", "output", "loss", "direct", "indirect", "loss_share"]
    out.loc[held, num] = np.nan
    return out


def _substitutions(
    subs: pd.DataFrame, labels: Labels, dist: np.ndarray, inside: np.ndarray, top: int
) -> pd.DataFrame:
    """Switches summed per (customer, failed supplier, new supplier): the ``top`` by value naming only firms
    inside the jurisdiction."""
    cols = ["customer", "customer_name", "supplier", "supplier_name", "new_supplier", "new_supplier_name"]
    cols += ["customer_place", "new_supplier_place", "distance_km", "first_step", "value"]
    if subs is None or not len(subs):
        return pd.DataFrame(columns=cols)
    g = (
        subs.groupby(["customer", "supplier", "new_supplier"], sort=False)
        .agg(first_step=("step", "min"), value=("value", "sum"))
        .reset_index()
    )
    ok = inside[g["customer"]] & inside[g["supplier"]] & inside[g["new_supplier"]]
    g = g[ok].sort_values(["value", "first_step"], ascending=[False, True], kind="stable").head(top)
    f = labels.firms
    place_idx = net_codes(labels.places, f["adcode"])
    pc, pn = place_idx[g["customer"]], place_idx[g["new_supplier"]]
    km = np.where((pc >= 0) & (pn >= 0), dist[np.maximum(pc, 0), np.maximum(pn, 0)], np.nan)
    return pd.DataFrame(
        {
            "customer": f["firm"].to_numpy()[g["customer"]],
            "customer_name": f["name"].to_numpy()[g["customer"]],
            "supplier": f["firm"].to_numpy()[g["supplier"]],
            "supplier_name": f["name"].to_numpy()[g["supplier"]],
            "new_supplier": f["firm"].to_numpy()[g["new_supplier"]],
            "new_supplier_name": f["name"].to_numpy()[g["new_supplier"]],
            "customer_place": f["adcode"].to_numpy()[g["customer"]],
            "new_supplier_place": f["adcode"].to_numpy()[g["new_supplier"]],
            "distance_km": km,
            "first_step": g["first_step"].to_numpy(),
            "value": g["value"].to_numpy(float),
        }
    )[cols]


def write(
    result: Any,
    path: str | Path,
    fmt: str | None = None,
    *,
    provenance: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Save a result — a :class:`SimulationResult`, or a risk ranking or emergency list of
    :mod:`chainatlas.pipeline.emergency` (anything with ``FORMATS``, ``document()`` and ``tables()``); returns the
    files written.

    - ``.json``: the whole result as one document (:meth:`SimulationResult.document`, :func:`risk_document`,
      ``document()`` of the risk ranking and the emergency list).
    - ``.csv`` (UTF-8 with BOM, text cells through :func:`chainatlas.ingest.excel.safe_frame`): the main table —
      a simulation's summary (one row per variant), the risk ranking's firms, the emergency list's rows — with
      the other tables beside it as ``FILE.<table>.csv`` and ``FILE.provenance.json`` (what it was computed from,
      the notes, the risk distribution).
    - ``.xlsx`` (emergency list only): one sheet per province (:meth:`EmergencyList.write_excel`).
    """
    import json

    from chainatlas.ingest.excel import safe_frame

    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    allowed = result.FORMATS
    if fmt not in allowed:
        raise ConfigError(f"expected {', '.join(allowed)}, got {fmt!r} (from {path.name!r})", param="format")
    path.parent.mkdir(parents=True, exist_ok=True)
    prov = dict(provenance or {})
    if fmt == "xlsx":
        return [result.write_excel(path)]
    doc = result.document()
    main, tables = result.tables()
    if fmt == "json":
        path.write_text(
            json.dumps({"provenance": prov, **doc}, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return [path]
    written = [path]
    safe_frame(main).to_csv(path, index=False, encoding="utf-8-sig")
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for name, df in tables.items():
        side = path.with_name(f"{stem}.{name}.csv")
        safe_frame(df).to_csv(side, index=False, encoding="utf-8-sig")
        written.append(side)
    meta = {k: v for k, v in doc.items() if not isinstance(v, list) or k == "notes"}
    side = path.with_name(path.name + ".provenance.json")
    side.write_text(
        json.dumps(
            {"provenance": prov, **meta, "data_file": path.name, "tables": [p.name for p in written[1:]]},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return [*written, side]


def provenance(backend: Backend, command: str, **items: Any) -> dict:
    """What a result was computed from: the command, its parameters, the atlas's data version and synthetic
    flag, when and by which version."""
    from chainatlas.pipeline.analyze.result import data_version
    from chainatlas.pipeline.analyze.result import provenance as make

    return make(command=command, **items, data_version=data_version(backend), synthetic=is_synthetic(backend))
