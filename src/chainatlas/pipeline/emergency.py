"""The systemic-risk ranking and the supply-chain emergency list (供应链关键部门联合清单, issue 14).

Both on the firm network of :mod:`chainatlas.pipeline.supply_network`, the index computed by
:func:`chainatlas.analytics.shock.esri`. Firm-level rows reach a reader with a jurisdiction only for firms inside it;
the whole network is read whatever the reader may see (the index depends on all of it).

**Systemic risk** (:func:`risk`). The index of a firm is what :func:`chainatlas.analytics.shock.esri` computes
when it alone stops for good: the share of the region's baseline output lost :data:`ESRI_WEEKS` (13) weeks later,
one round of propagation a week (downstream through inputs beyond stock, upstream through lost demand), every
firm holding :data:`ESRI_INVENTORY_DAYS` (15) days of inputs. Diem et al. (2022) take the cascade's fixed point
instead; on the atlas's networks, where every input is essential and supply links close loops, that fixed point
is not reached in any useful number of rounds — one firm of ``medium`` costs 0.4 % of output after 10 rounds, 4 %
after 30 and 25 % after 100, and 100 rounds for every firm of ``medium`` take hours — so the index is stated
at a horizon a planner reads (a quarter). Ranks are over the firms ranked (a chain's, or all), the same for every
reader and in the emergency list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.result import frame_rows
from chainatlas.pipeline.scenario import DEFAULTS
from chainatlas.pipeline.supply_network import (
    Labels,
    Progress,
    build_stamp,
    cached_network,
    distances,
    net_codes,
    place_prefix,
)
from chainatlas.storage.base import Backend

__all__ = [
    "ESRI_INVENTORY_DAYS",
    "ESRI_WEEKS",
    "EmergencyList",
    "RiskResult",
    "emergency_list",
    "risk",
]

#: the systemic-risk index is the share of output lost this many weeks after the firm stops (one round of
#: propagation a week) ...
ESRI_WEEKS = 13


#: ... with this many days of input stock at every firm (the scenarios' default)
ESRI_INVENTORY_DAYS = DEFAULTS["inventory_days"]


def _esri_args(net: Any) -> tuple[Any, dict[str, Any]]:
    """The network with the index's inventories and the engine's arguments (see :func:`risk`)."""
    from chainatlas.analytics import shock

    stocked = replace(net, inventory_days=np.full(net.n, float(ESRI_INVENTORY_DAYS)))
    return stocked, {"settings": shock.Settings(steps=ESRI_WEEKS, step_days=7), "inventories": True}


def _engine_esri(net: Any, firms: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """ESRI of each of ``firms`` failing alone (:data:`ESRI_WEEKS`, :data:`ESRI_INVENTORY_DAYS`)."""
    from chainatlas.analytics import shock

    if progress is not None:
        progress(f"ESRI of {len(firms):,} firms", 0, 1)
    if not len(firms):
        return np.zeros(0)
    stocked, kw = _esri_args(net)
    return np.asarray(shock.esri(stocked, firms, **kw).esri, float)


def _engine_group_esri(
    net: Any, groups: Sequence[np.ndarray], progress: Progress | None = None
) -> np.ndarray:
    """ESRI of each group of firms failing together (a firm may be in several groups: one call per group layer)."""
    from chainatlas.analytics import shock

    out = np.zeros(len(groups))
    todo = list(range(len(groups)))
    while todo:
        # groups whose firms do not overlap go in one call (the engine takes one label per firm)
        label = np.full(net.n, -1, np.int64)
        batch, rest = [], []
        for g in todo:
            if (label[groups[g]] >= 0).any() or not len(groups[g]):
                rest.append(g) if len(groups[g]) else None
                continue
            label[groups[g]] = len(batch)
            batch.append(g)
        if not batch:
            break
        stocked, kw = _esri_args(net)
        r = shock.esri(stocked, groups=label, **kw)
        for k, g in enumerate(batch):
            out[g] = float(r.esri[list(r.index).index(k)])
        todo = rest
    return out


# ================================================================================================ risk
@dataclass(frozen=True)
class RiskResult:
    """The systemic-risk ranking (ESRI after Diem et al. 2022, :func:`chainatlas.analytics.shock.esri`).

    Attributes
    ----------
    period : int
    chain : str or None
        The chain whose firms were ranked (None: every firm of the network).
    firms : DataFrame
        ``rank`` (1 = the largest ESRI among the firms ranked, the whole region's), ``firm``, ``name``, ``adcode``,
        ``province``, ``segment``, ``output`` (万元 a year), ``output_share`` (of the region's), ``esri`` (the share
        of the region's output lost in week :data:`ESRI_WEEKS` after the firm alone stopped; module notes): the
        firms inside the reader's jurisdiction, ``top`` of them when asked.
    segments : DataFrame
        ``rank``, ``segment``, ``name``, ``firms``, ``output_share``, ``esri`` (the segment's firms failing
        together).
    distribution : dict
        Of the firms' ESRI over every firm ranked: count, mean, quantiles, the firms above 1 %, 5 % and 10 %, and
        a histogram over log10 bins.
    notes : list of str
    synthetic : bool
    """

    period: int
    chain: str | None
    firms: pd.DataFrame
    segments: pd.DataFrame
    distribution: dict
    notes: list[str]
    synthetic: bool

    #: the formats :func:`chainatlas.pipeline.simulate.write` saves it in
    FORMATS = ("csv", "json")

    def document(self) -> dict:
        """The ranking as one JSON-safe dict (the API's answer, ``risk -o risk.json``)."""
        return {
            "synthetic": self.synthetic,
            "period": self.period,
            "chain": self.chain,
            "distribution": self.distribution,
            "notes": list(self.notes),
            "firms": frame_rows(self.firms),
            "segments": frame_rows(self.segments),
        }

    def tables(self) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """The main table of a CSV (the firms) and the tables written beside it."""
        return self.firms, {"segments": self.segments}


def _chain_firms(labels: Labels, chain: str | None) -> np.ndarray:
    if chain is None:
        return np.arange(len(labels.firms))
    m = labels.chains
    return np.unique(m.loc[m["chain"] == chain, "firm"].to_numpy(np.int64))


def _distribution(x: np.ndarray) -> dict:
    if not len(x):
        return {"count": 0}
    q = np.quantile(x, [0.5, 0.9, 0.99, 0.999])
    edges = [0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0 + 1e-12]
    hist, _ = np.histogram(x, bins=edges)
    return {
        "count": len(x),
        "mean": float(x.mean()),
        "median": float(q[0]),
        "p90": float(q[1]),
        "p99": float(q[2]),
        "p999": float(q[3]),
        "max": float(x.max()),
        "above_1pct": int((x >= 0.01).sum()),
        "above_5pct": int((x >= 0.05).sum()),
        "above_10pct": int((x >= 0.10).sum()),
        "histogram": [
            {"from": edges[i], "to": min(edges[i + 1], 1.0), "firms": int(hist[i])} for i in range(len(hist))
        ],
    }


def risk(
    backend: Backend,
    *,
    period: object | None = None,
    chain: str | None = None,
    top: int | None = None,
    built: tuple[Any, Labels] | None = None,
    progress: Progress | None = None,
) -> RiskResult:
    """ESRI of every firm (of ``chain``) and of every segment, ranked; firm rows inside the reader's jurisdiction.

    The index is computed on the whole network (every firm, whatever ``chain``), for the firms of ``chain`` (every
    firm without one); ranks are over those firms, so a firm's rank is the same for every reader and in the
    emergency list (:func:`emergency_list`). ``top`` keeps the highest ranked rows the reader may see.
    """
    from chainatlas.model.layers import ALL

    if chain == ALL:
        chain = None
    if chain is not None:
        query.check_chain(backend, chain)
    net, labels = built or cached_network(backend, period=period)
    rows = _firm_risk(backend, net, labels, chain, progress)
    values = rows["esri"].to_numpy(float)
    scope = query.current_scope()
    rows = rows[[scope.covers(a) for a in rows["adcode"]]]
    if top is not None:
        rows = rows.head(top)
    rows = rows[["rank", "firm", "name", "adcode", "province", "segment", "output", "output_share", "esri"]]
    segs = _segment_risk(backend, net, labels, chain, progress)
    return RiskResult(
        period=labels.period,
        chain=chain,
        firms=rows.reset_index(drop=True),
        segments=segs,
        distribution=_distribution(values),
        notes=list(labels.notes),
        synthetic=labels.synthetic,
    )


def _firm_risk(
    backend: Backend, net: Any, labels: Labels, chain: str | None, progress: Progress | None
) -> pd.DataFrame:
    """Every firm of ``chain`` (all firms without one) with its ESRI and rank among them, whatever the scope."""
    key = ("simulate_esri", labels.period, chain, build_stamp(backend))
    firms_idx = _chain_firms(labels, chain)
    values = query.remember(backend, key, lambda: _engine_esri(net, firms_idx, progress))
    f = labels.firms
    total = float(f["output"].sum())
    order = np.argsort(-values, kind="stable")
    rank = np.empty(len(values), np.int64)
    rank[order] = np.arange(1, len(values) + 1)
    rows = f.iloc[firms_idx][["firm", "name", "adcode", "province", "segment", "output"]].assign(
        index=firms_idx,
        rank=rank,
        output_share=f["output"].to_numpy()[firms_idx] / total if total > 0 else 0.0,
        esri=values,
    )
    rows["output"] = rows["output"].round(2)  # 万元 a year: a day's value × 365 leaves float noise
    return rows.sort_values("rank", kind="stable").reset_index(drop=True)


def _segment_risk(
    backend: Backend, net: Any, labels: Labels, chain: str | None, progress: Progress | None
) -> pd.DataFrame:
    m = labels.chains
    if chain is not None:
        m = m[m["chain"] == chain]
    m = m[m["segment"] != ""]
    keys = sorted(set(m["chain"] + ":" + m["segment"]))
    groups = [m.loc[(m["chain"] + ":" + m["segment"]) == k, "firm"].to_numpy(np.int64) for k in keys]
    key = ("simulate_segment_esri", labels.period, chain, build_stamp(backend))
    values = query.remember(backend, key, lambda: _engine_group_esri(net, groups, progress))
    total = float(labels.firms["output"].sum())
    out = np.array([labels.firms["output"].to_numpy()[g].sum() for g in groups]) / total if total > 0 else 0.0
    df = pd.DataFrame(
        {"segment": keys, "firms": [len(g) for g in groups], "output_share": out, "esri": values}
    )
    s = query.segments(backend)
    df.insert(
        1, "name", df["segment"].map(dict(zip(s["chain"] + ":" + s["segment"], s["name_zh"], strict=True)))
    )
    df = df.sort_values(["esri", "segment"], ascending=[False, True], kind="stable").reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


# ================================================================================================ emergency list
@dataclass(frozen=True)
class EmergencyList:
    """供应链关键部门联合清单: per chain the critical firms and segments, each with its alternatives.

    Attributes
    ----------
    period : int
    firms : DataFrame
        Per chain, the ``top`` firms by ``score`` — the mean of three percentile ranks among the chain's firms:
        ESRI (``esri``, ``esri_rank`` as :func:`risk` with the chain ranks it), betweenness in the chain's supply
        network (``betweenness``, igraph, directed, normalised) and lack of in-region alternatives (``lack`` =
        1 − the share of the firm's output that same-segment firms with spare capacity within ``radius_km`` could
        make up, ``alternatives`` the number of those firms) — only firms inside the reader's jurisdiction, each
        with ``alternatives_list`` (the nearest few: name, place, spare capacity 万元/年, km; a firm outside the
        jurisdiction shown by its place only).
    segments : DataFrame
        Per chain, segment and province: the segment's ESRI and rank among the chain's segments, its firms and
        share of the segment's output in the province, and its spare capacity elsewhere (``spare_elsewhere``,
        万元/年) with the cities that hold most of it (``alternatives_list``).
    notes : list of str
    synthetic : bool
    """

    period: int
    firms: pd.DataFrame
    segments: pd.DataFrame
    notes: list[str]
    synthetic: bool
    radius_km: float | None = None
    capacity_share: float = 0.0

    #: the formats :func:`chainatlas.pipeline.simulate.write` saves it in (``xlsx``: one sheet per province)
    FORMATS = ("csv", "json", "xlsx")

    def document(self) -> dict:
        """The list as one JSON-safe dict (the API's answer)."""
        return {
            "synthetic": self.synthetic,
            "period": self.period,
            "radius_km": self.radius_km,
            "capacity_share": self.capacity_share,
            "provinces": self.provinces(),
            "notes": list(self.notes),
            "firms": frame_rows(self.firms),
            "segments": frame_rows(self.segments),
        }

    def tables(self) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """The main table of a CSV (firms and segments, Chinese headers) and none beside it."""
        return self.table(), {}

    def provinces(self) -> list[str]:
        """The provinces (adcodes) with rows, in code order."""
        have = set(self.firms["province"].dropna()) | set(self.segments["province"].dropna())
        return sorted(have)

    def table(self) -> pd.DataFrame:
        """Firms and segments as one table with Chinese headers (``类型`` 企业 / 环节), province by province."""
        f = self.firms.assign(kind="企业")
        s = self.segments.assign(kind="环节")
        both = pd.concat([f, s], ignore_index=True, sort=False)
        order = {p: i for i, p in enumerate(self.provinces())}
        both = both.assign(_p=both["province"].map(order), _k=(both["kind"] == "环节").astype(int))
        both = both.sort_values(
            ["_p", "chain", "_k", "score", "esri_rank"],
            ascending=[True, True, True, False, True],
            kind="stable",
        )
        cols = [c for c in _HEADERS if c in both.columns]
        return both[cols].rename(columns=_HEADERS).reset_index(drop=True)

    def write_excel(self, path: str | Path) -> Path:
        """One sheet per province (its firms and segments), then 说明 (what the columns mean); every text cell
        through :func:`chainatlas.ingest.excel.safe_frame`."""
        from chainatlas import geo
        from chainatlas.ingest.excel import safe_frame

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        names = dict(zip(geo.places()["adcode"], geo.places()["name_zh"], strict=True))
        table = self.table()
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            for p in self.provinces():
                part = table[table["省份代码"] == p]
                safe_frame(part).to_excel(xl, sheet_name=names.get(p, p)[:31], index=False)
            notes = pd.DataFrame({"说明": [*_EXPLAIN, *self.notes]})
            safe_frame(notes).to_excel(xl, sheet_name="说明", index=False)
            for ws in xl.book.worksheets:
                ws.freeze_panes = "A2"
                for col in ws.columns:
                    width = max(len(str(c.value or "")) for c in col[:200])
                    ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.6), 60)
        return path


_HEADERS = {
    "kind": "类型",
    "province": "省份代码",
    "province_name": "省份",
    "chain": "产业链",
    "chain_name": "产业链名称",
    "segment": "环节",
    "segment_name": "环节名称",
    "firm": "信用代码",
    "name": "企业名称",
    "adcode": "所在地代码",
    "place_name": "所在地",
    "score": "综合得分",
    "esri": "系统性风险指数ESRI",
    "esri_rank": "ESRI排名",
    "betweenness": "中介中心性",
    "alternatives": "区域内替代企业数",
    "coverage": "替代产能覆盖率",
    "lack": "替代缺口",
    "firms": "省内企业数",
    "province_share": "省内产出占比",
    "spare_elsewhere": "省外富余产能（万元/年）",
    "alternatives_list": "替代来源",
}


_EXPLAIN = [
    "供应链关键部门联合清单：按产业链列出关键企业与关键环节，每个省份一张表。/ The supply-chain emergency list.",
    "系统性风险指数（ESRI，Diem 等 2022）：该企业单独停摆时全区域产出损失的比例，含上下游传导；ESRI排名与 chainatlas risk --chain 相同。",
    "中介中心性：企业在该产业链供应网络中的中介中心性（有向，归一化）。",
    "区域内替代企业数：同环节、有富余产能、在搜索半径内的其他企业数；替代产能覆盖率：这些企业的富余产能可补足的本企业产出比例；替代缺口 = 1 − 覆盖率。",
    "综合得分：ESRI、中介中心性、替代缺口三者在该产业链企业中的百分位排名的平均，越高越关键。",
    "环节行：环节整体停摆的 ESRI，省内企业数与产出占比，省外的同环节富余产能及其所在城市。",
    "辖区外企业只显示所在地，不显示名称与产能。数值基于图谱数据；合成数据只用于演示。",
]


def emergency_list(
    backend: Backend,
    *,
    period: object | None = None,
    chain: str | None = None,
    province: str | None = None,
    top: int = 30,
    radius_km: float | None = DEFAULTS["radius_km"],
    capacity_share: float = DEFAULTS["capacity_share"] / 100.0,
    alternatives: int = 5,
    progress: Progress | None = None,
) -> EmergencyList:
    """The emergency list of ``chain`` (every chain of the network without one), for ``province`` (a province
    adcode or name; default all), computed from the atlas's current build: refreshed with each build, never
    stored. Its inputs (the network, the ESRI of the chain's firms and segments) are remembered per build on a
    read-only atlas, and the API's answer cache keeps the list until the atlas changes.

    The critical firms are the region's ``top`` of each chain by score; a reader with a jurisdiction gets those
    inside it (and the segment rows of its province).

    Parameters
    ----------
    top : int
        Critical firms per chain (by score).
    radius_km, capacity_share : float
        What counts as an in-region alternative: a firm of the same segment within ``radius_km`` of the firm
        (None: anywhere in the region), able to add ``capacity_share`` of its own output.
    alternatives : int
        Alternatives named per firm.
    """
    from chainatlas import geo
    from chainatlas.model.layers import ALL

    if chain == ALL:
        chain = None
    if chain is not None:
        query.check_chain(backend, chain)
    prov = None
    if province is not None:
        _, prefix = place_prefix(str(province), "province")
        if len(prefix) != 2:
            raise ConfigError(
                f"expected a province (310000, 320000, 330000, 340000 or its name), got {province!r}",
                param="province",
            )
        prov = prefix + "0000"
    net, labels = cached_network(backend, period=period)
    chains = [chain] if chain is not None else sorted(labels.chains["chain"].unique().tolist())
    scope = query.current_scope()
    f = labels.firms
    places = geo.places()
    pname = dict(zip(places["adcode"], places["name_zh"], strict=True))
    pcity = dict(zip(places["adcode"], places["city_adcode"].astype(object), strict=True))
    segs = query.segments(backend)
    seg_name = dict(zip(segs["chain"] + ":" + segs["segment"], segs["name_zh"], strict=True))
    ch = query.chains(backend)
    chain_name = dict(zip(ch["id"], ch["name_zh"], strict=True))
    dist = distances(labels)
    place_idx = net_codes(labels.places, f["adcode"])
    output = f["output"].to_numpy(float)
    spare = capacity_share * output
    inside = np.array([scope.covers(a) for a in f["adcode"]], bool)
    firm_rows, seg_rows = [], []
    for c in chains:
        members = labels.chains[labels.chains["chain"] == c].sort_values(["firm", "partial"], kind="stable")
        seg_of = members.drop_duplicates("firm").set_index("firm")["segment"]
        risk_rows = _firm_risk(backend, net, labels, c, progress)
        idx = risk_rows["index"].to_numpy(np.int64)
        btw = _betweenness(labels, idx)
        n_alt = np.zeros(len(idx), np.int64)
        cover = np.zeros(len(idx))
        texts = []
        by_seg = members.groupby("segment")["firm"].agg(lambda x: np.unique(x.to_numpy(np.int64)))
        for r, i in enumerate(idx):
            cand = by_seg.get(seg_of.get(i), np.array([], np.int64))
            cand = cand[(cand != i) & (spare[cand] > 0)]
            if place_idx[i] >= 0:
                pc = place_idx[cand]
                d = np.where(pc >= 0, dist[place_idx[i], np.maximum(pc, 0)], np.inf)
            else:
                d = np.full(len(cand), np.inf)
            ok = d <= radius_km if radius_km is not None else np.ones(len(cand), bool)
            if radius_km is None:
                ok = np.ones(len(cand), bool)
            cand, d = cand[ok], d[ok]
            n_alt[r] = len(cand)
            cover[r] = min(1.0, spare[cand].sum() / output[i]) if output[i] > 0 else 1.0
            near = np.argsort(d, kind="stable")[:alternatives]
            texts.append(
                "；".join(
                    _alternative(f, j, d[k], spare[j], inside[j], pname)
                    for k, j in zip(near, cand[near], strict=True)
                )
            )
        lack = 1.0 - cover
        rows = risk_rows.assign(
            betweenness=btw, alternatives=n_alt, coverage=cover, lack=lack, alternatives_list=texts
        )
        pct = pd.DataFrame(
            {k: rows[k].rank(pct=True, method="average") for k in ("esri", "betweenness", "lack")}
        )
        rows = rows.assign(score=pct.mean(axis=1).to_numpy(), esri_rank=rows["rank"])
        rows = rows.sort_values(["score", "esri_rank"], ascending=[False, True], kind="stable").head(top)
        rows = rows[[inside[i] for i in rows["index"]]]
        if prov is not None:
            rows = rows[rows["province"] == prov]
        rows = rows.assign(
            chain=c,
            chain_name=chain_name.get(c, c),
            segment=[seg_of.get(i) and f"{c}:{seg_of.get(i)}" for i in rows["index"]],
            place_name=rows["adcode"].map(pname),
            province_name=rows["province"].map(pname),
        )
        rows["segment_name"] = rows["segment"].map(seg_name)
        firm_rows.append(rows)
        # segments of the chain, per province where they have firms
        seg_risk = _segment_risk(backend, net, labels, c, progress).set_index("segment")
        for s_key, firms_s in by_seg.items():
            key = f"{c}:{s_key}"
            if key not in seg_risk.index:
                continue
            provs = f["province"].to_numpy(object)[firms_s]
            total = output[firms_s].sum()
            for p in sorted({x for x in provs if isinstance(x, str)}):
                if prov is not None and p != prov:
                    continue
                here = firms_s[provs == p]
                away = firms_s[provs != p]
                cities = pd.Series(
                    spare[away], index=[pcity.get(a) or a for a in f["adcode"].to_numpy(object)[away]]
                )
                cities = cities.groupby(level=0).sum().sort_values(ascending=False).head(3)
                seg_rows.append(
                    {
                        "chain": c,
                        "chain_name": chain_name.get(c, c),
                        "segment": key,
                        "segment_name": seg_name.get(key),
                        "province": p,
                        "province_name": pname.get(p),
                        "esri": float(seg_risk.loc[key, "esri"]),
                        "esri_rank": int(seg_risk.loc[key, "rank"]),
                        "score": None,
                        "firms": len(here),
                        "province_share": float(output[here].sum() / total) if total > 0 else None,
                        "spare_elsewhere": float(spare[away].sum()),
                        "alternatives_list": "；".join(
                            f"{pname.get(k, k)}（{v:,.0f} 万元/年）" for k, v in cities.items() if v > 0
                        ),
                    }
                )
    firms_df = pd.concat(firm_rows, ignore_index=True) if firm_rows else pd.DataFrame(columns=list(_HEADERS))
    firms_df = firms_df.drop(columns=["index", "rank"], errors="ignore")
    segs_df = pd.DataFrame(
        seg_rows,
        columns=[
            "chain",
            "chain_name",
            "segment",
            "segment_name",
            "province",
            "province_name",
            "esri",
            "esri_rank",
            "score",
            "firms",
            "province_share",
            "spare_elsewhere",
            "alternatives_list",
        ],
    )
    if scope.prefix:
        # a reader with a jurisdiction gets the sheets of the provinces it lies in
        segs_df = segs_df[[scope.prefix.startswith(p[:2]) for p in segs_df["province"]]]
    reach_zh = "不限距离" if radius_km is None else f"{radius_km:g} 公里内"
    reach_en = "anywhere" if radius_km is None else f"within {radius_km:g} km"
    reach = (
        f"替代企业：同环节、{reach_zh}、可增产其基准产出 {capacity_share:.0%} 的企业 / alternatives: same-segment "
        f"firms {reach_en} able to add {capacity_share:.0%} of their output"
    )
    notes = [*labels.notes, reach]
    return EmergencyList(
        period=labels.period,
        firms=firms_df.reset_index(drop=True),
        segments=segs_df.reset_index(drop=True),
        notes=notes,
        synthetic=labels.synthetic,
        radius_km=radius_km,
        capacity_share=capacity_share,
    )


def _alternative(
    f: pd.DataFrame, j: int, km: float, spare: float, visible: bool, pname: Mapping[str, str]
) -> str:
    where = pname.get(f["adcode"].iat[j], f["adcode"].iat[j] or "地点不详")
    far = f"{km:,.0f} km" if np.isfinite(km) else "距离不详"
    if not visible:
        return f"辖区外企业（{where}，{far}）"
    return f"{f['name'].iat[j]}（{where}，富余 {spare:,.0f} 万元/年，{far}）"


def _betweenness(labels: Labels, idx: np.ndarray) -> np.ndarray:
    """Betweenness of the firms ``idx`` in the supply network among them (igraph; directed, normalised by
    (n − 1)(n − 2))."""
    import igraph as ig

    n = len(idx)
    if n < 3:
        return np.zeros(n)
    pos = np.full(len(labels.firms), -1, np.int64)
    pos[idx] = np.arange(n)
    ln = labels.links
    s, c = pos[ln["supplier"].to_numpy()], pos[ln["customer"].to_numpy()]
    keep = (s >= 0) & (c >= 0)
    g = ig.Graph(n=n, edges=list(zip(s[keep].tolist(), c[keep].tolist(), strict=True)), directed=True)
    b = np.asarray(g.betweenness(directed=True), float)
    return b / ((n - 1) * (n - 2))


# ================================================================================================ writing
