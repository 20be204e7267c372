// 对比: two places in one period, or one place in two periods, side by side across the six layers.
import { get } from "../api.js";
import { LAYER_COLORS, chartOn, disposeAll } from "../charts.js";
import { esc, fmt, getLang, nm, t } from "../i18n.js";
import { h, options, periodOptions, scaleOptions, segmented, table } from "../widgets.js";

export function dispose(root) { disposeAll(root); }

export async function render(root, ctx) {
  const { meta, state } = ctx;
  const view = { mode: "places", scale: ["county", "city", "province", "area"].includes(state.scale) ? state.scale : "city",
    a: state.place || null, b: null, pa: state.period, pb: meta.periods[0] };
  root.innerHTML = "";
  root.append(h(`<aside class="side">
      <div class="field"><span class="label">${t("f.mode")}</span><div id="k-mode"></div></div>
      <div class="field"><span class="label">${t("f.scale")}</span><div id="k-scale"></div></div>
      <div class="field"><label for="k-a">${t("f.placeA")}</label><select id="k-a"></select></div>
      <div class="field" id="k-b-field"><label for="k-b">${t("f.placeB")}</label><select id="k-b"></select></div>
      <div class="field"><label for="k-pa">${t("f.periodA")}</label><select id="k-pa"></select></div>
      <div class="field" id="k-pb-field" hidden><label for="k-pb">${t("f.periodB")}</label><select id="k-pb"></select></div>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll">
      <div class="panel"><h2>${t("cmp.layers")}</h2><div class="chart mid"><div class="chart-box" id="k-chart"></div></div><div id="k-layers"></div></div>
      <div class="panel"><h2>${t("cmp.ind")}</h2><div id="k-ind"></div></div>
    </div></section>`));
  const chart = chartOn(root.querySelector("#k-chart"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), compare: chart };

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
  segmented(root.querySelector("#k-scale"), scaleOptions(["county", "city", "province", "area"]), view.scale, async (v) => { view.scale = v; await fillPlaces(); update(); });
  options(root.querySelector("#k-pa"), periodOptions(meta), view.pa);
  options(root.querySelector("#k-pb"), periodOptions(meta), view.pb);
  root.querySelector("#k-a").addEventListener("change", (e) => { view.a = e.target.value; update(); });
  root.querySelector("#k-b").addEventListener("change", (e) => { view.b = e.target.value; update(); });
  root.querySelector("#k-pa").addEventListener("change", (e) => { view.pa = +e.target.value; update(); });
  root.querySelector("#k-pb").addEventListener("change", (e) => { view.pb = +e.target.value; update(); });
  await fillPlaces();

  async function update() {
    const params = view.mode === "places"
      ? { scale: view.scale, a: view.a, b: view.b, period: view.pa }
      : { scale: view.scale, a: view.a, period: view.pa, period_b: view.pb };
    try {
      const c = await get("/api/compare", params);
      draw(c);
      ctx.showError(null);
    } catch (e) {
      ctx.showError(e);
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
    const rows = layers.map((l) => ({ layer: l, a: c.left.layers[l.id], b: c.right.layers[l.id], shared: c.shared_top_partners[l.id] }));
    root.querySelector("#k-layers").innerHTML = table(rows, [
      { key: "layer", label: t("f.layer"), fmt: (l) => `<span class="swatch" style="background:${LAYER_COLORS[l.id]}"></span> ${esc(L === "zh" ? l.zh : l.en)}` },
      { key: "a", label: `${la} · ${t("p.npartners")}`, num: true, fmt: (v) => v.partners },
      { key: "a", label: `${la} · ${t("p.out")}/${t("p.in")}`, num: true, fmt: (v) => `${fmt(v.n_out)} / ${fmt(v.n_in)}` },
      { key: "b", label: `${lb} · ${t("p.npartners")}`, num: true, fmt: (v) => v.partners },
      { key: "b", label: `${lb} · ${t("p.out")}/${t("p.in")}`, num: true, fmt: (v) => `${fmt(v.n_out)} / ${fmt(v.n_in)}` },
      { key: "shared", label: L === "zh" ? "共同主要伙伴" : "shared top partners", num: true, fmt: (v) => v.length },
    ]);
    const ind = c.left.indicators.map((x, i) => ({ ...x, b: c.right.indicators[i].value }));
    root.querySelector("#k-ind").innerHTML = table(ind, [
      { key: "attr", label: t("p.indicators"), fmt: (_, r) => `${esc(L === "zh" ? r.zh : r.en)} <span class="muted">${esc(L === "zh" ? r.unit_zh : r.unit_en)}</span>` },
      { key: "value", label: la, num: true, fmt: (v) => fmt(v) },
      { key: "b", label: lb, num: true, fmt: (v) => fmt(v) },
      { key: "value", label: t("cmp.diff"), num: true, fmt: (v, r) => fmt(r.b - v) },
    ]);
    root.dataset.mode = c.mode;
  }

  await update();
}
