"""Periodic inspection: a level of government's rule set evaluated on the atlas (issue 13, first wiring).

A rule set (:func:`chainatlas.analytics.alerting.parse_rules`) belongs to a level and a jurisdiction: the region
inspects its cities, a province its cities, a city its counties. The indicator rules (``threshold``, ``change``,
``outlier``) read the catalogue indicator's history (:func:`chainatlas.pipeline.history.indicator_history`) of
those units over every built period up to the one inspected, so that a rule's ``pending`` and ``resolve`` count
real periods; the state of each (rule, unit) in the inspected period is reported with its evidence. The other
rule types (chain statuses, import dependence, concentration, falling linkage) need frames the atlas does not
assemble yet: a rule set using them is refused, naming the rule, rather than silently skipped.
"""

from __future__ import annotations

import pandas as pd

from chainatlas.analytics import alerting
from chainatlas.errors import ConfigError
from chainatlas.model.access import REGION, jurisdiction_prefix
from chainatlas.pipeline import query
from chainatlas.pipeline.history import indicator_history
from chainatlas.storage.base import Backend

__all__ = ["WIRED_TYPES", "check", "scale_of"]

#: rule types the atlas can feed today (the others need frames still to be built)
WIRED_TYPES = ("threshold", "change", "outlier")
#: columns of :func:`check`'s answer
COLUMNS = [
    "rule",
    "severity",
    "indicator",
    "unit",
    "name_zh",
    "period",
    "state",
    "opened",
    "value",
    "measure",
    "threshold",
    "compared",
    "since",
]


def scale_of(level: str, jurisdiction: str) -> str:
    """The scale a level inspects: the region and a province their cities, a city its counties."""
    if level == "city":
        return "county"
    if level in ("region", "province"):
        return "city"
    raise ConfigError(f"unknown level {level!r}; expected region, province or city", param="level")


def check(backend: Backend, rules: alerting.RuleSet, *, period: int | None = None) -> pd.DataFrame:
    """Evaluate ``rules`` on the atlas up to ``period`` (default the latest built) and return the alerts
    active in that period (firing, or resolving within their ``resolve`` periods), with their evidence and
    ``since`` (the period the alert opened).

    The units are those of the rule set's jurisdiction at its level's scale (:func:`scale_of`); the reader's
    scope applies as everywhere (figures withheld by disclosure control are unknown and never fire).
    """
    year = query.latest(backend, period)
    unwired = [r.id for r in rules.rules if r.type not in WIRED_TYPES]
    if unwired:
        raise ConfigError(
            f"rules {', '.join(map(repr, unwired))} use types the atlas cannot feed yet; expected one of "
            f"{', '.join(WIRED_TYPES)} (the others come with chain statuses and trade frames)",
            param="rules",
        )
    scale = scale_of(rules.level, rules.jurisdiction)
    prefix = "" if rules.jurisdiction == REGION else jurisdiction_prefix(rules.jurisdiction)
    built = [p for p in query.periods(backend) if p <= year]
    inputs: dict[str, pd.DataFrame] = {}
    names: dict[str, str] = {}
    for ind in sorted({r.indicator for r in rules.rules if r.indicator}):
        h = indicator_history(backend, indicator=ind, scale=scale, periods=built, groups=False)
        h = h[h["unit"].astype(str).str.startswith(prefix)]
        names.update(zip(h["unit"].astype(str), h["name_zh"], strict=False))
        inputs[ind] = h.drop(columns=[c for c in ("indicator", "indicator_zh", "direction") if c in h])
    result = alerting.evaluate_rules(rules, inputs)
    st = result.states
    now = st[(st["period"] == year) & st["active"]].copy()
    if now.empty:
        return pd.DataFrame(columns=COLUMNS)
    ep = result.episodes
    last_open = ep.sort_values("opened").groupby(["rule", "unit"])["opened"].last()
    now["since"] = [last_open.get((r, u)) for r, u in zip(now["rule"], now["unit"], strict=True)]
    now["name_zh"] = now["unit"].astype(str).map(names)
    for c in COLUMNS:
        if c not in now:
            now[c] = None
    order = {"critical": 0, "warning": 1, "info": 2}
    now = now.assign(_o=now["severity"].map(order)).sort_values(["_o", "rule", "unit"]).drop(columns="_o")
    return now[COLUMNS].reset_index(drop=True)
