// 诊断: the paper's own readings — node tiers, the four practice modes, and "创新地 + 产业地" pairs.
import { get } from "../api.js";
import { LAYER_COLORS, chartOn, disposeAll, echarts, registerScale } from "../charts.js";
import { esc, fmt, getLang, nm, placeName, t } from "../i18n.js";
import { busy, chartTools, h, options, periodOptions, stem, table } from "../widgets.js";

export function dispose(root) { disposeAll(root); }

const TIER_COLORS = { core: "#0b3f7a", key: "#3d7fbf", auxiliary: "#9ec3e4" };

export async function render(root, ctx) {
  const { meta, state } = ctx;
  // the chain chosen on any page is the chain diagnosed here (and the one carried back)
  const view = { period: state.period, area: state.area || "", chain: meta.chains.some((c) => c.id === state.chain) ? state.chain : (meta.chains[0]?.id || "ic") };
  const keep = () => {
    state.period = view.period;
    state.area = view.area || null;
    if (state.chain !== view.chain) { state.chain = view.chain; state.segment = "*"; }
    ctx.syncUrl();
  };
  const [areas, chains] = await Promise.all([get("/api/areas"), get("/api/chains")]).then((r) => r.map((x) => x.data));
  root.innerHTML = "";
  root.append(h(`<aside class="side">
      <div class="field"><label for="d-period">${t("f.period")}</label><select id="d-period"></select></div>
      <div class="field"><label for="d-area">${t("d.area")}</label><select id="d-area"></select></div>
      <div class="field"><label for="d-chain">${t("f.chain")}</label><select id="d-chain"></select></div>
      <p class="hint">${t("d.hint")}</p>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll">
      <div class="panel" id="d-map-panel"><h2>${t("d.map")}</h2><p class="hint">${t("d.map.h")}</p>
        <div class="chart tall"><div class="chart-box" id="d-map"></div></div></div>
      <div class="panel" id="d-tier-panel"><h2>${t("d.tiers")}</h2><p class="hint">${t("d.tiers.h")}</p>
        <div class="chart mid"><div class="chart-box" id="d-tier-chart"></div></div><div id="d-tiers"></div></div>
      <div class="panel" id="d-mode-panel"><h2>${t("d.modes")}</h2><p class="hint">${t("d.modes.h")}</p>
        <div class="chart mid"><div class="chart-box" id="d-mode-chart"></div></div><div id="d-modes"></div></div>
      <div class="panel"><h2>${t("d.pairs")}</h2><p class="hint">${t("d.pairs.h")}</p><div id="d-pairs"></div></div>
    </div></section>`));
  const mapChart = chartOn(root.querySelector("#d-map"));
  const tierChart = chartOn(root.querySelector("#d-tier-chart"));
  const modeChart = chartOn(root.querySelector("#d-mode-chart"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), tiers: tierChart, modes: modeChart, diagmap: mapChart };
  const csvRoles = () => ({ header: ["rank", "unit", "name_zh", "name_en", "tier", "function", "score"],
    rows: (drawn.roles || []).map((x) => [x.rank, x.unit, x.name_zh, x.name_en, x.tier, x.function, x.score]) });
  root.querySelector("#d-map-panel").append(chartTools(echarts, mapChart, () => stem("diagnosis-map", view.period, view.area, view.chain), csvRoles));
  root.querySelector("#d-tier-panel").append(chartTools(echarts, tierChart, () => stem("diagnosis-tiers", view.period, view.area), csvRoles));
  root.querySelector("#d-mode-panel").append(chartTools(echarts, modeChart, () => stem("diagnosis-modes", view.period)));
  const [, places] = await Promise.all([registerScale("city"), get("/api/places", { scale: "city", proper: true })]);
  const where = new Map(places.data.map((p) => [p.unit, p]));
  const label = (u) => placeName(u, where.get(u));
  const areaName = (id) => { const a = areas.find((x) => x.area_id === id); return a ? nm(a) : id; };
  const drawn = { roles: null, pairs: null };
  options(root.querySelector("#d-period"), periodOptions(meta), view.period);
  options(root.querySelector("#d-area"), [{ value: "", label: t("scale.region") }, ...areas.map((a) => ({ value: a.area_id, label: nm(a) }))], view.area);
  options(root.querySelector("#d-chain"), meta.chains.map((c) => ({ value: c.id, label: nm(c) })), view.chain);
  root.querySelector("#d-period").addEventListener("change", (e) => { view.period = +e.target.value; keep(); tiers(); pairs(); });
  root.querySelector("#d-area").addEventListener("change", (e) => { view.area = e.target.value; keep(); tiers(); });
  root.querySelector("#d-chain").addEventListener("change", (e) => { view.chain = e.target.value; keep(); pairs(); });
  const L = getLang();
  const layerName = (id) => { const l = meta.layers.find((x) => x.id === id); return l ? (L === "zh" ? l.zh : l.en) : id; };

  async function tiers() {
    busy(root.querySelector("#d-tiers"));
    tierChart.showLoading({ text: t("app.loading") });
    try {
      const r = await get("/api/analytics/topics/roles", { period: view.period, area: view.area || null });
      const rows = r.data.slice(0, 25);
      tierChart.setOption({
        tooltip: { trigger: "item" },
        grid: { left: 120, right: 20, top: 10, bottom: 30 },
        xAxis: { type: "value", name: t("d.score"), max: 1 },
        // every bar keeps its label (interval 0; the panel is tall enough for 25 rows at 11 px)
        yAxis: { type: "category", inverse: true, data: rows.map((x) => label(x.unit)), axisLabel: { interval: 0, fontSize: 11, width: 110, overflow: "truncate" } },
        series: [{ type: "bar", data: rows.map((x) => ({ value: x.score, itemStyle: { color: TIER_COLORS[x.tier] }, name: t("tier." + x.tier) })) }],
      }, { notMerge: true });
      drawn.roles = r.data;
      drawMap();
      root.querySelector("#d-tiers").innerHTML = table(r.data, [
        { key: "rank", label: t("p.rank"), num: true },
        { key: "unit", label: t("p.place"), fmt: (v) => esc(label(v)) },
        { key: "tier", label: t("d.tier"), fmt: (v) => `<span class="swatch" style="background:${TIER_COLORS[v]}"></span> ${esc(t("tier." + v))}` },
        { key: "function", label: t("d.function"), fmt: (v) => (v ? esc(t("fn." + v)) : "–") },
        { key: "score", label: t("d.score"), num: true, digits: 3 },
        { key: "patents", label: t("c.innovation"), num: true, col: true },
        { key: "pagerank_innovation", label: "PageRank", num: true, digits: 3 },
      ], { name: stem("diagnosis-tiers", view.period, view.area) });
      ctx.showError(null);
    } catch (e) { ctx.showError(e); } finally { tierChart.hideLoading(); }
  }

  function drawMap() {
    const roles = drawn.roles || [];
    const tierOf = new Map(roles.map((x) => [x.unit, x]));
    const pairs = (drawn.pairs || []).filter((x) => where.has(x.src) && where.has(x.dst));
    const gmax = Math.max(1e-9, ...pairs.map((x) => x.gap));
    mapChart.setOption({
      tooltip: {
        trigger: "item", confine: true,
        formatter: (p) => {
          if (p.seriesType === "lines") {
            const d = p.data;
            return `<b>${esc(d.segName)}</b><br>${t("c.src")}: ${esc(label(d.src))} → ${t("c.dst")}: ${esc(label(d.dst))}<br>${t("d.gap")}: ${fmt(d.gap, 2)}`;
          }
          const x = tierOf.get(p.name);
          return `<b>${esc(label(p.name))}</b><br>${x ? `${esc(t("tier." + x.tier))} · ${t("d.score")} ${fmt(x.score, 3)}` : t("map.nodata")}`;
        },
      },
      geo: {
        map: "yrd-city", roam: true, layoutCenter: ["50%", "52%"], layoutSize: "95%",
        label: { show: true, fontSize: 10, color: "#334", formatter: (p) => label(p.name) },
        itemStyle: { borderColor: "#8899aa", borderWidth: 0.6, areaColor: "#f4f6f8" },
        emphasis: { itemStyle: { areaColor: "#ffd27f" }, label: { show: true, formatter: (p) => label(p.name) } },
        // a map series drawn on a geo component takes its colours from the geo's regions
        regions: roles.map((x) => ({ name: x.unit, itemStyle: { areaColor: TIER_COLORS[x.tier] },
          label: { color: x.tier === "auxiliary" ? "#334" : "#fff" } })),
      },
      series: [
        { type: "map", geoIndex: 0, name: "tiers", data: [...where.keys()].map((u) => ({ name: u, value: tierOf.has(u) ? tierOf.get(u).score : null })) },
        { type: "lines", name: "pairs", coordinateSystem: "geo", zlevel: 2, symbol: ["circle", "arrow"], symbolSize: 6,
          lineStyle: { color: "#D55E00", opacity: 0.75, curveness: 0.2, type: "dashed" },
          data: pairs.map((x) => ({ coords: [[where.get(x.src).lon, where.get(x.src).lat], [where.get(x.dst).lon, where.get(x.dst).lat]],
            lineStyle: { width: 1 + 5 * Math.sqrt(Math.max(0, x.gap) / gmax) }, src: x.src, dst: x.dst, gap: x.gap, segName: x.segName })) },
      ],
    }, { replaceMerge: ["series", "geo"] });
    root.dataset.mapTiers = String(roles.length);
    root.dataset.mapPairs = String(pairs.length);
  }

  async function modes() {
    try {
      const r = await get("/api/analytics/topics/modes", {});
      const areaIds = [...new Set(r.data.map((x) => x.area))];
      const layers = meta.layers.map((l) => l.id);
      const cells = r.data.filter((x) => x.intensity !== null).map((x) => [layers.indexOf(x.layer), areaIds.indexOf(x.area), +x.intensity.toFixed(2)]);
      modeChart.setOption({
        tooltip: { position: "top" },
        grid: { left: 190, right: 30, top: 10, bottom: 60 },
        xAxis: { type: "category", data: layers.map(layerName), splitArea: { show: true } },
        yAxis: { type: "category", data: areaIds.map(areaName), splitArea: { show: true } },
        visualMap: { min: 0, max: 2, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#f0f5fb", "#6aa2d3", "#0b3f7a"] } },
        series: [{ type: "heatmap", data: cells, label: { show: true } }],
      }, { notMerge: true });
      const modeName = (m) => (m ? t("mode." + m) : "–");
      root.querySelector("#d-modes").innerHTML = table(r.summary.areas, [
        { key: "area", label: t("d.area"), fmt: (v) => esc(areaName(v)) },
        { key: "dominant_layer", label: t("d.dominant"), fmt: (v) => `<span class="swatch" style="background:${LAYER_COLORS[v] || "#999"}"></span> ${esc(layerName(v))}` },
        { key: "fastest_growing", label: t("d.growing"), fmt: (v) => esc(layerName(v)) },
        { key: "mode", label: t("d.mode.data"), fmt: modeName },
        { key: "paper_mode", label: t("d.mode.paper"), fmt: modeName },
        { key: "agrees", label: t("d.agrees"), fmt: (v) => (v === null ? "–" : v ? "✓" : "✗") },
      ], { name: stem("diagnosis-modes") });
    } catch (e) { ctx.showError(e); }
  }

  async function pairs() {
    busy(root.querySelector("#d-pairs"));
    try {
      const r = await get("/api/analytics/topics/pairing", { period: view.period, chain: view.chain, top: 5 });
      const segs = Object.fromEntries((chains.find((c) => c.id === view.chain)?.segments || []).map((s) => [s.segment, s]));
      drawn.pairs = r.data.map((x) => ({ ...x, segName: segs[x.segment] ? nm(segs[x.segment]) : x.segment }));
      drawMap();
      root.querySelector("#d-pairs").innerHTML = r.data.length ? table(r.data, [
        { key: "segment", label: t("f.segment"), fmt: (v) => esc(segs[v] ? nm(segs[v]) : v) },
        { key: "src", label: t("c.src"), fmt: (v) => esc(label(v)) },
        { key: "dst", label: t("c.dst"), fmt: (v) => esc(label(v)) },
        { key: "observed", label: t("d.observed"), num: true, digits: 2 },
        { key: "expected", label: t("d.expected"), num: true, digits: 2 },
        { key: "gap", label: t("d.gap"), num: true, digits: 2 },
      ], { name: stem("diagnosis-pairs", view.period, view.chain) }) : `<p class="hint">${t("d.nopairs")}</p>`;
    } catch (e) {
      root.querySelector("#d-pairs").innerHTML = `<p class="hint">${esc(e.message || e)}</p>`;
    }
  }

  await Promise.all([tiers(), modes(), pairs()]);
}
