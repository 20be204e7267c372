"""Benchmark of access control on the API: what credentials, scoping, disclosure control and the audit log cost.

Run by hand: ``.venv/bin/python bench/bench_access.py [--size medium] [--requests 200] [--quick]``. Not a test;
prints a table and writes ``bench/results/bench_access.json`` (git-ignored; ``_common.write_result``'s rows, the
former content under its other keys). ``--quick``: the small atlas, 100 requests per endpoint.

The same built atlas is served twice in one run: the baseline in single-user local mode (no credential, reads
everything), then with a user of Suzhou signing every request with an API key (the credential checked, reads
restricted to the jurisdiction, revenue outside it under disclosure control, entity reads written to the audit
log). For each endpoint: the first answer (``cold``: the query, and for the user the Argon2 check of the key and
the protection of the cube) and medians and p95 of ``--requests`` repeated answers (``warm``: from the answer
cache, behind the checks). Ratio = user / baseline. In the rows of the result, the user's server is "ours" and the
local one the baseline, so their ratio (baseline / ours) is the inverse: below 1 by what the checks cost. A p95
row takes the p95 of each of :data:`BATCHES` consecutive batches of the repeated answers.
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
from _common import ensure_atlas, peak_rss_mb, row, write_result

ENDPOINTS = [
    ("nodes revenue", "/api/nodes", {"scale": "city", "attrs": "revenue"}),
    ("nodes revenue ic", "/api/nodes", {"scale": "county", "attrs": "revenue", "chain": "ic"}),
    ("entities", "/api/entities", {"limit": 50}),
    ("chain matrix", "/api/chains/ic/matrix", {"scale": "city"}),
]
BATCHES = 5  # the repeated answers are cut into this many consecutive batches for the p95 rows


def p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[int(0.95 * (len(s) - 1))]


def batch_p95(xs: list[float], batches: int = BATCHES) -> list[float]:
    """The p95 of each of ``batches`` consecutive slices of ``xs`` (in the order they were measured)."""
    n = max(1, min(batches, len(xs)))
    return [p95(xs[i * len(xs) // n : (i + 1) * len(xs) // n]) for i in range(n)]


def serve_and_time(db: Path, headers: dict, requests: int) -> tuple[dict, dict[str, list[float]]]:
    """Summary per endpoint (cold, warm p50, warm p95 in ms) and the warm latencies in the order measured."""
    from chainatlas.api.app import create_app
    from chainatlas.api.server import LocalServer

    out, samples = {}, {}
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
            samples[name] = [cold, *warm]
            out[name] = {
                "cold_ms": round(cold, 1),
                "warm_p50_ms": round(statistics.median(warm), 2),
                "warm_p95_ms": round(p95(warm), 2),
            }
    return out, samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--size", default=None, choices=["small", "medium", "large"], help="default medium (quick: small)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--requests", type=int, default=None, help="repeated answers per endpoint (default 200, quick 100)"
    )
    ap.add_argument("--quick", action="store_true", help="the small atlas, 100 requests per endpoint")
    args = ap.parse_args()
    args.size = args.size or ("small" if args.quick else "medium")
    args.requests = args.requests or (100 if args.quick else 200)
    os.environ["CHAINATLAS_RATE_LIMIT"] = "0"  # the bench measures the checks, not the limiter's refusals
    built = ensure_atlas("api", args.size, args.seed)
    from chainatlas import config
    from chainatlas.storage.users import UserStore

    results, samples = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("local", "user"):
            db = Path(tmp) / mode / "atlas.duckdb"
            db.parent.mkdir()
            shutil.copy(built, db)
            headers = {}
            if mode == "user":
                key = UserStore(config.side_file(db, "users")).add("bench", "analyst", "320500")
                headers = {"X-API-Key": key}
            results[mode], samples[mode] = serve_and_time(db, headers, args.requests)
    peak = peak_rss_mb()
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

    data = f"{built.name}, user of 320500 (Suzhou) with an API key"
    base = "local single-user mode (no credential, no scoping, no audit log)"
    rows = []
    for name, _, _ in ENDPOINTS:
        (cold_l, *warm_l), (cold_u, *warm_u) = samples["local"][name], samples["user"][name]
        common = {"baseline": base, "unit": "ms", "peak_mb": peak}
        rows += [
            row(f"access: {name}, warm p50", data, warm_u, naive=warm_l, **common),
            row(f"access: {name}, warm p95", data, batch_p95(warm_u), naive=batch_p95(warm_l), **common),
            row(f"access: {name}, cold (first answer)", data, [cold_u], naive=[cold_l], **common),
        ]
    out = write_result(
        "bench_access", rows, quick=args.quick, size=args.size, requests=args.requests, results=results
    )
    print(f"machine: {json.loads(out.read_text('utf-8'))['machine']}; peak RSS {peak:.0f} MB")
    print(f"written {out}")


if __name__ == "__main__":
    main()
