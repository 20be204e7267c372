"""The build on Spark (local mode) against the same build on DuckDB, and how both grow with the records.

For each size the built synthetic atlas is copied and rebuilt in full, each run in a fresh process as a user
runs it: ``chainatlas build --full`` on DuckDB, and ``chainatlas build --engine spark --lake LAKE --full`` on a
lake exported once from the same atlas (the export is timed apart). Spark's time includes starting its JVM,
which a user pays on every build too. Peak memory is the largest resident set of the process and its children
(the JVM), sampled every 0.2 s. The goal (issue 17): Spark local within 5× of DuckDB on ``large`` on a 2-core
machine, and time and memory growing linearly or better with the records (small → medium → large → xlarge,
twice large).

Writes ``bench/results/bench_spark.json`` (git-ignored)::

    .venv/bin/python bench/bench_spark.py                  # small, medium, large, xlarge; 3 runs each
    .venv/bin/python bench/bench_spark.py --quick          # small only, one run on each engine

The quick variant runs each engine once: a Spark build of ``small`` is 80–120 s of fixed cost (the JVM, and a job
per statement of the build), three of them alone would take ``make bench QUICK=1`` past its 10 minutes; the DuckDB
build has its three runs in ``bench_core``'s quick variant (on ``medium``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import BIN, RESULTS, ensure_atlas, median, row, write_result

CLI = str(BIN / "chainatlas")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak resident MB of one command with all its descendants (Spark's JVM is a grandchild, which
    the kernel's rusage of the child does not count): the sum of their resident sets, sampled every 0.2 s.

    Each run's figures are printed as it ends (a run of ``large`` takes 15–25 minutes: a later failure must not
    lose them); a failed run's whole error output is kept in ``bench/results/bench_spark-failed.log``."""
    import psutil

    with tempfile.TemporaryFile() as log:  # a file, not a pipe: Spark's chatter would fill a pipe and stall
        t = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        root, peak = psutil.Process(p.pid), 0
        while p.poll() is None:
            try:
                procs = [root, *root.children(recursive=True)]
                peak = max(peak, sum(q.memory_info().rss for q in procs))
            except psutil.Error:  # a process ended between listing and reading
                pass
            time.sleep(0.2)
        seconds = time.perf_counter() - t
        if p.returncode != 0:
            log.seek(0)
            text = log.read().decode("utf-8", "replace")
            kept = RESULTS / "bench_spark-failed.log"
            kept.write_text(text, "utf-8")
            first = next((ln for ln in text.splitlines() if "Error" in ln or "Exception" in ln), "")
            raise SystemExit(
                f"{' '.join(cmd)} failed after {seconds:.0f} s; first error line: {first}\n"
                f"whole output: {kept}\n…{text[-3000:]}"
            )
    print(f"  {seconds:7.1f} s, peak {peak / 2**20:6,.0f} MB: {' '.join(cmd[1:])}", flush=True)
    return seconds, peak / 2**20


def records(db: Path) -> int:
    from chainatlas.storage.base import open_backend

    with open_backend(db, read_only=True) as b:
        return int(b.sql("SELECT sum(rows_loaded) AS n FROM batches")["n"].iloc[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the small atlas only")
    ap.add_argument(
        "--sizes", help="comma-separated sizes (default small,medium,large,xlarge; --quick small)"
    )
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--spark-runs", type=int, help="Spark builds per size (default --runs; --quick: 1)")
    ap.add_argument(
        "--baseline-runs", type=int, help="DuckDB builds per size, the baseline (default --runs; --quick: 1)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()
    sizes = (args.sizes or ("small" if args.quick else "small,medium,large,xlarge")).split(",")
    spark_runs = args.spark_runs or (1 if args.quick else args.runs)
    duck_runs = args.baseline_runs or (1 if args.quick else args.runs)
    env = {
        **os.environ,
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "CHAINATLAS_SPARK_CONF": "spark.ui.enabled=false",
    }
    rows, scaling = [], []
    for size in sizes:
        built = ensure_atlas("bench", size, args.seed)
        n = records(built)
        with tempfile.TemporaryDirectory(dir=built.parent) as tmp:
            db, lake = Path(tmp) / "atlas.duckdb", Path(tmp) / "lake"
            shutil.copy(built, db)
            export_s, _ = timed([CLI, "--db", str(db), "lake", "export", str(lake)], env)
            duck = [timed([CLI, "--db", str(db), "build", "--full"], env) for _ in range(duck_runs)]
            spark_cmd = [
                CLI,
                "build",
                "--engine",
                "spark",
                "--master",
                args.master,
                "--lake",
                str(lake),
                "--full",
            ]
            spark = [timed(spark_cmd, env) for _ in range(spark_runs)]
        d_s, s_s = [s for s, _ in duck], [s for s, _ in spark]
        d_mb, s_mb = max(m for _, m in duck), max(m for _, m in spark)
        data = f"{size}: {n:,} records"
        rows.append(row("build on DuckDB (fresh process, --full)", data, d_s, peak_mb=d_mb))
        ratio = median(s_s) / median(d_s)
        rows.append(
            row(
                f"build on Spark {args.master} (fresh process with its JVM, --full)",
                data,
                s_s,
                baseline="the DuckDB build, same run",
                naive=d_s,
                peak_mb=s_mb,
                goal="within 5× of DuckDB on large",
                met=ratio <= 5 if size == "large" else None,
                note=f"Spark takes {ratio:.1f}× DuckDB's time; lake export {export_s:.1f} s",
            )
        )
        scaling.append(
            {
                "size": size,
                "records": n,
                "duckdb_s": median(d_s),
                "duckdb_peak_mb": d_mb,
                "spark_s": median(s_s),
                "spark_peak_mb": s_mb,
                "export_s": export_s,
            }
        )
        print(
            f"{size:7} {n:>12,} records  DuckDB {median(d_s):7.1f} s {d_mb:7.0f} MB   "
            f"Spark {median(s_s):7.1f} s {s_mb:7.0f} MB  ({ratio:.1f}×)",
            flush=True,
        )
    for a, b in itertools.pairwise(scaling):
        # growth from one size to the next against the growth of the records: linear or better is at most 1×
        growth = b["records"] / a["records"]
        for engine in ("duckdb", "spark"):
            t, mb = b[f"{engine}_s"] / a[f"{engine}_s"], b[f"{engine}_peak_mb"] / a[f"{engine}_peak_mb"]
            print(
                f"{a['size']} → {b['size']}: {engine} time ×{t:.2f}, peak ×{mb:.2f} for ×{growth:.2f} records"
            )
            rows.append(
                row(
                    f"time growth of the {'DuckDB' if engine == 'duckdb' else 'Spark'} build, {a['size']} → {b['size']}",
                    f"×{growth:.2f} records ({a['records']:,} → {b['records']:,})",
                    [t],
                    unit="×",
                    goal="time linear or better (≤ the records' growth)",
                    met=t <= growth,
                    note=f"peak memory ×{mb:.2f}",
                )
            )
    write_result("bench_spark", rows, quick=args.quick, scaling=scaling, master=args.master)


if __name__ == "__main__":
    main()
