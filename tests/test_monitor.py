"""Periodic inspection wired to the atlas (issue 13, first wiring of item 3): ``chainatlas check``.

Which units must fire is recomputed from ``query.attr_frame`` (the stored node attributes), not from the
history or rule code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from chainatlas.analytics.alerting import parse_rules
from chainatlas.errors import ConfigError
from chainatlas.pipeline import query
from chainatlas.pipeline.monitor import check


def _firms(atlas, scale: str) -> pd.DataFrame:
    f = query.attr_frame(atlas, scale=scale, attrs=["firms"], by=("unit", "year"))
    return f.pivot_table(index="unit", columns="year", values="value", aggfunc="sum")


def test_a_threshold_rule_fires_where_the_stored_values_say_with_pending(atlas):
    years = query.periods(atlas)
    last, prev = years[-1], years[-2]
    wide = _firms(atlas, "county")
    wide = wide[wide.index.str.startswith("3205")].reindex(columns=years)
    cut = float(wide[last].median())
    rules = parse_rules(
        {
            "level": "city",
            "jurisdiction": "320500",
            "rules": [
                {"id": "few", "type": "threshold", "severity": "warning", "indicator": "firms", "below": cut}
            ],
        }
    )
    got = check(atlas, rules)
    expected = set(wide.index[wide[last].fillna(0) < cut])
    assert set(got["unit"]) == expected and len(expected) > 0
    assert (got["value"] < cut).all() and (got["threshold"] == cut).all() and (got["state"] == "firing").all()
    # pending 2: only the units below in the last two periods
    rules2 = parse_rules(
        {
            "level": "city",
            "jurisdiction": "320500",
            "rules": [
                {
                    "id": "few",
                    "type": "threshold",
                    "severity": "warning",
                    "indicator": "firms",
                    "below": cut,
                    "pending": 2,
                }
            ],
        }
    )
    got2 = check(atlas, rules2)
    both = set(wide.index[(wide[last].fillna(0) < cut) & (wide[prev].fillna(0) < cut)])
    assert set(got2[got2["state"] == "firing"]["unit"]) == both


def test_rules_the_atlas_cannot_feed_yet_are_refused_by_name(atlas):
    rules = parse_rules(
        {
            "level": "region",
            "jurisdiction": "YRD",
            "rules": [{"id": "gap", "type": "newly_broken", "severity": "critical"}],
        }
    )
    with pytest.raises(ConfigError, match="'gap'"):
        check(atlas, rules)


def test_the_command_writes_the_alerts_for_excel(built_db, tmp_path):
    from click.testing import CliRunner

    from chainatlas.cli import main

    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "level: region\njurisdiction: YRD\nrules:\n  - {id: big, type: threshold, severity: info, indicator: firms, above: 0}\n",
        encoding="utf-8",
    )
    out = tmp_path / "alerts.csv"
    db = tmp_path / "atlas.duckdb"
    import shutil

    shutil.copy(built_db, db)
    r = CliRunner().invoke(main, ["--db", str(db), "check", "--rules", str(rules), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit": str})
    assert len(df) == 41 and set(df["rule"]) == {"big"} and (df["value"] > 0).all()
