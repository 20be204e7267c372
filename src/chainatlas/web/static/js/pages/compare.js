// 对比: two places in one period, or one place in two periods, side by side across the six layers.
import { get } from "../api.js";
import { LAYER_COLORS, chartOn, disposeAll, echarts } from "../charts.js";
import { colFormatter, esc, fmt, getLang, nm, t } from "../i18n.js";
import { busy, chartTools, h, options, periodOptions, scaleOptions, segmented, stem, table } from "../widgets.js";

/** Change from `a` to `b`: the difference b − a, the growth (b − a) / a (null when a is 0) and its direction. */
export function change(a, b) {
  const d = (b ?? 0) - (a ?? 0);
  return { diff: d, growth: a ? d / Math.abs(a) : null, dir: d > 0 ? "up" : d < 0 ? "down" : "flat" };
}

export function dispose(root) { disposeAll(root); }

export async function render(root, ctx) {
  const { meta, state } = ctx;
  const view = { mode: state.mode === "periods" ? "periods" : "places",
    scale: ["county", "city", "province", "area"].includes(state.scale) ? state.scale : "city",
    a: state.place || null, b: state.b || null, pa: state.period, pb: meta.periods.includes(state.pb) ? state.pb : meta.periods[0] };
  const keep = () => {  // the view goes into the shared state, and so into the URL
    Object.assign(state, { mode: view.mode, place: view.a, b: view.mode === "places" ? view.b : null,
      pb: view.mode === "periods" ? view.pb : null, period: view.pa });
    if (["county", "city", "province", "area"].includes(view.scale)) state.scale = view.scale;
    ctx.syncUrl();
  };
  root.innerHTML = "";
  root.append(h(`<aside class="side">
      <div class="field"><span class="label">${t("f.mode")}</span><div id="k-mode"></div></div>
      <div class="field"><span class="label">${t("f.scale")}</span><div id="k-scale"></div></div>
      <div class="field"><label for="k-a">${t("f.placeA")}</label><select id="k-a"></select></div>
      <div class="field" id="k-b-field" ${view.mode === "places" ? "" : "hidden"}><label for="k-b">${t("f.placeB")}</label><select id="k-b"></select></div>
      <div class="field"><label for="k-pa">${t("f.periodA")}</label><select id="k-pa"></select></div>
      <div class="field" id="k-pb-field" ${view.mode === "periods" ? "" : "hidden"}><label for="k-pb">${t("f.periodB")}</label><select id="k-pb"></select></div>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll">
      <div class="panel" id="k-chart-panel"><h2>${t("cmp.layers")}</h2><div class="chart mid"><div class="chart-box" id="k-chart"></div></div><div id="k-layers"></div></div>
      <div class="panel"><h2>${t("cmp.ind")}</h2><div id="k-ind"></div></div>
    </div></section>`));
  const chart = chartOn(root.querySelector("#k-chart"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), compare: chart };
  let chartRows = { header: [], rows: [] };
  root.querySelector("#k-chart-panel").append(chartTools(echarts, chart, () => stem("compare", view.mode, view.a, view.mode === "places" ? view.b : view.pb, view.pa), () => chartRows));

  async function fillPlaces() {
    const places = (await get("/api/places", { scale: view.scale, proper: true })).data;
    const items = places.map((p) => ({ value: p.unit, label: `${nm(p)}` }));
    if (!view.a || !places.some((p) => p.unit === view.a)) view.a = places[0]?.unit;
    if (!view.b || !places.some((p) => p.unit === view.b)) view.b = places[1]?.unit || places[0]?.unit;
    options(root.querySelector("#k-a"), items, view.a);
    options(root.querySelector("#k-b"), items, view.b);
  }
  segmented(root.querySelector("#k-mode"), [{ value: "places", label: t("cmp.places") }, { value: "periods", label: t("cmp.periods") }], view.mode, (v) => {
    view.mode = v;
    root.querySelector("#k-b-field").hidden = v !== "places";
    root.querySelector("#k-pb-field").hidden = v !== "periods";
    update();
  });
  segmented(root.querySelector("#k-scale"), scaleOptions(["county", "city", "province", "area"]), view.scale, async (v) => { view.scale = v; view.a = null; view.b = null; await fillPlaces(); update(); });
  options(root.querySelector("#k-pa"), periodOptions(meta), view.pa);
  options(root.querySelector("#k-pb"), periodOptions(meta), view.pb);
  root.querySelector("#k-a").addEventListener("change", (e) => { view.a = e.target.value; update(); });
  root.querySelector("#k-b").addEventListener("change", (e) => { view.b = e.target.value; update(); });
  root.querySelector("#k-pa").addEventListener("change", (e) => { view.pa = +e.target.value; update(); });
  root.querySelector("#k-pb").addEventListener("change", (e) => { view.pb = +e.target.value; update(); });
  await fillPlaces();

  let token = 0;
  async function update() {
    const my = ++token;
    keep();
    // two periods: the earlier one on the left, so that every difference reads later − earlier
    const [early, late] = [Math.min(view.pa, view.pb), Math.max(view.pa, view.pb)];
    const params = view.mode === "places"
      ? { scale: view.scale, a: view.a, b: view.b, period: view.pa }
      : { scale: view.scale, a: view.a, period: early, period_b: late };
    busy(root.querySelector("#k-ind"));
    busy(root.querySelector("#k-layers"));
    chart.showLoading({ text: t("app.loading") });
    try {
      const c = await get("/api/compare", params);
      if (my !== token) return;
      draw(c);
      ctx.showError(null);
    } catch (e) {
      ctx.showError(e);
    } finally {
      if (my === token) chart.hideLoading();
    }
  }

  function draw(c) {
    const L = getLang();
    const label = (s) => `${nm(s)} ${s.period}`;
    const la = label(c.left);
    const lb = label(c.right);
    const layers = meta.layers;
    const strength = (s, id) => s.layers[id].n_out + s.layers[id].n_in + s.layers[id].n_internal;
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 36, bottom: 30 },
      xAxis: { type: "category", data: layers.map((l) => (L === "zh" ? l.zh : l.en)) },
      yAxis: { type: "value", name: t("cmp.ties") },
      series: [
        { type: "bar", name: la, data: layers.map((l) => strength(c.left, l.id)), itemStyle: { color: "#1b5fae" } },
        { type: "bar", name: lb, data: layers.map((l) => strength(c.right, l.id)), itemStyle: { color: "#E69F00" } },
      ],
    }, { notMerge: true });
    chartRows = { header: ["layer", la, lb], rows: layers.map((l) => [l.id, strength(c.left, l.id), strength(c.right, l.id)]) };
    const rows = layers.map((l) => ({ layer: l, a: c.left.layers[l.id], b: c.right.layers[l.id], shared: c.shared_top_partners[l.id] }));
    const fio = colFormatter(rows.flatMap((r) => [r.a.n_out, r.a.n_in, r.b.n_out, r.b.n_in]));
    root.querySelector("#k-layers").innerHTML = table(rows, [
      { key: "layer", label: t("f.layer"), fmt: (l) => `<span class="swatch" style="background:${LAYER_COLORS[l.id]}"></span> ${esc(L === "zh" ? l.zh : l.en)}` },
      { key: "a", label: `${la} · ${t("p.npartners")}`, num: true, fmt: (v) => v.partners },
      { key: "a", label: `${la} · ${t("p.out")}/${t("p.in")}`, num: true, fmt: (v) => `${fio(v.n_out)} / ${fio(v.n_in)}` },
      { key: "b", label: `${lb} · ${t("p.npartners")}`, num: true, fmt: (v) => v.partners },
      { key: "b", label: `${lb} · ${t("p.out")}/${t("p.in")}`, num: true, fmt: (v) => `${fio(v.n_out)} / ${fio(v.n_in)}` },
      { key: "shared", label: L === "zh" ? "共同主要伙伴" : "shared top partners", num: true, fmt: (v) => v.length, csv: (v) => v.length },
    ], { name: stem("compare-layers", view.mode, view.a) });
    // periods: right is the later period, so diff = later − earlier and growth = its share of the earlier value;
    // places: diff = B − A
    const periods = c.mode === "periods";
    const ind = c.left.indicators.map((x, i) => ({ ...x, b: c.right.indicators[i].value, ...change(x.value, c.right.indicators[i].value) }));
    const dirTxt = (d) => (periods ? t("cmp." + d) : t("cmp." + { up: "higher", down: "lower", flat: "flat" }[d]));
    const arrow = { up: "▲", down: "▼", flat: "＝" };
    root.querySelector("#k-ind").innerHTML = table(ind, [
      { key: "attr", label: t("p.indicators"), fmt: (_, r) => `${esc(L === "zh" ? r.zh : r.en)} <span class="muted">${esc(L === "zh" ? r.unit_zh : r.unit_en)}</span>` },
      { key: "value", label: la, num: true, fmt: (v) => fmt(v) },
      { key: "b", label: lb, num: true, fmt: (v) => fmt(v) },
      { key: "diff", label: periods ? t("cmp.later") : t("cmp.bminusa"), num: true, fmt: (v) => `<span data-diff="${v}">${v > 0 ? "+" : ""}${fmt(v)}</span>` },
      { key: "growth", label: periods ? `${t("cmp.growth")} (%)` : `${t("cmp.ratio")} (%)`, num: true,
        fmt: (v, r) => (v === null ? "–" : `<span class="${r.dir}" data-growth="${v}">${v > 0 ? "+" : ""}${(v * 100).toFixed(1)}%</span>`), csv: (v) => (v === null ? "" : v) },
      { key: "dir", label: periods ? `${lb} vs ${la}` : "B vs A", fmt: (v) => `<span class="${v}" data-dir="${v}">${arrow[v]} ${esc(dirTxt(v))}</span>` },
    ], { name: stem("compare", c.mode, view.a, periods ? `${c.left.period}-${c.right.period}` : view.b) });
    root.dataset.mode = c.mode;
  }

  await update();
}
