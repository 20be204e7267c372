// ECharts from the package's own vendor folder, map registration from /api/geo, shared colours.
import * as echarts from "../vendor/echarts.esm.min.js";
import { get } from "./api.js";

export { echarts };

/** Colour of each network layer (colour-blind safe, Okabe–Ito). */
export const LAYER_COLORS = {
  symbiosis: "#009E73",
  knowledge: "#56B4E9",
  innovation: "#D55E00",
  industry: "#0072B2",
  service: "#CC79A7",
  value: "#E69F00",
};
/** Sequential ramp for choropleths (light → dark blue). */
export const RAMP = ["#f0f5fb", "#cfe0f1", "#9ec3e4", "#6aa2d3", "#3d7fbf", "#1b5fae", "#0b3f7a"];
export const COMMUNITY = ["#1b5fae", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7f3c8d",
  "#4d4d4d", "#a6761d", "#66a61e", "#e7298a", "#1b9e77"];

const registered = new Map();

/** Register the boundaries of a scale as an ECharts map named `yrd-<scale>`; resolves to the GeoJSON. */
export function registerScale(scale) {
  if (!registered.has(scale)) {
    const p = get("/api/geo", { scale }).then((fc) => {
      echarts.registerMap(`yrd-${scale}`, fc);
      return fc;
    });
    p.catch(() => registered.delete(scale));
    registered.set(scale, p);
  }
  return registered.get(scale);
}

/** An ECharts instance on an element, resized with the window; disposed by dispose(el). */
export function chartOn(el) {
  const existing = echarts.getInstanceByDom(el);
  if (existing) return existing;
  const c = echarts.init(el, null, { renderer: "canvas" });
  // a box with no size (hidden, or being laid out for print) is not drawn: ECharts' geo cannot lay out in it
  const ro = new ResizeObserver(() => { if (el.clientWidth > 0 && el.clientHeight > 0) c.resize(); });
  ro.observe(el);
  c.__ro = ro;
  return c;
}

export function disposeAll(root) {
  root.querySelectorAll(".chart-box").forEach((el) => {
    const c = echarts.getInstanceByDom(el);
    if (c) { c.__ro?.disconnect(); c.dispose(); }
  });
}
