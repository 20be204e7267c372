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
    ``size`` (generated, loaded and built once; remade when out of date)."""
    from chainatlas.synth import GENERATOR_VERSION

    DATA.mkdir(exist_ok=True)
    data = DATA / f"{size}-seed{seed}"
    db = DATA / f"{name}-{size}-seed{seed}.duckdb"
    manifest = data / "dataset.json"
    # a dataset of an older generator (sizes change between versions) is remade, and every atlas built from it
    current = (
        manifest.exists() and json.loads(manifest.read_text("utf-8")).get("version") == GENERATOR_VERSION
    )
    if current and db.exists() and db.stat().st_mtime >= manifest.stat().st_mtime and _usable(db):
        return db
    cli = str(BIN / "chainatlas")
    if not current:
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(
            [cli, "demo-data", "--size", size, "--seed", str(seed), "--out", str(data)], check=True
        )
    tmp = db.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    subprocess.run([cli, "--db", str(tmp), "load-dir", str(data)], check=True)
    subprocess.run([cli, "--db", str(tmp), "build"], check=True)
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
        "memory_bandwidth_gbs": memory_bandwidth(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }
