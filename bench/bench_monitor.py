"""Benchmark of periodic inspection (issue 13): ``check`` over every rule set, scale and place of the atlas.

Run by hand: ``.venv/bin/python bench/bench_monitor.py [--quick] [--size large] [--runs 3]``. Not a test; prints
a table and writes ``bench/results/bench_monitor.json`` (git-ignored; :func:`_common.write_result`, one row per
workload).

``--quick`` (about a minute on an idle 2-core machine): the ``small`` atlas (unless ``--size`` says otherwise),
the rule sets of the region and of Suzhou only (between them all eight rule types), the one-year workload only
(``--months 0``; the monthly one added 40 s) and one run of the naive baseline (``--naive-runs``); the one-year
workload of all sets takes about 50 CPU-seconds naively even on ``small``.

Two workloads on the built synthetic atlas (``large`` by default), each against a naive baseline measured in the
same run, and each checked for the same answer:

- **one year**: the shipped rule sets of every level (the region, four provinces, Suzhou: all eight rule types)
  inspecting the latest year, as ``chainatlas check`` does (:func:`chainatlas.pipeline.monitor.check_sets`);
- **a year of months**: the same sets inspecting each month of the latest year in turn (the rules a month can
  feed: those on customs and tax; the annual-only ones are skipped, as ``check`` says).

The naive baseline is the per-rule loop one writes first: every rule reads its own inputs afresh (a new
connection, nothing shared between rules or rule sets), over every built period up to the one inspected (no
look-back bound), and walks each unit's periods in a Python loop for the pending and resolve states. The frame
builders and evaluators are the product's own, so the two answers must agree exactly (the active (rule, unit)
pairs); the bench fails loudly if they do not. Each side runs on a freshly opened read-only atlas per run, so no
answer is remembered from the run before. Medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from _common import ensure_atlas, peak_rss_mb, row, write_result

QUICK_SETS = ("YRD", "320500")  # --quick: the region's and Suzhou's rule sets


def ours(db: Path, sets: list, period) -> tuple[float, set]:
    from chainatlas.pipeline.monitor import check_sets
    from chainatlas.storage.base import open_backend

    with open_backend(db, read_only=True) as b:
        t = time.perf_counter()
        found = check_sets(b, sets, period=period)
        took = time.perf_counter() - t
    # a segment's alert names its jurisdiction as unit, the frames key it place|chain|segment
    keys = [
        str(u) if seg == "*" else f"{u}|{c}|{seg}"
        for u, c, seg in zip(found["unit"], found["chain"], found["segment"], strict=True)
    ]
    return took, set(zip(found["set_jurisdiction"], found["rule"], keys, strict=True))


def _loop_states(conditions: list[bool], pending: int, resolve: int) -> list[bool]:
    """Active (firing or resolving) per period, one period at a time."""
    run, clear, firing, out = 0, 0, False, []
    for c in conditions:
        run = run + 1 if c else 0
        if not firing:
            if c and run >= pending:
                firing, clear = True, 0
        elif c:
            clear = 0
        else:
            clear += 1
            if clear >= resolve:
                firing, clear = False, 0
        out.append(firing)
    return out


def naive(db: Path, sets: list, period) -> tuple[float, set]:
    from chainatlas.analytics import alerting
    from chainatlas.pipeline import monitor
    from chainatlas.storage.base import open_backend

    t = time.perf_counter()
    active = set()
    for rs in sets:
        for rule in rs.rules:
            with open_backend(db, read_only=True) as b:  # nothing shared: a rule reads its inputs afresh
                series = monitor.inspected_periods(b, period)
                now = series[-1]
                if monitor._ordinal(now)[0] != "year" and monitor.annual_only(rule):
                    continue
                frame = monitor._frame(rule, rs, series, monitor._Memo(b))
                cond = alerting.evaluate(rule, frame)
            for unit, rows in cond.groupby("unit", sort=False):
                rows = rows.assign(_o=rows["period"].map(lambda p: monitor._ordinal(p)[1])).sort_values("_o")
                states = _loop_states(
                    rows["condition"].fillna(False).astype(bool).tolist(), rule.pending, rule.resolve
                )
                if states and rows["_o"].iloc[-1] == monitor._ordinal(now)[1] and states[-1]:
                    active.add((rs.jurisdiction, rule.id, str(unit)))
    return time.perf_counter() - t, active


def measure(db: Path, sets: list, periods: list, runs: int, naive_runs: int) -> dict:
    mine, base, answers = [], [], []
    for _ in range(runs):
        took, got = 0.0, set()
        for p in periods:
            s, a = ours(db, sets, p)
            took += s
            got |= {(str(p), *x) for x in a}
        mine.append(took)
        answers.append(got)
    want = None
    for _ in range(naive_runs):
        took, got = 0.0, set()
        for p in periods:
            s, a = naive(db, sets, p)
            took += s
            got |= {(str(p), *x) for x in a}
        base.append(took)
        want = got
    if any(a != want for a in answers):
        diff = sorted(answers[0] ^ want)[:10]
        sys.exit(f"the product and the naive loop disagree on {len(answers[0] ^ want)} alerts, e.g. {diff}")
    ours_s, naive_s = statistics.median(mine), statistics.median(base)
    return {
        "periods": [str(p) for p in periods],
        "alerts": len(want or ()),
        "ours_s": [round(x, 2) for x in mine],
        "naive_s": [round(x, 2) for x in base],
        "ours_median_s": round(ours_s, 2),
        "naive_median_s": round(naive_s, 2),
        "speedup": round(naive_s / ours_s, 2) if ours_s else None,
        "runs": {"ours": mine, "naive": base},  # unrounded, for the shared rows
        "peak_mb": peak_rss_mb(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="small atlas, the region's and Suzhou's rule sets, last 3 months, 1 naive run (~1.5 min)",
    )
    ap.add_argument(
        "--size", default=None, choices=["small", "medium", "large"], help="large (--quick: small)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--naive-runs", type=int, default=None, help="3 (--quick: 1)")
    ap.add_argument(
        "--months",
        type=int,
        default=None,
        help="the last N months of the year (default all; 0: no monthly workload, as --quick)",
    )
    args = ap.parse_args()
    args.size = args.size or ("small" if args.quick else "large")
    if args.naive_runs is None:
        args.naive_runs = 1 if args.quick else 3
    if args.months is None and args.quick:
        args.months = 0
    db = ensure_atlas("monitor", args.size, args.seed)
    from chainatlas.pipeline import query
    from chainatlas.pipeline.monitor import rule_sets
    from chainatlas.storage.base import open_backend

    sets = [rs for rs, _ in rule_sets()]
    if args.quick:  # the region's and Suzhou's sets: all eight rule types
        sets = [rs for rs in sets if str(rs.jurisdiction) in QUICK_SETS] or sets
    with open_backend(db, read_only=True) as b:
        year = query.periods(b)[-1]
        months = [m for m in query.periods(b, "month") if m.startswith(str(year))]
    if args.months:
        months = months[-args.months :]
    results = {"one year": measure(db, sets, [year], args.runs, args.naive_runs)}
    if args.months != 0:
        name = "a year of months" if args.months is None else f"the last {len(months)} months"
        results[name] = measure(db, sets, months, args.runs, args.naive_runs)
    n_rules = sum(len(s.rules) for s in sets)
    print(f"rule sets: {len(sets)} ({n_rules} rules); atlas {args.size}, seed {args.seed}")
    print(f"{'workload':<18}{'periods':>8}{'alerts':>8}{'ours (s)':>10}{'naive (s)':>11}{'speed-up':>10}")
    for name, r in results.items():
        print(
            f"{name:<18}{len(r['periods']):>8}{r['alerts']:>8}{r['ours_median_s']:>10.2f}"
            f"{r['naive_median_s']:>11.2f}{r['speedup']:>9.1f}x"
        )
    which = "the region's and Suzhou's rule sets" if args.quick else "every rule set"
    rows = []
    for name, r in results.items():
        runs = r.pop("runs")
        rows.append(
            row(
                f"check, {name}: {which}, every scale and place",
                f"{args.size} atlas, seed {args.seed}; {len(r['periods'])} period(s) "
                f"{r['periods'][0]}..{r['periods'][-1]}; {len(sets)} rule sets, {n_rules} rules",
                runs["ours"],
                baseline="naive per-rule loop: fresh connection per rule, every period, Python state loop",
                naive=runs["naive"],
                peak_mb=r.pop("peak_mb"),
                goal="same alerts as the naive loop, faster than it",
                met=bool(r["speedup"] and r["speedup"] > 1),
                note=f"{r['alerts']} active alerts, identical on both sides",
            )
        )
    path = write_result(
        "bench_monitor",
        rows,
        quick=args.quick,
        size=args.size,
        seed=args.seed,
        runs=args.runs,
        naive_runs=args.naive_runs,
        rule_sets=[str(rs.jurisdiction) for rs in sets],
        results=results,
    )
    print(f"machine: {json.loads(path.read_text('utf-8'))['machine']}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
