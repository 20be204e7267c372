// 情景模拟 (issue 14): a planner preparing for 平战转换 builds a supply-shock scenario — places locked down (picked
// on the map, whole or with a white list), a chain segment failing, an import cut, capacity lost; inventories,
// substitution, the cross-province white-list pool; the policies to compare —, runs it (POST /api/simulations),
// watches the loss spread week by week on the map and in a chart (direct vs indirect, peak, time to 95 %
// recovery), compares the policies side by side, reads the substitutions and the white-list firms that kept others
// alive, and opens the supply-chain emergency list (GET /api/emergency-list) and the systemic-risk ranking
// (GET /api/risk). The scenario is the JSON body of the API (the fields of `chainatlas templates scenario`): the
// page edits it in place, so that whatever the form does not show (per-segment inventories, named white-list
// firms, HS codes) is kept and sent as written.
//
// A planner keeps scenarios as files: "打开情景文件" sends a YAML file (as `chainatlas templates scenario` writes it,
// edited in Notepad: UTF-8 with or without BOM, or GBK; any line endings) to POST /api/simulations/parse, which
// answers it checked, as JSON, into the builder; "保存情景" downloads the builder's scenario as YAML (UTF-8 with BOM,
// CRLF) that `chainatlas simulate FILE` runs and the page opens again. A reader with a jurisdiction is told that
// the firm-level rows are of their jurisdiction only (the aggregates are the region's).
import { ApiError, get, send } from "../api.js";
import { COMMUNITY, chartOn, disposeAll, echarts, registerScale } from "../charts.js";
import { esc, getLang, nm, placeName, t, tf } from "../i18n.js";
import { chartTools, downloadCsv, h, options, saveAs, stem, table } from "../widgets.js";

const TYPES = ["lockdown", "fail", "imports", "capacity"];
/** Shock types that name places (the map's clicks go to them). */
const PLACED = new Set(["lockdown", "fail", "capacity"]);
/** Trade partners offered for an import cut: countries (ISO alpha-2) and the customs regions of geo.countries. */
const PARTNERS = [
  ["partner", "TW"], ["partner", "JP"], ["partner", "KR"], ["partner", "US"], ["partner", "DE"], ["partner", "NL"],
  ["partner", "MY"], ["partner", "AU"], ["region", "EU"], ["region", "ASEAN"], ["region", "HK_MO_TW"], ["region", "other"],
];
const PROVINCES = ["310000", "320000", "330000", "340000"];
/** Loss classes: the share of a place's baseline output lost in the step, and their fill (one hue from light to
 * dark, readable without colour vision), fixed for every step so that the spread can be watched. */
const CLASSES = [[0.01, "#fee8c8"], [0.05, "#fdbb84"], [0.1, "#fc8d59"], [0.25, "#e34a33"], [0.5, "#b30000"], [Infinity, "#7f0000"]];
const NO_LOSS = "#f4f7f4";
const NO_FIRMS = "#e3e7ec";
const WITHHELD = "#c3c9d1";
/** Direct and indirect loss (Okabe–Ito vermillion and orange); the place picked on the map. */
const DIRECT = "#D55E00";
const INDIRECT = "#E69F00";
const PICKED = "#1b5fae";
const PICKED_OTHER = "#8fb6e0";
const PICKED_PART = "#cfe0f1";

/** The page's own state, kept while the page is left and re-entered (and across a language switch). */
const view = {
  scen: null, // the scenario being edited: the JSON body POST /api/simulations takes
  note: "", // what loading the example or a file changed (the period)
  file: null, // the scenario file opened last: { file, n: shocks, v: variants }
  opening: false, // a file is being read (POST /api/simulations/parse)
  fileError: "", // why the file chosen last was refused (the API's words)
  me: null, // who reads (GET /api/auth): their jurisdiction is said beside firm-level rows
  active: 0, // the shock the map's clicks go to
  pickScale: "city",
  mode: "pick", // the map: pick places, or watch the loss spread
  result: null, // the last answer of POST /api/simulations
  posted: null, // the scenario that answer is of
  variant: null,
  week: 0,
  place: null, // the county picked on the loss map
  running: false,
  started: 0,
  error: "",
  em: { chain: null, province: "", tab: null },
};
let timer = null;
let drawn = 0;
/** The POST /api/simulations in flight (one at a time), kept while the page is left and drawn again. */
let pending = null;

export function dispose(root) {
  stop();
  disposeAll(root);
  for (const k of ["state", "result", "running", "error"]) delete root.dataset[k];
}

function stop() {
  if (timer) clearInterval(timer);
  timer = null;
}

const clone = (x) => JSON.parse(JSON.stringify(x));
const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const zh = () => getLang() === "zh";

/** This page's strings for scenario files and jurisdictions (Chinese, English); i18n.js's table wins for a key it
 * holds, so they can move there unchanged. */

// ------------------------------------------------------------------------------------------------ YAML files
/** Text YAML 1.1 (PyYAML, which reads the file) would take for something else — a number, a date, true/false,
 * null — or that holds punctuation YAML gives a meaning: written in double quotes (JSON's escapes are YAML's). */
const PLAIN = /^[\p{L}_][\p{L}\p{N}_.\-·（）、，。 ]*$/u;
const RESERVED = /^(y|n|yes|no|true|false|on|off|null)$/i;
function yScalar(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return "null";
    const x = String(v);
    return /e/.test(x) && !x.includes(".") ? x.replace("e", ".0e") : x; // 1e+21 → 1.0e+21: a float to YAML 1.1
  }
  const x = String(v);
  if (PLAIN.test(x) && x.trim() === x && !RESERVED.test(x)) return x;
  // characters YAML reads as line breaks or refuses unescaped
  return JSON.stringify(x).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
const isMap = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isScalar = (v) => v === null || typeof v !== "object";
/** A value that fits on its key's line: a scalar, an empty list or mapping, a list of scalars (flow style). */
const inline = (v) => isScalar(v) || (Array.isArray(v) ? v.every(isScalar) : !Object.keys(v).length);
function yInline(v) {
  if (Array.isArray(v)) return `[${v.map(yScalar).join(", ")}]`;
  return isMap(v) ? "{}" : yScalar(v);
}
/** The fields of a scenario and of a shock in the order the example file writes them (the rest, and the fields of
 * any other mapping, as they come). */
const ORDER = ["name", "description", "period", "horizon", "step", "type", "label", "places", "firms", "chain", "segment", "segments"];
const LAST = ["start", "weeks", "days", "steps", "shocks", "settings", "compare"];
function ordered(m) {
  if (!("type" in m || "horizon" in m || "shocks" in m)) return Object.entries(m).filter(([, v]) => v !== undefined);
  const rank = (k) => (ORDER.includes(k) ? ORDER.indexOf(k) - 100 : LAST.includes(k) ? LAST.indexOf(k) + 100 : 0);
  return Object.entries(m).filter(([, v]) => v !== undefined).sort(([a], [b]) => rank(a) - rank(b));
}
/** Block-style YAML lines of a mapping or list, indented by `pad`. */
function yLines(v, pad) {
  const out = [];
  if (Array.isArray(v)) {
    for (const x of v) {
      if (inline(x)) { out.push(`${pad}- ${yInline(x)}`); continue; }
      const inner = yLines(x, pad + "  ");
      out.push(`${pad}- ${inner[0].slice(pad.length + 2)}`, ...inner.slice(1));
    }
    return out;
  }
  for (const [k, x] of ordered(v)) {
    if (inline(x)) out.push(`${pad}${yScalar(k)}: ${yInline(x)}`);
    else out.push(`${pad}${yScalar(k)}:`, ...yLines(x, pad + "  "));
  }
  return out;
}
/** The scenario (the JSON body of POST /api/simulations) as the text of a YAML file: comments on top, CRLF line
 * endings (Notepad), read by PyYAML into the same JSON. */
export function scenarioYaml(scen, when = new Date()) {
  const stamp = `${when.getFullYear()}-${String(when.getMonth() + 1).padStart(2, "0")}-${String(when.getDate()).padStart(2, "0")} ${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
  const head = [tf("sc.file.head", { when: stamp }), t("sc.file.run")].map((x) => `# ${x}`);
  return [...head, "", ...yLines(scen, "")].join("\r\n") + "\r\n";
}

