"""Benchmark of chainatlas.analytics.networks against NetworkX, measured in the same run.

Run by hand: ``.venv/bin/python bench/bench_networks.py [--quick] [--repeats 3]``. Not a test; prints a table
and writes ``bench/results/bench_networks.json`` (git-ignored; :func:`_common.write_result`, one row per measurement).

What is measured (all graphs synthetic, generated here with fixed seeds)
------------------------------------------------------------------------
1. ``node_metrics`` for 6 layers × 5 scales × 10 periods = 300 place-level graphs of 41 nodes (the YRD cities),
   dense (60 % of ordered pairs tied) and weighted (log-normal), three layers directed and three undirected.
   NetworkX baseline: the same metrics with NetworkX (strengths, betweenness and closeness on 1/weight lengths,
   eigenvector_centrality_numpy, pagerank at its default tolerance, clustering binary and weighted, constraint,
   effective_size; NetworkX has no core–periphery model, so the baseline does strictly less work). Goal <= 5 s.
2. PageRank on an entity-level graph of 1M nodes / 5M ties (Chung–Lu style heavy-tailed in/out strengths,
   int64 entity ids), *including* construction from the edge DataFrame: ``pagerank(edges)`` codes the ids,
   merges duplicate ties into a CSR matrix and runs power iteration until its L1 error bound is below
   ``tol=1e-10``. For reference, the igraph path (``build_graph`` + PRPACK, L1 residual 1e-10). The top 100 are
   compared with a tight reference (power iteration to an L1 change < 1e-14) and with NetworkX's stopping rule
   at its default ``tol=1e-6`` (stop when the L1 change < n·tol, which at n = 1M is an L1 change of 1 — a loose
   default that reorders the top), emulated on the same sparse matrix. Goal <= 3 s.
3. Leiden (``leiden``: igraph's C ``community_leiden``, modularity objective on the ties made undirected,
   resolution 1, seed 0, 2 iterations) on the same 1M-node graph built undirected (``build_graph(...,
   directed=False)``, as the pipeline does for communities), construction not timed; once more from the
   directed graph, with the conversion inside the timing; the directed objective with leidenalg once, as a
   reference (skipped with ``--quick``). NetworkX has no Leiden of its own (a backend-only stub), so its
   baseline is ``louvain_communities`` (seed 0, default threshold) on the undirected NetworkX graph,
   construction not timed either; the modularity of both partitions is reported on the 100k-node graph, where
   both run. Goal <= 30 s.
4. Sampled betweenness (Brandes–Pich, 1,000 sources) on a 100k-node / 500k-tie graph: weighted (Dijkstra on
   lengths 1/weight) and unweighted (BFS), in one thread and in 2 threads (``n_jobs=2``); one run each (they
   are long). The Numba search is compiled (or loaded from its disk cache) before timing; that time is printed.
   Goal <= 15 s.

NetworkX on the big graphs would take minutes to hours and several GB, so it is measured on a graph of the
same model at 1/10 size (100k nodes / 500k ties: construction + pagerank; louvain_communities) and with 10
sources for sampled betweenness, and extrapolated linearly (× ties or × sources; our own times grow faster than
linearly from 100k to 1M nodes, so this flatters NetworkX). Those columns are labelled "extrap.". Ratios =
NetworkX / ours; the goal is >= 10×.

The machine may be shared: the load average is printed at start and end; medians of ``--repeats`` runs.
Peak memory is the process's maximum resident set size (``ru_maxrss``).

``--quick`` (about a minute): the same sections at 1/10 size — 60 of the city graphs (2 periods), PageRank and
Leiden on 100k nodes / 500k ties with NetworkX on 10k / 50k extrapolated ×10, sampled betweenness with 100
sources on 20k nodes / 100k ties (NetworkX 5 sources, extrapolated ×20), the runs done once at full size
``--repeats`` times — and without leidenalg. The goals of sections 1 and 4 are scaled with the work (graphs,
sources); PageRank's and Leiden's stay those of 1M nodes, so a quick "met" there is only indicative.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import row as result_row
from _common import write_result

from chainatlas.analytics import networks as N

LAYERS = {
    "symbiosis": False,
    "knowledge": False,
    "innovation": False,
    "industry": True,
    "service": True,
    "value": True,
}
SCALES = ("county", "city", "province", "area", "region")
PERIODS = range(2015, 2025)
N_CITIES = 41


# ---------------------------------------------------------------------------------------------- data
def city_graphs(seed: int = 0, periods: int = len(PERIODS)) -> list[tuple[pd.DataFrame, bool]]:
    """300 dense weighted 41-node graphs (layer × scale × period; fewer with fewer ``periods``), as edge
    DataFrames."""
    rng = np.random.default_rng(seed)
    names = [f"3{i:05d}" for i in range(N_CITIES)]
    out = []
    for directed in LAYERS.values():
        for _scale in SCALES:
            for _period in PERIODS[:periods]:
                mask = rng.random((N_CITIES, N_CITIES)) < 0.6
                np.fill_diagonal(mask, False)
                if not directed:
                    mask = np.triu(mask, 1)
                s, d = np.nonzero(mask)
                out.append(
                    (
                        pd.DataFrame(
                            {
                                "src": np.take(names, s),
                                "dst": np.take(names, d),
                                "weight": rng.lognormal(0.0, 1.0, len(s)),
                            }
                        ),
                        directed,
                    )
                )
    return out


def entity_edges(n: int, m: int, seed: int) -> pd.DataFrame:
    """Heavy-tailed directed entity graph with exactly ``m`` distinct ties (no self-loops).

    Endpoints are drawn with Pareto propensities (Chung–Lu style: out-propensity tail 1.5, in-propensity 2.0),
    oversampled, and the first ``m`` distinct non-loop pairs kept; ids are opaque int64 entity codes.
    """
    rng = np.random.default_rng(seed)
    out_p = rng.pareto(1.5, n) + 1.0
    in_p = rng.pareto(2.0, n) + 1.0
    out_p, in_p = out_p / out_p.sum(), in_p / in_p.sum()
    keys = np.empty(0, dtype=np.int64)
    draw = m
    while True:
        src = rng.choice(n, int(draw * 1.3), p=out_p)
        dst = rng.choice(n, int(draw * 1.3), p=in_p)
        ok = src != dst
        keys = np.concatenate([keys, src[ok].astype(np.int64) * n + dst[ok]])
        _, first = np.unique(keys, return_index=True)
        if len(first) >= m:
            keys = keys[np.sort(first)[:m]]
            break
        draw = m - len(first)
    ids = rng.permutation(n).astype(np.int64) * 7919 + 10**12  # opaque int64 entity ids
    return pd.DataFrame({"src": ids[keys // n], "dst": ids[keys % n], "weight": rng.lognormal(0.0, 1.0, m)})


def to_networkx(e: pd.DataFrame, directed: bool, lengths: bool = True) -> nx.Graph:
    """NetworkX graph of an edge list (duplicates summed, loops dropped); ``distance = 1/weight`` if asked."""
    G = nx.DiGraph() if directed else nx.Graph()
    e = e[e["src"] != e["dst"]]
    e = e.groupby(["src", "dst"], as_index=False)["weight"].sum()
    G.add_weighted_edges_from(e.itertuples(index=False, name=None))
    if lengths:
        for _u, _v, d in G.edges(data=True):
            d["distance"] = 1.0 / d["weight"]
    return G


# ---------------------------------------------------------------------------------------------- helpers
def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object, list[float]]:
    """Median seconds of ``repeats`` runs of ``fn``, its last result and every run's seconds."""
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result, times


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def networkx_metrics(e: pd.DataFrame, directed: bool) -> None:
    G = to_networkx(e, directed)
    dict(G.degree(weight="weight"))
    nx.betweenness_centrality(G, weight="distance")
    nx.closeness_centrality(G, distance="distance")
    nx.closeness_centrality(G.reverse() if directed else G, distance="distance")
    nx.eigenvector_centrality_numpy(G, weight="weight")
    nx.pagerank(G, weight="weight")
    U = G.to_undirected() if directed else G
    nx.clustering(U)
    nx.clustering(U, weight="weight")
    nx.constraint(G, weight="weight")
    nx.effective_size(G, weight="weight")


