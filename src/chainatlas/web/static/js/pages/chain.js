// 产业链视图: segments (upstream → downstream) × places with presence, strength and innovation;
// 断链 (broken), 单点 (single) and 卡点 (choke) highlighted as the chain_presence helper judges them; the innovation → industry path as a Sankey.
import { get } from "../api.js";
import { RAMP, chartOn, disposeAll } from "../charts.js";
import { esc, fmt, getLang, nm, t } from "../i18n.js";
import { h, options, periodOptions, scaleOptions, segmented, table } from "../widgets.js";

const MEASURES = { presence: "firms", strength: "revenue", innovation: "patents" };

export function dispose(root) { disposeAll(root); }

export async function render(root, ctx) {
  const { meta, state } = ctx;
  const first = meta.chains.find((c) => c.id === "ic") || meta.chains[0] || {};
  const view = { chain: state.chain !== "*" ? state.chain : first.id, measure: "presence",
    scale: ["city", "province", "area", "county"].includes(state.scale) ? state.scale : "city" };
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
      <div class="panel"><div class="chart tall"><div class="chart-box" id="c-heat"></div></div></div>
      <div class="panel"><h2>${t("c.sankey")}</h2><div class="hint">${t("c.sankey.h")}</div>
        <div class="chart mid"><div class="chart-box" id="c-sankey"></div></div><p id="c-sankey-empty" class="muted" hidden>${t("c.empty")}</p></div>
      <div class="panel"><h2>${t("c.stages")}</h2><div id="c-stages"></div></div>
    </div></section>`);
  root.append(main);
  options(root.querySelector("#c-chain"), meta.chains.map((c) => ({ value: c.id, label: nm(c) })), view.chain);
  options(root.querySelector("#c-period"), periodOptions(meta), state.period);
  root.querySelector("#c-chain").addEventListener("change", (e) => { view.chain = e.target.value; update(); });
  root.querySelector("#c-period").addEventListener("change", (e) => { state.period = +e.target.value; update(); });
  segmented(root.querySelector("#c-scale"), scaleOptions(["county", "city", "province", "area"]), view.scale, (v) => { view.scale = v; update(); });
  segmented(root.querySelector("#c-measure"), Object.keys(MEASURES).map((m) => ({ value: m, label: t("c." + m) })), view.measure, (v) => { view.measure = v; update(); });
  const heat = chartOn(root.querySelector("#c-heat"));
  const sankey = chartOn(root.querySelector("#c-sankey"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), heat, sankey };

  async function update() {
    if (!view.chain) return;
    const params = { scale: view.scale, period: state.period };
    heat.showLoading({ text: t("app.loading") });
    try {
      const [m, s] = await Promise.all([
        get(`/api/chains/${view.chain}/matrix`, params),
        get(`/api/chains/${view.chain}/sankey`, params),
      ]);
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
    }
  }

  function drawStrip(m) {
    const strip = root.querySelector("#c-strip");
    strip.innerHTML = m.segments.map((s, i) => `${i ? '<span class="arrow">→</span>' : ""}<div class="seg-card ${s.status}" data-segment="${s.segment}" data-status="${s.status}">
        <div class="name">${esc(nm(s))}${s.status !== "ok" ? `<span class="badge ${s.status}">${t("c." + s.status)}</span>` : ""}${s.choke ? `<span class="badge choke" data-choke="1">${t("c.choke")}</span>` : ""}</div>
        <div class="meta">${t("c.cities")}: ${s.cities_present} · ${t("p.firms")} ${fmt(s.firms)}<br>
        ${t("c.lead")}: ${s.lead_unit ? esc(getLang() === "zh" ? s.lead_name_zh : s.lead_name_en) : "–"}
        ${s.basis === "patents" ? `<br><span class="muted">${t("c.basis.patents")}</span>` : ""}</div></div>`).join("");
    root.querySelector("#c-title").textContent = `${t("c.title")} · ${nm(meta.chains.find((c) => c.id === m.chain))} · ${m.period}`;
  }

  function drawHeat(m) {
    const attr = MEASURES[view.measure];
    const units = m.units.slice(0, 30);
    const segs = m.segments.map((s) => s.segment);
    const status = Object.fromEntries(m.segments.map((s) => [s.segment, s.status]));
    const segName = Object.fromEntries(m.segments.map((s) => [s.segment, nm(s)]));
    const unitName = Object.fromEntries(units.map((u) => [u.unit, getLang() === "zh" ? u.name_zh : u.name_en]));
    const idx = new Map(units.map((u, i) => [u.unit, i]));
    const data = m.cells.filter((c) => idx.has(c.unit)).map((c) => [segs.indexOf(c.segment), idx.get(c.unit), c[attr]]).filter((d) => d[2] > 0);
    const max = Math.max(1, ...data.map((d) => d[2]));
    heat.setOption({
      tooltip: { formatter: (p) => `${esc(unitName[units[p.value[1]].unit])} · ${esc(segName[segs[p.value[0]]])}<br>${t("c." + view.measure)}: <b>${fmt(p.value[2])}</b>` },
      grid: { left: 90, right: 20, top: 40, bottom: 70 },
      xAxis: { type: "category", data: segs, position: "top", splitArea: { show: true }, axisLine: { show: false }, axisTick: { show: false },
        axisLabel: { interval: 0, fontSize: 11, formatter: (v) => (status[v] === "ok" ? segName[v] : `{${status[v]}|${segName[v]}}`),
          rich: { broken: { color: "#b42318", fontWeight: "bold" }, single: { color: "#b45309", fontWeight: "bold" } } } },
      yAxis: { type: "category", data: units.map((u) => u.unit), inverse: true, axisLine: { show: false }, axisTick: { show: false }, axisLabel: { formatter: (v) => unitName[v] || v, fontSize: 11 } },
      visualMap: { min: 0, max, calculable: true, orient: "horizontal", left: "center", bottom: 8, inRange: { color: RAMP }, itemHeight: 160 },
      series: [{ type: "heatmap", data, label: { show: true, fontSize: 10, formatter: (p) => fmt(p.value[2], 0) },
        markArea: { silent: true, itemStyle: { color: "rgba(180,35,24,0.08)" },
          data: m.segments.filter((s) => s.status !== "ok").map((s) => [{ xAxis: s.segment, itemStyle: { color: s.status === "broken" ? "rgba(180,35,24,0.10)" : "rgba(231,165,74,0.14)" } }, { xAxis: s.segment }]) } }],
    }, { notMerge: true });
  }

  function drawSankey(s) {
    const empty = root.querySelector("#c-sankey-empty");
    empty.hidden = s.links.length > 0;
    const label = Object.fromEntries(s.nodes.map((n) => [n.id, getLang() === "zh" ? n.name_zh : n.name_en]));
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
      { key: "patents", label: t("c.innovation"), num: true, fmt: (v) => fmt(v) },
      { key: "transfers", label: getLang() === "zh" ? "技术转移（项）" : "transfers", num: true, fmt: (v) => fmt(v) },
      { key: "firms", label: t("c.presence"), num: true, fmt: (v) => fmt(v) },
      { key: "revenue", label: t("c.strength"), num: true, fmt: (v) => fmt(v) },
      { key: "exports", label: getLang() === "zh" ? "出口（美元）" : "exports (USD)", num: true, fmt: (v) => fmt(v) },
      { key: "imports", label: getLang() === "zh" ? "进口（美元）" : "imports (USD)", num: true, fmt: (v) => fmt(v) },
    ]);
  }

  await update();
}