/** A value in 万元 for reading: 亿元 above 10,000 万元 in Chinese; CNY k/m/bn in English. */
export function money(v) {
  if (!isNum(v)) return "–";
  const loc = zh() ? "zh-CN" : "en-US";
  const nf = (x, d) => x.toLocaleString(loc, { minimumFractionDigits: d, maximumFractionDigits: d });
  if (zh()) return Math.abs(v) >= 1e4 ? `${nf(v / 1e4, 2)} 亿元` : `${nf(v, Math.abs(v) < 10 ? 2 : 1)} 万元`;
  const y = v * 1e4;
  if (Math.abs(y) >= 1e9) return `CNY ${nf(y / 1e9, 2)} bn`;
  if (Math.abs(y) >= 1e6) return `CNY ${nf(y / 1e6, 1)} m`;
  return `CNY ${nf(y / 1e3, 0)} k`;
}
/** The round number (1, 2, 2.5, 5 × 10^k) at or above `x` > 0: an axis's top. */
function nice(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((m) => m >= x - 1e-12);
}
/** 万元 in a table: one decimal, thousands separated; a rounding speck is 0.0, not −0.0. */
function wan(v) {
  if (!isNum(v)) return "–";
  return (Math.abs(v) < 0.05 ? 0 : v).toLocaleString(zh() ? "zh-CN" : "en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
/** Text in brackets as the language writes them: （…） or (…). */
const par = (x) => (zh() ? `（${x}）` : ` (${x})`);
/** A share as a percentage with `d` decimals. */
export function pc(v, d = 1) { return isNum(v) ? `${(v * 100).toFixed(d)}%` : "–"; }

// ------------------------------------------------------------------------------------------------ requests
async function read(res) {
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const e = body && body.error ? body.error : { status: res.status, type: "HTTPError", message: res.statusText };
    if (res.status === 401) window.dispatchEvent(new CustomEvent("chainatlas:unauthorised", { detail: e }));
    throw new ApiError(e.status, e.type, e.message, e.details);
  }
  return body;
}

// ------------------------------------------------------------------------------------------------ places
let PL = null; // { byUnit, byName, city: [...], county: [...] }

/** A place of a scenario (adcode or name) as a 6-digit code, or null when the page cannot tell (the API will). */
function placeUnit(text) {
  const s = String(text ?? "").trim();
  if (/^\d{6}$/.test(s)) return s;
  if (/^\d{4}$/.test(s)) return s + "00";
  if (/^\d{2}$/.test(s)) return s + "0000";
  return PL.byName.get(s) || null;
}
/** The prefix of the county codes inside a place (a province: 2 digits, a city: 4, a county: 6). */
const prefix = (u) => (u.endsWith("0000") ? u.slice(0, 2) : u.endsWith("00") ? u.slice(0, 4) : u);
const covers = (place, unit) => unit.startsWith(prefix(place));
/** A place written in a scenario, for reading. */
function placeText(p) {
  const u = placeUnit(p);
  if (!u) return String(p);
  return PL.byUnit.has(u) ? placeName(u, PL.byUnit.get(u)) : String(p);
}

// ------------------------------------------------------------------------------------------------ steps
const stepOf = (scen) => (scen && scen.step === "day" ? "day" : "week");
const stepDays = (scen) => (stepOf(scen) === "day" ? 1 : 7);
/** Step `s` (0 = the first) for reading: 第 3 周 / week 3. */
const stepLabel = (s, scen = view.posted || view.scen) => tf(stepOf(scen) === "day" ? "sc.dayN" : "sc.weekN", { n: s + 1 });
const durKey = (s) => ["weeks", "days", "steps"].find((k) => s[k] !== undefined && s[k] !== null) || null;
/** The steps [start, end) a shock lasts (as pipeline/scenario.py `_shock` reads them). */
function shockSpan(s, scen) {
  const start = Number(s.start) || 0;
  const k = durKey(s);
  if (!k || s.type === "fail") return [start, Number(scen.horizon) || 0];
  const n = Number(s[k]);
  const days = k === "weeks" ? n * 7 : k === "days" ? n : n * stepDays(scen);
  return [start, start + Math.max(1, Math.ceil(days / stepDays(scen) - 1e-9))];
}

// ------------------------------------------------------------------------------------------------ words
let CHAINS = [];
const chainName = (c) => { const x = CHAINS.find((y) => y.id === c); return x ? nm(x) : c || ""; };
function segName(code) {
  if (!code) return "–";
  const [c, s] = String(code).split(":");
  const ch = CHAINS.find((y) => y.id === c);
  const seg = ch && (ch.segments || []).find((y) => y.segment === s);
  return seg ? `${nm(ch)} · ${nm(seg)}` : String(code);
}
const partnerName = (kind, code) => (t(`sc.partner.${code}`) !== `sc.partner.${code}` ? t(`sc.partner.${code}`) : code) + (kind === "region" ? t("sc.partner.region") : "");

/** A one-line account of a shock. */
function shockLine(s, scen) {
  const [a, b] = shockSpan(s, scen);
  const when = s.type === "fail" ? tf("sc.from", { a: stepLabel(a, scen) }) : tf("sc.span", { a: stepLabel(a, scen), b: stepLabel(b - 1, scen) });
  return `${s.label || t("sc.type." + s.type)} · ${when}`;
}

// ------------------------------------------------------------------------------------------------ scenarios
function blank(periods) {
  return {
    name: t("sc.newname"), period: periods[periods.length - 1], horizon: 26, step: "week", shocks: [],
    settings: { inventory_days: 15, substitution: { enabled: true, capacity_share: 10, radius_km: 300, delay_days: 7 }, recovery: 2 },
  };
}
function newShock(type, scen) {
  const weeks = stepOf(scen) === "day" ? { days: 28 } : { weeks: 4 };
  const start = Math.min(1, (Number(scen.horizon) || 1) - 1);
  if (type === "lockdown") return { type, places: [], start, ...weeks, whitelist_share: 20, whitelist_capacity: 80, suppliers: true, pool: poolOn(scen) };
  const chain = CHAINS[0] ? CHAINS[0].id : "ic";
  const seg = CHAINS[0] && CHAINS[0].segments[0] ? CHAINS[0].segments[0].segment : "";
  if (type === "fail") return { type, chain, segment: seg, start };
  if (type === "imports") return { type, chain, segment: seg, partner: "TW", cut: 50, start, ...weeks };
  return { type, places: [], chain, segment: seg, lost: 30, start, ...weeks };
}
/** The scenario as sent: a segment failing or losing capacity "in no place picked" is in every place (the API
 * takes no empty list; a lockdown without places is left to the API to name). */
function bodyOf(scen) {
  const out = clone(scen);
  for (const x of out.shocks || []) if (x.type !== "lockdown" && Array.isArray(x.places) && !x.places.length) delete x.places;
  return out;
}
/** Whether the lockdowns use the cross-province white-list pool (each lockdown's `pool`, default true). */
const poolOn = (scen) => (scen.shocks || []).filter((s) => s.type === "lockdown").every((s) => s.pool !== false);
/** The policies of the design side by side: the settings as they are, just in time, just in case, without the
 * pool, without substitution. */
function standardVariants() {
  return [
    { name: t("sc.v.base") },
    { name: t("sc.v.jit"), settings: { inventory_days: 3 } },
    { name: t("sc.v.jic"), settings: { inventory_days: 30 } },
    { name: t("sc.v.nopool"), pool: false },
    { name: t("sc.v.nosub"), settings: { substitution: false } },
  ];
}

export async function render(root, ctx) {
  const { meta, state } = ctx;
  root.dataset.state = "loading";
  const [chains, cities, counties, provinces, auth] = await Promise.all([
    get("/api/chains").then((r) => r.data).catch(() => []),
    get("/api/places", { scale: "city", proper: true }).then((r) => r.data),
    get("/api/places", { scale: "county", proper: true }).then((r) => r.data),
    get("/api/places", { scale: "province" }).then((r) => r.data).catch(() => []),
    get("/api/auth").catch(() => null),
    registerScale("city"),
  ]);
  view.me = auth && auth.user ? auth.user : null;
  CHAINS = chains;
  const byUnit = new Map([...provinces, ...cities, ...counties].map((p) => [String(p.unit), p]));
  const byName = new Map();
  for (const p of [...counties, ...cities, ...provinces]) { // the larger place wins a shared name (上海市)
    byName.set(p.name_zh, String(p.unit));
    if (p.name_en) byName.set(p.name_en, String(p.unit));
  }
  PL = { byUnit, byName, city: cities, county: counties };
  if (!view.em.chain) view.em.chain = state.chain && state.chain !== "*" ? state.chain : chains[0] ? chains[0].id : null;
  if (!view.scen) {
    try { await loadExample(meta); } catch (e) { view.scen = blank(meta.periods); view.error = e.message || String(e); }
  }

  root.innerHTML = "";
  root.append(h(`<aside class="side sc-build" id="sc-build"></aside>`));
  root.append(h(`<section class="content"><div class="scroll" id="sc-main">
      <div class="panel" id="sc-map-panel">
        <div class="sc-head"><div class="tabs" id="sc-mode"></div><div class="seg" id="sc-scale"></div></div>
        <div class="sc-map-row">
          <div class="chart sc-map"><div class="chart-box" id="sc-map"></div><div class="legend-note" id="sc-legend"></div></div>
          <div class="sc-map-side" id="sc-map-side"></div>
        </div>
        <div class="timebar sc-weekbar" id="sc-weekbar" hidden>
          <label class="sc-var">${esc(t("sc.variant"))} <select id="sc-variant"></select></label>
          <button type="button" class="btn" id="sc-play" title="${esc(t("sc.play"))}">▶</button>
          <input type="range" id="sc-week" min="0" max="0" step="1" value="0" aria-label="${esc(t("sc.week"))}">
          <span class="year" id="sc-week-label"></span>
        </div>
        <div class="hint sc-live" id="sc-live"></div>
      </div>
      <div id="sc-results"></div>
      <div class="panel" id="sc-em-panel"></div>
    </div></section>`));

  const build = root.querySelector("#sc-build");
  const map = chartOn(root.querySelector("#sc-map"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), scenarioMap: map };
  root.querySelector("#sc-map-panel").append(chartTools(echarts, map, () => stem("scenario-map", view.mode === "spread" ? `w${view.week + 1}` : "")));

  /** What a reader with a jurisdiction (not the whole region) is told beside firm-level rows: whose they are. */
  function scopeNote(jur, key, id) {
    if (!jur || jur === "YRD") return "";
    const name = placeName(jur, PL.byUnit.get(String(jur))) || jur;
    return `<p class="sc-scope" id="${id}" data-jurisdiction="${esc(jur)}">${esc(tf(key, { jur: name }))}</p>`;
  }

  // ---------------------------------------------------------------------------------------------- the builder
  function drawBuild() {
    const s = view.scen;
    const set = s.settings || {};
    const inv = set.inventory_days;
    const invDefault = inv !== null && typeof inv === "object" ? inv.default : inv;
    const invMore = inv !== null && typeof inv === "object"
      ? [...Object.entries(inv.segments || {}).map(([k, v]) => `${segName(k)} ${v} ${t("sc.days")}`),
        ...(Object.keys(inv.firms || {}).length ? [tf("sc.inv.firms", { n: Object.keys(inv.firms).length })] : [])]
      : [];
    const sub = set.substitution;
    const subOn = sub === undefined ? true : typeof sub === "object" && sub !== null ? sub.enabled !== false : sub !== false && sub !== "false";
    const subM = typeof sub === "object" && sub !== null ? sub : {};
    const stepW = t(stepOf(s) === "day" ? "sc.days" : "sc.weeks");
    build.innerHTML = `
      <h2 class="sc-h">${esc(t("sc.build"))}</h2>
      <div class="btn-row"><button type="button" class="btn" id="sc-example">${esc(t("sc.example"))}</button>
        <button type="button" class="btn" id="sc-blank">${esc(t("sc.blank"))}</button></div>
      <div class="btn-row sc-files"><button type="button" class="btn" id="sc-open" title="${esc(t("sc.file.open.h"))}" ${view.opening ? "disabled" : ""}>${esc(t("sc.file.open"))}</button>
        <input type="file" id="sc-file" accept=".yaml,.yml,.txt,.json" hidden>
        <button type="button" class="btn" id="sc-save" title="${esc(t("sc.file.save.h"))}">${esc(t("sc.file.save"))}</button>
        <span class="sc-busy" id="sc-open-busy" ${view.opening ? "" : "hidden"}><span class="spinner" aria-hidden="true"></span>${esc(t("sc.file.reading"))}</span></div>
      <div class="error-text sc-file-error" id="sc-file-error" role="alert">${esc(view.fileError)}</div>
      ${view.file ? `<p class="hint sc-opened" id="sc-opened" data-file="${esc(view.file.file)}">${esc(tf("sc.file.opened", view.file))}</p>` : ""}
      ${view.note ? `<p class="hint warn-text" id="sc-note">${esc(view.note)}</p>` : ""}
      <div class="field"><label for="sc-name">${esc(t("sc.name"))}</label><input type="text" id="sc-name" data-bind="name" value="${esc(s.name || "")}"></div>
      <div class="sc-grid3">
        <div class="field"><label for="sc-period">${esc(t("sc.period"))}</label><select id="sc-period" data-bind="period"></select></div>
        <div class="field"><label for="sc-step">${esc(t("sc.step"))}</label><select id="sc-step" data-bind="step"></select></div>
        <div class="field"><label for="sc-horizon">${esc(t("sc.horizon"))}</label><input type="number" id="sc-horizon" data-bind="horizon" min="1" max="${stepOf(s) === "day" ? 731 : 104}" value="${esc(s.horizon ?? "")}"></div>
      </div>
      <h3>${esc(t("sc.shocks"))} <span class="muted">${(s.shocks || []).length}</span></h3>
      <div id="sc-shocks">${(s.shocks || []).map((x, i) => shockCard(x, i)).join("") || `<p class="hint">${esc(t("sc.noshock"))}</p>`}</div>
      <div class="btn-row sc-add"><span class="inline">${esc(t("sc.add"))}</span>${TYPES.map((k) => `<button type="button" class="btn mini" data-add="${k}">${esc(t("sc.type." + k))}</button>`).join("")}</div>
      <h3>${esc(t("sc.settings"))}</h3>
      <div class="sc-rows">
        <label class="sc-line">${esc(t("sc.inv"))} <input type="number" min="0" max="3650" step="1" data-set="inv" value="${esc(invDefault ?? "")}"> ${esc(t("sc.days"))}</label>
        ${invMore.length ? `<div class="hint">${esc(t("sc.inv.more"))}${esc(invMore.join(zh() ? "；" : "; "))}</div>` : ""}
        <label class="check"><input type="checkbox" data-set="sub" ${subOn ? "checked" : ""}> ${esc(t("sc.sub"))}</label>
        <div class="sc-sub ${subOn ? "" : "off"}">
          <label class="sc-line">${esc(t("sc.sub.radius"))} <input type="number" min="1" max="5000" data-set="radius" value="${esc(subM.radius_km === undefined ? 300 : subM.radius_km ?? "")}" placeholder="${esc(t("sc.nolimit"))}"> km</label>
          <label class="sc-line">${esc(t("sc.sub.delay"))} <input type="number" min="0" max="365" data-set="delay" value="${esc(subM.delay_days ?? 7)}"> ${esc(t("sc.days"))}</label>
          <label class="sc-line">${esc(t("sc.sub.share"))} <input type="number" min="0" max="100" data-set="share" value="${esc(subM.capacity_share ?? 10)}"> %</label>
        </div>
        <label class="check" title="${esc(t("sc.pool.h"))}"><input type="checkbox" data-set="pool" ${poolOn(s) ? "checked" : ""}> ${esc(t("sc.pool"))}</label>
        <label class="sc-line">${esc(t("sc.recovery"))} <input type="number" min="0" data-set="recovery" value="${esc(set.recovery ?? 2)}"> ${esc(stepW)}</label>
      </div>
      <h3>${esc(t("sc.compare"))}</h3>
      <p class="hint">${esc(t("sc.compare.h"))}</p>
      <table class="data sc-vars" id="sc-vars"><thead><tr><th>${esc(t("sc.v.name"))}</th><th class="num">${esc(t("sc.v.inv"))}</th><th>${esc(t("sc.v.sub"))}</th><th>${esc(t("sc.v.pool"))}</th><th></th></tr></thead>
        <tbody>${(s.compare || []).map(variantRow).join("")}</tbody></table>
      <div class="btn-row"><button type="button" class="btn mini" id="sc-v-add">${esc(t("sc.v.add"))}</button>
        <button type="button" class="btn mini" id="sc-v-std">${esc(t("sc.v.std"))}</button>
        ${(s.compare || []).length ? `<button type="button" class="btn mini" id="sc-v-none">${esc(t("sc.v.none"))}</button>` : ""}</div>
      <div class="sc-run">
        <button type="button" class="btn primary" id="sc-run" ${view.running ? "disabled" : ""}>${esc(t("sc.run"))}</button>
        <span class="sc-busy" id="sc-busy" ${view.running ? "" : "hidden"}><span class="spinner" aria-hidden="true"></span><span id="sc-busy-text">${esc(t("sc.running"))}</span></span>
      </div>
      <div class="error-text" id="sc-error" role="alert">${esc(view.error)}</div>`;
    options(build.querySelector("#sc-period"), [...new Set([...(meta.periods || []), ...(s.period ? [s.period] : [])])].map((p) => ({ value: p, label: String(p) })), s.period);
    options(build.querySelector("#sc-step"), [{ value: "week", label: t("sc.step.week") }, { value: "day", label: t("sc.step.day") }], stepOf(s));
    build.querySelectorAll("[data-card]").forEach((card) => {
      const i = Number(card.dataset.card);
      const x = s.shocks[i];
      const cs = card.querySelector("[data-f=chain]");
      if (cs) {
        const optional = x.type !== "imports";
        options(cs, [...(optional ? [{ value: "", label: t("sc.anychain") }] : []), ...chains.map((c) => ({ value: c.id, label: nm(c) }))], x.chain || "");
        const ch = chains.find((c) => c.id === x.chain);
        options(card.querySelector("[data-f=segment]"), [{ value: "", label: t("sc.wholechain") }, ...(ch ? ch.segments.map((g) => ({ value: g.segment, label: nm(g) })) : [])], x.segment || "");
        card.querySelector("[data-f=segment]").disabled = !ch;
      }
      const ps = card.querySelector("[data-f=partner]");
      if (ps) {
        const cur = x.region !== undefined ? ["region", String(x.region)] : ["partner", String(x.partner ?? "")];
        const items = PARTNERS.some(([k, c]) => k === cur[0] && c === cur[1]) ? PARTNERS : [cur, ...PARTNERS];
        ps.innerHTML = items.map(([k, c]) => `<option value="${esc(k + ":" + c)}" ${k === cur[0] && c === cur[1] ? "selected" : ""}>${esc(partnerName(k, c))}</option>`).join("");
      }
    });
    markBad(view.error);
    markStale();
  }

  /** The results are of another scenario than the one now written: said above them. */
  function markStale() {
    const el = root.querySelector("#sc-stale");
    if (el) el.hidden = !view.posted || JSON.stringify(view.posted) === JSON.stringify(bodyOf(view.scen));
  }

  const num = (v) => (v === null || v === undefined ? "" : esc(v));
  function shockCard(x, i) {
    const s = view.scen;
    const dk = durKey(x) || (stepOf(s) === "day" ? "days" : "weeks");
    const chips = (x.places || []).map((p, j) => `<span class="chip on sc-place" data-place="${esc(p)}">${esc(placeText(p))}<button type="button" class="x" data-unplace="${i}:${j}" title="${esc(t("sc.remove"))}">×</button></span>`).join("");
    const placesRow = PLACED.has(x.type) ? `<div class="sc-line sc-places"><span class="label">${esc(t(x.type === "lockdown" ? "sc.places" : "sc.places.opt"))}</span>
        <span class="chips">${chips || `<span class="muted small">${esc(t("sc.noplace"))}</span>`}</span></div>` : "";
    const unit = { unit: t(stepOf(s) === "day" ? "sc.step.day" : "sc.step.week") };
    const time = `<div class="sc-line">${esc(tf("sc.start", unit))} <input type="number" min="1" max="${esc(s.horizon ?? "")}" data-f="start" value="${num(isNum(Number(x.start)) && x.start !== undefined ? Number(x.start) + 1 : 1)}">
        ${x.type === "fail" ? esc(tf("sc.tohorizon", unit)) : `${esc(tf("sc.lasting", unit))} <input type="number" min="1" data-f="dur" value="${num(x[dk])}" placeholder="${esc(t("sc.tohorizon.short"))}">
        <select data-f="durunit" class="sc-unit">${["weeks", "days", "steps"].map((k) => `<option value="${k}" ${k === dk ? "selected" : ""}>${esc(t("sc.unit." + k))}</option>`).join("")}</select>`}</div>`;
    const segRow = x.type === "lockdown" ? "" : `<div class="sc-line sc-seg"><select data-f="chain"></select><select data-f="segment"></select></div>`;
    const listed = (k, key) => (x[k] && x[k].length ? `<div class="hint">${esc(tf(key, { n: x[k].length, list: x[k].slice(0, 3).join(zh() ? "、" : ", ") + (x[k].length > 3 ? "…" : "") }))}</div>` : "");
    let body = "";
    if (x.type === "lockdown") {
      body = `<div class="sc-line">${esc(t("sc.wl.share"))} <input type="number" min="0" max="100" data-f="whitelist_share" value="${num(x.whitelist_share ?? 0)}"> % <span class="muted small">${esc(t("sc.wl.zero"))}</span></div>
        <div class="sc-line">${esc(t("sc.wl.cap"))} <input type="number" min="0" max="100" data-f="whitelist_capacity" value="${num(x.whitelist_capacity ?? 100)}"> %</div>
        <label class="check"><input type="checkbox" data-f="suppliers" ${x.suppliers === false ? "" : "checked"}> ${esc(t("sc.wl.suppliers"))}</label>
        ${listed("whitelist", "sc.wl.listed")}`;
    } else if (x.type === "imports") {
      body = `<div class="sc-line">${esc(t("sc.partner"))} <select data-f="partner" class="sc-partner"></select></div>
        <div class="sc-line">${esc(t("sc.cut"))} <input type="number" min="0" max="100" data-f="cut" value="${num(x.cut)}"> %</div>
        ${x.hs && x.hs.length ? `<div class="hint">${esc(tf("sc.hs", { list: [].concat(x.hs).join(", ") }))}</div>` : ""}`;
    } else if (x.type === "capacity") {
      body = `<div class="sc-line">${esc(t("sc.lost"))} <input type="number" min="0" max="100" data-f="lost" value="${num(x.lost)}"> %</div>${listed("firms", "sc.firms.listed")}`;
    } else {
      body = listed("firms", "sc.firms.listed");
    }
    const extraSegs = x.segments && x.segments.length ? `<div class="hint">${esc(tf("sc.segs", { list: [].concat(x.segments).map(segName).join(zh() ? "、" : ", ") }))}</div>` : "";
    return `<div class="sc-card ${i === view.active ? "active" : ""}" data-card="${i}" data-type="${esc(x.type)}">
      <div class="sc-card-head"><span class="sc-type sc-type-${esc(x.type)}">${esc(t("sc.type." + x.type))}</span>
        <input type="text" data-f="label" value="${esc(x.label || "")}" placeholder="${esc(t("sc.label"))}">
        ${PLACED.has(x.type) ? `<button type="button" class="btn mini sc-pickbtn" data-pick="${i}" title="${esc(t("sc.pick.h"))}">${esc(i === view.active ? t("sc.picking") : t("sc.pick"))}</button>` : ""}
        <button type="button" class="closer" data-del="${i}" title="${esc(t("sc.remove"))}">×</button></div>
      ${placesRow}${segRow}${extraSegs}${body}${time}
      <div class="sc-card-err error-text"></div></div>`;
  }

  function variantRow(v, i) {
    const st = v.settings || {};
    const inv = st.inventory_days;
    const invV = inv !== null && typeof inv === "object" ? inv.default : inv;
    const sub = st.substitution;
    const subV = sub === undefined ? "" : (typeof sub === "object" && sub !== null ? sub.enabled !== false : sub !== false && sub !== "false") ? "on" : "off";
    const poolV = v.pool === undefined || v.pool === null ? "" : v.pool === false || v.pool === "false" ? "off" : "on";
    const sel = (f, val) => `<select data-v="${f}">${["", "on", "off"].map((o) => `<option value="${o}" ${o === val ? "selected" : ""}>${esc(t("sc.v." + (o || "same")))}</option>`).join("")}</select>`;
    return `<tr data-vrow="${i}"><td><input type="text" data-v="name" value="${esc(v.name || "")}"></td>
      <td class="num"><input type="number" min="0" max="3650" data-v="inv" value="${num(invV)}" placeholder="${esc(t("sc.v.same.short"))}"></td>
      <td>${sel("sub", subV)}</td><td>${sel("pool", poolV)}</td>
      <td><button type="button" class="closer" data-vdel="${i}" title="${esc(t("sc.remove"))}">×</button></td></tr>`;
  }

  /** The card of the shock an error names (`shocks[1].weeks: ...`) is marked and shows the message. */
  function markBad(message) {
    build.querySelectorAll(".sc-card.bad").forEach((c) => { c.classList.remove("bad"); c.querySelector(".sc-card-err").textContent = ""; });
    const m = /^shocks\[(\d+)\]/.exec(String(message || ""));
    const card = m && build.querySelector(`[data-card="${m[1]}"]`);
    if (card) { card.classList.add("bad"); card.querySelector(".sc-card-err").textContent = message; card.scrollIntoView({ block: "nearest" }); }
  }

  const numOf = (el) => (el.value === "" ? undefined : Number(el.value));
  const setKey = (obj, k, v) => { if (v === undefined) delete obj[k]; else obj[k] = v; };

  build.addEventListener("change", (e) => {
    if (e.target.id === "sc-file") { openChosen(e.target); return; }
    onChange(e);
    markStale();
  });

  /** The file chosen in "打开情景文件": read by the API into the builder (the scenario on the page stays as it was
   * when the file is refused, with the API's words for why). */
  async function openChosen(input) {
    const file = input.files && input.files[0];
    if (!file || view.opening) return;
    view.opening = true;
    drawBuild();
    try {
      await openFile(file, meta);
    } finally {
      view.opening = false;
      if (build.isConnected) { drawBuild(); drawMap(); }
      root.dataset.opened = String((Number(root.dataset.opened) || 0) + 1);
    }
  }
  function onChange(e) {
    const el = e.target;
    const s = view.scen;
    s.settings = s.settings || {};
    const set = s.settings;
    if (el.dataset.bind) {
      const k = el.dataset.bind;
      if (k === "name") setKey(s, k, el.value.trim() || undefined);
      else if (k === "period" || k === "horizon") setKey(s, k, numOf(el));
      else if (k === "step") { s.step = el.value; drawBuild(); }
      if (k === "horizon") drawBuild();
      return;
    }
    if (el.dataset.set) {
      const k = el.dataset.set;
      const subObj = () => {
        const cur = set.substitution;
        if (typeof cur !== "object" || cur === null) set.substitution = { enabled: cur === undefined ? true : cur !== false && cur !== "false" };
        return set.substitution;
      };
      if (k === "inv") {
        if (set.inventory_days !== null && typeof set.inventory_days === "object") setKey(set.inventory_days, "default", numOf(el));
        else setKey(set, "inventory_days", numOf(el));
      } else if (k === "sub") { subObj().enabled = el.checked; drawBuild(); }
      else if (k === "radius") subObj().radius_km = el.value === "" ? null : Number(el.value);
      else if (k === "delay") setKey(subObj(), "delay_days", numOf(el));
      else if (k === "share") setKey(subObj(), "capacity_share", numOf(el));
      else if (k === "recovery") setKey(set, "recovery", numOf(el));
      else if (k === "pool") { (s.shocks || []).forEach((x) => { if (x.type === "lockdown") x.pool = el.checked; }); }
      return;
    }
    const card = el.closest("[data-card]");
    if (card && el.dataset.f) {
      const x = s.shocks[Number(card.dataset.card)];
      const f = el.dataset.f;
      if (f === "label") setKey(x, "label", el.value.trim() || undefined);
      else if (f === "start") setKey(x, "start", el.value === "" ? undefined : Number(el.value) - 1);
      else if (f === "dur" || f === "durunit") {
        const d = card.querySelector("[data-f=dur]");
        const unit = card.querySelector("[data-f=durunit]").value;
        ["weeks", "days", "steps"].forEach((k) => delete x[k]);
        if (d.value !== "") x[unit] = Number(d.value);
      } else if (f === "chain") {
        delete x.segments;
        setKey(x, "chain", el.value || undefined);
        const ch = chains.find((c) => c.id === el.value);
        setKey(x, "segment", ch && x.type === "imports" && ch.segments[0] ? ch.segments[0].segment : undefined);
        drawBuild();
      } else if (f === "segment") setKey(x, "segment", el.value || undefined);
      else if (f === "partner") {
        const [kind, code] = el.value.split(":");
        ["partner", "partners", "region", "regions"].forEach((k) => delete x[k]);
        x[kind] = code;
      } else if (f === "suppliers") x.suppliers = el.checked;
      else setKey(x, f, numOf(el));
      return;
    }
    const row = el.closest("[data-vrow]");
    if (row && el.dataset.v) {
      const v = s.compare[Number(row.dataset.vrow)];
      const f = el.dataset.v;
      v.settings = v.settings || {};
      if (f === "name") v.name = el.value.trim();
      else if (f === "inv") setKey(v.settings, "inventory_days", numOf(el));
      else if (f === "sub") setKey(v.settings, "substitution", el.value === "" ? undefined : el.value === "on");
      else if (f === "pool") setKey(v, "pool", el.value === "" ? undefined : el.value === "on");
      if (!Object.keys(v.settings).length) delete v.settings;
    }
  }

  build.addEventListener("click", async (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    const s = view.scen;
    if (b.id === "sc-example") {
      try { await loadExample(meta, true); view.error = ""; } catch (err) { view.error = err.message || String(err); }
      drawBuild(); drawMap();
    } else if (b.id === "sc-blank") {
      view.scen = blank(meta.periods); view.note = ""; view.file = null; view.fileError = ""; view.active = -1; view.error = "";
      drawBuild(); drawMap();
    } else if (b.id === "sc-open") {
      const input = build.querySelector("#sc-file");
      input.value = ""; // the same file chosen again is read again
      input.click();
    } else if (b.id === "sc-save") {
      // UTF-8 with a BOM: Notepad of older Windows then reads it as UTF-8, not as GBK
      saveAs(new Blob(["\ufeff" + scenarioYaml(bodyOf(s))], { type: "application/yaml;charset=utf-8" }), `${stem("scenario", s.name)}.yaml`);
    } else if (b.dataset.add) {
      s.shocks = s.shocks || [];
      s.shocks.push(newShock(b.dataset.add, s));
      if (PLACED.has(b.dataset.add)) { view.active = s.shocks.length - 1; setMode("pick"); }
      drawBuild(); drawMap();
    } else if (b.dataset.del !== undefined) {
      const i = Number(b.dataset.del);
      s.shocks.splice(i, 1);
      if (view.active === i) view.active = -1; else if (view.active > i) view.active -= 1;
      drawBuild(); drawMap();
    } else if (b.dataset.pick !== undefined) {
      view.active = Number(b.dataset.pick);
      setMode("pick");
      drawBuild(); drawMap();
    } else if (b.dataset.unplace) {
      const [i, j] = b.dataset.unplace.split(":").map(Number);
      s.shocks[i].places.splice(j, 1);
      drawBuild(); drawMap();
    } else if (b.id === "sc-v-add") {
      s.compare = s.compare || [];
      s.compare.push({ name: tf("sc.v.n", { n: s.compare.length + 1 }) });
      drawBuild();
    } else if (b.id === "sc-v-std") {
      s.compare = standardVariants();
      drawBuild();
    } else if (b.id === "sc-v-none") {
      delete s.compare;
      drawBuild();
    } else if (b.dataset.vdel !== undefined) {
      s.compare.splice(Number(b.dataset.vdel), 1);
      if (!s.compare.length) delete s.compare;
      drawBuild();
    } else if (b.id === "sc-run") {
      runScenario();
    }
  });
  // a card clicked anywhere (but its controls) becomes the one the map's clicks go to
  build.addEventListener("click", (e) => {
    const card = e.target.closest("[data-card]");
    if (!card || e.target.closest("button, input, select")) return;
    const i = Number(card.dataset.card);
    if (i === view.active || !PLACED.has(view.scen.shocks[i].type)) return;
    view.active = i;
    setMode("pick");
    drawBuild(); drawMap();
  });

  // ---------------------------------------------------------------------------------------------- running
  function runScenario() {
    if (view.running) return;
    stop();
    pending = simulate();
    follow(pending);
  }

  /** While the POST is in flight: the busy state with the seconds it has taken; then the answer drawn, or the
   * error shown, if this drawing of the page is still the one on show (the page may have been left, or drawn
   * again in the other language: that drawing follows the same POST). */
  function follow(p) {
    root.dataset.running = "1";
    drawBuild();
    const ticker = setInterval(() => {
      const el = build.querySelector("#sc-busy-text");
      if (el) el.textContent = tf("sc.running.s", { s: Math.round((Date.now() - view.started) / 1000) });
    }, 1000);
    p.then(async () => {
      clearInterval(ticker);
      if (!build.isConnected) return;
      root.dataset.running = "0";
      drawBuild();
      if (!view.error) await drawAll();
      root.dataset.error = view.error ? "1" : "0";
    });
  }

  // ---------------------------------------------------------------------------------------------- the map
  function setMode(m) {
    if (m === "spread" && !view.result) return;
    view.mode = m;
    if (m === "pick") stop();
  }
  root.querySelector("#sc-mode").addEventListener("click", (e) => {
    const b = e.target.closest("[data-mode]");
    if (!b) return;
    setMode(b.dataset.mode);
    drawMap();
  });
  root.querySelector("#sc-scale").addEventListener("click", (e) => {
    const b = e.target.closest("[data-scale]");
    if (!b) return;
    view.pickScale = b.dataset.scale;
    drawMap();
  });
  map.on("click", (p) => {
    const unit = p.name ? String(p.name) : null;
    if (!unit) return;
    if (view.mode === "pick") togglePlace(unit);
    else if (view.result) { view.place = view.place === unit ? null : unit; drawWeek(); drawRegion(); }
  });

  /** A place clicked while picking: into or out of the active shock (a new lockdown when none takes places). */
  function togglePlace(unit) {
    const s = view.scen;
    s.shocks = s.shocks || [];
    let x = s.shocks[view.active];
    if (!x || !PLACED.has(x.type)) {
      x = newShock("lockdown", s);
      s.shocks.push(x);
      view.active = s.shocks.length - 1;
    }
    x.places = x.places || [];
    const hit = x.places.filter((p) => { const u = placeUnit(p); return u && (u === unit || covers(u, unit) || covers(unit, u)); });
    const larger = hit.filter((p) => { const u = placeUnit(p); return u !== unit && covers(u, unit); });
    if (larger.length) {
      pickNote = tf("sc.pick.inside", { place: placeName(unit, PL.byUnit.get(unit)), in: placeText(larger[0]) });
    } else if (hit.length) {
      x.places = x.places.filter((p) => !hit.includes(p));
      pickNote = "";
    } else {
      x.places.push(unit);
      pickNote = "";
    }
    drawBuild();
    drawMap();
  }
  let pickNote = "";

  async function drawMap() {
    const el = root.querySelector("#sc-map");
    const spread = view.mode === "spread" && view.result;
    root.querySelector("#sc-mode").innerHTML = `<button type="button" data-mode="pick" class="${spread ? "" : "on"}">${esc(t("sc.mode.pick"))}</button>
      <button type="button" data-mode="spread" class="${spread ? "on" : ""}" ${view.result ? "" : "disabled"} title="${esc(view.result ? "" : t("sc.mode.spread.h"))}">${esc(t("sc.mode.spread"))}</button>`;
    const scaleEl = root.querySelector("#sc-scale");
    scaleEl.innerHTML = spread ? "" : ["city", "county"].map((k) => `<button type="button" data-scale="${k}" class="${view.pickScale === k ? "on" : ""}">${esc(t("scale." + k))}</button>`).join("");
    root.querySelector("#sc-weekbar").hidden = !spread;
    // data-mode says which map is drawn (set once it is): a click before that would land on the other one
    if (spread) { await registerScale("county"); drawWeek(); el.dataset.mode = "spread"; return; }
    const scale = view.pickScale;
    await registerScale(scale);
    const s = view.scen;
    const list = scale === "city" ? cities : counties;
    const act = s.shocks && s.shocks[view.active] && PLACED.has(s.shocks[view.active].type) ? s.shocks[view.active] : null;
    const mine = ((act && act.places) || []).map(placeUnit).filter(Boolean);
    const others = (s.shocks || []).filter((x) => x !== act && PLACED.has(x.type)).flatMap((x) => (x.places || []).map(placeUnit)).filter(Boolean);
    const status = (u) => {
      if (mine.some((p) => covers(p, u))) return "mine";
      if (others.some((p) => covers(p, u))) return "other";
      if ([...mine, ...others].some((p) => covers(u, p))) return "part";
      return "";
    };
    const fill = { mine: PICKED, other: PICKED_OTHER, part: PICKED_PART };
    const data = list.map((p) => {
      const u = String(p.unit);
      const st = status(u);
      return { name: u, value: st ? 1 : 0, status: st,
        itemStyle: st ? { areaColor: fill[st] } : undefined,
        label: st === "mine" || (st === "other" && scale === "city") ? { show: true, color: st === "mine" ? "#fff" : "#12355b", fontWeight: st === "mine" ? "bold" : "normal" } : undefined };
    });
    el.dataset.picked = mine.slice().sort().join(",");
    map.setOption({
      tooltip: { trigger: "item", confine: true, formatter: (p) => {
        const st = (p.data && p.data.status) || "";
        return `<b>${esc(placeName(p.name, PL.byUnit.get(p.name)))}</b><br>${esc(st === "mine" ? t("sc.tip.out") : st === "part" ? t("sc.tip.part") : act ? t("sc.tip.in") : t("sc.tip.new"))}`;
      } },
      series: [{ id: "places", type: "map", map: `yrd-${scale}`, roam: true, layoutCenter: ["60%", "52%"], layoutSize: "96%", selectedMode: false,
        label: { show: false, fontSize: 11, formatter: (p) => placeName(p.name, PL.byUnit.get(p.name)) },
        itemStyle: { borderColor: "#8899aa", borderWidth: scale === "city" ? 0.7 : 0.4, areaColor: "#f1f4f8" },
        emphasis: { itemStyle: { areaColor: "#ffd27f" }, label: { show: true, color: "#1f2733" } },
        data }],
    }, { replaceMerge: ["series"] });
    el.dataset.mode = "pick";
    root.querySelector("#sc-legend").innerHTML = `<div class="wl"><i class="sw" style="background:${PICKED}"></i>${esc(t("sc.lg.mine"))}</div>
      <div class="wl"><i class="sw" style="background:${PICKED_OTHER}"></i>${esc(t("sc.lg.other"))}</div>
      <div class="wl"><i class="sw" style="background:${PICKED_PART}"></i>${esc(t("sc.lg.part"))}</div>`;
    const side = root.querySelector("#sc-map-side");
    side.innerHTML = `<h3>${esc(t("sc.pick.title"))}</h3>
      <p class="hint">${esc(act ? tf("sc.pick.to", { n: view.active + 1, what: shockLine(act, s) }) : t("sc.pick.none"))}</p>
      ${act ? `<div class="chips">${(act.places || []).map((p) => `<span class="chip on">${esc(placeText(p))}</span>`).join("") || `<span class="muted small">${esc(t("sc.noplace"))}</span>`}</div>` : ""}
      <p class="hint warn-text" id="sc-pick-note">${esc(pickNote)}</p>
      <p class="hint">${esc(t("sc.pick.how"))}</p>`;
    root.querySelector("#sc-live").textContent = "";
  }

  // ---------------------------------------------------------------------------------------------- results
  let idx = null; // the answer indexed: places by variant and step, series by variant
  function indexResult() {
    const r = view.result;
    const places = new Map();
    for (const row of r.places) {
      if (!places.has(row.variant)) places.set(row.variant, []);
      const per = places.get(row.variant);
      (per[row.step] = per[row.step] || new Map()).set(String(row.unit), row);
    }
    const series = new Map();
    for (const row of r.series) {
      if (!series.has(row.variant)) series.set(row.variant, []);
      series.get(row.variant)[row.step] = row;
    }
    idx = { places, series, answer: r };
  }
  const lossFill = (share) => (share <= 1e-12 ? NO_LOSS : CLASSES.find(([hi]) => share <= hi)[1]);

  /** The map, the places list, the live line and the place read-out at the week on show. */
  function drawWeek() {
    if (!view.result) return;
    if (!idx || idx.answer !== view.result) indexResult();
    const r = view.result;
    const H = r.scenario.horizon;
    view.week = Math.max(0, Math.min(view.week, H - 1));
    const wk = view.week;
    const slider = root.querySelector("#sc-week");
    slider.max = String(H - 1);
    slider.value = String(wk);
    root.querySelector("#sc-week-label").textContent = `${stepLabel(wk)} / ${tf(stepOf(view.posted) === "day" ? "sc.ofdays" : "sc.ofweeks", { n: H })}`;
    options(root.querySelector("#sc-variant"), r.summary.map((x) => ({ value: x.variant, label: x.variant })), view.variant);
    root.querySelector("#sc-play").textContent = timer ? "⏸" : "▶";
    const rows = (idx.places.get(view.variant) || [])[wk] || new Map();
    // the lockdowns in force this week: their counties outlined
    const locked = (view.posted.shocks || []).filter((x) => x.type === "lockdown" && (() => { const [a, b] = shockSpan(x, view.posted); return wk >= a && wk < b; })())
      .flatMap((x) => (x.places || []).map(placeUnit)).filter(Boolean);
    const data = counties.map((p) => {
      const u = String(p.unit);
      const row = rows.get(u);
      const share = row ? row.loss_share : null;
      const color = !row ? NO_FIRMS : row.suppressed ? WITHHELD : lossFill(share);
      const lock = locked.some((l) => covers(l, u));
      const sel = view.place === u;
      return { name: u, value: row && !row.suppressed ? share : null, loss: row ? row.loss : null,
        itemStyle: { areaColor: color, borderColor: sel ? "#1f2733" : lock ? "#12355b" : "#a7b2bf", borderWidth: sel ? 2.5 : lock ? 1.4 : 0.35 } };
    });
    const tip = (u) => {
      const row = rows.get(u);
      const name = esc(placeName(u, PL.byUnit.get(u)));
      if (!row) return `<b>${name}</b><br>${esc(t("sc.nofirms"))}`;
      if (row.suppressed) return `<b>${name}</b><br>${esc(t("map.withheld"))}`;
      return `<b>${name}</b> · ${esc(stepLabel(wk))}<br>${esc(t("sc.k.loss"))}: ${esc(money(row.loss))}${par(pc(row.loss_share))}<br>
        <span style="color:${DIRECT}">■</span> ${esc(t("sc.direct"))} ${esc(money(row.direct))} · <span style="color:${INDIRECT}">■</span> ${esc(t("sc.indirect"))} ${esc(money(row.indirect))}`;
    };
    map.setOption({
      tooltip: { trigger: "item", confine: true, formatter: (p) => tip(p.name) },
      series: [{ id: "places", type: "map", map: "yrd-county", roam: true, layoutCenter: ["60%", "52%"], layoutSize: "96%", selectedMode: false,
        label: { show: false, formatter: (p) => placeName(p.name, PL.byUnit.get(p.name)) },
        itemStyle: { borderColor: "#a7b2bf", borderWidth: 0.35, areaColor: NO_FIRMS },
        emphasis: { itemStyle: { areaColor: "#ffd27f" }, label: { show: true, fontSize: 11, color: "#1f2733" } },
        data }],
    }, { replaceMerge: ["series"] });
    const el = root.querySelector("#sc-map");
    el.dataset.step = String(wk);
    el.dataset.variant = view.variant;
    const lo = (i) => (i === 0 ? 0 : CLASSES[i - 1][0]);
    root.querySelector("#sc-legend").innerHTML = `<div><b>${esc(tf("sc.lg.loss", { w: stepLabel(wk) }))}</b></div>
      ${CLASSES.map(([hi, c], i) => `<div class="wl"><i class="sw" style="background:${c}"></i>${hi === Infinity ? `> ${pc(lo(i), 0)}` : `${pc(lo(i), 0)} – ${pc(hi, 0)}`}</div>`).join("")}
      <div class="wl"><i class="sw" style="background:${NO_LOSS};border:1px solid #cfd6dd"></i>${esc(t("sc.lg.none"))}</div>
      <div class="wl"><i class="sw" style="background:${NO_FIRMS}"></i>${esc(t("sc.nofirms"))}</div>
      ${[...rows.values()].some((x) => x.suppressed) ? `<div class="wl"><i class="sw" style="background:${WITHHELD}"></i>${esc(t("sc.lg.withheld"))}</div>` : ""}
      ${locked.length ? `<div class="wl"><i class="sw" style="background:#fff;border:2px solid #12355b"></i>${esc(t("sc.lg.locked"))}</div>` : ""}`;
    // the places losing most this week
    const top = [...rows.values()].filter((x) => !x.suppressed && x.loss > 1e-9).sort((a, b) => b.loss - a.loss || b.loss_share - a.loss_share).slice(0, 12);
    const pr = view.place ? rows.get(view.place) : null;
    const readout = view.place ? `<div class="sc-readout" id="sc-place" data-unit="${esc(view.place)}" data-step="${wk}" data-variant="${esc(view.variant)}"
        data-loss="${pr && !pr.suppressed ? pr.loss : ""}" data-share="${pr && !pr.suppressed ? pr.loss_share : ""}" data-direct="${pr && !pr.suppressed ? pr.direct : ""}" data-indirect="${pr && !pr.suppressed ? pr.indirect : ""}">
        <b>${esc(placeName(view.place, PL.byUnit.get(view.place)))}</b> · ${esc(stepLabel(wk))}<button type="button" class="closer" id="sc-place-x" title="${esc(t("sc.remove"))}">×</button><br>
        ${!pr ? esc(t("sc.nofirms")) : pr.suppressed ? esc(t("map.withheld")) : `${esc(t("sc.k.loss"))} <b class="sc-place-loss">${esc(money(pr.loss))}</b>${par(pc(pr.loss_share))}<br>
          <span class="small muted">${esc(t("sc.direct"))} ${esc(money(pr.direct))} · ${esc(t("sc.indirect"))} ${esc(money(pr.indirect))} · ${esc(t("sc.baseline"))} ${esc(money(pr.baseline))}</span>`}</div>` : `<p class="hint">${esc(t("sc.place.h"))}</p>`;
    root.querySelector("#sc-map-side").innerHTML = `${readout}
      <h3>${esc(tf("sc.top", { w: stepLabel(wk) }))}</h3>
      ${top.length ? `<ol class="sc-top" id="sc-top">${top.map((x) => `<li data-unit="${esc(x.unit)}" data-loss="${x.loss}" data-share="${x.loss_share}" class="${x.unit === view.place ? "sel" : ""}">
          <span class="nm">${esc(placeName(x.unit, PL.byUnit.get(String(x.unit))))}</span><span class="bar"><i style="width:${Math.min(100, x.loss_share * 100).toFixed(1)}%;background:${lossFill(x.loss_share)}"></i></span>
          <span class="v">${pc(x.loss_share)}</span><span class="m muted">${esc(money(x.loss))}</span></li>`).join("")}</ol>` : `<p class="muted">${esc(t("sc.top.none"))}</p>`}`;
    // the shocks in force and the region's loss this week
    const live = (view.posted.shocks || []).filter((x) => { const [a, b] = shockSpan(x, view.posted); return wk >= a && wk < b; });
    const ser = (idx.series.get(view.variant) || [])[wk];
    root.querySelector("#sc-live").innerHTML = `${ser ? `${esc(tf("sc.live.region", { w: stepLabel(wk) }))} <b>${pc(ser.loss_share)}</b>${par(`${esc(money(ser.loss))}${zh() ? "；" : "; "}${esc(t("sc.direct"))} ${esc(money(ser.direct))}${zh() ? "，" : ", "}${esc(t("sc.indirect"))} ${esc(money(ser.indirect))}`)}${zh() ? "。" : ". "}` : ""}
      ${esc(t("sc.live.shocks"))}${live.length ? live.map((x) => esc(shockLine(x, view.posted))).join(zh() ? "；" : "; ") : esc(t("sc.live.none"))}`;
    markWeek();
  }

  root.querySelector("#sc-week").addEventListener("input", (e) => { view.week = Number(e.target.value); drawWeek(); });
  root.querySelector("#sc-variant").addEventListener("change", (e) => { view.variant = e.target.value; drawAll(); });
  root.querySelector("#sc-play").addEventListener("click", () => {
    if (timer) { stop(); drawWeek(); return; }
    const H = view.result.scenario.horizon;
    if (view.week >= H - 1) view.week = 0;
    timer = setInterval(() => {
      if (!build.isConnected || view.mode !== "spread") { stop(); return; }
      view.week += 1;
      if (view.week >= H - 1) { view.week = H - 1; stop(); }
      drawWeek();
    }, 900);
    drawWeek();
  });
  root.querySelector("#sc-map-side").addEventListener("click", (e) => {
    if (e.target.closest("#sc-place-x")) { view.place = null; drawWeek(); drawRegion(); return; }
    const li = e.target.closest("li[data-unit]");
    if (li) { view.place = li.dataset.unit; drawWeek(); drawRegion(); }
  });

  const charts = {};
  /** The week on show, marked on the time charts. */
  function markWeek() {
    const x = stepLabel(view.week);
    if (!view.result) return;
    for (const c of [charts.region, charts.compare]) {
      if (!c) continue;
      c.setOption({ series: [{ id: "week", markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: "#12355b", type: "solid", width: 1.5 }, data: [{ xAxis: view.week, name: x }] } }] });
    }
  }

  async function drawAll() {
    if (!view.result) {
      root.querySelector("#sc-results").innerHTML = `<div class="panel sc-empty"><h2>${esc(t("sc.results"))}</h2><p class="hint">${esc(t("sc.results.h"))}</p></div>`;
      await drawMap();
      return;
    }
    indexResult();
    const r = view.result;
    if (!r.summary.some((x) => x.variant === view.variant)) view.variant = r.summary[0].variant;
    const v = r.summary.find((x) => x.variant === view.variant);
    const res = root.querySelector("#sc-results");
    disposeAll(res);
    const stale = JSON.stringify(view.posted) !== JSON.stringify(bodyOf(view.scen));
    const steps = r.scenario.horizon;
    const W = (n) => tf(stepOf(view.posted) === "day" ? "sc.ndays" : "sc.nweeks", { n });
    const kpi = (k, label, value, sub, raw) => `<div class="sc-kpi" data-k="${k}" data-v="${raw ?? ""}"><div class="l">${esc(label)}</div><div class="v">${value}</div><div class="s">${sub}</div></div>`;
    res.innerHTML = `
      <div class="panel" id="sc-summary" data-variant="${esc(v.variant)}">
        <h2>${esc(t("sc.results"))} · ${esc(r.scenario.name)} <span class="muted">${esc(tf("sc.results.sub", { period: r.scenario.period, n: steps, w: t(stepOf(view.posted) === "day" ? "sc.days" : "sc.weeks"), s: r.seconds.toFixed(1) }))}</span></h2>
        <p class="hint warn-text" id="sc-stale" ${stale ? "" : "hidden"}>${esc(t("sc.stale"))}</p>
        ${scopeNote(r.jurisdiction, "sc.scope", "sc-scope")}
        <div class="seg sc-vseg" id="sc-vseg"></div>
        <div class="sc-kpis" id="sc-kpis">
          ${kpi("loss", t("sc.k.loss"), esc(money(v.loss)), esc(tf("sc.k.loss.s", { p: pc(v.loss_share, 2) })), v.loss)}
          ${kpi("direct", t("sc.k.split"), `<span class="two"><span style="color:${DIRECT}">${esc(t("sc.direct"))} ${esc(money(v.direct))}</span><br><span style="color:#9a6700">${esc(t("sc.indirect"))} ${esc(money(v.indirect))}</span></span>`,
            esc(isNum(v.indirect_ratio) ? tf("sc.k.ratio", { r: v.indirect_ratio.toFixed(2) }) : t("sc.k.noratio")), v.direct)}
          ${kpi("peak", t("sc.k.peak"), pc(v.peak_loss_share), esc(tf("sc.k.peak.s", { w: stepLabel(v.peak_step) })), v.peak_loss_share)}
          ${kpi("recovery", t("sc.k.rec"), esc(v.recovery_steps === null || v.recovery_steps === undefined ? t("sc.k.norec") : W(v.recovery_steps)),
            esc(v.recovered_step === null || v.recovered_step === undefined ? t("sc.k.norec.s") : tf("sc.k.rec.s", { w: stepLabel(v.recovered_step) })), v.recovery_steps ?? "")}
          ${kpi("subs", t("sc.k.subs"), esc(tf("sc.k.subs.v", { n: v.substitutions.toLocaleString() })), esc(money(v.substituted)), v.substitutions)}
          ${kpi("white", t("sc.k.white"), esc(tf("sc.k.white.v", { n: v.whitelisted.toLocaleString() })), esc(t("sc.k.white.s")), v.whitelisted)}
        </div>
      </div>
      <div class="panel" id="sc-region-panel"><h2>${esc(t("sc.region"))}</h2><p class="hint">${esc(t("sc.region.h"))}</p><div class="chart sc-chart"><div class="chart-box" id="sc-region"></div></div></div>
      <div class="panel" id="sc-compare-panel"><h2>${esc(t("sc.cmp"))}</h2><p class="hint">${esc(t("sc.cmp.h"))}</p>
        <div class="chart sc-chart"><div class="chart-box" id="sc-compare"></div></div>
        <div id="sc-vtable" class="hscroll sc-vtable"></div></div>
      <div class="panel" id="sc-subs-panel"><h2>${esc(t("sc.subs"))} <span class="muted">${esc(v.variant)}</span></h2><p class="hint">${esc(t("sc.subs.h"))}</p><div id="sc-subs" class="hscroll"></div></div>
      <div class="panel" id="sc-white-panel"><h2>${esc(t("sc.white"))} <span class="muted">${esc(v.variant)}</span></h2><p class="hint">${esc(t("sc.white.h"))}</p><div id="sc-white" class="hscroll"></div></div>
      <div class="panel" id="sc-firms-panel"><h2>${esc(t("sc.firms"))} <span class="muted">${esc(v.variant)}</span></h2><p class="hint">${esc(t("sc.firms.h"))}</p><div id="sc-firms" class="hscroll"></div></div>
      ${r.notes && r.notes.length ? `<details class="panel sc-notes"><summary>${esc(t("sc.notes"))}${par(r.notes.length)}</summary><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></details>` : ""}`;
    const vseg = res.querySelector("#sc-vseg");
    vseg.innerHTML = r.summary.map((x, i) => `<button type="button" data-variant="${esc(x.variant)}" class="${x.variant === view.variant ? "on" : ""}"><i class="sc-dot" style="background:${COMMUNITY[i % COMMUNITY.length]}"></i>${esc(x.variant)}</button>`).join("");
    vseg.addEventListener("click", (e) => { const b = e.target.closest("[data-variant]"); if (b) { view.variant = b.dataset.variant; drawAll(); } });
    drawRegion();
    drawCompare();
    drawTables();
    await drawMap();
    root.dataset.result = String(++drawn);
  }

  function drawRegion() {
    const box = root.querySelector("#sc-region");
    if (!box || !view.result) return;
    const c = chartOn(box);
    charts.region = c;
    window.__atlasCharts = { ...(window.__atlasCharts || {}), scenarioRegion: c };
    const r = view.result;
    const ser = idx.series.get(view.variant) || [];
    const v = r.summary.find((x) => x.variant === view.variant);
    const x = ser.map((_, s) => stepLabel(s));
    const pl = view.place ? (idx.places.get(view.variant) || []).map((m) => { const row = m && m.get(view.place); return row && !row.suppressed ? row.loss_share * 100 : null; }) : null;
    const areas = (view.posted.shocks || []).map((s) => { const [a, b] = shockSpan(s, view.posted); return [{ xAxis: a, name: s.label || t("sc.type." + s.type) }, { xAxis: Math.min(b, ser.length) - 1 }]; });
    const low = Math.min(0, ...ser.map((row) => (100 * row.loss) / row.baseline));
    c.setOption({
      animation: false,
      grid: { left: 56, right: 28, top: 48, bottom: 34 },
      tooltip: { trigger: "axis", formatter: (ps) => {
        const s = ps[0].dataIndex;
        const row = ser[s];
        const plx = pl && pl[s] !== null && pl[s] !== undefined ? `<br>${esc(placeName(view.place, PL.byUnit.get(view.place)))}: ${pl[s].toFixed(1)}%` : "";
        return `<b>${esc(x[s])}</b><br>${esc(t("sc.k.loss"))}: ${pc(row.loss_share, 2)}${par(esc(money(row.loss)))}<br><span style="color:${DIRECT}">■</span> ${esc(t("sc.direct"))}: ${pc(row.direct / row.baseline, 2)}${par(esc(money(row.direct)))}<br><span style="color:${INDIRECT}">■</span> ${esc(t("sc.indirect"))}: ${pc(row.indirect / row.baseline, 2)}${par(esc(money(row.indirect)))}${plx}`;
      } },
      legend: { top: 4, left: "center", data: [t("sc.direct"), t("sc.indirect"), ...(pl ? [placeName(view.place, PL.byUnit.get(view.place))] : [])] },
      xAxis: { type: "category", data: x, boundaryGap: false, axisLabel: { fontSize: 11 } },
      // a place may produce a little more than its baseline (for new customers): no axis below 0 for that
      yAxis: { type: "value", name: t("sc.axis.share"), nameTextStyle: { align: "left" }, min: low < -0.5 ? Math.floor(low) : 0,
        max: (e) => nice(e.max * 1.3), axisLabel: { formatter: (y) => `${y}%` } }, // room above the peak's pin
      series: [
        { id: "direct", name: t("sc.direct"), type: "line", stack: "loss", symbol: "none", itemStyle: { color: DIRECT }, areaStyle: { color: DIRECT, opacity: 0.85 }, lineStyle: { width: 1, color: DIRECT },
          data: ser.map((row) => +(100 * row.direct / row.baseline).toFixed(4)),
          markArea: { silent: true, itemStyle: { color: "rgba(18,53,91,0.06)" }, label: { fontSize: 10, color: "#5f6b7a", position: "insideTop" }, data: areas } },
        { id: "indirect", name: t("sc.indirect"), type: "line", stack: "loss", symbol: "none", itemStyle: { color: INDIRECT }, areaStyle: { color: INDIRECT, opacity: 0.85 }, lineStyle: { width: 1, color: INDIRECT },
          data: ser.map((row) => +(100 * row.indirect / row.baseline).toFixed(4)),
          markPoint: { symbol: "pin", symbolSize: 38, itemStyle: { color: "#7f0000" }, label: { fontSize: 10, formatter: () => pc(v.peak_loss_share) },
            data: [{ coord: [v.peak_step, 100 * v.peak_loss_share], name: "peak" }] } },
        ...(pl ? [{ id: "place", name: placeName(view.place, PL.byUnit.get(view.place)), type: "line", symbol: "circle", symbolSize: 4, itemStyle: { color: "#1f2733" }, lineStyle: { color: "#1f2733", type: "dashed", width: 1.5 }, data: pl }] : []),
        { id: "week", type: "line", data: [], markLine: { data: [] } },
        { id: "rec", type: "line", data: [], silent: true,
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#15803d", type: "dashed" },
            data: [{ yAxis: 5, label: { formatter: t("sc.line95"), position: "insideEndTop", fontSize: 10, color: "#15803d" } },
              ...(v.recovered_step !== null && v.recovered_step !== undefined ? [{ xAxis: v.recovered_step, label: { formatter: t("sc.recovered"), position: "insideStartTop", fontSize: 10, color: "#15803d" } }] : [])] } },
      ],
    }, { replaceMerge: ["series", "legend"] });
    c.off("click");
    c.on("click", (p) => { if (p.componentType === "series" && typeof p.dataIndex === "number") { view.week = p.dataIndex; drawWeek(); } });
    if (!box.parentElement.querySelector(".chart-tools")) {
      box.parentElement.append(chartTools(echarts, c, () => stem("scenario-loss", view.variant), () => ({
        header: [t("sc.c.step"), t("sc.baseline"), t("sc.c.output"), t("sc.k.loss"), t("sc.direct"), t("sc.indirect"), t("sc.c.share")],
        rows: ser.map((row) => [row.step + 1, row.baseline, row.output, row.loss, row.direct, row.indirect, row.loss_share]),
      })));
    }
    markWeek();
  }

  function drawCompare() {
    const r = view.result;
    const box = root.querySelector("#sc-compare");
    const c = chartOn(box);
    charts.compare = c;
    window.__atlasCharts = { ...(window.__atlasCharts || {}), scenarioCompare: c };
    const x = Array.from({ length: r.scenario.horizon }, (_, s) => stepLabel(s));
    const low = Math.min(0, ...r.series.map((row) => 100 * row.loss_share));
    c.setOption({
      animation: false,
      grid: { left: 56, right: 28, top: 48, bottom: 34 },
      tooltip: { trigger: "axis", valueFormatter: (y) => (isNum(y) ? `${y.toFixed(2)}%` : "–") },
      legend: { top: 4, left: "center", type: "scroll" },
      xAxis: { type: "category", data: x, boundaryGap: false, axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", name: t("sc.axis.share"), nameTextStyle: { align: "left" }, min: low < -0.5 ? Math.floor(low) : 0, axisLabel: { formatter: (y) => `${y}%` } },
      series: [
        ...r.summary.map((v, i) => ({ id: "v" + i, name: v.variant, type: "line", symbol: "circle", symbolSize: 4, itemStyle: { color: COMMUNITY[i % COMMUNITY.length] },
          lineStyle: { color: COMMUNITY[i % COMMUNITY.length], width: v.variant === view.variant ? 3 : 1.6 }, z: v.variant === view.variant ? 3 : 2,
          data: (idx.series.get(v.variant) || []).map((row) => +(100 * row.loss_share).toFixed(4)) })),
        { id: "week", type: "line", data: [], markLine: { data: [] } },
      ],
    }, { replaceMerge: ["series"] });
    if (!box.parentElement.querySelector(".chart-tools")) {
      box.parentElement.append(chartTools(echarts, c, () => stem("scenario-compare"), () => ({
        header: [t("sc.c.step"), ...view.result.summary.map((v) => v.variant)],
        rows: x.map((_, s) => [s + 1, ...view.result.summary.map((v) => (idx.series.get(v.variant) || [])[s]?.loss_share ?? null)]),
      })));
    }
    const cell = (k, f) => (val, row) => `<span data-k="${k}" data-v="${val ?? ""}">${f(val, row)}</span>`;
    const W = (n) => tf(stepOf(view.posted) === "day" ? "sc.ndays" : "sc.nweeks", { n });
    root.querySelector("#sc-vtable").innerHTML = table(r.summary, [
      { key: "variant", label: t("sc.c.variant"), fmt: (val, row) => `<a href="#" class="sc-vpick" data-variant="${esc(val)}"><i class="sc-dot" style="background:${COMMUNITY[r.summary.indexOf(row) % COMMUNITY.length]}"></i>${esc(val)}</a>`, csv: (val) => val },
      { key: "loss", label: t("sc.c.loss"), num: true, fmt: cell("loss", wan) },
      { key: "loss_share", label: t("sc.c.lossshare"), num: true, fmt: cell("loss_share", (val) => pc(val, 2)) },
      { key: "direct", label: t("sc.c.direct"), num: true, fmt: cell("direct", wan) },
      { key: "indirect", label: t("sc.c.indirect"), num: true, fmt: cell("indirect", wan) },
      { key: "indirect_ratio", label: t("sc.c.ratio"), num: true, fmt: cell("indirect_ratio", (val) => (isNum(val) ? val.toFixed(2) : "–")) },
      { key: "peak_loss_share", label: t("sc.c.peak"), num: true, fmt: cell("peak_loss_share", (val) => pc(val)) },
      { key: "peak_step", label: t("sc.c.peakstep"), num: true, fmt: cell("peak_step", (val) => esc(stepLabel(val))), csv: (val) => val + 1 },
      { key: "recovery_steps", label: t("sc.c.rec"), num: true, fmt: cell("recovery_steps", (val) => esc(val === null || val === undefined ? t("sc.k.norec") : W(val))) },
      { key: "substitutions", label: t("sc.c.subs"), num: true, fmt: cell("substitutions", (val) => val.toLocaleString()) },
      { key: "substituted", label: t("sc.c.substituted"), num: true, fmt: cell("substituted", wan) },
      { key: "whitelisted", label: t("sc.c.white"), num: true, fmt: cell("whitelisted", (val) => val.toLocaleString()) },
    ], { name: stem("scenario-variants", r.scenario.name), rowClass: (row) => `sc-vrow ${row.variant === view.variant ? "sel" : ""}` });
    root.querySelectorAll("#sc-vtable tbody tr").forEach((tr, i) => { tr.dataset.variant = r.summary[i].variant; });
    root.querySelector("#sc-vtable").onclick = (e) => {
      const a = e.target.closest(".sc-vpick");
      if (!a) return;
      e.preventDefault();
      view.variant = a.dataset.variant;
      drawAll();
    };
  }

  function drawTables() {
    const r = view.result;
    const mine = (rows) => (rows || []).filter((x) => x.variant === view.variant);
    const where = (u) => (u ? esc(placeName(u, PL.byUnit.get(String(u)))) : "–");
    const subs = mine(r.substitutions);
    root.querySelector("#sc-subs").innerHTML = subs.length ? table(subs, [
      { key: "customer_name", label: t("sc.s.customer"), fmt: (val, x) => `<span data-firm="${esc(x.customer)}">${esc(val)}</span><div class="small muted">${where(x.customer_place)}</div>`, csv: (val) => val },
      { key: "supplier_name", label: t("sc.s.old"), fmt: (val) => esc(val) },
      { key: "new_supplier_name", label: t("sc.s.new"), fmt: (val, x) => `${esc(val)}<div class="small muted">${where(x.new_supplier_place)}</div>`, csv: (val) => val },
      { key: "distance_km", label: t("sc.s.km"), num: true, digits: 0 },
      { key: "first_step", label: t("sc.s.step"), num: true, fmt: (val) => esc(stepLabel(val)), csv: (val) => val + 1 },
      { key: "value", label: t("sc.s.value"), num: true, fmt: wan },
    ], { name: stem("scenario-substitutions", view.variant) }) : `<p class="muted">${esc(t("sc.subs.none"))}</p>`;
    const white = mine(r.whitelist);
    root.querySelector("#sc-white").innerHTML = white.length ? table(white, [
      { key: "name", label: t("sc.w.firm"), fmt: (val, x) => `<span data-firm="${esc(x.firm)}">${esc(val)}</span>`, csv: (val) => val },
      { key: "adcode", label: t("sc.w.place"), fmt: (val) => where(val) },
      { key: "segment", label: t("sc.w.segment"), fmt: (val) => esc(segName(val)) },
      { key: "kept_alive", label: t("sc.w.kept"), num: true, fmt: wan },
    ], { name: stem("scenario-whitelist", view.variant) }) : `<p class="muted">${esc(t("sc.white.none"))}</p>`;
    const firms = mine(r.firms);
    root.querySelector("#sc-firms").innerHTML = firms.length ? table(firms, [
      { key: "name", label: t("sc.w.firm"), fmt: (val, x) => `<span data-firm="${esc(x.firm)}">${esc(val)}</span>`, csv: (val) => val },
      { key: "adcode", label: t("sc.w.place"), fmt: (val) => where(val) },
      { key: "segment", label: t("sc.w.segment"), fmt: (val) => esc(segName(val)) },
      { key: "loss", label: t("sc.f.loss"), num: true, fmt: wan },
      { key: "direct", label: t("sc.f.direct"), num: true, fmt: wan },
      { key: "indirect", label: t("sc.f.indirect"), num: true, fmt: wan },
      { key: "loss_share", label: t("sc.c.lossshare"), num: true, fmt: (val) => pc(val) },
    ], { name: stem("scenario-firms", view.variant) }) : `<p class="muted">${esc(t("sc.firms.none"))}</p>`;
  }

  // ---------------------------------------------------------------------------------------------- emergency list, risk
  const em = root.querySelector("#sc-em-panel");
  function drawEmHead() {
    em.innerHTML = `<h2>${esc(t("sc.em"))}</h2><p class="hint">${esc(t("sc.em.h"))}</p>
      <div class="btn-row sc-em-ctl">
        <label class="inline">${esc(t("f.chain"))} <select id="sc-em-chain"></select></label>
        <label class="inline">${esc(t("sc.em.province"))} <select id="sc-em-prov"></select></label>
        <button type="button" class="btn primary" id="sc-em-open">${esc(t("sc.em.open"))}</button>
        <button type="button" class="btn" id="sc-risk-open">${esc(t("sc.risk.open"))}</button>
        <span class="sc-busy" id="sc-em-busy" hidden><span class="spinner" aria-hidden="true"></span>${esc(t("app.loading"))}</span>
      </div>
      ${scopeNote(view.me && view.me.jurisdiction, "sc.scope.em", "sc-em-scope")}
      <div class="error-text" id="sc-em-error" role="alert"></div>
      <div id="sc-em-body"></div>`;
    options(em.querySelector("#sc-em-chain"), chains.map((c) => ({ value: c.id, label: nm(c) })), view.em.chain);
    options(em.querySelector("#sc-em-prov"), [{ value: "", label: t("sc.em.allprov") }, ...PROVINCES.map((p) => ({ value: p, label: placeName(p, PL.byUnit.get(p)) }))], view.em.province);
    em.querySelector("#sc-em-chain").addEventListener("change", (e) => { view.em.chain = e.target.value; if (view.em.tab) openEm(view.em.tab); });
    em.querySelector("#sc-em-prov").addEventListener("change", (e) => { view.em.province = e.target.value; if (view.em.tab) openEm(view.em.tab); });
    em.querySelector("#sc-em-open").addEventListener("click", () => openEm("list"));
    em.querySelector("#sc-risk-open").addEventListener("click", () => openEm("risk"));
  }
  let emSeq = 0;
  async function openEm(tab) {
    view.em.tab = tab;
    em.querySelector("#sc-em-prov").disabled = tab === "risk"; // the ranking is the chain's, not a province's
    const my = ++emSeq;
    const body = em.querySelector("#sc-em-body");
    const busyEl = em.querySelector("#sc-em-busy");
    em.querySelector("#sc-em-error").textContent = "";
    busyEl.hidden = false;
    em.dataset.loading = "1";
    try {
      const period = view.posted ? view.posted.period : view.scen ? view.scen.period : null;
      const ans = tab === "list"
        ? await get("/api/emergency-list", { chain: view.em.chain, province: view.em.province || null, period })
        : await get("/api/risk", { chain: view.em.chain, top: 50, period });
      if (my !== emSeq || !em.isConnected) return;
      disposeAll(body);
      if (tab === "list") drawEmergency(body, ans); else drawRisk(body, ans);
      em.dataset.shown = tab;
      em.dataset.chain = view.em.chain || "";
      em.dataset.province = tab === "list" ? view.em.province : "";
    } catch (e) {
      if (my === emSeq) em.querySelector("#sc-em-error").textContent = e.message || String(e);
    } finally {
      if (my === emSeq) { busyEl.hidden = true; em.dataset.loading = "0"; }
    }
  }

  /** The alternatives of a row ("A（place，spare，km）；B…"): the nearest two, one a line; all of them on hover
   * (and in the CSV). */
  function alts(val, k = 2) {
    const items = String(val || "").split(/[；;]/).map((x) => x.trim()).filter(Boolean);
    if (!items.length) return `<span class="muted">–</span>`;
    const more = items.length > k ? `<div class="more">${esc(tf("sc.e.more", { n: items.length - k }))}</div>` : "";
    return `<div class="sc-alts" title="${esc(items.join("\n"))}">${items.slice(0, k).map((x) => `<div>${esc(x)}</div>`).join("")}${more}</div>`;
  }

  function drawEmergency(body, ans) {
    const provs = ans.provinces || [];
    const firmCols = [
      { key: "name", label: t("sc.e.firm"), fmt: (val, x) => `<span data-firm="${esc(x.firm)}" data-score="${x.score ?? ""}" title="${esc(t("sc.e.code"))} ${esc(x.firm)}">${esc(val)}</span>`, csv: (val, x) => `${val}${par(x.firm)}` },
      { key: "adcode", label: t("sc.w.place"), fmt: (val, x) => (val ? esc(placeName(val, PL.byUnit.get(String(val)))) : esc(x.place_name || "–")) },
      { key: "segment", label: t("sc.w.segment"), fmt: (val, x) => esc(x.segment_name || segName(val)) },
      { key: "score", label: t("sc.e.score"), num: true, digits: 3 },
      { key: "esri", label: t("sc.e.esri"), num: true, fmt: (val) => pc(val, 2) },
      { key: "esri_rank", label: t("sc.e.rank"), num: true, digits: 0 },
      { key: "betweenness", label: t("sc.e.btw"), num: true, digits: 4 },
      { key: "alternatives", label: t("sc.e.alts"), num: true, digits: 0 },
      { key: "lack", label: t("sc.e.lack"), num: true, fmt: (val) => pc(val) },
      { key: "alternatives_list", label: t("sc.e.altlist"), fmt: (val) => alts(val) },
    ];
    const segCols = [
      { key: "segment", label: t("sc.w.segment"), fmt: (val, x) => `<span data-segment="${esc(val)}">${esc(x.segment_name || segName(val))}</span>`, csv: (val, x) => x.segment_name || val },
      { key: "esri", label: t("sc.e.esri"), num: true, fmt: (val) => pc(val, 2) },
      { key: "esri_rank", label: t("sc.e.rank"), num: true, digits: 0 },
      { key: "firms", label: t("sc.e.firms"), num: true, digits: 0 },
      { key: "province_share", label: t("sc.e.pshare"), num: true, fmt: (val) => pc(val) },
      { key: "spare_elsewhere", label: t("sc.e.spare"), num: true, digits: 0 },
      { key: "alternatives_list", label: t("sc.e.altlist"), fmt: (val) => alts(val, 3) },
    ];
    const all = [...ans.firms.map((x) => ({ ...x, kind: t("sc.e.kfirm") })), ...ans.segments.map((x) => ({ ...x, kind: t("sc.e.kseg") }))];
    body.innerHTML = `<div class="btn-row"><span class="muted">${esc(tf("sc.em.sum", { period: ans.period, chain: chainName(view.em.chain), f: ans.firms.length, s: ans.segments.length, r: ans.radius_km ?? t("sc.nolimit"), c: pc(ans.capacity_share, 0) }))}</span>
        <button type="button" class="btn mini" id="sc-em-csv">${esc(t("sc.em.csv"))}</button></div>
      ${provs.length ? provs.map((p) => {
        const f = ans.firms.filter((x) => x.province === p);
        const g = ans.segments.filter((x) => x.province === p);
        return `<section class="sc-prov" data-province="${esc(p)}"><h3>${esc(placeName(p, PL.byUnit.get(p)))} <span class="muted">${esc(tf("sc.em.n", { f: f.length, s: g.length }))}</span></h3>
          ${f.length ? `<div class="hscroll sc-em-firms">${table(f, firmCols, { name: stem("emergency-firms", view.em.chain, p) })}</div>` : ""}
          ${g.length ? `<h4>${esc(t("sc.em.segs"))}</h4><div class="hscroll sc-em-segs">${table(g, segCols, { name: stem("emergency-segments", view.em.chain, p) })}</div>` : ""}</section>`;
      }).join("") : `<p class="muted">${esc(t("sc.em.none"))}</p>`}
      ${ans.notes && ans.notes.length ? `<details class="sc-notes"><summary>${esc(t("sc.notes"))}</summary><ul>${ans.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></details>` : ""}`;
    body.querySelector("#sc-em-csv").addEventListener("click", () => {
      const cols = ["kind", "province_name", "chain_name", "segment_name", "firm", "name", "place_name", "score", "esri", "esri_rank", "betweenness", "alternatives", "coverage", "lack", "firms", "province_share", "spare_elsewhere", "alternatives_list"];
      downloadCsv(stem("emergency-list", view.em.chain, view.em.province), cols.map((k) => t("sc.e.col." + k)), all.map((x) => cols.map((k) => x[k] ?? null)));
    });
  }

  function drawRisk(body, ans) {
    const d = ans.distribution || {};
    body.innerHTML = `<p class="muted">${esc(tf("sc.risk.sum", { period: ans.period, chain: chainName(ans.chain), n: (d.count ?? 0).toLocaleString(), med: pc(d.median, 3), p90: pc(d.p90, 2), p99: pc(d.p99, 2), max: pc(d.max, 2), a1: d.above_1pct ?? 0, a5: d.above_5pct ?? 0, a10: d.above_10pct ?? 0 }))}</p>
      <div class="grid2"><div><h3>${esc(t("sc.risk.hist"))}</h3><div class="chart sc-hist"><div class="chart-box" id="sc-risk-hist"></div></div>
        <h3>${esc(t("sc.risk.segs"))}</h3><div class="hscroll" id="sc-risk-segs"></div></div>
        <div><h3>${esc(t("sc.risk.firms"))}</h3><div class="hscroll sc-risk-firms" id="sc-risk-firms"></div></div></div>
      ${ans.notes && ans.notes.length ? `<details class="sc-notes"><summary>${esc(t("sc.notes"))}</summary><ul>${ans.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></details>` : ""}`;
    body.querySelector("#sc-risk-firms").innerHTML = table(ans.firms, [
      { key: "rank", label: t("sc.r.rank"), num: true, digits: 0 },
      { key: "name", label: t("sc.e.firm"), fmt: (val, x) => `<span data-firm="${esc(x.firm)}">${esc(val || x.firm)}</span>`, csv: (val, x) => val || x.firm },
      { key: "adcode", label: t("sc.w.place"), fmt: (val) => (val ? esc(placeName(val, PL.byUnit.get(String(val)))) : "–") },
      { key: "segment", label: t("sc.w.segment"), fmt: (val) => esc(segName(val)) },
      { key: "output", label: t("sc.r.output"), num: true, digits: 0 },
      { key: "esri", label: t("sc.e.esri"), num: true, fmt: (val) => pc(val, 2) },
    ], { name: stem("risk-firms", ans.chain) });
    body.querySelector("#sc-risk-segs").innerHTML = table(ans.segments, [
      { key: "rank", label: t("sc.r.rank"), num: true, digits: 0 },
      { key: "segment", label: t("sc.w.segment"), fmt: (val, x) => esc(x.name || segName(val)) },
      { key: "firms", label: t("sc.e.firms"), num: true, digits: 0 },
      { key: "output_share", label: t("sc.r.oshare"), num: true, fmt: (val) => pc(val) },
      { key: "esri", label: t("sc.e.esri"), num: true, fmt: (val) => pc(val, 2) },
    ], { name: stem("risk-segments", ans.chain) });
    const hist = d.histogram || [];
    const c = chartOn(body.querySelector("#sc-risk-hist"));
    const short = (x) => `${+(x * 100).toPrecision(2)}`;
    const lab = (b, i) => (i === 0 && b.from === 0 ? `< ${short(b.to)}%` : b.to >= 1 ? `≥ ${short(b.from)}%` : `${short(b.from)}–${short(b.to)}%`);
    c.setOption({
      animation: false, grid: { left: 44, right: 12, top: 24, bottom: 50 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: hist.map(lab), name: "ESRI", nameLocation: "middle", nameGap: 34,
        axisLabel: { fontSize: 11, interval: 0, formatter: (x) => x.replace("–", "–\n") } },
      yAxis: { type: "value", name: t("sc.r.nfirms"), minInterval: 1 },
      series: [{ type: "bar", data: hist.map((b) => b.firms), itemStyle: { color: "#7a3e9d" }, barWidth: "60%", label: { show: true, position: "top", fontSize: 11 } }],
    });
  }

  drawBuild();
  drawEmHead();
  await drawAll();
  if (view.em.tab) openEm(view.em.tab);
  if (pending) follow(pending);
  root.dataset.state = "ready";
}

/** Run the scenario being edited (POST /api/simulations): the answer, or the API's error message as it is, lands
 * in `view`. */
async function simulate() {
  const body = JSON.stringify(bodyOf(view.scen));
  view.running = true;
  view.error = "";
  view.started = Date.now();
  try {
    const answer = await read(await send("POST", "/api/simulations", {}, body, "application/json"));
    view.result = answer;
    view.posted = JSON.parse(body);
    const names = answer.summary.map((r) => r.variant);
    if (!names.includes(view.variant)) view.variant = names[0];
    const row = answer.summary.find((r) => r.variant === view.variant);
    view.week = Math.min(row ? row.peak_step : 0, answer.scenario.horizon - 1);
    view.mode = "spread";
  } catch (e) {
    view.error = e.message || String(e);
  } finally {
    view.running = false;
    pending = null;
  }
}

/** The example scenario (GET /api/simulations/example) as the one being edited: its period the latest built year
 * when the atlas lacks it (said in `view.note`). */
async function loadExample(meta) {
  const ex = await get("/api/simulations/example");
  adopt(clone(ex.scenario), meta, "sc.note.period");
  view.file = null;
  view.fileError = "";
}

/** `scen` as the one being edited: its period the latest built year when the atlas lacks it (said in
 * `view.note` with the words of `key`); the map's clicks go to its first shock that takes places. */
function adopt(scen, meta, key) {
  view.note = "";
  if (scen.period && meta.periods.length && !meta.periods.includes(scen.period)) {
    view.note = tf(key, { was: scen.period, now: meta.periods[meta.periods.length - 1] });
    scen.period = meta.periods[meta.periods.length - 1];
  }
  view.scen = scen;
  view.active = (scen.shocks || []).findIndex((s) => PLACED.has(s.type));
}

/** A scenario file (a File of the page's file input) read by POST /api/simulations/parse into the builder; a file
 * the API refuses leaves the scenario as it was and its words (file, field or line) in `view.fileError`, shown
 * under the file's buttons. */
async function openFile(file, meta) {
  try {
    const ans = await read(await send("POST", "/api/simulations/parse", { filename: file.name }, file, "application/octet-stream"));
    adopt(clone(ans.scenario), meta, "sc.note.period.file");
    view.file = { file: ans.file, n: ans.shocks, v: ans.variants.length };
    view.error = "";
    view.fileError = "";
  } catch (e) {
    view.fileError = t("sc.file.bad") + (e.message || String(e));
  }
}
