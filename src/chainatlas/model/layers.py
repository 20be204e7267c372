"""The six networks of the paper (section 二) and the scales they are aggregated to."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALL", "LAYERS", "SCALES", "Layer"]


@dataclass(frozen=True)
class Layer:
    id: str
    zh: str
    en: str
    what: str


LAYERS: dict[str, Layer] = {
    layer.id: layer
    for layer in (
        Layer(
            "symbiosis",
            "共生网络",
            "symbiosis",
            "inter-city flows of people, goods and information; alliances",
        ),
        Layer(
            "knowledge",
            "知识网络",
            "knowledge",
            "co-authored papers; university/institute–firm co-applications",
        ),
        Layer(
            "innovation",
            "创新网络",
            "innovation",
            "joint patents, patent transfers and licences, technology contracts, open calls' tasks and outcomes "
            "(揭榜挂帅)",
        ),
        Layer(
            "industry",
            "产业网络",
            "industry",
            "supply links, branches, investments, industrial transfer, enclaves",
        ),
        Layer(
            "service",
            "服务网络",
            "service",
            "innovation vouchers (service records and voucher redemptions), shared instruments, brokerage, "
            "joint credit",
        ),
        Layer(
            "value",
            "价值网络",
            "value",
            "tax sharing, equity holdings, fund investments, enclave operator equity and joint funding",
        ),
    )
}

#: aggregation scales, finest first
SCALES: tuple[str, ...] = ("county", "city", "province", "area", "region")

#: the value of ``chain`` / ``segment`` on rows that total over all chains / all segments of a chain
ALL = "*"