def networkx_louvain(e: pd.DataFrame) -> tuple[float, list, float]:
    """Seconds of NetworkX's louvain_communities (seed 0) on the undirected graph, not counting its construction;
    the communities and their modularity."""
    G = to_networkx(e, False, lengths=False)
    t = time.perf_counter()
    parts = nx.community.louvain_communities(G, weight="weight", seed=0)
    seconds = time.perf_counter() - t
    return seconds, parts, nx.community.modularity(G, parts, weight="weight")


def power_pagerank(g, alpha: float = 0.85, stop_l1: float = 1e-14, max_iter: int = 10_000) -> np.ndarray:
    """Reference PageRank by power iteration on a CSR matrix; stops when the L1 change < stop_l1."""
    n = g.vcount()
    e = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = np.asarray(g.es["weight"], dtype=float)
    a = sp.csr_matrix((w, (e[:, 0], e[:, 1])), shape=(n, n))
    out = np.asarray(a.sum(axis=1)).ravel()
    dangling = out == 0
    inv = np.zeros(n)
    np.divide(1.0, out, out=inv, where=~dangling)
    pt = (sp.diags(inv) @ a).T.tocsr()
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = alpha * (pt @ x) + (alpha * x[dangling].sum() + 1.0 - alpha) / n
        change = np.abs(new - x).sum()
        x = new
        if change < stop_l1:
            break
    return x


