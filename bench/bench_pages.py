"""Render time of every page of the UI in headless Chromium: warm and cold server, against a baseline
measured in the same run.

Run: ``.venv/bin/python bench/bench_pages.py [--size medium] [--runs 5] [--quick]`` (``--quick``: the small
atlas, the pages of :data:`QUICK_PAGES`, 3 loads per page and server).

What is measured
----------------
The *first meaningful render* of each page: the time from navigation start (``performance.now()``
counts from it) to the first animation frame in which the page's main content is drawn with data,
as its own ready marker says (:data:`READY`):

============  ===========================================================================
map           the map drawn with data (``body[data-map-ready]``, set on ECharts' first
              ``rendered`` event after the data arrive)
chain         heatmap, chain strip and Sankey drawn (``#page[data-chain]``)
network       the graph drawn (``#page[data-nodes]``)
compare       the comparison drawn (``#page[data-mode]``)
diagnose      tiers (bars and map), modes and pairs all shown
data          the inventory summary and its places table shown
============  ===========================================================================

Each load is a fresh browser context (no browser cache: every file and answer is fetched), at
1440×900, Chinese UI, one page at a time. Three servers over the same atlas, each run in this process
on a free local port (:class:`chainatlas.api.server.LocalServer`):

- ``warm``: the server as ``chainatlas serve`` runs it, after its startup prewarm has finished
  (``app.state.prewarmed``); ``first`` is the first load of each page, ``median`` the median of
  ``--runs`` loads;
- ``cold``: a fresh server per load with the prewarm off: every answer the page needs is computed
  while it waits (the answer cache is empty, DuckDB's buffers too; the OS file cache is warm);
- ``nocache`` (the naive baseline): the answer cache off, so every load computes every answer.

Budget: the warm median of every page <= 1000 ms. The atlas is the synthetic reference dataset of
``--size`` (generated, loaded and built once into ``bench/.data``, git-ignored). Results are printed
and written to ``bench/results/bench_pages.json`` (formerly ``pages.json``) by ``_common.write_result``: the
machine, Chromium's version, one row per page and server (warm against the no-cache baseline, with the budget;
cold), and the former content under its other keys. Peak memory is this process's (the servers run in it; the
browser does not).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from _common import CHROMIUM, CHROMIUM_ARGS, HERE, ensure_atlas, peak_rss_mb, row, write_result

BUDGET_MS = 1000.0
QUICK_PAGES = "map,chain,diagnose"  # the main page, one chart page, the heaviest page
TIMEOUT_MS = 180_000

#: page → (URL path, JavaScript condition that holds once the page's main content is drawn)
READY: dict[str, tuple[str, str]] = {
    "map": ("/", "document.body.dataset.mapReady === '1'"),
    "chain": ("/#/chain", "!!document.querySelector('#page')?.dataset.chain"),
    "network": ("/#/network", "document.querySelector('#page')?.dataset.nodes !== undefined"),
    "compare": ("/#/compare", "document.querySelector('#page')?.dataset.mode !== undefined"),
    "diagnose": (
        "/#/diagnose",
        (
            "Number(document.querySelector('#page')?.dataset.mapTiers) > 0"
            " && !!document.querySelector('#d-modes table')"
            " && !!document.querySelector('#d-pairs table, #d-pairs p.hint')"
        ),
    ),
    "data": (
        "/#/data",
        "!!document.querySelector('#d-summary dl') && !!document.querySelector('#d-places table')",
    ),
}


# ---------------------------------------------------------------------------------------------- loads
def render_ms(browser, url: str, page: str) -> float:
    """One load of ``page`` in a fresh context: ms from navigation start to its ready frame."""
    path, cond = READY[page]
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        pg = ctx.new_page()
        pg.goto(url + path)
        fn = f"() => {{ if (!({cond})) return false; window.__ready = window.__ready || performance.now(); return true; }}"
        pg.wait_for_function(fn, polling="raf", timeout=TIMEOUT_MS)
        return float(pg.evaluate("window.__ready"))
    finally:
        ctx.close()


def serve(db: Path, **kw):
    from chainatlas.api.app import create_app
    from chainatlas.api.server import LocalServer

    app = create_app(db, read_only=True, **kw)
    return app, LocalServer(app)


def stats(xs: list[float]) -> dict:
    return {
        "median_ms": statistics.median(xs),
        "min_ms": min(xs),
        "max_ms": max(xs),
        "runs_ms": [round(x, 1) for x in xs],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--size",
        default=None,
        choices=["small", "medium", "large"],
        help="synthetic dataset size (default medium, quick: small)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--db", type=Path, help="use this built atlas instead of generating one")
    ap.add_argument(
        "--runs", type=int, default=None, help="loads per page and server (median of them; 5, quick 3)"
    )
    ap.add_argument(
        "--pages", default=None, help=f"comma-separated pages to measure (default all; quick: {QUICK_PAGES})"
    )
    ap.add_argument("--skip-baseline", action="store_true", help="measure only the warm and cold servers")
    ap.add_argument("--strict", action="store_true", help="exit with status 1 when a budget is missed")
    ap.add_argument(
        "--quick",
        action="store_true",
        help=f"the small atlas, pages {QUICK_PAGES}, 3 loads per page and server",
    )
    a = ap.parse_args()
    a.size = a.size or ("small" if a.quick else "medium")
    a.runs = a.runs or (3 if a.quick else 5)
    a.pages = a.pages or (QUICK_PAGES if a.quick else ",".join(READY))
    pages = [p for p in a.pages.split(",") if p]
    db = a.db or ensure_atlas("pages", a.size, a.seed)

    from playwright.sync_api import sync_playwright

    from chainatlas.web import vendor_ready

    if not vendor_ready():
        print("web assets are not installed: run `make web-assets`", file=sys.stderr)
        return 2
    results: dict = {
        "size": a.size,
        "seed": a.seed,
        "db": db.name,
        "runs": a.runs,
        "budget_ms": BUDGET_MS,
        "pages": {p: {} for p in pages},
    }
    # the machine (its memory-bandwidth probe allocates 1 GiB) is taken by write_result, after the peak memory
    print(
        f"atlas: {db} ({db.stat().st_size / 2**20:.0f} MB); {os.cpu_count()} cores; {a.runs} loads per page",
        flush=True,
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results["chromium"] = browser.version

        # warm: the product server after its prewarm
        t0 = time.perf_counter()
        app, server = serve(db)
        with server as url:
            if not app.state.prewarmed.wait(900):
                print("the prewarm did not finish within 900 s", file=sys.stderr)
                return 1
            results["prewarm_s"] = time.perf_counter() - t0
            print(f"warm server: prewarm finished {results['prewarm_s']:.1f} s after start", flush=True)
            for page in pages:
                xs = [render_ms(browser, url, page) for _ in range(a.runs)]
                results["pages"][page]["warm"] = {"first_ms": xs[0], **stats(xs)}
                print(
                    f"  warm     {page:<9} first {xs[0]:7.0f}  median {statistics.median(xs):7.0f} ms",
                    flush=True,
                )

        # cold: a fresh server for every load, no prewarm
        for page in pages:
            xs = []
            for _ in range(a.runs):
                _, server = serve(db, prewarm=False)
                with server as url:
                    xs.append(render_ms(browser, url, page))
            results["pages"][page]["cold"] = stats(xs)
            print(f"  cold     {page:<9} median {statistics.median(xs):7.0f} ms", flush=True)

        # the baseline: no answer cache
        if not a.skip_baseline:
            _, server = serve(db, cache=False, prewarm=False)
            with server as url:
                for page in pages:
                    xs = [render_ms(browser, url, page) for _ in range(a.runs)]
                    results["pages"][page]["nocache"] = stats(xs)
                    print(f"  nocache  {page:<9} median {statistics.median(xs):7.0f} ms", flush=True)
        browser.close()

    print(f"\nfirst meaningful render, ms (median of {a.runs} loads; budget warm <= {BUDGET_MS:.0f})")
    head = f"{'page':<9} {'warm first':>10} {'warm':>8} {'cold':>8} {'no cache':>9}  budget"
    print(head + "\n" + "-" * len(head))
    ok = True
    for page, r in results["pages"].items():
        within = r["warm"]["median_ms"] <= BUDGET_MS
        ok &= within
        nc = f"{r['nocache']['median_ms']:9.0f}" if "nocache" in r else f"{'–':>9}"
        print(
            f"{page:<9} {r['warm']['first_ms']:10.0f} {r['warm']['median_ms']:8.0f} {r['cold']['median_ms']:8.0f} "
            f"{nc}  {'ok' if within else 'OVER'}"
        )
    results["within_budget"] = ok
    peak = peak_rss_mb()
    data = f"{db.name}, 1440×900, zh-CN, fresh browser context per load"
    rows = []
    for page, r in results["pages"].items():
        nc = r.get("nocache")
        rows.append(
            row(
                f"page {page}: first meaningful render, warm server",
                data,
                r["warm"]["runs_ms"],
                baseline="server with the answer cache off" if nc else None,
                naive=nc["runs_ms"] if nc else None,
                unit="ms",
                peak_mb=peak,
                goal=f"median <= {BUDGET_MS:.0f} ms",
                met=r["warm"]["median_ms"] <= BUDGET_MS,
                note=f"first load {r['warm']['first_ms']:.0f} ms",
            )
        )
        rows.append(
            row(
                f"page {page}: first meaningful render, cold server (fresh, no prewarm)",
                data,
                r["cold"]["runs_ms"],
                unit="ms",
                peak_mb=peak,
            )
        )
    out = write_result("bench_pages", rows, quick=a.quick, **results)
    mach = json.loads(out.read_text("utf-8"))["machine"]
    print(f"\n{mach['cpu']}, {mach['cores']} cores; Chromium {results['chromium']}; peak RSS {peak:.0f} MB")
    print(f"written {out.relative_to(HERE.parent)}")
    # a budget missed is in the rows (met: false); bench/run_all.py keeps only the rows of a run that exits 0
    return 1 if a.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
