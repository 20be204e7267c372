// 产业链视图: segments (upstream → downstream) × places with presence, strength and innovation;
// 断链 (broken), 单点 (single) and 卡点 (choke) highlighted as the chain_presence helper judges them; the innovation → industry path as a Sankey.
import { get } from "../api.js";
import { RAMP, chartOn, disposeAll, echarts } from "../charts.js";
import { esc, fmt, getLang, nm, placeName, t, tf } from "../i18n.js";
import { busy, chartTools, h, options, periodOptions, scaleOptions, segmented, stem, table } from "../widgets.js";

const ROWS = 30; // heatmap rows in view at once; the rest scroll

const MEASURES = { presence: "firms", strength: "revenue", innovation: "patents" };

export function dispose(root) { disposeAll(root); }

export async function render(root, ctx) {
  const { meta, state } = ctx;
  const first = meta.chains.find((c) => c.id === "ic") || meta.chains[0] || {};
  // the chain chosen on any page is the chain shown here (and the one carried back)
  const view = { chain: meta.chains.some((c) => c.id === state.chain) ? state.chain : first.id,
    measure: MEASURES[state.measure] ? state.measure : "presence",
    scale: ["city", "province", "area", "county"].includes(state.scale) ? state.scale : "city" };
  const keep = () => {
    if (state.chain !== view.chain) { state.chain = view.chain; state.segment = "*"; }
    state.measure = view.measure;
    state.scale = view.scale;
    ctx.syncUrl();
  };
  root.innerHTML = "";
  root.append(h(`<aside class="side">
      <div class="field"><label for="c-chain">${t("f.chain")}</label><select id="c-chain"></select></div>
      <div class="field"><label for="c-period">${t("f.period")}</label><select id="c-period"></select></div>
      <div class="field"><span class="label">${t("f.scale")}</span><div id="c-scale"></div></div>
      <div class="field"><span class="label">${t("f.measure")}</span><div id="c-measure"></div></div>
      <p class="hint"><span class="badge broken">${t("c.broken")}</span> ${t("c.broken.h")}<br>
        <span class="badge single">${t("c.single")}</span> ${t("c.single.h")}<br>
        <span class="badge choke">${t("c.choke")}</span> ${t("c.choke.h")}</p>
    </aside>`));
  const main = h(`<section class="content"><div class="scroll" id="chain-view">
      <div class="panel"><h2 id="c-title">${t("c.title")}</h2><div class="hint">${t("c.strip")}</div>
        <div class="chain-strip" id="c-strip"></div></div>
      <div class="panel" id="c-heat-panel"><p class="hint" id="c-heat-note"></p><div class="chart tall"><div class="chart-box" id="c-heat"></div></div></div>
      <div class="panel" id="c-sankey-panel"><h2>${t("c.sankey")}</h2><div class="hint">${t("c.sankey.h")}</div>
        <div class="chart mid"><div class="chart-box" id="c-sankey"></div></div><p id="c-sankey-empty" class="muted" hidden>${t("c.empty")}</p></div>
      <div class="panel"><h2>${t("c.stages")}</h2><div id="c-stages"></div></div>
    </div></section>`);
  root.append(main);
  options(root.querySelector("#c-chain"), meta.chains.map((c) => ({ value: c.id, label: nm(c) })), view.chain);
  options(root.querySelector("#c-period"), periodOptions(meta), state.period);
  root.querySelector("#c-chain").addEventListener("change", (e) => { view.chain = e.target.value; update(); });
  root.dataset.chain = "";
  root.querySelector("#c-period").addEventListener("change", (e) => { state.period = +e.target.value; update(); });
  if (!meta.periods.includes(state.period)) state.period = meta.periods[meta.periods.length - 1];
  segmented(root.querySelector("#c-scale"), scaleOptions(["county", "city", "province", "area"]), view.scale, (v) => { view.scale = v; update(); });
  segmented(root.querySelector("#c-measure"), Object.keys(MEASURES).map((m) => ({ value: m, label: t("c." + m) })), view.measure, (v) => { view.measure = v; update(); });
  const heat = chartOn(root.querySelector("#c-heat"));
  const sankey = chartOn(root.querySelector("#c-sankey"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), heat, sankey };
  let lastM = null;
  let lastS = null;
  root.querySelector("#c-heat-panel").append(chartTools(echarts, heat, () => stem("chain-matrix", view.chain, view.scale, state.period, view.measure), () => ({
    header: ["segment", "segment_zh", "segment_en", "unit", "name_zh", "name_en", "firms", "revenue", "patents"],
    rows: (lastM ? lastM.cells : []).map((c) => { const sg = lastM.segments.find((x) => x.segment === c.segment) || {}; const u = lastM.units.find((x) => x.unit === c.unit) || {};
      return [c.segment, sg.name_zh, sg.name_en, c.unit, u.name_zh, u.name_en, c.firms, c.revenue, c.patents]; }),
  })));
  root.querySelector("#c-sankey-panel").append(chartTools(echarts, sankey, () => stem("chain-sankey", view.chain, view.scale, state.period), () => ({
    header: ["source", "target", "weight", "value", "n"],
    rows: (lastS ? lastS.links : []).map((l) => [l.source, l.target, l.weight, l.value, l.n]),
  })));

  async function update() {
    if (!view.chain) return;
    const params = { scale: view.scale, period: state.period };
    const my = (update.token = (update.token || 0) + 1);
    keep();
    heat.showLoading({ text: t("app.loading") });
    sankey.showLoading({ text: t("app.loading") });
    busy(root.querySelector("#c-strip"));
    busy(root.querySelector("#c-stages"));
    root.querySelector("#c-heat-note").textContent = "";
    try {
      const [m, s] = await Promise.all([
        get(`/api/chains/${view.chain}/matrix`, params),
        get(`/api/chains/${view.chain}/sankey`, params),
      ]);
      if (my !== update.token) return;
      lastM = m;
      lastS = s;
      drawStrip(m);
      drawHeat(m);
      drawSankey(s);
      drawStages(s);
      root.dataset.chain = view.chain;
      ctx.showError(null);
    } catch (e) {
      ctx.showError(e);
    } finally {
      heat.hideLoading();
      sankey.hideLoading();
    }
  }

  function drawStrip(m) {
    const strip = root.querySelector("#c-strip");
    strip.innerHTML = m.segments.map((s, i) => `${i ? '<span class="arrow">→</span>' : ""}<div class="seg-card ${s.status}" data-segment="${s.segment}" data-status="${s.status}">
        <div class="name">${esc(nm(s))}${s.status !== "ok" ? `<span class="badge ${s.status}">${t("c." + s.status)}</span>` : ""}${s.choke ? `<span class="badge choke" data-choke="1">${t("c.choke")}</span>` : ""}${s.partial_only ? `<span class="badge partial" data-partial="1" title="${esc(tf("c.partial.h", { n: fmt(s.partial_firms, 0) }))}">${t("c.partial")}</span>` : ""}</div>
        <div class="meta" data-cities="${s.cities_present}" data-basis="${s.basis}">${s.basis === "patents" ? t("c.cities.patents") : t("c.cities")}: ${s.cities_present} · ${t("p.firms")} ${fmt(s.n_firms ?? s.firms)}${s.unplaced && s.basis === "firms" && !s.partial_only ? `<span data-unplaced="${s.unplaced}">${tf("c.unplaced", { n: fmt(s.unplaced, 0) })}</span>` : ""}${s.partial_firms ? `${getLang() === "zh" ? "（部分归属 " : " (partly belonging "}${fmt(s.partial_firms, 0)}${getLang() === "zh" ? "）" : ")"}` : ""}${s.partial_ties ? ` · <span data-partial-ties="${s.partial_ties}" title="${esc(t("c.partial.ties.h"))}">${tf("c.partial.ties", { n: fmt(s.partial_ties, 0) })}</span>` : ""}${s.basis === "patents" ? ` · ${t("c.innovation")} ${fmt(s.patents)}` : ""}<br>
        ${t("c.lead")}: ${s.lead_unit ? esc(placeName(s.lead_unit, s.lead_name_zh ? { name_zh: s.lead_name_zh, name_en: s.lead_name_en } : null)) : "–"}
        ${s.basis === "patents" ? `<br><span class="muted">${t("c.basis.patents")}</span>` : ""}</div></div>`).join("");
    root.querySelector("#c-title").textContent = `${t("c.title")} · ${nm(meta.chains.find((c) => c.id === m.chain))} · ${m.period}`;
  }

  function drawHeat(m) {
    const attr = MEASURES[view.measure];
    const units = m.units;
    const segs = m.segments.map((s) => s.segment);
    const status = Object.fromEntries(m.segments.map((s) => [s.segment, s.status]));
    const segName = Object.fromEntries(m.segments.map((s) => [s.segment, nm(s)]));
    const unitName = Object.fromEntries(units.map((u) => [u.unit, placeName(u.unit, u)]));
    // every row and column label is shown: rows beyond the first ROWS scroll, columns wrap
    const scroll = units.length > ROWS;
    root.querySelector("#c-heat-note").textContent = scroll ? tf("c.top", { n: ROWS, m: units.length }) : tf("c.all", { m: units.length });
    root.querySelector("#c-heat-note").dataset.units = String(units.length);
    const idx = new Map(units.map((u, i) => [u.unit, i]));
    const data = m.cells.filter((c) => idx.has(c.unit)).map((c) => [segs.indexOf(c.segment), idx.get(c.unit), c[attr]]).filter((d) => d[2] > 0);
    const max = Math.max(1, ...data.map((d) => d[2]));
    heat.setOption({
      tooltip: { formatter: (p) => `${esc(unitName[units[p.value[1]].unit])} · ${esc(segName[segs[p.value[0]]])}<br>${t("c." + view.measure)}: <b>${fmt(p.value[2])}</b>` },
      grid: { left: 130, right: scroll ? 36 : 20, top: 56, bottom: 70 },
      dataZoom: scroll ? [{ type: "slider", yAxisIndex: 0, right: 4, width: 16, startValue: 0, endValue: ROWS - 1, zoomLock: true, showDetail: false, brushSelect: false },
        { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true, moveOnMouseMove: false }] : [],
      xAxis: { type: "category", data: segs, position: "top", splitArea: { show: true }, axisLine: { show: false }, axisTick: { show: false },
        axisLabel: { interval: 0, fontSize: 11, width: 96, overflow: "break", lineHeight: 13, formatter: (v) => (status[v] === "ok" ? segName[v] : `{${status[v]}|${segName[v]}}`),
          rich: { broken: { color: "#b42318", fontWeight: "bold" }, single: { color: "#b45309", fontWeight: "bold" }, no_data: { color: "#8899aa", fontStyle: "italic" } } } },
      yAxis: { type: "category", data: units.map((u) => u.unit), inverse: true, axisLine: { show: false }, axisTick: { show: false }, axisLabel: { interval: 0, formatter: (v) => unitName[v] || v, fontSize: 11, width: 120, overflow: "truncate" } },
      visualMap: { min: 0, max, calculable: true, orient: "horizontal", left: "center", bottom: 8, inRange: { color: RAMP }, itemHeight: 160 },
      series: [{ type: "heatmap", data, label: { show: true, fontSize: 10, formatter: (p) => fmt(p.value[2], 0) },
        markArea: { silent: true, itemStyle: { color: "rgba(180,35,24,0.08)" },
          data: m.segments.filter((s) => s.status !== "ok").map((s) => [{ xAxis: s.segment, itemStyle: { color: s.status === "broken" ? "rgba(180,35,24,0.10)" : s.status === "no_data" ? "rgba(136,153,170,0.10)" : "rgba(231,165,74,0.14)" } }, { xAxis: s.segment }]) } }],
    }, { notMerge: true });
  }

  function drawSankey(s) {
    const empty = root.querySelector("#c-sankey-empty");
    empty.hidden = s.links.length > 0;
    const label = Object.fromEntries(s.nodes.map((n) => [n.id, n.unit ? placeName(n.unit, n) : getLang() === "zh" ? n.name_zh : n.name_en]));
    const colors = ["#D55E00", "#1b5fae", "#0072B2"];
    sankey.setOption({
      tooltip: { trigger: "item", formatter: (p) => (p.dataType === "edge"
        ? `${esc(label[p.data.source])} → ${esc(label[p.data.target])}<br>${t("w.value")}: ${fmt(p.data.v)} · ${t("w.n")}: ${fmt(p.data.n)}`
        : `${esc(label[p.name])}`) },
      series: [{
        type: "sankey", left: 10, right: 120, top: 10, bottom: 10, nodeGap: 8, draggable: false,
        emphasis: { focus: "adjacency" }, layoutIterations: 32,
        data: s.nodes.map((n) => ({ name: n.id, depth: n.column, itemStyle: { color: colors[n.column] } })),
        links: s.links.map((l) => ({ source: l.source, target: l.target, value: l.weight, v: l.value, n: l.n })),
        label: { formatter: (p) => label[p.name] || p.name, fontSize: 11 },
        lineStyle: { color: "gradient", opacity: 0.35 },
      }],
    }, { notMerge: true });
  }

  function drawStages(s) {
    root.querySelector("#c-stages").innerHTML = table(s.stages, [
      { key: "segment", label: t("f.segment"), fmt: (_, r) => esc(nm(r)) },
      { key: "patents", label: t("c.innovation"), num: true, col: true },
      { key: "transfers", label: getLang() === "zh" ? "技术转移（项）" : "transfers", num: true, col: true },
      { key: "firms", label: t("c.presence"), num: true, col: true },
      { key: "revenue", label: t("c.strength"), num: true, col: true },
      { key: "exports", label: getLang() === "zh" ? "出口（美元）" : "exports (USD)", num: true, col: true },
      { key: "imports", label: getLang() === "zh" ? "进口（美元）" : "imports (USD)", num: true, col: true },
    ], { name: stem("chain-stages", view.chain, view.scale, state.period) });
  }

  await update();
}
