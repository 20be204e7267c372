"""Months and quarters through the API (issue 13, item 1): the meta lists them, the node and edge resources
read them, and a malformed period is refused naming the parameter."""

from __future__ import annotations

import httpx
import pytest

from chainatlas.pipeline import query


def test_meta_lists_months_quarters_and_what_they_hold(meta: dict, atlas):
    assert meta["sub_periods"]["month"] == query.periods(atlas, "month")
    assert meta["sub_periods"]["quarter"] == query.periods(atlas, "quarter")
    assert meta["sub_attrs"] == ["exports", "imports"]
    assert meta["periods"] == query.periods(atlas)  # the years stay ints


@pytest.mark.parametrize("period", ["2024-05", "2024Q2"])
def test_nodes_of_a_month_or_quarter_equal_the_query_seam(client: httpx.Client, atlas, period: str):
    r = client.get("/api/nodes", params={"scale": "city", "period": period, "attr": ["imports", "exports"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == period
    got = {row["unit"]: row["imports"] for row in body["data"]}
    want = query.attr_frame(atlas, scale="city", period=period, attrs=["imports"]).set_index("unit")["value"]
    assert len(want) > 5
    for unit, value in want.items():
        assert got[unit] == pytest.approx(value)


def test_a_year_still_reads_the_annual_layers(client: httpx.Client, atlas):
    body = client.get("/api/nodes", params={"scale": "city", "period": "2024", "attr": ["imports"]}).json()
    assert body["period"] == 2024
    year = sum(r["imports"] for r in body["data"])
    months = sum(
        sum(
            r["imports"]
            for r in client.get(
                "/api/nodes", params={"scale": "city", "period": f"2024-{m:02d}", "attr": ["imports"]}
            ).json()["data"]
        )
        for m in range(1, 13)
    )
    assert months == pytest.approx(year, rel=1e-9)


@pytest.mark.parametrize("bad", ["2024-13", "2024Q5", "24-05", "2024-5x"])
def test_a_malformed_period_is_a_422_naming_it(client: httpx.Client, bad: str):
    r = client.get("/api/nodes", params={"scale": "city", "period": bad})
    assert r.status_code == 422
    assert "period" in r.text


def test_a_month_not_built_is_a_400_listing_what_is(client: httpx.Client):
    r = client.get("/api/nodes", params={"scale": "city", "period": "2031-01"})
    assert r.status_code == 400
    assert "not built" in r.json()["error"]["message"]


def test_the_monthly_series_replays_every_month(client: httpx.Client, atlas):
    body = client.get(
        "/api/indicators/imports/series", params={"scale": "city", "grain": "month", "place": ["320500"]}
    ).json()
    months = query.periods(atlas, "month")
    assert [r["year"] for r in body["data"]] == months
    want = query.attr_frame(
        atlas, scale="city", years=months, attrs=["imports"], units=["320500"], by=("period",)
    )
    want = want.set_index("period")["value"].reindex(months, fill_value=0.0)
    assert [r["value"] for r in body["data"]] == pytest.approx(want.tolist())
