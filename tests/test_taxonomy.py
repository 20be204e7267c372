"""Tests for chainatlas.model.taxonomy: the shipped chains, their concordance, loading rules and lookups."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chainatlas.errors import TaxonomyError
from chainatlas.model import codes as C
from chainatlas.model.taxonomy import SYSTEMS, load_taxonomy, shipped_chain_files, validate_chain_file


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# a minimal valid user chain: the paper's 新赛道, here 氢能 (hydrogen); no `after`, so stages follow positions
HYDROGEN = """\
    id: hydrogen
    name_zh: 氢能
    name_en: Hydrogen
    segments:
      - id: production
        name_zh: 制氢
        position: 1
        ipc: ["C25B 1/04"]          # hydrogen by electrolysis of water
        hs: ["280410"]              # hydrogen
      - id: fuel_cells
        name_zh: 燃料电池
        position: 2
        gbt4754: ["3849*"]
        ipc: ["H01M 8"]
      - id: vehicles
        name_zh: 氢燃料电池汽车
        position: 3
        gbt4754: ["3612*"]
"""


# ---------------------------------------------------------------------------------------------------------------
# the shipped chains


def test_four_key_chains(tax):
    # 潘秋晨 (2023) 注释⑤: 生物医药、集成电路、新能源汽车和人工智能四大产业链联盟
    assert tax.chains.set_index("id")["name_zh"].to_dict() == {
        "ai": "人工智能", "bio": "生物医药", "ic": "集成电路", "nev": "新能源汽车",
    }  # fmt: skip
    assert tax.chains["shipped"].all()
    assert len(shipped_chain_files()) == 4


def test_table_columns(tax):
    assert list(tax.segments.columns) == ["chain", "segment", "name_zh", "name_en", "position", "topo_order"]
    assert list(tax.order_edges.columns) == ["chain", "upstream", "downstream"]
    assert list(tax.concordance.columns[:4]) == ["chain", "segment", "system", "code"]
    assert set(tax.concordance["system"]) == set(SYSTEMS)


def test_every_shipped_file_checks_clean():
    for path in shipped_chain_files():
        assert validate_chain_file(path) == []


def test_every_concordance_code_is_valid(tax):
    conc = tax.concordance
    gb = conc[conc["system"] == "gbt4754"]["code"]
    assert C.validate_gbt4754(gb).all()
    hs = conc[conc["system"] == "hs"]["code"]
    assert C.validate_hs(hs).all() and hs.str.len().isin([2, 4, 6]).all()
    ipc = conc[conc["system"] == "ipc"]["code"]
    assert ipc.str.fullmatch(r"[A-H]\d{2}[A-Z]( \d{1,4}(/\d{1,6})?)?").all()
    # every subclass named in the concordance is a real IPC subclass prefix, checked by the symbol parser
    assert C.validate_ipc(ipc.str.slice(0, 4)).all()


def test_no_code_in_two_segments_of_one_chain(tax):
    dup = tax.concordance.duplicated(["chain", "system", "code"], keep=False)
    assert not dup.any(), tax.concordance[dup]


def test_every_segment_has_a_concordance(tax):
    with_codes = tax.concordance[["chain", "segment"]].drop_duplicates()
    assert len(with_codes) == len(tax.segments)


def test_key_codes_agree_with_nbs_strategic_emerging_list(tax):
    # the concordance's anchor codes are the ones NBS 战略性新兴产业分类(2018) puts under these chains
    sei = C.gbt4754_tags()
    assert {"3973", "3562"} <= set(sei.loc[sei["path_l3"] == "集成电路制造", "gbt4754_code"])
    assert "3612" in set(sei.loc[sei["path_l1"] == "新能源汽车产业", "gbt4754_code"])
    assert {"2710", "2720", "2761", "2762"} <= set(sei.loc[sei["path_l2"] == "生物医药产业", "gbt4754_code"])
    assert {"6511", "6513", "6531"} <= set(sei.loc[sei["path_l2"] == "人工智能", "gbt4754_code"])
    conc = tax.concordance.set_index(["chain", "code"])["segment"]
    assert conc[("ic", "3973")] == "fabrication" and conc[("nev", "3612")] == "vehicle"
    assert conc[("bio", "2720")] == "chemical_drugs" and conc[("ai", "6513")] == "algorithms"


def test_segment_order_is_a_dag_with_supply_upstream(tax):
    seg = tax.segments.set_index(["chain", "segment"])
    for e in tax.order_edges.itertuples():
        up, down = seg.loc[(e.chain, e.upstream)], seg.loc[(e.chain, e.downstream)]
        assert up.topo_order < down.topo_order and up.position < down.position
    ic = tax.order_edges[tax.order_edges["chain"] == "ic"]
    into_fab = set(ic.loc[ic["downstream"] == "fabrication", "upstream"])
    assert into_fab == {"design", "equipment", "materials"}
    order = tax.segments[tax.segments["chain"] == "ic"].sort_values("topo_order")["segment"].tolist()
    assert (
        order.index("eda_ip")
        < order.index("design")
        < order.index("fabrication")
        < order.index("packaging_test")
    )


# ---------------------------------------------------------------------------------------------------------------
# lookups


def test_segments_for_industry(tax):
    out = tax.segments_for_industry(pd.Series(["3973"]))
    assert ("ic", "fabrication") in set(zip(out["chain"], out["segment"], strict=True))
    out = tax.segments_for_industry(pd.Series(["3612", "C3562", "9999", None, "2710", "6513"]))
    got = {(r.row, r.chain): r.segment for r in out.itertuples()}
    assert got == {
        (0, "nev"): "vehicle",
        (1, "ic"): "equipment",
        (4, "bio"): "api",
        (5, "ai"): "algorithms",
        (5, "ic"): "eda_ip",
    }
    assert out.loc[out["row"] == 1, "partial"].item()  # 3562 is only partly semiconductor equipment


def test_industry_parent_codes_match(tmp_path):
    # a concordance code at 中类 level matches every 小类 under it; a listed 小类 is more specific and wins
    write(tmp_path, "m.yaml", """\
        id: medtech
        name_zh: 医疗器械
        segments:
          - {id: devices, name_zh: 器械, position: 1, gbt4754: ["358"]}
          - {id: dental, name_zh: 口腔, position: 2, gbt4754: ["3582"]}
    """)  # fmt: skip
    tax = load_taxonomy([tmp_path])
    out = tax.segments_for_industry(pd.Series(["3581", "3582", "358", "35"]))
    mine = out[out["chain"] == "medtech"]
    assert mine[["row", "segment"]].values.tolist() == [[0, "devices"], [1, "dental"], [2, "devices"]]


def test_segments_for_ipc_longest_prefix(tax):
    s = pd.Series(["H01L 21/677", "H01L21/02", "H01L 21/56", "H01L 23/49", "G06N 3/063", "G06N 3/08", "B60L 53/10",
                   "B60L 1/00", "H01M 10/0525", "H01M 50/411", "H01M 10/54", "G06F 30/392", "junk", None])  # fmt: skip
    out = tax.segments_for_ipc(s)
    got = {(r.row, r.chain): r.segment for r in out.itertuples()}
    assert (
        got[(0, "ic")] == "equipment"
        and got[(1, "ic")] == "fabrication"
        and got[(2, "ic")] == "packaging_test"
    )
    assert got[(3, "ic")] == "packaging_test"
    assert got[(4, "ai")] == "compute" and got[(5, "ai")] == "algorithms"
    assert got[(6, "nev")] == "charging" and got[(7, "nev")] == "vehicle"
    assert (
        got[(8, "nev")] == "battery" and got[(9, "nev")] == "materials" and got[(10, "nev")] == "aftermarket"
    )
    assert got[(11, "ic")] == "eda_ip"
    assert not {12, 13} & set(out["row"])


def test_segments_for_hs(tax):
    out = tax.segments_for_hs(
        pd.Series(["85423100", "8542.39", "870380", "8486", "30049090", "0101", "8806"])
    )
    got = {(r.row, r.chain): r.segment for r in out.itertuples()}
    assert got == {
        (0, "ai"): "compute", (0, "ic"): "fabrication", (1, "ic"): "fabrication", (2, "nev"): "vehicle",
        (3, "ic"): "equipment", (4, "bio"): "chemical_drugs", (6, "ai"): "devices_robots",
    }  # fmt: skip


def test_lookup_shapes(tax):
    empty = tax.segments_for_industry(pd.Series([], dtype="str"))
    assert list(empty.columns) == ["row", "chain", "segment", "code", "partial"] and empty.empty
    out = tax.segments_for_industry(pd.Series(["3973"] * 5, index=list("abcde")))
    assert out["row"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4] and out["row"].dtype == np.int64
    assert not out.duplicated(["row", "chain"]).any()


# ---------------------------------------------------------------------------------------------------------------
# user chains and load rules


def test_user_chain_adds_a_fifth_chain(tmp_path):
    write(tmp_path, "hydrogen.yaml", HYDROGEN)
    tax = load_taxonomy([tmp_path])
    assert len(tax.chains) == 5
    row = tax.chains.set_index("id").loc["hydrogen"]
    assert not row["shipped"] and row["file"].endswith("hydrogen.yaml")
    # no `after`: each stage follows the previous one
    edges = tax.order_edges[tax.order_edges["chain"] == "hydrogen"][
        ["upstream", "downstream"]
    ].values.tolist()
    assert edges == [["production", "fuel_cells"], ["fuel_cells", "vehicles"]]
    out = tax.segments_for_ipc(pd.Series(["C25B 1/04", "H01M 8/10"]))
    assert set(zip(out["row"], out["chain"], out["segment"], strict=True)) >= {
        (0, "hydrogen", "production"), (1, "hydrogen", "fuel_cells"), (1, "nev", "battery"),
    }  # fmt: skip
    assert validate_chain_file(tmp_path / "hydrogen.yaml") == []
    # the shipped taxonomy is unchanged by a user load
    assert len(load_taxonomy().chains) == 4


def test_user_file_may_replace_a_shipped_chain_only_when_asked(tmp_path):
    write(tmp_path, "ic.yaml", HYDROGEN.replace("id: hydrogen", "id: ic"))
    with pytest.raises(TaxonomyError, match="shadows the shipped chain 'ic'") as e:
        load_taxonomy([tmp_path / "ic.yaml"])
    assert "replace_shipped=True" in str(e.value)
    tax = load_taxonomy([tmp_path / "ic.yaml"], replace_shipped=True)
    assert len(tax.chains) == 4
    assert set(tax.segments.loc[tax.segments["chain"] == "ic", "segment"]) == {
        "production",
        "fuel_cells",
        "vehicles",
    }
    assert any("shadows the shipped chain" in m for m in validate_chain_file(tmp_path / "ic.yaml"))


def test_two_user_files_with_one_id(tmp_path):
    write(tmp_path, "a.yaml", HYDROGEN)
    write(tmp_path, "b.yaml", HYDROGEN)
    with pytest.raises(TaxonomyError, match=r"duplicate chain id: 'hydrogen'\. Also defined in .*a\.yaml"):
        load_taxonomy([tmp_path])


BAD = {
    "unknown GB code": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, gbt4754: ["3970"]}
        """,
        r"x\.yaml: chain 'x', segment 'a': unknown GB/T 4754 code: '3970'\. Expected a 2/3/4-digit",
    ),
    "section letter": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, gbt4754: ["C"]}
        """,
        r"segment 'a': GB/T 4754 section letter: 'C'",
    ),
    "unknown HS": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, hs: ["854200", "85423100"]}
        """,
        r"segment 'a': unknown HS code: '854200'.*\n.*unknown HS code: '85423100'",
    ),
    "malformed IPC": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, ipc: ["H01L-21"]}
        """,
        r"segment 'a': malformed IPC: 'H01L-21'\. Expected a subclass",
    ),
    "cycle": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, after: [c], hs: ["8542"]}
          - {id: b, name_zh: B, position: 2, after: [a], hs: ["8541"]}
          - {id: c, name_zh: C, position: 3, after: [b], hs: ["8486"]}
        """,
        r"cycle in segment order: '(a → b → c → a|b → c → a → b|c → a → b → c)'",
    ),
    "no concordance": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, hs: ["8542"]}
          - {id: b, name_zh: B, position: 2, gbt4754: [], ipc: []}
        """,
        r"segment 'b': no concordance: 'b'\. A segment needs at least one code",
    ),
    "unknown after": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, hs: ["8542"]}
          - {id: b, name_zh: B, position: 2, after: [a, design], hs: ["8541"]}
        """,
        r"segment 'b': unknown after: 'design'\. After must name segments of this chain: \['a', 'b'\]",
    ),
    "duplicate segment": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, hs: ["8542"]}
          - {id: a, name_zh: A2, position: 2, hs: ["8541"]}
        """,
        r"segment 'a': duplicate segment id: 'a'",
    ),
    "ambiguous code": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, gbt4754: ["3973"]}
          - {id: b, name_zh: B, position: 2, gbt4754: ["3973*"]}
        """,
        r"segment 'b': ambiguous code: '3973\*'\. The same gbt4754 code is also listed in segment 'a'",
    ),
    "missing key": (
        """\
        id: x
        segments:
          - {id: a, position: 1, hs: ["8542"]}
        """,
        r"chain 'x': missing key: 'name_zh'.*\n.*segment 'a': missing key: 'name_zh'",
    ),
    "unknown key": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, gb: ["3973"], hs: ["8542"]}
        """,
        r"segment 'a': unknown key: 'gb'\. Segment keys are",
    ),
    "position order": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 2, hs: ["8542"]}
          - {id: b, name_zh: B, position: 1, after: [a], hs: ["8541"]}
        """,
        r"segment 'b': position order: 'a \(position 2\) → b \(position 1\)'",
    ),
    "bad position": (
        """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: first, hs: ["8542"]}
        """,
        r"segment 'a': bad position: 'first'",
    ),
    "invalid YAML": ("id: x\nsegments: [\n", r"invalid YAML"),
    "bad chain id": (
        """\
        id: Quantum Tech
        name_zh: 量子
        segments:
          - {id: a, name_zh: A, position: 1, hs: ["8542"]}
        """,
        r"bad chain id: 'Quantum Tech'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_rule_has_a_message(tmp_path, case):
    text, pattern = BAD[case]
    path = write(tmp_path, "x.yaml", text)
    problems = validate_chain_file(path)
    assert problems, case
    assert re.search(pattern, "\n".join(problems)), problems
    with pytest.raises(TaxonomyError, match=pattern):
        load_taxonomy([path])


def test_all_problems_are_reported_at_once(tmp_path):
    write(tmp_path, "x.yaml", """\
        id: x
        name_zh: X
        segments:
          - {id: a, name_zh: A, position: 1, gbt4754: ["3970"], ipc: ["bad"], hs: ["999"]}
    """)  # fmt: skip
    with pytest.raises(TaxonomyError) as e:
        load_taxonomy([tmp_path])
    assert str(e.value).startswith("3 problems in chain files:")


def test_codes_keep_leading_zeros_without_quotes(tmp_path):
    # YAML 1.1 reads 0711 as an octal number; chain files are read as text, so the code stays 0711
    write(tmp_path, "oil.yaml", """\
        id: oil
        name_zh: 油气
        segments:
          - {id: gas, name_zh: 天然气开采, position: 1, gbt4754: [0721, 0722], hs: [2711]}
    """)  # fmt: skip
    tax = load_taxonomy([tmp_path])
    codes = tax.concordance.loc[tax.concordance["chain"] == "oil", "code"].tolist()
    assert codes == ["0721", "0722", "2711"]


def test_missing_path(tmp_path):
    with pytest.raises(TaxonomyError, match="no such file"):
        load_taxonomy([tmp_path / "nope.yaml"])
    assert validate_chain_file(tmp_path / "nope.yaml")[0].endswith("expected a chain YAML file")


def test_ipc_lookup_with_subclasses_only():
    """Patent files often carry bare subclasses; the lookup must not assume a '/' somewhere."""
    import pandas as pd

    from chainatlas.model.taxonomy import load_taxonomy

    m = load_taxonomy().segments_for_ipc(pd.Series(["A61B", "A61F"]))
    assert set(m["chain"]) == {"bio"}