def top(x: np.ndarray, k: int = 100) -> np.ndarray:
    return np.argsort(-x, kind="stable")[:k]


def row(task: str, ours: float, nx_s: float | None, goal: float, note: str = "", **shared: object) -> dict:
    """A line of the printed table; ``shared`` (``data``, ``runs``: every run's seconds, ``baseline``) is what
    :func:`result_row` needs for the shared results file."""
    return {
        "task": task,
        "ours_s": ours,
        "networkx_s": nx_s,
        "ratio": (nx_s / ours) if nx_s else None,
        "goal_s": goal,
        "met": ours <= goal and (nx_s is None or nx_s / ours >= 10),
        "note": note,
        **shared,
    }


def shared_rows(rows: list[dict]) -> list[dict]:
    """The table's lines in the shape every benchmark reports (:func:`_common.row`): our runs, NetworkX's (one
    figure, measured or extrapolated) as the baseline."""
    out = []
    for r in rows:
        ratio_goal = " and >= 10× NetworkX" if r["networkx_s"] else ""
        out.append(
            result_row(
                r["task"].strip(),
                r["data"],
                r["runs"],
                baseline=r.get("baseline"),
                naive=[r["networkx_s"]] if r["networkx_s"] else None,
                peak_mb=round(r["peak_mb"], 1),
                goal=f"<= {r['goal_s']:g} s{ratio_goal}",
                met=bool(r["met"]),
                note=r["note"],
            )
        )
    return out


