"""Benchmark of the core: ingest with full validation and the six-layer build, against naive pandas.

Run: ``.venv/bin/python bench/bench_core.py [--size large] [--repeat 3]`` (``make bench``);
``--skip-build --skip-pandas`` measures ingest only (``--repeat`` fresh loads). ``--quick`` runs the same on
``medium`` (3 runs each, the pandas baseline once, about a minute).

Each measurement runs in a fresh child process so its peak memory (max RSS) is its own. The data
are the synthetic reference dataset (``chainatlas demo-data``), generated once per dataset size and seed
into ``bench/.data`` (git-ignored). Reported: medians over ``--repeat`` runs, rows/s for ingest,
seconds per build step, and the ratio of the pandas baseline (``bench/pandas_build.py``, same edge
facts and aggregation, timed from in-memory frames — reading them from the database is NOT
counted for pandas, which favours the baseline) to the product's parties+facts+edges steps (the parties step
resolves the node attributes' parties too, which favours the baseline again). The layer
totals of both are compared, so the baseline computes the same thing. Written to
``bench/results/bench_core.json`` (``_common.write_result``: one row each for ingest, build and build vs
pandas, plus every run's raw figures).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import row, write_result

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"


def _years() -> list[int] | None:
    """``BENCH_YEARS=2023,2024`` limits both builds to those years (so pandas fits in memory on `large`)."""
    v = os.environ.get("BENCH_YEARS")
    return [int(y) for y in v.split(",")] if v else None


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(data: Path, db: Path) -> dict:
    from chainatlas.pipeline.load import load_dir
    from chainatlas.storage.base import open_backend

    db.unlink(missing_ok=True)
    with open_backend(db) as b:
        t = time.perf_counter()
        out = load_dir(b, data)
        sec = time.perf_counter() - t
    rows = sum(r.rows_loaded for r in out.results)
    return {"rows": rows, "seconds": sec, "rows_per_s": rows / sec, "peak_mb": _peak_mb()}


def child_build(db: Path) -> dict:
    from chainatlas.pipeline.build import build
    from chainatlas.storage.base import open_backend

    with open_backend(db) as b:
        t = time.perf_counter()
        rep = build(b, full=_years() is None, years=_years())
        sec = time.perf_counter() - t
        where = f"AND year IN ({','.join(map(str, _years()))})" if _years() else ""
        totals = b.sql(f"SELECT layer, scale, sum(n) n FROM layer_edges WHERE chain='*' {where} GROUP BY ALL")
    return {
        "seconds": sec,
        "steps": rep.seconds,
        "facts": rep.facts,
        "edges": rep.edges,
        "peak_mb": _peak_mb(),
        "totals": totals.round(6).to_dict("records"),
    }


def _same_totals(ours: list[dict], theirs: list[dict]) -> bool:
    """Per layer and scale, the same total weight — to 1e-9 relative: sums in another order differ in the last bits."""
    a = {(d["layer"], d["scale"]): d["n"] for d in ours}
    b = {(d["layer"], d["scale"]): d["n"] for d in theirs}
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=1e-9) for k in a)


def child_pandas(db: Path) -> dict:
    sys.path.insert(0, str(HERE))
    import pandas_build

    from chainatlas.storage.base import open_backend

    with open_backend(db, read_only=True) as b:
        names = [n for n in pandas_build.RAW_TABLES if b.has_table(n)]
        yrs = _years()
        dated = lambda n: yrs and n not in pandas_build.UNDATED_TABLES
        raw = {
            n: b.sql(
                f'SELECT * FROM "{n}"' + (f" WHERE year IN ({','.join(map(str, yrs))})" if dated(n) else "")
            )
            for n in names
        }
        raw["_first_year"] = int(b.sql("SELECT min(year) y FROM batch_years")["y"].iloc[0])
        lookup = b.sql("SELECT * FROM seg_lookup")
        units = b.sql("SELECT * FROM scale_units")
    t = time.perf_counter()
    facts = pandas_build.edge_facts(raw)
    if _years():
        facts = facts[facts["year"].isin(_years())]
    t_facts = time.perf_counter() - t
    edges = pandas_build.layer_edges(facts, lookup, units)
    sec = time.perf_counter() - t
    totals = edges[edges["chain"] == "*"].groupby(["layer", "scale"], as_index=False)["n"].sum()
    return {
        "seconds": sec,
        "facts_seconds": t_facts,
        "facts": len(facts),
        "edges": len(edges),
        "peak_mb": _peak_mb(),
        "totals": totals.round(6).to_dict("records"),
    }


def _run(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:  # e.g. the pandas baseline killed for running out of memory
        return {"failed": f"exit status {out.returncode}", "stderr": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _facts_edges(build: dict) -> float:
    """What the pandas baseline does, in a build's steps: resolving the parties (an atlas built before that step
    did it inside ``facts``), the facts, the edges."""
    return sum(build["steps"].get(k, 0.0) for k in ("parties", "facts", "edges"))


def main() -> None:
    from chainatlas.synth import SIZES, generate

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--size",
        choices=list(SIZES),
        help="dataset size of the synthetic data (default large; medium with --quick)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="the quick variant: --size medium unless given")
    ap.add_argument(
        "--baseline-runs", type=int, help="runs of the pandas baseline (default --repeat; --quick 1)"
    )
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--skip-ingest", action="store_true", help="reuse the database of a previous run")
    ap.add_argument("--skip-build", action="store_true", help="measure ingest only")
    ap.add_argument("--child", nargs="+")
    a = ap.parse_args()
    if a.child:
        step, *paths = a.child
        fn = {"ingest": child_ingest, "build": child_build, "pandas": child_pandas}[step]
        print(json.dumps(fn(*map(Path, paths)), default=float))
        return
    a.size = a.size or ("medium" if a.quick else "large")
    a.baseline_runs = a.baseline_runs or (1 if a.quick else a.repeat)

    data = DATA / f"{a.size}-seed{a.seed}"
    db = DATA / f"{a.size}-seed{a.seed}.duckdb"
    if not (data / "dataset.json").exists():
        t = time.perf_counter()
        generate(data, size=a.size, seed=a.seed)
        print(f"generated {a.size} dataset in {time.perf_counter() - t:.0f}s", flush=True)
    med = statistics.median
    fmt = SIZES[a.size].get("format", "csv")
    yrs = _years()
    on = f"`{a.size}`" + (f", years {','.join(map(str, yrs))}" if yrs else "")
    rows: list[dict] = []
    ings = (
        [] if a.skip_ingest and db.exists() else [_run("ingest", str(data), str(db)) for _ in range(a.repeat)]
    )
    _check(ings, "ingest")
    if ings:
        secs = [i["seconds"] for i in ings]
        print(
            f"ingest: {ings[0]['rows']:,} rows in median {med(secs):.1f}s ({min(secs):.1f}–{max(secs):.1f}s "
            f"over {len(ings)} runs) = {ings[0]['rows'] / med(secs):,.0f} rows/s, peak "
            f"{max(i['peak_mb'] for i in ings):,.0f} MB",
            flush=True,
        )
        rate = [i["rows"] / i["seconds"] for i in ings]
        large = a.size == "large"
        rows.append(
            row(
                f"ingest with full validation (`load-dir`, {fmt.upper() if fmt == 'csv' else fmt.capitalize()})",
                f"`{a.size}`: {ings[0]['rows']:,} rows",
                rate,
                unit="rows/s",
                peak_mb=round(max(i["peak_mb"] for i in ings), 1),
                goal="≥ 500,000 rows/s" if large else None,
                met=med(rate) >= 500_000 if large else None,
                note=f"median {med(secs):.2f} s per load",
            )
        )
    result = {"size": a.size, "seed": a.seed, "years": yrs, "ingest": ings}
    if a.skip_build:
        write_result("bench_core", rows, quick=a.quick, **result)
        return
    builds = [_run("build", str(db)) for _ in range(a.repeat)]
    _check(builds, "build")
    b_total = med([b["seconds"] for b in builds])
    b_edges = med([_facts_edges(b) for b in builds])
    steps = {k: med([b["steps"][k] for b in builds]) for k in builds[0]["steps"]}
    print("build steps (median s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    b_peak = round(max(b["peak_mb"] for b in builds), 1)
    print(
        f"build (all layers × 5 scales × 10 periods, nodes too): median {b_total:.1f}s; facts+edges "
        f"{b_edges:.1f}s; {builds[0]['facts']:,} facts → {builds[0]['edges']:,} layer edges; peak "
        f"{b_peak:,.0f} MB",
        flush=True,
    )
    result["build"] = builds
    result["build_steps_median"] = steps
    facts_edges = f"{on}: {builds[0]['facts']:,} facts → {builds[0]['edges']:,} layer edges"
    full_large = a.size == "large" and not yrs
    rows.append(
        row(
            "build: 6 layers × 5 scales × 10 years × chains, node attributes"
            + (" (incremental, those years)" if yrs else ""),
            facts_edges,
            [b["seconds"] for b in builds],
            peak_mb=b_peak,
            goal="≤ 30 s, ≤ 4 GB" if full_large else None,
            met=b_total <= 30 and b_peak <= 4096 if full_large else None,
            note="steps (median s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()),
        )
    )
    ours_fe = [_facts_edges(b) for b in builds]
    what_fe = "build parties + facts + edges vs naive pandas (from in-memory frames)"
    if not a.skip_pandas:
        pds = []
        for _ in range(a.baseline_runs):
            pds.append(_run("pandas", str(db)))
            if "failed" in pds[-1]:
                break  # an out-of-memory kill takes minutes: once is enough to know
        result["pandas"] = pds
        if any("failed" in p for p in pds):
            print(f"pandas baseline did not finish: {pds[0].get('failed')} (-9 = killed, out of memory)")
            failed = next(p["failed"] for p in pds if "failed" in p)
            rows.append(
                row(
                    what_fe,
                    facts_edges,
                    ours_fe,
                    peak_mb=b_peak,
                    goal="≥ 4×",
                    note=f"naive pandas did not finish ({failed}; -9 = killed, out of memory)",
                )
            )
            pds = []
    if not a.skip_pandas and pds:
        p_total = med([p["seconds"] for p in pds])
        p_peak = round(max(p["peak_mb"] for p in pds), 1)
        same = _same_totals(builds[0]["totals"], pds[0]["totals"])
        print(
            f"pandas baseline facts+edges: median {p_total:.1f}s, peak {p_peak:,.0f} MB; "
            f"ratio pandas / chainatlas = {p_total / b_edges:.1f}x; layer totals equal: {same}",
            flush=True,
        )
        result["layer_totals_equal"] = same
        rows.append(
            row(
                what_fe,
                facts_edges,
                ours_fe,
                baseline="naive pandas (bench/pandas_build.py, same facts and aggregation)",
                naive=[p["seconds"] for p in pds],
                peak_mb=b_peak,
                goal="≥ 4×",
                met=p_total / b_edges >= 4,
                note=f"pandas peak {p_peak:,.0f} MB; layer totals equal: {same}; ours also writes the tables",
            )
        )
    write_result("bench_core", rows, quick=a.quick, **result)


def _check(runs: list[dict], step: str) -> None:
    """Stop with the child's error output when a run of ``step`` (other than the pandas baseline) failed."""
    for r in runs:
        if "failed" in r:
            sys.exit(f"{step} failed ({r['failed']}):\n{r['stderr']}")


if __name__ == "__main__":
    main()
