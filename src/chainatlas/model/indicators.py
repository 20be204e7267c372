"""The indicator catalogue: every place indicator the atlas shows, monitors and exports, by one id.

An indicator is computed from the wide node-attribute frame of one scale, period and chain/segment (one row
per unit, one column per attribute built by :func:`chainatlas.pipeline.facts.node_facts`). The map, the
API, exports and the monitoring rules refer to indicators by :attr:`Indicator.id` only.

To add an indicator: add a row to :data:`INDICATORS` (a base attribute the build already makes uses
:func:`column`; a derived one gives its own ``compute`` over those columns and lists them in ``inputs``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from chainatlas.errors import ConfigError

__all__ = ["INDICATORS", "Indicator", "column", "indicator"]

Compute = Callable[[pd.DataFrame], pd.Series]


def column(attr: str) -> Compute:
    """The computation of a base indicator: the node attribute ``attr`` itself (0 where absent)."""

    def compute(wide: pd.DataFrame) -> pd.Series:
        if attr not in wide.columns:
            return pd.Series(0.0, index=wide.index, name=attr)
        return wide[attr].astype(float).rename(attr)

    return compute


@dataclass(frozen=True)
class Indicator:
    """One place indicator.

    Attributes
    ----------
    id : str
        The identifier used everywhere (API ``attr``, CSV column, monitoring rule).
    zh, en : str
        Names in Chinese and English.
    unit_zh, unit_en : str
        Unit in both languages (for legends and tooltips).
    layer : str
        The network layer (paper section 二) the indicator belongs to, for grouping.
    direction : {"up", "down"}
        Which way is good: ``up`` when more is better (firms, patents), ``down`` when more is a risk
        (imports: dependence on foreign supply). Monitoring reads a fall of an ``up`` indicator as a warning.
    compute : callable
        ``compute(wide) -> Series`` over the node-attribute frame of one scale and period.
    inputs : tuple of str
        The node attributes ``compute`` reads.
    """

    id: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    layer: str
    direction: Literal["up", "down"]
    compute: Compute = field(repr=False, compare=False)
    inputs: tuple[str, ...] = ()

    def describe(self) -> dict:
        """The JSON-safe description served by the API (``attr`` = ``id``, ``group`` = ``layer``)."""
        return {
            "attr": self.id,
            "zh": self.zh,
            "en": self.en,
            "unit_zh": self.unit_zh,
            "unit_en": self.unit_en,
            "group": self.layer,
            "direction": self.direction,
            "inputs": list(self.inputs),
        }


def _base(
    id: str, zh: str, en: str, unit_zh: str, unit_en: str, layer: str, direction: Literal["up", "down"] = "up"
) -> Indicator:
    return Indicator(id, zh, en, unit_zh, unit_en, layer, direction, column(id), (id,))


#: every indicator, in display order
INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in (
        _base("firms", "企业数", "Firms", "家", "firms", "industry"),
        _base("employees", "从业人员", "Employees", "人", "persons", "industry"),
        _base("revenue", "营业收入", "Revenue", "万元", "10k CNY", "industry"),
        _base("tax_paid", "纳税额", "Tax paid", "万元", "10k CNY", "value"),
        _base("exports", "出口额", "Exports", "美元", "USD", "industry"),
        _base("imports", "进口额", "Imports", "美元", "USD", "industry", "down"),
        _base("patents", "专利申请", "Patent applications", "件", "patents", "innovation"),
        _base("papers", "论文", "Papers", "篇", "papers", "knowledge"),
        _base("tech_sold", "技术输出合同额", "Technology sold", "万元", "10k CNY", "innovation"),
        _base("tech_bought", "技术吸纳合同额", "Technology bought", "万元", "10k CNY", "innovation"),
        _base("universities", "高校", "Universities", "所", "institutions", "knowledge"),
        _base("institutes", "科研院所", "Research institutes", "家", "institutes", "knowledge"),
        _base("experts", "专家", "Experts", "人", "persons", "knowledge"),
        _base("enclave_output", "飞地产值", "Enclave output", "万元", "10k CNY", "industry"),
        # the cooperation ledgers (issue 15): agreements in place, counted from the year they were signed
        _base(
            "enclave_agreements",
            "飞地协议（飞入地）",
            "Enclave agreements (host)",
            "项",
            "agreements",
            "industry",
        ),
        _base(
            "tax_sharing_agreements",
            "税收分享协议（征收地）",
            "Tax-sharing agreements (collecting place)",
            "项",
            "agreements",
            "value",
        ),
        _base(
            "voucher_recognitions",
            "创新券互认协议",
            "Voucher mutual recognitions",
            "项",
            "agreements",
            "service",
        ),
        _base("policies", "政策", "Policies", "项", "policies", "service"),
        _base("needs", "技术需求", "Technology needs", "项", "needs", "service"),
        # members of a chain segment through a partly-belonging class ("6513*"): counted apart, never in firms
        _base("firms_partial", "部分归属企业数", "Firms (partial members)", "家", "firms", "industry"),
        _base(
            "employees_partial",
            "部分归属从业人员",
            "Employees (partial members)",
            "人",
            "persons",
            "industry",
        ),
        _base(
            "revenue_partial", "部分归属营业收入", "Revenue (partial members)", "万元", "10k CNY", "industry"
        ),
        _base("tax_paid_partial", "部分归属纳税额", "Tax paid (partial members)", "万元", "10k CNY", "value"),
        _base(
            "tech_sold_partial",
            "部分归属技术输出",
            "Tech sold (partial members)",
            "万元",
            "10k CNY",
            "innovation",
        ),
        _base(
            "tech_bought_partial",
            "部分归属技术吸纳",
            "Tech bought (partial)",
            "万元",
            "10k CNY",
            "innovation",
        ),
        _base(
            "needs_partial",
            "部分归属技术需求",
            "Technology needs (partial members)",
            "项",
            "needs",
            "service",
        ),
    )
}


def indicator(id: str) -> Indicator:
    """The indicator ``id``; ConfigError naming the known ones otherwise."""
    try:
        return INDICATORS[id]
    except KeyError:
        raise ConfigError(
            f"attr: unknown indicator {id!r}; expected one of {', '.join(INDICATORS)}"
        ) from None
