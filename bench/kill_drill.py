"""Kill -9 drill: SIGKILL ``chainatlas load-dir`` and ``chainatlas build`` mid-run and check the atlas recovers.

Run: ``.venv/bin/python bench/kill_drill.py [--size medium] [--points 12] [--seed 7] [--work DIR]``.

What is done
------------
1. The synthetic dataset of ``--size`` is written (``chainatlas demo-data``), then loaded and built once
   without interruption: the reference row counts of every table, and the wall time ``T`` of each command.
2. For each command, ``--points`` kills spread evenly over its run (at ``0.95·T·(i+½)/points`` seconds after
   the start, from interpreter start-up to the last commit; ``T`` is measured after a warm-up run): the command is started on a fresh atlas
   (``load-dir``: an empty file; ``build``: a copy of the loaded, unbuilt atlas) and sent SIGKILL.
3. After each kill:

   - *opens*: the atlas opens for writing (DuckDB replays or drops its write-ahead log);
   - *consistent*: no raw row belongs to a batch that the ``batches`` table does not list, and the raw
     tables hold exactly ``sum(rows_loaded) - sum(rows_replaced)`` rows of the listed batches (nothing is
     half-loaded); *state* says whether the killed command had stored nothing, everything, or a part
     (``build`` commits step by step; its years stay dirty until the last step);
   - *recovered*: the same command, run again to the end, succeeds and every table has the reference row
     count; rows lost and duplicated are the summed differences, table by table.

The table is printed, and written to ``bench/results/kill_drill.json``. Only the processes this script
starts are killed, by their pid.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

CLI = str(Path(sys.executable).with_name("chainatlas"))
RESULTS = Path(__file__).parent / "results" / "kill_drill.json"
SPREAD = 0.95  # kills fall within the first 95 % of the uninterrupted run time (runs vary by a few per cent)


def _run(args: list[str], log: Path) -> float:
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        subprocess.run([CLI, *args], check=True, stdout=fh, stderr=subprocess.STDOUT)
    return time.perf_counter() - t0


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
    finally:
        con.close()


def _consistency(db: Path) -> tuple[bool, int]:
    """(raw tables agree with ``batches``, number of batches)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        raw = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.columns "
                "WHERE column_name = 'batch_id' AND table_name LIKE 'raw_%'"
            ).fetchall()
        ]
        orphans = sum(
            con.execute(
                f'SELECT count(*) FROM "{t}" WHERE batch_id NOT IN (SELECT batch_id FROM batches)'
            ).fetchone()[0]
            for t in raw
        )
        kept = sum(
            con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in raw if "_parties" not in t
        )
        n, loaded, replaced = con.execute(
            "SELECT count(*), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_replaced), 0) FROM batches"
        ).fetchone()
        return orphans == 0 and kept == loaded - replaced, int(n)
    finally:
        con.close()


def _opens(db: Path) -> bool:
    """Open for writing, as the next command will (replays the write-ahead log), then close."""
    from chainatlas.storage.base import open_backend

    try:
        open_backend(db).close()
    except Exception as e:  # noqa: BLE001 - a drill reports any failure
        print(f"    cannot open {db.name}: {e}", file=sys.stderr)
        return False
    return True


def _last_step(log: Path) -> str:
    lines = [
        ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()
    ]
    return lines[-1][:60] if lines else "(start-up: nothing printed yet)"


def _state(now: dict[str, int], before: dict[str, int], ref: dict[str, int], tables: list[str]) -> str:
    if all(now.get(t, 0) == before.get(t, 0) for t in tables):
        return "nothing stored"
    if all(now.get(t, 0) == ref.get(t, 0) for t in tables):
        return "all stored"
    return "partly stored"


def _diff(got: dict[str, int], ref: dict[str, int]) -> tuple[int, int]:
    lost = sum(max(0, n - got.get(t, 0)) for t, n in ref.items())
    dup = sum(max(0, n - ref.get(t, 0)) for t, n in got.items())
    return lost, dup