# ---------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="1/10 sizes (60 city graphs, 100k-node graphs, 100 betweenness sources), no leidenalg (~1 min)",
    )
    ap.add_argument("--sections", default="1234", help="which of the sections 1-4 to run (default all)")
    ap.add_argument(
        "--networkx-full-leiden",
        action="store_true",
        help="also run NetworkX's louvain_communities on the full big graph (1M nodes: ~10 min, ~6 GB)",
    )
    args = ap.parse_args()
    q = args.quick
    # sizes: city-graph periods, big graph (nodes, ties), NetworkX's graph at 1/10, betweenness graph and sources
    n_periods = 2 if q else len(PERIODS)
    big_n, big_m = (100_000, 500_000) if q else (1_000_000, 5_000_000)
    small_n, small_m = big_n // 10, big_m // 10
    mid_n, mid_m = (20_000, 100_000) if q else (100_000, 500_000)
    sources, k_nx = (100, 5) if q else (1000, 10)
    long_runs = args.repeats if q else 1  # the runs that take minutes at full size are timed once there
    big_label, small_label = f"{big_n // 1000:,}k", f"{small_n // 1000:,}k"
    big_label = "1M" if big_n == 1_000_000 else big_label
    big_data = f"{big_n:,} nodes / {big_m:,} ties, heavy-tailed, seed 1"
    print(f"load average at start: {os.getloadavg()}; cores: {os.cpu_count()}")
    rows: list[dict] = []

    # 1. node metrics for 300 city-scale graphs ------------------------------------------------------
    if "1" in args.sections:
        graphs = city_graphs(0, n_periods)
        ours, _, runs = timed(lambda: [N.node_metrics(e, directed=d) for e, d in graphs], args.repeats)
        t = time.perf_counter()
        for e, d in graphs:
            networkx_metrics(e, d)
        nx_t = time.perf_counter() - t
        rows.append(
            row(
                f"node_metrics, {len(graphs)} graphs × 41 nodes",
                ours,
                nx_t,
                5.0 * len(graphs) / 300,
                f"{len(graphs)} graphs, mean {sum(len(e) for e, _ in graphs) / len(graphs):.0f} ties; "
                f"NetworkX once, all {len(graphs)}",
                data=f"{len(graphs)} dense weighted 41-node graphs (6 layers × 5 scales × {n_periods} periods)",
                runs=runs,
                baseline="NetworkX (same metrics, no core-periphery), measured, 1 run",
                peak_mb=peak_gb() * 1024,
            )
        )
        print(
            f"[1] node metrics: ours {ours:.2f} s, NetworkX {nx_t:.2f} s; peak {peak_gb():.2f} GB", flush=True
        )

    # 2. PageRank on 1M nodes / 5M ties incl. construction -------------------------------------------
    agree: dict = {}
    if "2" in args.sections or "3" in args.sections:
        big = entity_edges(big_n, big_m, 1)
        small = entity_edges(small_n, small_m, 2)
        g = N.build_graph(big, directed=True)
        gs = N.build_graph(small, directed=True)
        extrap = g.ecount() / gs.ecount()

    if "2" in args.sections:
        ours_pr, pr, pr_runs = timed(partial(N.pagerank, big, directed=True), args.repeats)
        times_build, times_prpack = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            g = N.build_graph(big, directed=True)
            t1 = time.perf_counter()
            pr_g = N.pagerank(g)
            times_build.append(t1 - t0)
            times_prpack.append(time.perf_counter() - t1)
        igraph_runs = [b + p for b, p in zip(times_build, times_prpack, strict=True)]
        ours_igraph = statistics.median(igraph_runs)
        assert list(pr.index) == list(pr_g.index)
        x = pr.to_numpy()
        tight = power_pagerank(g, stop_l1=1e-14)
        loose = power_pagerank(g, stop_l1=g.vcount() * 1e-6)  # NetworkX's default rule: L1 change < n * tol
        top_ours, top_tight, top_loose = top(x), top(tight), top(loose)
        agree |= {
            "ours_vs_tight_same_order": bool((top_ours == top_tight).all()),
            "ours_vs_tight_L1": float(np.abs(x - tight).sum()),
            "prpack_vs_tight_same_order": bool((top(pr_g.to_numpy()) == top_tight).all()),
            "prpack_vs_tight_L1": float(np.abs(pr_g.to_numpy() - tight).sum()),
            "loose_vs_tight_same_order": bool((top_loose == top_tight).all()),
            "loose_vs_tight_positions_differing": int((top_loose != top_tight).sum()),
            "loose_vs_tight_set_overlap": len(set(top_loose) & set(top_tight)),
        }
        # NetworkX on the same model at 1/10 size, extrapolated × (ties ratio)
        t = time.perf_counter()
        Gs = to_networkx(small, True, lengths=False)
        prs = nx.pagerank(Gs, weight="weight")
        nx_small = time.perf_counter() - t
        nx_pr_extrap = nx_small * extrap
        tight_s = power_pagerank(gs, stop_l1=1e-14)
        names_s = np.asarray(gs.vs["name"])
        nx_vec = np.array([prs.get(v, 0.0) for v in names_s.tolist()])
        agree[f"networkx_default_vs_tight_on_{small_label}_same_order"] = bool(
            (top(nx_vec) == top(tight_s)).all()
        )
        agree[f"networkx_default_vs_tight_on_{small_label}_positions_differing"] = int(
            (top(nx_vec) != top(tight_s)).sum()
        )
        nx_base = f"NetworkX construction + pagerank (tol=1e-6) on {small_label} nodes, 1 run, extrap. ×{extrap:.1f}"
        rows.append(
            row(
                f"PageRank {big_label} nodes / {big_m / 1e6:g}M ties, incl. construction",
                ours_pr,
                nx_pr_extrap,
                3.0,
                f"pagerank(edge DataFrame): coding + CSR + power iteration to L1 error <= 1e-10; "
                f"{g.vcount():,} nodes, {g.ecount():,} ties; NetworkX (construction + pagerank at its default "
                f"tol=1e-6) extrap. ×{extrap:.1f} from {small_label} nodes ({nx_small:.1f} s)",
                data=big_data,
                runs=pr_runs,
                baseline=nx_base,
                peak_mb=peak_gb() * 1024,
            )
        )
        rows.append(
            row(
                "  reference: build_graph + PRPACK (igraph path)",
                ours_igraph,
                nx_pr_extrap,
                3.0,
                f"build {statistics.median(times_build):.2f} s + PRPACK {statistics.median(times_prpack):.2f} s",
                data=big_data,
                runs=igraph_runs,
                baseline=nx_base,
                peak_mb=peak_gb() * 1024,
            )
        )
        print(
            f"[2] PageRank: ours {ours_pr:.2f} s; NetworkX {small_label} {nx_small:.1f} s; top-100 {agree}; "
            f"peak {peak_gb():.2f} GB",
            flush=True,
        )
        del Gs, pr, pr_g

    # 3. Leiden on the same 1M graph -------------------------------------------------------------------
    if "3" in args.sections:
        t = time.perf_counter()
        gu = N.build_graph(big, directed=False)
        build_u = time.perf_counter() - t
        ours_ld, comm, ld_runs = timed(partial(N.leiden, gu, seed=0), args.repeats)
        ours_ld_dir, comm_dir, ld_dir_runs = timed(partial(N.leiden, g, seed=0), long_runs)
        del gu
        nx_ld_small, nx_parts, nx_q_small = networkx_louvain(small)
        ours_ld_small, comm_small, _ = timed(
            partial(N.leiden, N.build_graph(small, directed=False), seed=0), 1
        )
        nx_ld_extrap = nx_ld_small * extrap
        nx_base = (
            f"NetworkX louvain_communities (no Leiden) on {small_label} nodes, 1 run, extrap. ×{extrap:.1f}"
        )
        note = (
            f"igraph C Leiden, modularity of the undirected ties (w_ij + w_ji), 2 iterations: Q = "
            f"{comm.modularity:.4f}, {comm.n_communities} communities (undirected build {build_u:.1f} s, not timed). "
            f"Baseline NetworkX louvain_communities (NetworkX has no Leiden), extrap. ×{extrap:.1f} "
            f"from {small_label} nodes ({nx_ld_small:.1f} s). On that {small_label} graph: NetworkX Q = "
            f"{nx_q_small:.4f} ({len(nx_parts)} communities) vs ours Q = {comm_small.modularity:.4f} "
            f"({comm_small.n_communities}) in {ours_ld_small:.1f} s"
        )
        rows.append(
            row(
                f"Leiden {big_label} nodes / {big_m / 1e6:g}M ties",
                ours_ld,
                nx_ld_extrap,
                30.0,
                note,
                data=big_data + ", built undirected (not timed)",
                runs=ld_runs,
                baseline=nx_base,
                peak_mb=peak_gb() * 1024,
            )
        )
        rows.append(
            row(
                "  Leiden from the directed graph (conversion timed)",
                ours_ld_dir,
                nx_ld_extrap,
                30.0,
                f"Q = {comm_dir.modularity:.4f} (directed {comm_dir.modularity_directed:.3f}), "
                f"{comm_dir.n_communities} communities; {len(ld_dir_runs)} run(s)",
                data=big_data + ", directed",
                runs=ld_dir_runs,
                baseline=nx_base,
                peak_mb=peak_gb() * 1024,
            )
        )
        print(
            f"[3] Leiden: ours {ours_ld:.1f} s (Q {comm.modularity:.4f}); NetworkX louvain {small_label} "
            f"{nx_ld_small:.1f} s (Q {nx_q_small:.4f}, ours there {comm_small.modularity:.4f}); "
            f"peak {peak_gb():.2f} GB",
            flush=True,
        )
        if not q:
            t_la, comm_la, la_runs = timed(partial(N.leiden, g, seed=0, objective="directed"), 1)
            rows.append(
                row(
                    f"Leiden {big_label}, directed objective (leidenalg)",
                    t_la,
                    None,
                    30.0,
                    f"directed modularity {comm_la.modularity:.3f}, {comm_la.n_communities} communities; "
                    f"1 run; reference, not the default",
                    data=big_data + ", directed",
                    runs=la_runs,
                    peak_mb=peak_gb() * 1024,
                )
            )
            print(f"[3b] leidenalg directed: {t_la:.1f} s", flush=True)
        if args.networkx_full_leiden:
            nx_full, full_parts, q_full = networkx_louvain(big)
            rows.append(
                row(
                    f"Leiden {big_label} vs NetworkX louvain at full size (measured)",
                    ours_ld,
                    nx_full,
                    30.0,
                    f"NetworkX Q = {q_full:.4f} ({len(full_parts)} communities), 1 run, construction not "
                    f"timed; ours Q = {comm.modularity:.4f}",
                    data=big_data + ", built undirected (not timed)",
                    runs=ld_runs,
                    baseline=f"NetworkX louvain_communities on {big_label} nodes, measured, 1 run",
                    peak_mb=peak_gb() * 1024,
                )
            )
            print(
                f"[3c] NetworkX louvain {big_label}: {nx_full:.0f} s, Q {q_full:.4f}; peak {peak_gb():.2f} GB",
                flush=True,
            )
    if "2" in args.sections or "3" in args.sections:
        del g, big

    # 4. Sampled betweenness, 1,000 sources, 100k nodes -----------------------------------------------
    if "4" in args.sections:
        mid = entity_edges(mid_n, mid_m, 3)
        gm = N.build_graph(mid, directed=True)
        Gm = to_networkx(mid, True)
        t = time.perf_counter()
        nx.betweenness_centrality(Gm, k=k_nx, weight="distance", seed=0)
        nx_w = (time.perf_counter() - t) * sources / k_nx
        t = time.perf_counter()
        nx.betweenness_centrality(Gm, k=k_nx, seed=0)
        nx_u = (time.perf_counter() - t) * sources / k_nx
        del Gm
        size = f"{gm.vcount():,} nodes, {gm.ecount():,} ties"
        mid_label = f"{mid_n // 1000}k"
        t = time.perf_counter()
        N.sampled_betweenness(gm.induced_subgraph(range(100)), 10, seed=0)  # compile or load the Numba search
        jit_s = time.perf_counter() - t
        for label, kwargs, nx_t in [
            ("weighted (Dijkstra, 1/w), 1 thread", {}, nx_w),
            ("weighted (Dijkstra, 1/w), 2 threads", {"n_jobs": 2}, nx_w),
            ("unweighted (BFS), 1 thread", {"weight": None}, nx_u),
            ("unweighted (BFS), 2 threads", {"weight": None, "n_jobs": 2}, nx_u),
        ]:
            ours_bt, _, bt_runs = timed(
                partial(N.sampled_betweenness, gm, sources, seed=0, **kwargs), long_runs
            )
            rows.append(
                row(
                    f"sampled betweenness {sources:,} src, {mid_label}: {label}",
                    ours_bt,
                    nx_t,
                    15.0 * sources / 1000,
                    f"{size}; {len(bt_runs)} run(s); Numba compile/cache load before timing {jit_s:.1f} s; NetworkX "
                    f"k={k_nx} extrap. ×{sources // k_nx}",
                    data=f"{mid_n:,} nodes / {mid_m:,} ties, heavy-tailed, seed 3; {sources:,} sources",
                    runs=bt_runs,
                    baseline=f"NetworkX betweenness_centrality k={k_nx}, 1 run, extrap. ×{sources // k_nx}",
                    peak_mb=peak_gb() * 1024,
                )
            )
            print(
                f"[4] sampled betweenness {label}: ours {ours_bt:.2f} s; NetworkX extrap. {nx_t:.0f} s; "
                f"peak {peak_gb():.2f} GB",
                flush=True,
            )

    # table ----------------------------------------------------------------------------------------------
    print()
    print(f"{'task':<62} {'ours (s)':>9} {'NetworkX (s)':>13} {'ratio':>8} {'goal (s)':>8}  met")
    for r in rows:
        nx_txt = "-" if r["networkx_s"] is None else f"{r['networkx_s']:.1f}"
        ratio = (
            "-" if r["ratio"] is None else f"{r['ratio']:.1f}×" if r["ratio"] < 20 else f"{r['ratio']:.0f}×"
        )
        print(
            f"{r['task']:<62} {r['ours_s']:>9.2f} {nx_txt:>13} {ratio:>8} {r['goal_s']:>8.1f}  "
            f"{'yes' if r['met'] else 'NO'}"
        )
        print(f"    {r['note']}")
    print(f"\nPageRank top-100 agreement: {agree}")
    print(f"peak memory (max RSS): {peak_gb():.2f} GB; load average at end: {os.getloadavg()}")
    table = [
        {k: r[k] for k in ("task", "ours_s", "networkx_s", "ratio", "goal_s", "met", "note")} for r in rows
    ]
    path = write_result(
        "bench_networks",
        shared_rows(rows),
        quick=q,
        table=table,
        pagerank_top100=agree,
        peak_gb=peak_gb(),
        repeats=args.repeats,
        sections=args.sections,
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
