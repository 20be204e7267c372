"""Build the classification tables shipped in ``src/chainatlas/data/classifications/``.

Run from the repository root (dev time only; the package never runs this)::

    .venv/bin/python tools/make_classification_data.py [--shared /work/shared]

Inputs are the vetted copies in ``shared/data/classifications`` (each with its SOURCE.md). The ISO 3166-1 table
is regenerated only when the MIT-licensed ``iso3166`` package is importable (install it in a throw-away venv:
``python -m venv /tmp/iso && /tmp/iso/bin/pip install iso3166==3.0.0`` and run this script with that Python plus
pandas, or keep the committed ``iso3166.csv``). Outputs are small, sorted, UTF-8 CSVs without BOM, so a diff of
a rebuild shows real changes only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "chainatlas" / "data" / "classifications"


def _read(path: Path) -> pd.DataFrame:
    # every code is text: leading zeros matter ("0111", "010121")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _write(df: pd.DataFrame, name: str) -> None:
    df.to_csv(OUT / name, index=False, encoding="utf-8", lineterminator="\n")
    print(f"wrote {name}: {len(df):,} rows", file=sys.stderr)


def gbt4754(src: Path) -> None:
    df = _read(src / "gbt4754_2017" / "gbt4754_2017_codes.csv")
    df = df[["code", "level", "level_name", "name", "parent_code", "section"]]
    counts = df["level_name"].value_counts().to_dict()
    expected = {"门类": 20, "大类": 97, "中类": 473, "小类": 1382}
    if counts != expected:
        raise SystemExit(f"GB/T 4754 counts {counts} differ from SOURCE.md {expected}")
    _write(df, "gbt4754_2017_codes.csv")


def tags(src: Path) -> None:
    df = _read(src / "nbs_industry_tags_gbt4754" / "gbt4754_industry_tags.csv")
    cols = ["classification", "classification_cn", "gbt4754_code", "path_l1", "path_l2", "path_l3", "partial"]
    _write(df[cols], "gbt4754_industry_tags.csv")


def crosswalk(src: Path) -> None:
    df = _read(src / "gbt4754_crosswalks_gbcrosswalk" / "gb_all_vintage_pairs.csv")
    df = df[(df["from_year"] == "2011") & (df["to_year"] == "2017") & (df["level"] == "S")]
    df = df[["from_code", "to_code"]].drop_duplicates().sort_values(["from_code", "to_code"])
    _write(df, "gbt4754_2011_to_2017.csv")


def hs(src: Path) -> None:
    for edition in ("2017", "2022"):
        df = _read(src / "hs_harmonized_system" / f"hs{edition}_harmonized_system.csv")
        df = df[df["hscode"] != "TOTAL"]  # the grand-total row is not a code
        _write(df[["hscode", "level", "parent", "description", "section"]], f"hs{edition}_codes.csv")


def iso3166() -> None:
    try:
        import iso3166 as iso  # type: ignore[import-not-found]
    except ImportError:
        print("iso3166 not installed: keeping the committed iso3166.csv", file=sys.stderr)
        return
    rows = [(c.alpha2, c.alpha3, c.numeric, c.name) for c in iso.countries]
    df = pd.DataFrame(rows, columns=["alpha2", "alpha3", "numeric", "name_en"]).sort_values("alpha2")
    _write(df, "iso3166.csv")


def country_names_zh() -> None:
    """Chinese names of the ISO 3166-1 countries from the Unicode CLDR (through Babel, dev time only): the
    simplified name, the traditional one and short forms customs files use (香港 for 中国香港特别行政区)."""
    try:
        from babel import Locale  # type: ignore[import-not-found]
    except ImportError:
        print("babel not installed: keeping the committed country_names_zh.csv", file=sys.stderr)
        return
    codes = _read(OUT / "iso3166.csv")["alpha2"]
    hans, hant = Locale("zh").territories, Locale("zh", "Hant").territories
    rows = []
    for code in codes:
        names = {hans.get(code), hant.get(code)} - {None}
        for n in list(names):
            short = (
                n.removeprefix("中国")
                .removeprefix("中國")
                .removesuffix("特别行政区")
                .removesuffix("特別行政區")
            )
            if short and short != n:
                names.add(short)
        rows += [(code, n) for n in sorted(names)]
    names = pd.DataFrame(rows, columns=["alpha2", "name_zh"]).sort_values(["alpha2", "name_zh"])
    _write(names, "country_names_zh.csv")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--shared", type=Path, default=Path("/work/shared"), help="folder holding data/classifications"
    )
    args = ap.parse_args()
    src = args.shared / "data" / "classifications"
    OUT.mkdir(parents=True, exist_ok=True)
    gbt4754(src)
    tags(src)
    crosswalk(src)
    hs(src)
    iso3166()
    country_names_zh()


if __name__ == "__main__":
    main()