def drill(size: str, points: int, seed: int, work: Path) -> list[dict]:
    data = work / "data"
    _run(["demo-data", "--size", size, "--seed", str(seed), "--out", str(data)], work / "demo.log")
    warm = work / "warm.duckdb"  # a first run warms the file cache, so that T is that of the drill's runs
    t_load0 = _run(["--db", str(warm), "load-dir", str(data)], work / "warm.log")
    t_build0 = _run(["--db", str(warm), "build"], work / "warm-build.log")
    warm.unlink()
    ref = work / "ref.duckdb"
    t_load = _run(["--db", str(ref), "load-dir", str(data)], work / "ref-load.log")
    ref_loaded = _counts(ref)
    loaded = work / "loaded.duckdb"
    shutil.copy(ref, loaded)
    t_build = _run(["--db", str(ref), "build"], work / "ref-build.log")
    ref_built = _counts(ref)
    t_load, t_build = min(t_load, t_load0), min(t_build, t_build0)  # the shorter run: kills land inside runs
    empty = {t: 0 for t in ref_loaded}
    raw_tables = [t for t in ref_loaded if t.startswith("raw_") or t == "batches"]
    build_tables = [t for t in ref_built if t not in ref_loaded or ref_built[t] != ref_loaded[t]]
    print(
        f"{size} dataset: uninterrupted load-dir {t_load:.1f} s, build {t_build:.1f} s; "
        f"{sum(ref_loaded[t] for t in raw_tables):,} raw rows, {sum(ref_built.values()):,} rows after the build",
        flush=True,
    )
    rows = []
    plan = [("load-dir", t_load, i) for i in range(points)] + [("build", t_build, i) for i in range(points)]
    for n, (command, total, i) in enumerate(plan, start=1):
        at = SPREAD * total * (i + 0.5) / points
        db = work / f"drill-{n}.duckdb"
        if command == "build":
            shutil.copy(loaded, db)
        args = ["--db", str(db), command] + ([str(data)] if command == "load-dir" else [])
        log = work / f"drill-{n}.log"
        with log.open("w", encoding="utf-8") as fh:
            proc = subprocess.Popen([CLI, *args], stdout=fh, stderr=subprocess.STDOUT)
            time.sleep(at)
            killed = proc.poll() is None
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        ran = _last_step(log) if killed else "(had finished)"
        opens = _opens(db) if db.exists() else True  # killed before DuckDB created the file: nothing to open
        ok, _ = _consistency(db) if db.exists() else (True, 0)
        after = _counts(db) if db.exists() else empty
        before, ref_counts = (empty, ref_loaded) if command == "load-dir" else (ref_loaded, ref_built)
        state = _state(after, before, ref_counts, raw_tables if command == "load-dir" else build_tables)
        again = subprocess.run(
            [CLI, *args], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        got = _counts(db) if again.returncode == 0 else {}
        lost, dup = _diff(got, ref_counts) if got else (sum(ref_counts.values()), 0)
        recovered = opens and ok and again.returncode == 0 and lost == 0 and dup == 0
        row = {
            "point": n,
            "command": command,
            "kill_at_s": round(at, 2),
            "killed": killed,
            "what_ran": ran,
            "opens": opens,
            "consistent": ok,
            "state": state,
            "rerun_ok": again.returncode == 0,
            "recovered": recovered,
            "rows_lost": lost,
            "rows_duplicated": dup,
        }
        rows.append(row)
        print(
            f"{n:>3}  {command:<8} {at:6.2f} s  {ran:<44} opens={'yes' if opens else 'NO'} "
            f"consistent={'yes' if ok else 'NO'}  {state:<15} recovered={'yes' if recovered else 'NO'}  "
            f"lost={lost} dup={dup}",
            flush=True,
        )
        if again.returncode != 0:
            print(f"    re-run failed: {again.stderr.strip()[-300:]}", file=sys.stderr)
        for p in (db, db.with_name(db.name + ".wal"), log):
            p.unlink(missing_ok=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    ap.add_argument("--points", type=int, default=12, help="kills per command (default 12: 24 in all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed after)")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="kill_drill_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = drill(a.size, a.points, a.seed, work)
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    killed = [r for r in rows if r["killed"]]
    good = sum(r["recovered"] for r in killed)
    lost = sum(r["rows_lost"] for r in rows)
    dup = sum(r["rows_duplicated"] for r in rows)
    print(
        f"\n{len(killed)} kills ({sum(r['command'] == 'load-dir' for r in killed)} load-dir, "
        f"{sum(r['command'] == 'build' for r in killed)} build): {good} recovered; "
        f"{lost} rows lost, {dup} duplicated; half-loaded after a kill: "
        f"{sum(not r['consistent'] for r in rows)}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"size": a.size, "points": a.points, "seed": a.seed, "rows": rows}, indent=2),
        encoding="utf-8",
    )
    return 0 if good == len(killed) else 1


if __name__ == "__main__":
    sys.exit(main())
