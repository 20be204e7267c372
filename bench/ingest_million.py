"""Benchmark: read + validate of one million rows, against pyarrow's bare reader in the same run.

Run: ``.venv/bin/python bench/ingest_million.py [--quick]`` (``--quick``: 200,000 rows per file, 3 runs each).

The requirement is >= 500,000 rows/s for a 1M-row ``supply_links`` or ``trade`` CSV, reading included, on a
2-core machine. The baseline is pyarrow's bare CSV reader (with type inference) on the same file, so a slow
machine shows as a slow baseline rather than a mysterious failure. Set ``CHAINATLAS_INGEST_MIN_ROWS_PER_S``
to change the bar (e.g. on a loaded CI runner). Written to ``bench/results/ingest_million.json``
(``_common.write_result``: one row per file kind, rows/s of ours and of the bare read per run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv

from chainatlas.ingest import parse_file
from chainatlas.model.codes import hs_codes
from chainatlas.synth.credit_codes import make_credit_codes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median, peak_rss_mb, row, write_result

N = 1_000_000
MIN_ROWS_PER_S = float(os.environ.get("CHAINATLAS_INGEST_MIN_ROWS_PER_S", "500000"))


def _million(kind: str, path, seed: int = 0, n: int = N) -> None:
    """``n`` (default 1M) distinct-key rows over 50,000 firms, written as a UTF-8 CSV with Chinese headers."""
    rng = np.random.default_rng(seed)
    firms = 50_000
    codes = make_credit_codes("91", "320506", np.arange(firms))
    i = np.arange(n)
    a = i % firms
    b = (a + 1 + (i // firms) % (firms - 1)) % firms  # distinct partner per block: keys are unique
    hs6 = hs_codes("2022").query("level == 6")["hscode"].to_numpy()[:300]
    values = np.char.mod("%.2f", np.round(rng.gamma(2.0, 500.0, n), 2))
    if kind == "supply_links":
        names = np.char.add(np.char.add("示例", np.arange(firms).astype(str)), "号科技有限公司")
        table = pa.table(
            {
                "供应商信用代码": codes[a],
                "供应商名称": names[a],
                "客户信用代码": codes[b],
                "客户名称": names[b],
                "期间": (2019 + i % 5).astype(str),
                "交易额（万元）": values,
                "产品HS编码": hs6[i % 300],
                "产业链": np.full(n, "ic"),
                "环节": np.array(["design", "fabrication", "packaging_test"])[i % 3],
                "合成数据": np.full(n, "1"),
            }
        )
    else:
        table = pa.table(
            {
                "企业信用代码": codes[a],
                "期间": np.char.add("2023-", np.char.zfill((1 + i % 12).astype(str), 2)),
                "商品编码": np.char.add(hs6[b % 300], "00"),
                "贸易伙伴国": np.array(["KR", "JP", "US", "DE"])[i % 4],
                "进出口": np.array(["import", "export"])[(i // 4) % 2],
                "金额（美元）": values,
                "数量": (1 + i % 1000).astype(str),
                "合成数据": np.full(n, "1"),
            }
        )
    pv.write_csv(table, path)


def million_rows_per_second(tmp_path, kind, n: int = N, repeat: int = 2) -> dict:
    """Read + validate of ``n`` rows of ``kind``, ``repeat`` times, and pyarrow's bare read as often: the
    seconds of each run, and the row of the result table."""
    path = tmp_path / f"{kind}.csv"
    _million(kind, path, n=n)
    parse_file(
        kind, f"{os.path.dirname(__file__)}/../tests/fixtures/ingest/{kind}.csv"
    )  # load code tables once

    bare = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        pv.read_csv(path, convert_options=pv.ConvertOptions(column_types={}, strings_can_be_null=True))
        bare.append(time.perf_counter() - t0)
    baseline = median(bare)

    ours = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        batch = parse_file(kind, path)
        ours.append(time.perf_counter() - t0)
        assert batch.ok, batch.errors[:5]
        assert batch.rows_read == n
        del batch
    best = min(ours)
    rate = n / best
    print(
        f"{kind}: {rate:,.0f} rows/s (best of {repeat}: {best:.2f} s, median {median(ours):.2f} s; bare pyarrow "
        f"read {baseline:.2f} s, ratio {best / baseline:.1f}x; goal {MIN_ROWS_PER_S:,.0f} rows/s)",
        flush=True,
    )
    rates = [n / s for s in ours]
    return {
        "kind": kind,
        "rows": n,
        "seconds": ours,
        "bare_read_seconds": bare,
        "row": row(
            f"read + validate only, one CSV ({kind})",
            f"{n:,} {kind} rows",
            rates,
            unit="rows/s",
            baseline="pyarrow's bare CSV read (type inference)",
            naive=[n / s for s in bare],
            goal=f"≥ {MIN_ROWS_PER_S:,.0f} rows/s",
            met=median(rates) >= MIN_ROWS_PER_S,
            note=f"median {median(ours):.2f} s vs bare read {baseline:.2f} s",
        ),
    }


def main() -> None:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200,000 rows per file, 3 runs each")
    ap.add_argument("--rows", type=int, help=f"rows per file (default {N:,}; 200,000 with --quick)")
    ap.add_argument("--repeat", type=int, help="timed runs of each (default 2; 3 with --quick)")
    a = ap.parse_args()
    n = a.rows or (200_000 if a.quick else N)
    repeat = a.repeat or (3 if a.quick else 2)
    with tempfile.TemporaryDirectory() as d:
        runs = [million_rows_per_second(Path(d), k, n, repeat) for k in ("supply_links", "trade")]
    peak = peak_rss_mb()
    rows = [r.pop("row") for r in runs]
    write_result("ingest_million", rows, quick=a.quick, runs=runs, peak_mb_process=peak)


if __name__ == "__main__":
    main()
