"""Benchmark of access control on the API: what credentials, scoping, disclosure control and the audit log cost.

Run by hand: ``.venv/bin/python bench/bench_access.py [--size medium] [--requests 200]``. Not a test; prints a
table and writes ``bench/results/bench_access.json`` (git-ignored).

The same built atlas is served twice in one run: the baseline in single-user local mode (no credential, reads
everything), then with a user of Suzhou signing every request with an API key (the credential checked, reads
restricted to the jurisdiction, revenue outside it under disclosure control, entity reads written to the audit
log). For each endpoint: the first answer (``cold``: the query, and for the user the Argon2 check of the key and
the protection of the cube) and medians and p95 of ``--requests`` repeated answers (``warm``: from the answer
cache, behind the checks). Ratio = user / baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from _common import RESULTS, ensure_atlas, machine

ENDPOINTS = [
    ("nodes revenue", "/api/nodes", {"scale": "city", "attrs": "revenue"}),
    ("nodes revenue ic", "/api/nodes", {"scale": "county", "attrs": "revenue", "chain": "ic"}),
    ("entities", "/api/entities", {"limit": 50}),
    ("chain matrix", "/api/chains/ic/matrix", {"scale": "city"}),
]


def serve_and_time(db: Path, headers: dict, requests: int) -> dict:
    from chainatlas.api.app import create_app
    from chainatlas.api.server import LocalServer

    out = {}
    with (
        LocalServer(create_app(db, prewarm=False)) as url,
        httpx.Client(base_url=url, headers=headers, timeout=300) as c,
    ):
        for name, path, params in ENDPOINTS:
            t = time.perf_counter()
            r = c.get(path, params=params)
            cold = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{path}: {r.status_code} {r.text[:200]}")
            warm = []
            for _ in range(requests):
                t = time.perf_counter()
                c.get(path, params=params)
                warm.append((time.perf_counter() - t) * 1000)
            warm.sort()
            out[name] = {
                "cold_ms": round(cold, 1),
                "warm_p50_ms": round(statistics.median(warm), 2),
                "warm_p95_ms": round(warm[int(0.95 * (len(warm) - 1))], 2),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    os.environ["CHAINATLAS_RATE_LIMIT"] = "0"  # the bench measures the checks, not the limiter's refusals
    built = ensure_atlas("api", args.size, args.seed)
    from chainatlas import config
    from chainatlas.storage.users import UserStore

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("local", "user"):
            db = Path(tmp) / mode / "atlas.duckdb"
            db.parent.mkdir()
            shutil.copy(built, db)
            headers = {}
            if mode == "user":
                key = UserStore(config.side_file(db, "users")).add("bench", "analyst", "320500")
                headers = {"X-API-Key": key}
            results[mode] = serve_and_time(db, headers, args.requests)
    print(f"machine: {machine()}")
    print(
        f"{'endpoint':<18}{'local cold':>12}{'user cold':>11}{'local p50':>11}{'user p50':>10}{'user p95':>10}{'p50 ratio':>11}"
    )
    for name, _, _ in ENDPOINTS:
        a, b = results["local"][name], results["user"][name]
        ratio = b["warm_p50_ms"] / a["warm_p50_ms"] if a["warm_p50_ms"] else float("nan")
        print(
            f"{name:<18}{a['cold_ms']:>12.1f}{b['cold_ms']:>11.1f}{a['warm_p50_ms']:>11.2f}{b['warm_p50_ms']:>10.2f}"
            f"{b['warm_p95_ms']:>10.2f}{ratio:>10.2f}x"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_access.json").write_text(
        json.dumps(
            {"machine": machine(), "size": args.size, "requests": args.requests, "results": results}, indent=2
        )
    )


if __name__ == "__main__":
    main()
