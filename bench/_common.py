"""What the benchmarks share: the built synthetic atlas they run on, headless Chromium's flags and the
machine they report."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _usable(db: Path) -> bool:
    """Whether ``db`` is a built atlas this version of the code reads (schema and build current)."""
    from chainatlas.errors import ChainAtlasError
    from chainatlas.pipeline import query
    from chainatlas.storage.base import open_backend

    try:
        with open_backend(db, read_only=True) as b:
            return bool(query.periods(b))
    except ChainAtlasError:
        return False


def ensure_atlas(name: str, size: str, seed: int) -> Path:
    """The built atlas ``bench/.data/{name}-{size}-seed{seed}.duckdb`` of the synthetic dataset of
    ``size`` (generated, loaded and built once; remade when out of date).

    Benchmarks that write to their atlas (alerts, users, caches) each get their own file, copied from one
    built ``base-{size}-seed{seed}.duckdb``: a copy takes a second where a load and build of ``small``
    take half a minute."""
    from chainatlas.synth import GENERATOR_VERSION

    DATA.mkdir(exist_ok=True)
    data = DATA / f"{size}-seed{seed}"
    db = DATA / f"{name}-{size}-seed{seed}.duckdb"
    base = DATA / f"base-{size}-seed{seed}.duckdb"
    manifest = data / "dataset.json"
    # a dataset of an older generator (sizes change between versions) is remade, and every atlas built from it
    current = (
        manifest.exists() and json.loads(manifest.read_text("utf-8")).get("version") == GENERATOR_VERSION
    )

    def fresh(p: Path) -> bool:
        return current and p.exists() and p.stat().st_mtime >= manifest.stat().st_mtime and _usable(p)

    if fresh(db):
        return db
    pid = os.getpid()  # two benches building at once must not collide
    if not fresh(base):
        cli = str(BIN / "chainatlas")
        if not current:
            shutil.rmtree(data, ignore_errors=True)
            subprocess.run(
                [cli, "demo-data", "--size", size, "--seed", str(seed), "--out", str(data)], check=True
            )
        tmp = base.with_suffix(f".{pid}.tmp.duckdb")
        tmp.unlink(missing_ok=True)
        subprocess.run([cli, "--db", str(tmp), "load-dir", str(data)], check=True)
        subprocess.run([cli, "--db", str(tmp), "build"], check=True)
        tmp.replace(base)
    tmp = db.with_suffix(f".{pid}.tmp.duckdb")
    shutil.copyfile(base, tmp)
    tmp.replace(db)
    return db


def memory_bandwidth(mib: int = 512, repeats: int = 5) -> float:
    """Measured memory bandwidth in GB/s: the median of ``repeats`` copies of a ``mib`` MiB array (read + write
    counted), the figure that decides how fast column scans run — machines differ threefold in it."""
    import numpy as np

    src = np.ones(mib * 2**20 // 8)
    dst = np.empty_like(src)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - t)
    times.sort()
    return round(2 * src.nbytes / times[len(times) // 2] / 1e9, 1)


_BANDWIDTH: list[float] = []


def _bandwidth_apart() -> float:
    """:func:`memory_bandwidth` measured in a child process (its 1 GiB of arrays must not count in the bench's
    own peak memory), once per process."""
    if not _BANDWIDTH:
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); from _common import memory_bandwidth as m; print(m())"
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        _BANDWIDTH.append(float(out.stdout.strip()))
    return _BANDWIDTH[0]


def machine() -> dict:
    """CPU model, cores (all and usable), measured memory bandwidth, Python and system of the machine the
    benchmark ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_bandwidth_gbs": _bandwidth_apart(),
        # other work on a shared machine slows every figure: the 1-minute load average when this was recorded
        "load_average": round(os.getloadavg()[0], 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


# ---- one shape for every benchmark's result ---------------------------------------------------------------------
def median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def row(
    what: str,
    data: str,
    ours: list[float],
    *,
    baseline: str | None = None,
    naive: list[float] | None = None,
    unit: str = "s",
    peak_mb: float | None = None,
    goal: str | None = None,
    met: bool | None = None,
    note: str | None = None,
) -> dict:
    """One measured line of the suite's table: the median of ``ours`` (seconds, or ``unit``) over its runs and,
    where a naive baseline ran in the same process, its median and the ratio baseline / ours (higher is better
    for times; for a ``unit`` like rows/s it is ours / baseline)."""
    m = median(ours)
    out: dict = {"what": what, "data": data, "runs": len(ours), "unit": unit, "median": m}
    out["min"], out["max"] = min(ours), max(ours)
    if naive:
        b = median(naive)
        out.update(baseline=baseline or "naive", baseline_runs=len(naive), baseline_median=b)
        faster_is_lower = unit in ("s", "ms")
        out["ratio"] = (b / m if faster_is_lower else m / b) if m and b else None
    for key, value in (("peak_mb", peak_mb), ("goal", goal), ("met", met), ("note", note)):
        if value is not None:
            out[key] = value
    return out


def write_result(bench: str, rows: list[dict], *, quick: bool = False, **extra: object) -> Path:
    """Write ``bench/results/{bench}.json``: the machine, when, whether it was the quick variant, the rows (see
    :func:`row`) that ``bench/run_all.py`` gathers into ``bench/results.json``, and whatever else the bench keeps."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{bench}.json"
    doc = {
        "bench": bench,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": quick,
        "machine": machine(),
        "rows": rows,
        **extra,
    }
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=float), encoding="utf-8")
    return path


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports ru_maxrss in KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
