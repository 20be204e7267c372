"""Keys that mean the same: case and full-width variants of a key are one key, everywhere.

One normalisation (:func:`chainatlas.model.codes.normalize_key_text`, applied by
:func:`chainatlas.ingest.rules.fold_of` before every rule) makes ``cn２０２３１０１２３４５６.７`` and
``CN202310123456.7`` one patent, ``１２３.５`` an amount and ``２０２３-０５-０１`` a date. One test per family:
record ids (duplicates), amounts, dates, codes, and names used as keys.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainatlas.ingest import validate

# Real published codes (see tests/test_codes.py for their sources).
HUAWEI = "914403001922038216"
XIAOMI = "91110108551385082Q"


def full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (U+FF01..U+FF5E), as a Chinese IME types."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def frame(rows: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype="string[pyarrow]")


def errors_by_rule(batch) -> dict[str, list]:
    out: dict[str, list] = {}
    for e in batch.errors:
        out.setdefault(e.rule, []).append(e)
    return out


# Per character: as is, lower case, full width, or full-width lower case; plus blanks around (ASCII, ideographic
# space) and a zero-width space or byte-order mark pasted in front.
variant = st.builds(
    lambda flags, pad, mark: (
        lambda s: (
            pad
            + mark
            + "".join(
                (full_width(c) if w else c).lower() if low else (full_width(c) if w else c)
                for c, (w, low) in zip(s, flags, strict=False)
            )
            + s[len(flags) :]
            + pad
        )
    ),
    st.lists(st.tuples(st.booleans(), st.booleans()), min_size=20, max_size=20),
    st.sampled_from(["", " ", "\u3000", "\t"]),
    st.sampled_from(["", "\u200b", "\ufeff"]),
)
patent_id = st.builds(
    lambda year, serial, check: f"CN{year}1{serial:07d}.{check}",
    st.integers(1985, 2030),
    st.integers(0, 9_999_999),
    st.sampled_from("0123456789X"),
)


@given(patent_id, variant)
def test_record_id_variants_are_one_key_stored_canonical(pid, vary):
    other = vary(pid)
    batch = validate(
        "patents",
        frame(
            {
                "patent_id": [pid, other],
                "application_date": ["2023-05-01", "2023-05-02"],
                "applicants": ["甲公司", "乙公司"],
                "ipc": ["H01L", "H01L"],
            }
        ),
        "patents.csv",
    )
    # the stored value is the normalised key
    assert batch.table["patent_id"].tolist() == [pid, pid]
    # and the second row is the same record: a duplicate key, shown as typed, naming the form compared
    assert [(e.row, e.column, e.rule) for e in batch.errors] == [(3, "patent_id", "duplicate key")]
    e = batch.errors[0]
    assert e.value == other.strip(" \t\u3000")
    assert "same patent_id as row 2" in e.message
    if e.value != pid:
        assert f"compared as {pid}" in e.message


def test_references_use_the_same_normalisation_as_the_keys_they_point_to():
    """A transfer names its patent as the patents file does after normalisation (joins do not miss)."""
    t = validate(
        "patent_transfers",
        frame(
            {
                "transfer_id": ["ｔ2023000001"],
                "patent_id": ["cn２０２３１０１２３４５６.７"],
                "from_name": ["甲"],
                "to_name": ["乙"],
                "transfer_type": ["transfer"],
                "date": ["2023-06-30"],
            }
        ),
        "transfers.csv",
    )
    assert t.table.loc[0, "patent_id"] == "CN202310123456.7"
    assert t.table.loc[0, "transfer_id"] == "T2023000001"


def test_multi_column_key_with_width_and_case_variants_is_one_key():
    batch = validate(
        "trade",
        frame(
            {
                "credit_code": [HUAWEI, full_width(HUAWEI).lower()],
                "period": ["2023-05", "２０２３年５月"],
                "hs_code": ["854231", "８５４２.３１"],
                "partner_country": ["KR", "ｋｏｒ"],
                "direction": ["import", "进口"],
                "value": ["1", "2"],
            }
        ),
        "trade.csv",
    )
    assert [(e.row, e.rule) for e in batch.errors] == [(3, "duplicate key")]
    assert f"compared as {HUAWEI} / 2023-05 / 854231 / KR / import" in batch.errors[0].message


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amounts, st.booleans())
def test_full_width_amounts_read_as_their_ascii_form(amount, thousands):
    text = f"{amount:,}" if thousands else f"{amount}"
    batch = validate(
        "firms",
        frame(
            {
                "credit_code": [HUAWEI, XIAOMI],
                "name": ["华为", "小米"],
                "adcode": ["320506", "320506"],
                "registered_capital": [text, full_width(text)],
                "employees": ["12", "１２"],
            }
        ),
        "firms.csv",
    )
    assert batch.errors == []
    capital = batch.table["registered_capital"].tolist()
    assert capital[0] == capital[1] == pytest.approx(float(amount))
    assert batch.table["employees"].tolist() == [12, 12]


def test_full_width_share_sign_and_minus_follow_the_ascii_rules():
    batch = validate(
        "investments",
        frame(
            {
                "investment_id": ["I1", "I2"],
                "investor_code": [HUAWEI, HUAWEI],
                "investee_code": [XIAOMI, XIAOMI],
                "invest_type": ["equity", "equity"],
                "date": ["2021-09-01", "2021-09-01"],
                "amount": ["５０００", "－５"],
                "share_pct": ["３０％", "30%"],
            }
        ),
        "investments.csv",
    )
    assert batch.table["share_pct"].tolist() == [30.0, 30.0]
    assert batch.table["amount"].tolist()[0] == 5000.0
    # a full-width minus is a minus: refused as a negative amount, like "-5"
    assert [(e.row, e.column, e.rule, e.value) for e in batch.errors] == [
        (3, "amount", "negative amount", "－５")
    ]


@given(
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)), st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"])
)
def test_full_width_dates_read_as_their_ascii_form(day, fmt):
    text = day.strftime(fmt)
    batch = validate(
        "services",
        frame(
            {
                "service_id": ["S1", "S2"],
                "service_type": ["voucher", "voucher"],
                "provider_name": ["甲", "甲"],
                "user_name": ["乙", "乙"],
                "date": [text, full_width(text)],
                "value": ["10", "10"],
            }
        ),
        "services.csv",
    )
    assert [e for e in batch.errors if e.column == "date"] == []
    assert batch.table["date"].tolist() == [pd.Timestamp(day)] * 2


def test_full_width_codes_are_accepted_like_ascii():
    """Credit code, adcode, GB/T 4754, HS, IPC and country codes: full width or lower case is the same code."""
    batch = validate(
        "firms",
        frame(
            {
                "credit_code": [full_width(XIAOMI).lower()],
                "name": ["小米"],
                "adcode": [full_width("320506")],
                "industry_code": ["ｃ３９７３"],
            }
        ),
        "firms.csv",
    )
    assert batch.errors == []
    row = batch.table.iloc[0]
    assert (row["credit_code"], row["adcode"], row["industry_code"]) == (XIAOMI, "320506", "3973")

    needs = validate(
        "needs",
        frame(
            {
                "need_id": ["ｎ2023001"],
                "credit_code": [HUAWEI],
                "title": ["需求"],
                "ipc": ["ｈ０１ｌ　２１／０２"],
                "date": ["2023-05-10"],
            }
        ),
        "needs.csv",
    )
    assert needs.errors == []
    assert (needs.table.loc[0, "need_id"], needs.table.loc[0, "ipc"]) == ("N2023001", "H01L 21/02")


def test_an_invalid_full_width_code_is_reported_as_typed():
    batch = validate(
        "firms",
        frame({"credit_code": [HUAWEI], "name": ["华为"], "adcode": ["３２０５９９"]}),
        "firms.csv",
    )
    assert [(e.row, e.column, e.value, e.rule) for e in batch.errors] == [
        (2, "adcode", "３２０５９９", "adcode")
    ]


def test_a_name_in_a_key_keeps_its_case_but_not_its_width():
    """Alliance members are keyed by name: NFKC (full-width brackets, letters) but case kept."""
    batch = validate(
        "alliances",
        frame(
            {
                "alliance_id": ["a001", "A001", "A001"],
                "alliance_name": ["联盟"] * 3,
                "member_name": ["ACME（苏州）有限公司", "ＡＣＭＥ(苏州)有限公司", "Acme(苏州)有限公司"],
            }
        ),
        "alliances.csv",
    )
    assert batch.table["alliance_id"].tolist() == ["A001"] * 3
    assert batch.table["member_name"].tolist() == [
        "ACME(苏州)有限公司",
        "ACME(苏州)有限公司",
        "Acme(苏州)有限公司",
    ]
    # the width variant is the same member; the case variant is another name as far as the key goes
    assert [(e.row, e.rule) for e in batch.errors] == [(3, "duplicate key")]
