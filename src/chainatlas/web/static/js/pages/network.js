// 网络视图: a layer's place graph in geographic or force layout, coloured by community, sized by centrality.
import { get } from "../api.js";
import { COMMUNITY, LAYER_COLORS, chartOn, disposeAll, echarts, registerScale } from "../charts.js";
import { esc, fmt, placeName, t, getLang } from "../i18n.js";
import { busy, chainSelects, chartTools, h, options, periodOptions, scaleOptions, segmented, stem, table } from "../widgets.js";

export function dispose(root) { disposeAll(root); }

export async function render(root, ctx) {
  const { meta, state } = ctx;
  const view = { layer: state.layer || "innovation", layout: "geo", size: "pagerank", weight: "n",
    scale: ["county", "city", "province", "area"].includes(state.scale) ? state.scale : "city" };
  root.innerHTML = "";
  root.append(h(`<aside class="side">
      <div class="field"><label for="n-layer">${t("f.layer")}</label><select id="n-layer"></select></div>
      <div class="field"><label for="n-period">${t("f.period")}</label><select id="n-period"></select></div>
      <div class="field"><span class="label">${t("f.scale")}</span><div id="n-scale"></div></div>
      <div class="field"><label for="n-chain">${t("f.chain")}</label><select id="n-chain"></select></div>
      <div class="field"><label for="n-segment">${t("f.segment")}</label><select id="n-segment"></select></div>
      <div class="field"><span class="label">${t("f.layout")}</span><div id="n-layout"></div></div>
      <div class="field"><label for="n-size">${t("f.sizeby")}</label><select id="n-size"></select></div>
      <div class="field"><span class="label">${t("f.weight")}</span><div id="n-weight"></div></div>
      <div id="n-stats" class="panel"></div>
    </aside>`));
  root.append(h(`<section class="content"><div class="chart" id="n-chart-wrap"><div class="chart-box" id="n-chart"></div></div></section>`));
  root.append(h(`<aside class="side right"><h3>${t("n.top")}</h3><div id="n-top"></div>
      <h3>${t("n.actors")}</h3><p class="hint">${t("n.actors.h")}</p><div id="n-actors"></div></aside>`));
  options(root.querySelector("#n-layer"), meta.layers.map((l) => ({ value: l.id, label: getLang() === "zh" ? l.zh : l.en })), view.layer);
  options(root.querySelector("#n-period"), periodOptions(meta), state.period);
  options(root.querySelector("#n-size"), ["pagerank", "degree", "strength", "betweenness"].map((m) => ({ value: m, label: t("m." + m) })), view.size);
  if (!meta.layers.some((l) => l.id === view.layer)) view.layer = "innovation";
  root.querySelector("#n-layer").addEventListener("change", (e) => { view.layer = state.layer = e.target.value; update(); });
  root.querySelector("#n-period").addEventListener("change", (e) => { state.period = +e.target.value; update(); });
  root.querySelector("#n-size").addEventListener("change", (e) => { view.size = e.target.value; update(); });
  segmented(root.querySelector("#n-scale"), scaleOptions(["county", "city", "province", "area"]), view.scale, (v) => { view.scale = v; update(); });
  segmented(root.querySelector("#n-layout"), [{ value: "geo", label: t("n.geo") }, { value: "force", label: t("n.force") }], view.layout, (v) => { view.layout = v; update(); });
  segmented(root.querySelector("#n-weight"), [{ value: "n", label: t("w.n") }, { value: "value", label: t("w.value") }], view.weight, (v) => { view.weight = v; update(); });
  const chains = (await get("/api/chains")).data;
  chainSelects(root.querySelector("#n-chain"), root.querySelector("#n-segment"), meta, chains, state.chain, state.segment,
    (c, s) => { state.chain = c; state.segment = s; update(); });
  const chart = chartOn(root.querySelector("#n-chart"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), network: chart };
  let lastG = null;
  root.querySelector("#n-chart-wrap").append(chartTools(echarts, chart, () => stem("network", view.layer, view.scale, state.period, state.chain, state.segment), () => ({
    header: ["unit", "name_zh", "name_en", "community", "degree", "strength", "pagerank", "betweenness"],
    rows: (lastG ? lastG.nodes : []).map((n) => [n.unit, n.name_zh, n.name_en, n.community, n.degree, n.strength, n.pagerank, n.betweenness]),
  })));

  async function update() {
    state.layer = view.layer;
    state.scale = view.scale;
    ctx.syncUrl();
    chart.showLoading({ text: t("app.loading") });
    busy(root.querySelector("#n-top"));
    busy(root.querySelector("#n-actors"));
    try {
      const sel = { layer: view.layer, scale: view.scale, period: state.period, chain: state.chain, segment: state.segment };
      // the nodes are the `network` topic (undirected, as `chainatlas analyze network --undirected`); lines are the edges
      const [, r, e] = await Promise.all([registerScale(view.scale),
        get("/api/analytics/topics/network", { ...sel, weight: view.weight, undirected: true }),
        get("/api/edges", { ...sel, self_loops: false, order: view.weight, limit: 1200 })]);
      lastG = graph(r, e);
      draw(lastG);
      actors();
      ctx.showError(null);
    } catch (e) {
      ctx.showError(e);
    } finally {
      chart.hideLoading();
    }
  }

  // undirected ties: both directions of a pair summed, heaviest first
  function graph(r, e) {
    const ties = new Map();
    for (const x of e.data) {
      const [a, b] = x.src < x.dst ? [x.src, x.dst] : [x.dst, x.src];
      const k = `${a}|${b}`;
      const w = (ties.get(k)?.weight || 0) + x[view.weight];
      ties.set(k, { src: a, dst: b, weight: w });
    }
    const edges = [...ties.values()].filter((x) => x.weight > 0).sort((x, y) => y.weight - x.weight);
    return { nodes: r.data.map((n) => ({ ...n, community: n.community ?? 0 })), edges, period: r.provenance.period,
      communities: r.summary.communities, modularity: r.summary.modularity, density: r.summary.density };
  }

  function draw(g) {
    const L = getLang();
    const name = (n) => placeName(n.unit, n.name_zh || n.name_en ? n : null);
    const smax = Math.max(1e-9, ...g.nodes.map((n) => n[view.size]));
    const wmax = Math.max(1e-9, ...g.edges.map((e) => e.weight));
    const ncom = Math.max(1, g.communities);
    const geoLayout = view.layout === "geo";
    const edges = g.edges.slice(0, 600);
    chart.setOption({
      tooltip: { formatter: (p) => (p.dataType === "edge"
        ? `${esc(p.data.sn)} — ${esc(p.data.tn)}<br>${t("w." + view.weight)}: ${fmt(p.data.w)}`
        : `<b>${esc(p.data.label)}</b><br>${t("n.community")} ${p.data.category + 1}<br>${t("m.degree")}: ${p.data.raw.degree}<br>${t("m.strength")}: ${fmt(p.data.raw.strength)}<br>PageRank: ${p.data.raw.pagerank.toFixed(3)}<br>${t("m.betweenness")}: ${p.data.raw.betweenness.toFixed(3)}`) },
      legend: { top: 8, left: 10, data: Array.from({ length: Math.min(ncom, 12) }, (_, i) => `${t("n.community")} ${i + 1}`) },
      geo: geoLayout ? { map: `yrd-${view.scale}`, roam: true, silent: true, layoutCenter: ["50%", "52%"], layoutSize: "95%",
        itemStyle: { areaColor: "#f1f4f7", borderColor: "#c5ced8", borderWidth: 0.5 } } : undefined,
      series: [{
        type: "graph", name: "network", layout: geoLayout ? "none" : "force", coordinateSystem: geoLayout ? "geo" : undefined,
        roam: !geoLayout, draggable: !geoLayout, force: { repulsion: 320, edgeLength: [60, 240], gravity: 0.05 },
        categories: Array.from({ length: ncom }, (_, i) => ({ name: `${t("n.community")} ${i + 1}`, itemStyle: { color: COMMUNITY[i % COMMUNITY.length] } })),
        data: g.nodes.map((n) => ({ name: n.unit, label: name(n), raw: n, category: Math.max(0, n.community),
          value: geoLayout ? [n.lon, n.lat] : n[view.size], symbolSize: 6 + 30 * Math.sqrt(n[view.size] / smax) })),
        links: edges.map((e) => ({ source: e.src, target: e.dst, w: e.weight,
          sn: name(g.nodes.find((n) => n.unit === e.src) || { unit: e.src }), tn: name(g.nodes.find((n) => n.unit === e.dst) || { unit: e.dst }),
          lineStyle: { width: 0.4 + 5 * Math.sqrt(e.weight / wmax) } })),
        label: { show: true, position: "right", fontSize: 10, formatter: (p) => (p.data.symbolSize > 14 ? p.data.label : "") },
        lineStyle: { color: LAYER_COLORS[view.layer], opacity: 0.35, curveness: geoLayout ? 0.15 : 0 },
        emphasis: { focus: "adjacency", lineStyle: { opacity: 0.9 } },
      }],
    }, { notMerge: true });
    root.querySelector("#n-stats").innerHTML = `<dl class="kv">
      <dt>${t("n.communities")}</dt><dd data-stat="communities">${g.communities}</dd>
      <dt>${t("n.modularity")}</dt><dd>${g.modularity === null ? "–" : g.modularity.toFixed(3)}</dd>
      <dt>${t("n.density")}</dt><dd>${g.density.toFixed(3)}</dd>
      <dt>${t("f.period")}</dt><dd>${g.period}</dd></dl>`;
    const top = [...g.nodes].sort((a, b) => b[view.size] - a[view.size]).slice(0, 15);
    root.querySelector("#n-top").innerHTML = table(top, [
      { key: "unit", label: t("p.place"), fmt: (_, r) => `<span class="swatch" style="background:${COMMUNITY[Math.max(0, r.community) % COMMUNITY.length]};width:8px;height:8px"></span> ${esc(name(r))}` },
      { key: view.size, label: t("m." + view.size), num: true, fmt: (v) => (view.size === "pagerank" || view.size === "betweenness" ? v.toFixed(3) : fmt(v)) },
      { key: "degree", label: t("m.degree"), num: true },
    ], { name: stem("network-top", view.layer, view.scale, state.period) });
    root.dataset.nodes = g.nodes.length;
  }

  async function actors() {
    const el = root.querySelector("#n-actors");
    try {
      const r = await get("/api/analytics/topics/actors", { layer: view.layer, period: state.period, chain: state.chain,
        segment: state.segment, weight: view.weight, top: 15 });
      el.innerHTML = table(r.data, [
        { key: "name", label: t("p.entity"), fmt: (v, x) => `${esc(v || x.entity_id)} <span class="muted">${esc(x.city_name || "")}</span>` },
        { key: "pagerank", label: "PageRank", num: true, digits: 4 },
        { key: "ties", label: t("n.ties"), num: true },
      ], { name: stem("network-actors", view.layer, state.period, state.chain) });
      root.dataset.actors = String(r.data.length);
    } catch (e) {
      el.innerHTML = `<p class="hint">${esc(e.message || e)}</p>`;
      root.dataset.actors = "0";
    }
  }

  await update();
}
