"""Benchmark of chainatlas.analytics.disclosure (cell suppression and its LP audit) on a YRD-sized cube.

Run by hand: ``.venv/bin/python bench/bench_disclosure.py [--repeats 3] [--naive-sample 300] [--seed 0] [--quick]``.
Not a test; prints a table and writes ``bench/results/bench_disclosure.json`` (git-ignored; the rows of
``_common.write_result``, the former content under its other keys, the former table under ``tasks``).
``--quick``: a cube of 90 counties and 300 entities, a naive sample of 20 cells timed 3 times (about a minute).

The cube (synthetic, seeded): place = 305 counties → 41 cities (1 / 13 / 11 / 16 in the 4 provinces, as in the
YRD) → 4 provinces → region "YRD", plus 10 functional areas, each a run of 10–39 neighbouring counties that
crosses city borders and overlaps other areas; segment = 30 segments of 4 chains (7, 8, 7, 8) → "*". That is
361 × 35 = 12,635 cells and 3,765 relations. 3,000 entities: a home county drawn with Pareto(1.2) weights (a
few counties attract most firms), 1–3 segments of one chain, log-normal sizes (σ = 2: a heavy tail), so leaf
cells are sparse and many aggregates are dominated. Rules: k = 3, (2, 85) dominance, q = 0.10.

What is measured (medians of ``--repeats`` runs; the machine may be shared: load average printed)
1. ``LinkedTable.from_contributions``.
2. ``protect``: primary + secondary suppression, including its certificate (exact intervals of every
   sensitive cell).
3. ``audit`` of the final pattern: exact [min, max] of every suppressed cell (2·m LPs), with ONE HiGHS model
   whose objective alone changes between solves (primal simplex, warm basis) plus two exact shortcuts (a
   cell that is 0 in an earlier solution has min 0; a cell growing along an earlier unbounded ray has max ∞).
   3b. the same single warm-started model without the shortcuts (2·m solves), to attribute the gain.
4. Naive baseline, measured in the same run: a fresh LP per cell and direction with
   ``scipy.optimize.linprog(method="highs")``, built each time from the relations (the published cells moved
   to the right-hand side). At ~20 ms per LP all m cells take minutes, so by default it runs on a seeded
   sample of ``--naive-sample`` suppressed cells (both directions) and is extrapolated linearly to all m
   ("extrap."; ``--naive-sample 0`` runs them all); its intervals on the sample are compared with ours.
Ratios = naive / ours, for the audits.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import peak_rss_mb, row, write_result

from chainatlas.analytics import disclosure as D

PROVINCES = {"310000": 1, "320000": 13, "330000": 11, "340000": 16}  # cities per province (41)
CHAINS = (7, 8, 7, 8)  # segments per chain (30)


# ---------------------------------------------------------------------------------------------- data
def cube(seed: int = 0, n_counties: int = 305, n_areas: int = 10, n_entities: int = 3000) -> tuple:
    """Contributions and hierarchies of the benchmark cube (see the module docstring)."""
    rng = np.random.default_rng(seed)
    cities = [f"{p[:2]}{i + 1:02d}00" for p, n in PROVINCES.items() for i in range(n)]
    sizes = 2 + rng.multinomial(n_counties - 2 * len(cities), rng.dirichlet(np.full(len(cities), 2.0)))
    place: dict[str, list[str]] = {"YRD": list(PROVINCES)}
    for p in PROVINCES:
        place[p] = [c for c in cities if c[:2] == p[:2]]
    counties: list[str] = []
    for c, m in zip(cities, sizes, strict=True):
        place[c] = [f"{c[:4]}{j + 1:02d}" for j in range(m)]
        counties += place[c]
    for a in range(n_areas):
        start = int(rng.integers(0, n_counties - 40))
        place[f"area{a}"] = counties[start : start + int(rng.integers(10, 40))]
    segment: dict[str, list[str]] = {"*": []}
    for j, n in enumerate(CHAINS):
        segment[f"chain{j}"] = [f"chain{j}.s{i}" for i in range(n)]
        segment["*"].append(f"chain{j}")
    w = rng.pareto(1.2, n_counties) + 0.05
    home = rng.choice(n_counties, n_entities, p=w / w.sum())
    size = rng.lognormal(4.0, 2.0, n_entities)
    rows = []
    for e in range(n_entities):
        chain = segment[f"chain{int(rng.integers(len(CHAINS)))}"]
        segs = rng.choice(chain, int(rng.integers(1, 4)), replace=False)
        for s, f in zip(segs, rng.dirichlet(np.ones(len(segs))), strict=True):
            rows.append((f"E{e:05d}", counties[home[e]], str(s), round(float(size[e] * f), 2)))
    contrib = pd.DataFrame(rows, columns=["entity", "place", "segment", "value"])
    return contrib, {"place": D.Hierarchy(place), "segment": D.Hierarchy(segment)}


# ---------------------------------------------------------------------------------------------- helpers
def timed(fn: Callable[[], object], repeats: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, result


def warm_no_shortcuts(table: D.LinkedTable, supp: np.ndarray) -> np.ndarray:
    """[min, max] of every suppressed cell with one warm-started model, two solves per cell."""
    xs = table.value * D._scale(table)
    b = D._Bounds(table._csc, xs, supp)
    ids = np.flatnonzero(supp)
    out = np.array([[b.extreme(int(i), False)[0], b.extreme(int(i), True)[0]] for i in ids])
    return out / D._scale(table)


def naive_interval(table: D.LinkedTable, supp: np.ndarray, cell: int) -> tuple[float, float]:
    """A fresh LP per cell: relations restricted to the free cells, fixed cells on the right-hand side."""
    R = sp.csc_array(table.relations)
    free = np.flatnonzero(supp)
    A = R[:, free]
    b = -(R[:, np.flatnonzero(~supp)] @ table.value[~supp])
    c = np.zeros(len(free))
    c[np.searchsorted(free, cell)] = 1.0
    lo = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    hi = linprog(-c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    return float(lo.fun), (np.inf if hi.status == 3 else float(-hi.fun))


# ---------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--naive-sample",
        type=int,
        default=None,
        help="suppressed cells the naive baseline solves (0: all; default 300, --quick 20)",
    )
    ap.add_argument(
        "--naive-repeats",
        type=int,
        default=None,
        help="timed passes of the naive baseline over its sample (default 1, --quick 3)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--quick", action="store_true", help="small cube (90 counties, 300 entities), naive sample 20 × 3"
    )
    args = ap.parse_args()
    if args.naive_sample is None:
        args.naive_sample = 20 if args.quick else 300
    if args.naive_repeats is None:
        args.naive_repeats = 3 if args.quick else 1
    # the machine (and its memory-bandwidth probe, which allocates 1 GiB) is taken after the peak memory
    print(f"{os.cpu_count()} cores; load average at start: {os.getloadavg()}")

    shape = {"n_counties": 90, "n_entities": 300} if args.quick else {}
    contrib, dims = cube(args.seed, **shape)
    build_s, build_all, table = timed(lambda: D.LinkedTable.from_contributions(contrib, dims), args.repeats)
    assert isinstance(table, D.LinkedTable)
    protect_s, protect_all, pr = timed(lambda: D.protect(table), args.repeats)
    assert isinstance(pr, D.Protection)
    supp = pr.suppressed
    m = int(supp.sum())
    status = pr.cells["status"].value_counts().to_dict()
    print(
        f"cube: {len(contrib)} contributions of {contrib['entity'].nunique()} entities; {table.size} cells, "
        f"{table.relations.shape[0]} relations; {status}; audit ok: {pr.ok}; rounds {pr.rounds}, "
        f"fallback {pr.fallback!r}"
    )
    audit_s, audit_all, a = timed(lambda: D.audit(table, supp), args.repeats)
    assert isinstance(a, pd.DataFrame)
    plain_s, plain_all, plain = timed(lambda: warm_no_shortcuts(table, supp), args.repeats)
    assert isinstance(plain, np.ndarray)
    same = np.allclose(plain, a[["lo", "hi"]].to_numpy(), rtol=1e-7, atol=1e-6)

    rng = np.random.default_rng(args.seed)
    k = m if args.naive_sample <= 0 else min(args.naive_sample, m)
    sample = np.sort(rng.choice(np.flatnonzero(supp), k, replace=False))
    naive_passes = []
    for _ in range(max(1, args.naive_repeats)):
        t = time.perf_counter()
        naive = np.array([naive_interval(table, supp, int(i)) for i in sample])
        naive_passes.append(time.perf_counter() - t)
    naive_sample_s = statistics.median(naive_passes)
    naive_s = naive_sample_s * m / len(sample)
    naive_all = [x * m / len(sample) for x in naive_passes]
    peak = peak_rss_mb()
    ours = a.loc[sample, ["lo", "hi"]].to_numpy()
    fin = np.isfinite(naive) & np.isfinite(ours)
    diff = float(np.abs(naive[fin] - ours[fin]).max())
    inf_agree = bool((np.isinf(naive) == np.isinf(ours)).all())

    rows = [
        {"task": f"build LinkedTable ({table.size:,} cells)", "s": build_s, "runs": build_all},
        {"task": "protect (primary + secondary + certificate)", "s": protect_s, "runs": protect_all},
        {"task": f"audit, one warm model + shortcuts ({m} cells)", "s": audit_s, "runs": audit_all},
        {"task": f"audit, one warm model, 2 LPs per cell ({2 * m})", "s": plain_s, "runs": plain_all},
        {
            "task": f"naive: fresh linprog per cell ({'extrap. from ' if k < m else ''}{k} cells)",
            "s": naive_s,
            "runs": naive_all if len(naive_all) > 1 else [],
        },
    ]
    print()
    print(f"{'task':<60} {'median (s)':>11} {'naive / this':>13}")
    for r in rows:
        ratio = naive_s / r["s"] if r["task"].startswith("audit") else None
        r["naive_ratio"] = ratio
        print(f"{r['task']:<60} {r['s']:>11.3f} {'-' if ratio is None else f'{ratio:,.0f}×':>13}")
    print(
        f"\nnaive on the sample: {naive_sample_s:.1f} s for {2 * len(sample)} LPs "
        f"({naive_sample_s / (2 * len(sample)) * 1e3:.0f} ms each); ours: {audit_s / (2 * m) * 1e3:.2f} ms per "
        f"interval end; max |naive − ours| on finite ends {diff:.2e}, infinite ends agree: {inf_agree}; "
        f"with and without shortcuts identical: {same}"
    )
    print(f"load average at end: {os.getloadavg()}")

    data = (
        f"synthetic YRD cube, {table.size:,} cells, {table.relations.shape[0]:,} relations, {m:,} suppressed"
        f" (seed {args.seed})"
    )
    naive_name = f"fresh scipy linprog per cell (extrapolated from {k} of {m} cells)" if k < m else None
    naive_name = naive_name or "fresh scipy linprog per cell"
    exact = f"max |naive − ours| {diff:.1e} on the sample, infinite ends agree: {inf_agree}"
    table_rows = [
        row("disclosure: build LinkedTable", data, build_all, peak_mb=peak),
        row("disclosure: protect (primary + secondary + certificate)", data, protect_all, peak_mb=peak),
        row(
            "disclosure: audit, one warm model + shortcuts",
            data,
            audit_all,
            baseline=naive_name,
            naive=naive_all,
            peak_mb=peak,
            note=exact,
        ),
        row(
            "disclosure: audit, one warm model, 2 LPs per cell",
            data,
            plain_all,
            baseline=naive_name,
            naive=naive_all,
            peak_mb=peak,
            note=f"same intervals as with the shortcuts: {bool(same)}",
        ),
    ]
    out = write_result(
        "bench_disclosure",
        table_rows,
        quick=args.quick,
        seed=args.seed,
        repeats=args.repeats,
        cube={
            "contributions": len(contrib),
            "entities": int(contrib["entity"].nunique()),
            "cells": table.size,
            "relations": int(table.relations.shape[0]),
            "status": {k: int(v) for k, v in status.items()},
            "audit_ok": pr.ok,
        },
        tasks=rows,
        naive_sample_cells=len(sample),
        naive_sample_s=naive_sample_s,
        naive_repeats=len(naive_passes),
        max_abs_diff=diff,
        infinite_ends_agree=inf_agree,
        shortcuts_exact=bool(same),
    )
    mach = json.loads(out.read_text("utf-8"))["machine"]
    print(
        f"{mach['cpu']}; {mach['usable_cores']} usable cores; Python {mach['python']}; peak RSS {peak:.0f} MB"
    )
    print(f"written {out}")


if __name__ == "__main__":
    main()
