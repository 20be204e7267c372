"""Disclosure control through the read seam (issue 12 item 3): what a reader outside the region sees of the
confidential node attributes (revenue, tax paid, imports, exports).

Entity counts per cell are recomputed here with plain SQL on the same file, so the test does not trust the
contributions the mechanism builds.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainatlas.model.access import Scope
from chainatlas.pipeline import disclosure, query

SZ = Scope("3205")


def test_inside_cells_are_shown_and_outside_cells_obey_the_threshold(atlas):
    year = query.periods(atlas)[-1]
    with query.scoped(SZ):
        got = query.attr_frame(atlas, scale="city", period=year, attrs=["revenue"], by=("unit", "attr"))
    whole = query.attr_frame(atlas, scale="city", period=year, attrs=["revenue"], by=("unit", "attr"))
    assert "suppressed" in got and got["suppressed"].any() and not got["suppressed"].all()
    mine = got[got["unit"].str.startswith("3205")]
    assert len(mine) == 1 and not mine["suppressed"].any()
    assert mine["value"].iloc[0] == pytest.approx(whole.set_index("unit").loc["320500", "value"])
    # firms with tax records per city, from the raw records and the register (independent of the seam)
    firms = atlas.sql(
        "SELECT e.adcode, count(DISTINCT t.credit_code) AS n FROM raw_tax t JOIN entities e "
        "ON e.entity_id = t.credit_code WHERE t.year = ? AND t.revenue > 0 GROUP BY 1",
        [year],
    )
    city = firms.assign(unit=firms["adcode"].str.slice(0, 4) + "00").groupby("unit")["n"].sum()
    k = disclosure.settings()["k"]
    published = got[~got["suppressed"] & ~got["unit"].str.startswith("3205")]
    assert (published["unit"].map(city).fillna(0) >= k).all()
    held = got[got["suppressed"]]
    assert held["value"].isna().all()


def test_no_single_suppressed_segment_sits_beside_a_published_total(atlas):
    """Differencing a chain's total and its other segments recovers no suppressed segment: a relation
    ``total = Σ segments`` never shows its total with exactly one segment withheld."""
    year = query.periods(atlas)[-1]
    with query.scoped(SZ):
        cells = disclosure.cube_protection(atlas, "revenue", year, "ic", SZ)
    seg = cells[cells["segment"] != "*"]
    tot = cells[cells["segment"] == "*"].set_index("place")["suppressed"]
    withheld = seg.groupby("place")["suppressed"].sum()
    bad = [p for p, n in withheld.items() if n == 1 and not tot.get(p, True)]
    assert not bad, bad[:5]
    assert cells["suppressed"].sum() > 0


def test_the_region_and_the_command_line_see_everything(atlas):
    year = query.periods(atlas)[-1]
    plain = query.attr_frame(atlas, scale="city", period=year, attrs=["revenue"], by=("unit", "attr"))
    with query.scoped(Scope("")):
        region = query.attr_frame(atlas, scale="city", period=year, attrs=["revenue"], by=("unit", "attr"))
    assert "suppressed" not in plain and "suppressed" not in region
    assert np.allclose(plain.sort_values("unit")["value"], region.sort_values("unit")["value"])


def test_an_analysis_needing_withheld_values_says_so_instead_of_reading_zeros(atlas):
    from chainatlas.errors import AccessError
    from chainatlas.pipeline.analyze import analyze

    year = query.periods(atlas)[-1]
    with query.scoped(SZ):
        n = query.nodes(atlas, scale="county", period=year, attrs=["revenue", "firms"])
        assert n["suppressed"].notna().sum() > 0 and n.loc[n["suppressed"].notna(), "revenue"].isna().all()
        with pytest.raises(AccessError, match="revenue of .* places outside your jurisdiction are withheld"):
            analyze(atlas, "roles", scale="county", period=year, parameters={})
    assert len(analyze(atlas, "roles", scale="county", period=year, parameters={}).data) == 305
