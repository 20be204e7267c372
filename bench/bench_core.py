"""Benchmark of the core: ingest with full validation and the six-layer build, against naive pandas.

Run: ``.venv/bin/python bench/bench_core.py [--size large] [--repeat 3]`` (``make bench``);
``--skip-build --skip-pandas`` measures ingest only (``--repeat`` fresh loads).

Each measurement runs in a fresh child process so its peak memory (max RSS) is its own. The data
are the synthetic reference dataset (``chainatlas demo-data``), generated once per dataset size and seed
into ``bench/.data`` (git-ignored). Reported: medians over ``--repeat`` runs, rows/s for ingest,
seconds per build step, and the ratio of the pandas baseline (``bench/pandas_build.py``, same edge
facts and aggregation, timed from in-memory frames — reading them from the database is NOT
counted for pandas, which favours the baseline) to the product's facts+edges steps. The layer
totals of both are compared, so the baseline computes the same thing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def child_pandas(db: Path) -> dict:
    sys.path.insert(0, str(HERE))
    import pandas_build

    from chainatlas.storage.base import open_backend

    with open_backend(db, read_only=True) as b:
        names = [
            "raw_firms",
            "raw_flows",
            "raw_alliances",
            "raw_papers_parties",
            "raw_patents_parties",
            "raw_patents",
            "raw_patent_transfers",
            "raw_tech_contracts",
            "raw_supply_links",
            "raw_investments",
            "raw_enclaves",
            "raw_services",
            "raw_tax",
        ]
        yrs = _years()
        dated = lambda n: yrs and n not in ("raw_firms", "raw_alliances")
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


def main() -> None:
    from chainatlas.synth import SIZES, generate

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="large", choices=list(SIZES), help="dataset size of the synthetic data")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
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

    data = DATA / f"{a.size}-seed{a.seed}"
    db = DATA / f"{a.size}-seed{a.seed}.duckdb"
    if not (data / "dataset.json").exists():
        t = time.perf_counter()
        generate(data, size=a.size, seed=a.seed)
        print(f"generated {a.size} dataset in {time.perf_counter() - t:.0f}s", flush=True)
    med = statistics.median
    ings = (
        [] if a.skip_ingest and db.exists() else [_run("ingest", str(data), str(db)) for _ in range(a.repeat)]
    )
    if ings:
        secs = [i["seconds"] for i in ings]
        print(
            f"ingest: {ings[0]['rows']:,} rows in median {med(secs):.1f}s ({min(secs):.1f}–{max(secs):.1f}s "
            f"over {len(ings)} runs) = {ings[0]['rows'] / med(secs):,.0f} rows/s, peak "
            f"{max(i['peak_mb'] for i in ings):,.0f} MB",
            flush=True,
        )
    result = {"size": a.size, "seed": a.seed, "ingest": ings}
    if a.skip_build:
        _save(f"{a.size}-ingest", result)
        return
    builds = [_run("build", str(db)) for _ in range(a.repeat)]
    b_total = med([b["seconds"] for b in builds])
    b_edges = med([b["steps"]["facts"] + b["steps"]["edges"] for b in builds])
    steps = {k: med([b["steps"][k] for b in builds]) for k in builds[0]["steps"]}
    print("build steps (median s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    print(
        f"build (all layers × 5 scales × 10 periods, nodes too): median {b_total:.1f}s; facts+edges "
        f"{b_edges:.1f}s; {builds[0]['facts']:,} facts → {builds[0]['edges']:,} layer edges; peak "
        f"{max(b['peak_mb'] for b in builds):,.0f} MB",
        flush=True,
    )
    result["build"] = builds
    if not a.skip_pandas:
        pds = []
        for _ in range(a.repeat):
            pds.append(_run("pandas", str(db)))
            if "failed" in pds[-1]:
                break  # an out-of-memory kill takes minutes: once is enough to know
        result["pandas"] = pds
        if any("failed" in p for p in pds):
            print(f"pandas baseline did not finish: {pds[0].get('failed')} (-9 = killed, out of memory)")
            pds = []
    if not a.skip_pandas and pds:
        p_total = med([p["seconds"] for p in pds])
        same = sorted(map(tuple, (d.values() for d in builds[0]["totals"]))) == sorted(
            map(tuple, (d.values() for d in pds[0]["totals"]))
        )
        print(
            f"pandas baseline facts+edges: median {p_total:.1f}s, peak {max(p['peak_mb'] for p in pds):,.0f} MB; "
            f"ratio pandas / chainatlas = {p_total / b_edges:.1f}x; layer totals equal: {same}",
            flush=True,
        )
    _save(a.size, result)


def _save(name: str, result: dict) -> None:
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"core-{name}.json").write_text(json.dumps(result, indent=1, default=float), encoding="utf-8")


if __name__ == "__main__":
    main()
