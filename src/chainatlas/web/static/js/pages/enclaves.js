// 飞地 (issue 15 item 6): the cooperation ledgers as the parties of an enclave read them. The enclaves of a year on
// the map as fly-out → fly-in arcs coloured by their 亩均效益 grade and as wide as their output (a click opens the
// enclave); the ledger (GET /api/enclaves) with filters — year, type, province, grade, breaches only — and its CSV;
// every breach of the rules (GET /api/enclaves/breaches: equity, land quota, the agreement's terms, tax sharing,
// unrecognised vouchers); one enclave's profile (GET /api/enclaves/{id}): agreed against realised output and tax
// over the years, the 亩均 indicators, score and grade over the years, the operator's shareholders, each side's
// review with approve/reject for a reviewer of that side (POST /api/enclaves/{id}/reviews; a refusal is told in the
// API's words), its breaches and its tax-sharing arrangements; the tax-sharing ledger (GET /api/tax-sharing: agreed
// against realised per arrangement and year, a binding cap marked); and the innovation-voucher flows
// (GET /api/vouchers: province → province, and each mutual recognition's redemptions in the 12 months before and
// after it began). A reader with a jurisdiction sees the enclaves with either side inside it (both are parties).
import { ApiError, post, send } from "../api.js";
import { chartOn, disposeAll, echarts, registerScale } from "../charts.js";
import { colFormatter, esc, getLang, placeName, t, tf } from "../i18n.js";
import { chartTools, h, options, stem, table } from "../widgets.js";

/** Grades, best first, and their colours: green (A) to red (D), darker than the map's fill so arcs stand out. */
export const GRADES = ["A", "B", "C", "D"];
export const GRADE_COLORS = { A: "#1a9850", B: "#7fae2e", C: "#f08c00", D: "#d7301f" };
const NO_GRADE = "#8a94a3";
const TYPES = ["industrial", "innovation", "poverty", "other"];
const PROVINCES = ["310000", "320000", "330000", "340000"];
/** The 亩均效益 indicators (analytics/cooperation.py MU_INDICATORS), in the settings file's order. */
export const INDICATORS = ["tax_per_mu", "va_per_mu", "va_per_energy", "rd_intensity", "labour_productivity"];
const KINDS = ["equity", "land", "terms", "tax_sharing", "voucher"];
/** The tax-sharing statuses that are breaches (the others: ok, or no records / unknown in a year). */
const BAD_SPLIT = ["under", "over", "outside_term"];
/** Agreed (dashed lines) and realised (bars). */
const REALISED = "#1b5fae";
const AGREED = "#12355b";
const BEFORE = "#9aa8b7";
const AFTER = "#009E73";

/** The page's own state, kept while the page is left and re-entered (and across a language switch). */
const view = {
  period: null, type: "", province: "", grade: "", breaches: false,
  kind: "", // the breaches panel's tab
  chart: "output", // the profile's agreed-vs-realised chart: output or tax
  mu: "score", // the profile's 亩均 chart: the score or one indicator
  taxYear: null, // the tax-sharing panel's year (null: the page's year; "": every year)
  taxBad: false, // ... only its rows not as agreed
  vYear: "", // the voucher panel's year ("": every year)
  measure: "count", // the voucher matrix: count or value
};
let shared = null; // the shell's state: the enclave on show leaves the URL with the page
let seq = 0;

export function dispose(root) {
  disposeAll(root);
  if (shared) shared.enclave = null;
}

// ------------------------------------------------------------------------------------------------ requests
/** A fresh answer (reviews change while the page is open: never the in-memory cache of api.get). */
async function fresh(path, params = {}) {
  const res = await send("GET", path, params);
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const e = body && body.error ? body.error : { status: res.status, type: "HTTPError", message: res.statusText };
    if (res.status === 401) window.dispatchEvent(new CustomEvent("chainatlas:unauthorised", { detail: e }));
    throw new ApiError(e.status, e.type, e.message, e.details);
  }
  return body;
}

// ------------------------------------------------------------------------------------------------ words
const zh = () => getLang() === "zh";
const isNum = (v) => typeof v === "number" && Number.isFinite(v);
/** A message of the analytics in the reader's language ("中文 / English": the part before or after " / "). */
export function msg(m) {
  const s = String(m ?? "");
  const i = s.indexOf(" / ");
  if (i < 0) return s;
  return zh() ? s.slice(0, i) : s.slice(i + 3);
}
/** A figure for reading: thousands separated, `d` decimals. */
function nf(v, d = 1) {
  if (!isNum(v)) return "–";
  return (Math.abs(v) < 0.5 * 10 ** -d ? 0 : v).toLocaleString(zh() ? "zh-CN" : "en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}
const pctTxt = (v, d = 1) => (isNum(v) ? `${nf(v, d)}%` : "–");
/** Text in brackets as the language writes them. */
const par = (x) => (zh() ? `（${x}）` : ` (${x})`);
const colon = () => (zh() ? "：" : ": ");
/** A date of the API (an ISO date or time) as YYYY-MM-DD; "" for none. */
const day = (v) => (/^\d{4}-\d{2}-\d{2}/.test(String(v ?? "")) ? String(v).slice(0, 10) : "");
/** The key of a string table entry, or the fallback when it has none. */
const tOr = (key, fallback) => (t(key) === key ? fallback : t(key));
const typeName = (v) => tOr("enc.type." + (v || "industrial"), v);
const dirName = (v) => tOr("enc.dir." + (v || "forward"), v);
const ruleName = (r) => tOr("enc.rule." + r, r);
const kindName = (k) => tOr("enc.kind." + k, k);
const indName = (k) => tOr("enc.ind." + k, k);
/** An indicator's value for reading: R&D intensity (a share) as a percentage. */
const indVal = (k, v) => (k === "rd_intensity" ? (isNum(v) ? `${nf(100 * v, 2)}%` : "–") : nf(v, k === "score" ? 1 : 2));
/** Where a code lies: the prefix of the codes inside it (YRD: everything). */
const prefix = (u) => { const s = String(u || ""); return s === "YRD" ? "" : s.endsWith("0000") ? s.slice(0, 2) : s.endsWith("00") ? s.slice(0, 4) : s; };
const covers = (jur, code) => Boolean(code) && String(code).startsWith(prefix(jur));
const gradeBadge = (g) => (g ? `<span class="enc-grade" data-grade="${esc(g)}" style="background:${GRADE_COLORS[g] || NO_GRADE}">${esc(g)}</span>`
  : `<span class="enc-grade none" data-grade="">–</span>`);
const decisionOf = (r, side) => {
  const x = r && r.reviews ? r.reviews[side] : null;
  if (!x) return null;
  return typeof x === "string" ? x : x.decision || null;
};
/** A time of a store (UTC) in China time: 2026-12-01 12:33. */
function chinaTime(iso) {
  if (!iso) return "–";
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? String(iso) : new Date(ms + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ");
}
/** A cell a test (and a curious reader) can read back: the raw value in data-v. */
const cell = (k, f) => (v, r) => `<span data-k="${k}" data-v="${v ?? ""}">${f(v, r)}</span>`;
/** One number format for a whole column (the same decimals in every cell), its raw value kept in data-v. */
const numCol = (rows, key, label, digits = null, extra = {}) => {
  const F = colFormatter(rows.map((r) => r[key]), digits);
  return { key, label, num: true, fmt: cell(key, (v) => F(v)), ...extra };
};

export async function render(root, ctx) {
  const { state } = ctx;
  shared = state;
  state.enclave = ctx.params.get("enclave") || null;
  const [auth, provinces, cities, counties] = await Promise.all([
    fresh("/api/auth").catch(() => ({ mode: "local", user: null })),
    fresh("/api/places", { scale: "province" }).then((r) => r.data).catch(() => []),
    fresh("/api/places", { scale: "city", proper: true }).then((r) => r.data).catch(() => []),
    fresh("/api/places", { scale: "county", proper: true }).then((r) => r.data).catch(() => []),
    registerScale("city"),
  ]);
  const me = auth.user || null;
  const local = auth.mode === "local";
  const where = new Map([...provinces, ...cities, ...counties].map((p) => [String(p.unit), p]));
  /** A place in words (a province, a city or a county); `fallback` when the atlas does not know the code. */
  const place = (code, fallback) => {
    if (!code) return fallback || "–";
    if (code === "YRD") return t("auth.region");
    const p = where.get(String(code));
    return p ? placeName(code, p) : fallback || placeName(code);
  };
  const SEP = zh() ? "、" : ", ";
  /** Whether the reader may review `side` of an enclave: every side in the local mode, else a reader whose
   * jurisdiction covers that side's place (the API decides; a refusal is shown in its words). */
  const mayReview = (side, e) => {
    if (local) return true;
    if (!me || !me.jurisdiction || me.role === "viewer") return false;
    return covers(me.jurisdiction, side === "origin" ? e.origin_adcode : e.host_adcode);
  };

  root.innerHTML = "";
  root.append(h(`<aside class="side enc-filters" id="enc-filters">
      <h2 class="enc-h">${esc(t("nav.enclaves"))} <span class="enc-synth" id="enc-synth" hidden>${esc(t("enc.synthetic"))}</span></h2>
      <div class="field"><label for="enc-year">${esc(t("enc.f.year"))}</label><select id="enc-year"></select></div>
      <div class="field"><label for="enc-type">${esc(t("enc.f.type"))}</label><select id="enc-type"></select></div>
      <div class="field"><label for="enc-prov">${esc(t("enc.f.province"))}</label><select id="enc-prov"></select></div>
      <div class="field"><label for="enc-grade">${esc(t("enc.f.grade"))}</label><select id="enc-grade"></select></div>
      <label class="check"><input type="checkbox" id="enc-breach"> ${esc(t("enc.f.breaches"))}</label>
      <p class="hint">${esc(t("enc.f.hint"))}</p>
      <p class="hint enc-who" id="enc-who"></p>
      <details class="enc-settings" id="enc-settings"><summary>${esc(t("enc.settings"))}</summary><div id="enc-settings-body"></div></details>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll" id="enc-main">
      <div class="panel" id="enc-map-panel"><h2>${esc(t("enc.map"))} <span class="muted" id="enc-map-count"></span></h2>
        <div class="chart enc-map"><div class="chart-box" id="enc-map"></div></div><div class="enc-legend" id="enc-legend"></div></div>
      <div class="panel" id="enc-ledger-panel"><h2>${esc(t("enc.ledger"))} <span class="muted" id="enc-count"></span></h2>
        <p class="hint">${esc(t("enc.ledger.h"))}</p><div id="enc-ledger" class="hscroll enc-ledger"></div></div>
      <div class="panel" id="enc-breach-panel"><h2>${esc(t("enc.breaches"))} <span class="muted" id="enc-breach-count"></span></h2>
        <div class="tabs" id="enc-kinds"></div><div id="enc-breach-list" class="hscroll enc-breach-list"></div></div>
      <div class="panel" id="enc-tax-panel"><h2>${esc(t("enc.tax"))} <span class="muted" id="enc-tax-count"></span></h2>
        <div class="enc-ctl"><label class="inline">${esc(t("enc.f.year"))} <select id="enc-tax-year"></select></label>
          <label class="check"><input type="checkbox" id="enc-tax-bad"> ${esc(t("enc.tax.bad"))}</label></div>
        <p class="hint">${esc(t("enc.tax.h"))}</p><div id="enc-tax" class="hscroll enc-tax"></div></div>
      <div class="panel" id="enc-voucher-panel"><h2>${esc(t("enc.v"))}</h2>
        <div class="enc-ctl"><label class="inline">${esc(t("enc.v.year"))} <select id="enc-v-year"></select></label><div class="seg" id="enc-v-measure"></div></div>
        <div class="enc-v-row">
          <div class="enc-v-box"><h3>${esc(t("enc.v.matrix"))}</h3><p class="hint">${esc(t("enc.v.matrix.h"))}</p><div class="chart enc-v-chart"><div class="chart-box" id="enc-v-matrix"></div></div></div>
          <div class="enc-v-box"><h3>${esc(t("enc.v.effect"))}</h3><p class="hint">${esc(t("enc.v.effect.h"))}</p><div class="chart enc-v-chart"><div class="chart-box" id="enc-v-effect"></div></div></div>
        </div>
        <div id="enc-v-effect-table" class="hscroll"></div>
        <h3>${esc(t("enc.v.unrec"))} <span class="muted" id="enc-v-unrec-count"></span></h3><p class="hint">${esc(t("enc.v.unrec.h"))}</p>
        <div id="enc-v-unrec" class="hscroll enc-v-unrec"></div></div>
    </div></section>`));
  const side = h(`<aside class="side right profile enc-profile" id="enc-profile" hidden></aside>`);
  root.append(side);

  root.querySelector("#enc-who").textContent = local ? t("enc.who.local") : me
    ? tf(me.role === "viewer" ? "enc.who.read" : "enc.who.review", { name: me.name, role: t("auth.role." + me.role), jur: place(me.jurisdiction, me.jurisdiction) })
    : "";

  // ---------------------------------------------------------------------------------------------- filters
  let first;
  try {
    first = await fresh("/api/enclaves");
  } catch (e) {
    root.querySelector("#enc-main").innerHTML = `<div class="panel"><p class="error-text" role="alert">${esc(e.message || e)}</p></div>`;
    ctx.showError(e);
    return;
  }
  const periods = (first.periods || []).map(Number).sort((a, b) => a - b);
  const want = view.period ?? state.period;
  view.period = periods.includes(Number(want)) ? Number(want) : Number(first.period) || periods[periods.length - 1] || null;
  state.period = view.period;
  options(root.querySelector("#enc-year"), [...periods].reverse().map((p) => ({ value: p, label: String(p) })), view.period);
  options(root.querySelector("#enc-type"), [{ value: "", label: t("all") }, ...TYPES.map((x) => ({ value: x, label: typeName(x) }))], view.type);
  options(root.querySelector("#enc-prov"), [{ value: "", label: t("all") }, ...PROVINCES.map((p) => ({ value: p, label: place(p, p) }))], view.province);
  options(root.querySelector("#enc-grade"), [{ value: "", label: t("all") }, ...GRADES.map((g) => ({ value: g, label: tf("enc.grade.n", { g }) }))], view.grade);
  root.querySelector("#enc-breach").checked = view.breaches;
  root.querySelector("#enc-year").addEventListener("change", (e) => { view.period = Number(e.target.value); state.period = view.period; ctx.syncUrl(); refresh(); });
  root.querySelector("#enc-type").addEventListener("change", (e) => { view.type = e.target.value; refresh(); });
  root.querySelector("#enc-prov").addEventListener("change", (e) => { view.province = e.target.value; refresh(); });
  root.querySelector("#enc-grade").addEventListener("change", (e) => { view.grade = e.target.value; refresh(); });
  root.querySelector("#enc-breach").addEventListener("change", (e) => { view.breaches = e.target.checked; draw(); });
  drawSettings(first.settings);

  // ---------------------------------------------------------------------------------------------- the map
  const map = chartOn(root.querySelector("#enc-map"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), enclaveMap: map };
  root.querySelector("#enc-map-panel").append(chartTools(echarts, map, () => stem("enclaves-map", view.period)));
  map.on("click", (p) => {
    const id = p && p.data && p.data.enclave_id;
    if (id) open(id);
  });

  let all = []; // the ledger of the year under the API's filters
  let rows = []; // ... and the page's own (breaches only)
  let breaches = [];
  let synthetic = false;

  function ledgerParams() {
    return { period: view.period, type: view.type || null, province: view.province || null, grade: view.grade || null };
  }

  async function refresh() {
    const my = ++seq;
    root.dataset.state = "loading";
    try {
      const [led, br] = await Promise.all([fresh("/api/enclaves", ledgerParams()), fresh("/api/enclaves/breaches", { period: view.period })]);
      if (my !== seq) return;
      all = led.rows || [];
      breaches = br.rows || [];
      synthetic = Boolean(led.synthetic || br.synthetic);
      draw();
      ctx.showError(null);
    } catch (e) {
      if (my !== seq) return;
      ctx.showError(e);
    }
    drawTax();
    drawVouchers();
    root.dataset.state = "ready";
  }

  function draw() {
    const ids = new Set(all.map((r) => r.enclave_id));
    rows = view.breaches ? all.filter((r) => (r.breaches || []).length) : all;
    root.querySelector("#enc-synth").hidden = !synthetic;
    root.dataset.rows = String(rows.length);
    drawMap();
    drawLedger();
    drawBreaches(ids);
  }

  /** The arcs: one per enclave from its origin to its host; enclaves of one pair of places fan out. */
  function drawMap() {
    const el = root.querySelector("#enc-map");
    const ll = (r, side) => {
      const lon = r[`${side}_lon`] ?? where.get(String(r[`${side}_adcode`]))?.lon;
      const lat = r[`${side}_lat`] ?? where.get(String(r[`${side}_adcode`]))?.lat;
      return isNum(lon) && isNum(lat) ? [lon, lat] : null;
    };
    const placed = rows.filter((r) => ll(r, "origin") && ll(r, "host"));
    const omax = Math.max(1e-9, ...placed.map((r) => (isNum(r.output) ? r.output : 0)));
    const fan = new Map();
    const sel = state.enclave;
    const arcs = placed.map((r) => {
      const key = `${r.origin_adcode}>${r.host_adcode}`;
      const k = fan.get(key) || 0;
      fan.set(key, k + 1);
      const color = GRADE_COLORS[r.grade] || NO_GRADE;
      const on = r.enclave_id === sel;
      return {
        enclave_id: r.enclave_id, name: r.enclave_name, grade: r.grade || "",
        coords: [ll(r, "origin"), ll(r, "host")],
        lineStyle: { color, width: (isNum(r.output) ? 1.6 + 7 * Math.sqrt(Math.max(0, r.output) / omax) : 1.2) + (on ? 2 : 0),
          curveness: 0.22 + 0.14 * k, opacity: sel && !on ? 0.55 : 0.9,
          shadowBlur: on ? 8 : 0, shadowColor: on ? "rgba(18,53,91,0.8)" : "transparent", type: isNum(r.output) ? "solid" : "dashed" },
      };
    });
    // the places at the ends: a hollow ring for a fly-out place, a dot for a fly-in place
    const ends = new Map();
    for (const r of placed) {
      for (const s of ["origin", "host"]) {
        const u = String(r[`${s}_adcode`]);
        const x = ends.get(u) || { unit: u, name: place(u, r[`${s}_name`]), value: ll(r, s), origin: 0, host: 0 };
        x[s] += 1;
        ends.set(u, x);
      }
    }
    const tipOf = (r) => `<b>${esc(r.enclave_name || r.enclave_id)}</b> <span class="muted">${esc(r.enclave_id)}</span><br>
      ${esc(place(r.origin_adcode, r.origin_name))} → ${esc(place(r.host_adcode, r.host_name))}<br>
      ${esc(typeName(r.enclave_type))} · ${esc(dirName(r.direction))}<br>
      ${esc(t("enc.c.grade"))}${colon()}${gradeBadge(r.grade)} ${isNum(r.score) ? `${esc(t("enc.c.score"))} ${nf(r.score, 1)}` : ""}<br>
      ${esc(t("enc.c.output"))}${colon()}${nf(r.output)} · ${esc(t("enc.c.tax"))}${colon()}${nf(r.tax)}
      ${(r.breaches || []).length ? `<br><span class="warn-text">${esc(t("enc.c.breaches"))}${colon()}${esc((r.breaches || []).map(ruleName).join(SEP))}</span>` : ""}`;
    const byId = new Map(rows.map((r) => [r.enclave_id, r]));
    map.setOption({
      tooltip: { trigger: "item", confine: true, formatter: (p) => {
        if (p.seriesType === "lines") return tipOf(byId.get(p.data.enclave_id));
        return esc(place(p.name));
      } },
      geo: {
        map: "yrd-city", roam: true, layoutCenter: ["50%", "51%"], layoutSize: "98%",
        label: { show: false },
        itemStyle: { borderColor: "#a7b3c0", borderWidth: 0.6, areaColor: "#f1f4f8" },
        emphasis: { itemStyle: { areaColor: "#e3ebf5" }, label: { show: true, color: "#5f6b7a", formatter: (p) => place(p.name) } },
      },
      series: [
        { id: "arcs", type: "lines", coordinateSystem: "geo", zlevel: 1, symbol: ["none", "arrow"], symbolSize: 9,
          emphasis: { focus: "self", lineStyle: { opacity: 1, width: 6 } }, data: arcs },
        // the places' names are read, not pointed at: an arc under a name stays clickable
        { id: "ends", type: "scatter", coordinateSystem: "geo", zlevel: 2, symbolSize: 7, silent: true,
          itemStyle: { color: "#12355b", borderColor: "#fff", borderWidth: 1.2 },
          label: { show: true, position: "right", fontSize: 11, color: "#1f2733", textBorderColor: "#fff", textBorderWidth: 2.5, formatter: (p) => p.data.name },
          labelLayout: { hideOverlap: true },
          data: [...ends.values()].map((x) => ({ ...x, symbol: x.host ? "circle" : "emptyCircle", symbolSize: x.host ? 7 : 9 })) },
      ],
    }, { replaceMerge: ["series", "geo"] });
    const count = (g) => placed.filter((r) => (r.grade || "") === g).length;
    // below the map, not over it: nothing of the map is hidden
    root.querySelector("#enc-legend").innerHTML = `<b>${esc(t("enc.lg.grade"))}</b>
      ${GRADES.map((g) => `<span class="wl" data-grade="${g}"><i style="background:${GRADE_COLORS[g]}"></i>${esc(tf("enc.grade.n", { g }))} <span class="muted">${count(g)}</span></span>`).join("")}
      ${count("") ? `<span class="wl"><i style="background:${NO_GRADE}"></i>${esc(t("enc.lg.none"))} <span class="muted">${count("")}</span></span>` : ""}
      <span class="muted">${esc(t("enc.lg.width"))}</span>
      <span class="muted">○ ${esc(t("enc.lg.origin"))} · ● ${esc(t("enc.lg.host"))}</span>`;
    el.dataset.arcs = arcs.map((a) => `${a.enclave_id}:${a.grade}`).sort().join(",");
    root.querySelector("#enc-map-count").textContent = tf("enc.n", { n: placed.length });
  }

  function drawLedger() {
    const el = root.querySelector("#enc-ledger");
    root.querySelector("#enc-count").textContent = `${tf("enc.n", { n: rows.length })} · ${view.period}`;
    if (!rows.length) { el.innerHTML = `<p class="muted">${esc(t("enc.none"))}</p>`; return; }
    const review = (r) => ["origin", "host"].map((s) => {
      const d = decisionOf(r, s);
      return `<span class="enc-rev ${d ? "enc-rev-" + esc(d) : ""}" data-side="${s}" data-decision="${esc(d || "")}" title="${esc(t("enc.side." + s))}${colon()}${esc(d ? t("enc.rev." + d) : t("enc.rev.none"))}">${esc(t("enc.side.short." + s))}${d === "approve" ? "✓" : d === "reject" ? "✗" : "·"}</span>`;
    }).join(" ");
    el.innerHTML = table(rows, [
      { key: "enclave_name", label: t("enc.c.name"), fmt: (v, r) => `<a href="#" class="enc-open" data-enclave="${esc(r.enclave_id)}">${esc(v || r.enclave_id)}</a>
          <div class="muted small">${esc(r.enclave_id)}${r.leader ? ` <span class="enc-flag lead" data-leader="1">${esc(t("enc.leader"))}</span>` : ""}${r.priority ? ` <span class="enc-flag prio" data-priority="1">${esc(t("enc.priority"))}</span>` : ""}</div>`,
        csv: (v, r) => `${v || ""} (${r.enclave_id})` },
      { key: "enclave_type", label: t("enc.c.type"), fmt: (v, r) => `${esc(typeName(v))}<div class="muted small">${esc(dirName(r.direction))}</div>`, csv: (v, r) => `${typeName(v)} ${dirName(r.direction)}` },
      { key: "origin_adcode", label: t("enc.c.route"), fmt: (v, r) => `${esc(place(v, r.origin_name))} → ${esc(place(r.host_adcode, r.host_name))}`, csv: (v, r) => `${place(v, r.origin_name)} → ${place(r.host_adcode, r.host_name)}` },
      numCol(rows, "area_mu", t("enc.c.area"), 1),
      numCol(rows, "output", t("enc.c.output"), 1),
      numCol(rows, "tax", t("enc.c.tax"), 1),
      numCol(rows, "tax_per_mu", t("enc.c.tax_per_mu"), 2),
      numCol(rows, "va_per_mu", t("enc.c.va_per_mu"), 2),
      numCol(rows, "score", t("enc.c.score"), 1),
      { key: "rank", label: t("enc.c.rank"), num: true, fmt: cell("rank", (v, r) => (isNum(v) ? `${v}/${r.peers ?? "?"}` : "–")), csv: (v, r) => (isNum(v) ? `${v}/${r.peers ?? ""}` : "") },
      { key: "grade", label: t("enc.c.grade"), fmt: (v) => gradeBadge(v), csv: (v) => v || "" },
      { key: "reviews", label: t("enc.c.reviews"), fmt: (v, r) => review(r), csv: (v, r) => ["origin", "host"].map((s) => `${t("enc.side.short." + s)}:${decisionOf(r, s) || "-"}`).join(" ") },
      { key: "breaches", label: t("enc.c.breaches"), fmt: (v) => ((v || []).length ? `<span class="chips">${v.map((b) => `<span class="chip broken" data-rule="${esc(b)}">${esc(ruleName(b))}</span>`).join("")}</span>` : `<span class="ok">✓</span>`),
        csv: (v) => (v || []).join(";") },
    ], { name: stem("enclaves", view.period, view.type, view.province, view.grade), rowClass: (r) => `enc-row ${r.enclave_id === state.enclave ? "sel" : ""} ${(r.breaches || []).length ? "enc-bad" : ""}` });
    el.querySelectorAll("tbody tr").forEach((tr, i) => { tr.dataset.enclave = rows[i].enclave_id; tr.dataset.grade = rows[i].grade || ""; });
  }

  /** The breaches of the year: those of the enclaves the filters keep, and (with no filter of an enclave's own
   * kind) the ones of no enclave — cross-border vouchers, arrangements of no enclave — of the province chosen. */
  function drawBreaches(ids) {
    const enclaveFilter = view.type || view.grade;
    const kept = breaches.filter((b) => {
      if (b.enclave_id) return ids.has(b.enclave_id) && (!view.breaches || rows.some((r) => r.enclave_id === b.enclave_id));
      if (enclaveFilter) return false;
      if (!view.province) return true;
      return String(b.jurisdictions || "").split(/[;,]/).some((j) => covers(view.province, j));
    });
    const counts = Object.fromEntries(KINDS.map((k) => [k, kept.filter((b) => b.kind === k).length]));
    const tabs = root.querySelector("#enc-kinds");
    tabs.innerHTML = [["", kept.length], ...KINDS.map((k) => [k, counts[k]])].map(([k, n]) =>
      `<button type="button" data-kind="${k}" class="${view.kind === k ? "on" : ""}">${esc(k ? kindName(k) : t("all"))} <span class="muted">${n}</span></button>`).join("");
    tabs.onclick = (e) => { const b = e.target.closest("[data-kind]"); if (b) { view.kind = b.dataset.kind; drawBreaches(ids); } };
    const list = view.kind ? kept.filter((b) => b.kind === view.kind) : kept;
    root.querySelector("#enc-breach-count").textContent = tf("enc.nb", { n: kept.length });
    const el = root.querySelector("#enc-breach-list");
    el.dataset.n = String(list.length);
    if (!list.length) { el.innerHTML = `<p class="muted">${esc(t("enc.breaches.none"))}</p>`; return; }
    const name = (id) => { const r = all.find((x) => x.enclave_id === id); return r ? r.enclave_name || id : id; };
    el.innerHTML = table(list, [
      { key: "kind", label: t("enc.c.kind"), fmt: (v) => `<span class="enc-kind enc-kind-${esc(v)}">${esc(kindName(v))}</span>`, csv: (v) => v },
      { key: "enclave_id", label: t("enc.c.name"), fmt: (v, b) => (v ? `<a href="#" class="enc-open" data-enclave="${esc(v)}">${esc(b.enclave_name || name(v))}</a>` : esc(b.agreement_id || b.voucher_id || "–")), csv: (v, b) => v || b.agreement_id || b.voucher_id || "" },
      { key: "period", label: t("enc.f.year"), fmt: (v) => esc(v ?? "–") },
      { key: "rule", label: t("enc.c.rule"), fmt: (v, b) => `<span data-rule="${esc(v)}">${esc(ruleName(v))}</span>${b.status && b.status !== "breach" ? ` <span class="chip">${esc(tOr("enc.status." + b.status, b.status))}</span>` : ""}`, csv: (v) => v },
      { key: "value", label: t("enc.c.value"), num: true, fmt: cell("value", (v) => nf(v, 2)) },
      { key: "threshold", label: t("enc.c.threshold"), num: true, fmt: cell("threshold", (v) => nf(v, 2)) },
      { key: "message", label: t("enc.c.message"), fmt: (v) => `<span class="enc-msg">${esc(msg(v))}</span>`, csv: (v) => v },
    ], { name: stem("enclave-breaches", view.period, view.kind), rowClass: (b) => `enc-brow enc-st-${b.status || "breach"}` });
  }

  // ---------------------------------------------------------------------------------------------- tax sharing
  const taxYears = () => periods;
  options(root.querySelector("#enc-tax-year"), [{ value: "", label: t("enc.allyears") }, ...[...taxYears()].reverse().map((p) => ({ value: p, label: String(p) }))], view.taxYear ?? view.period);
  root.querySelector("#enc-tax-year").addEventListener("change", (e) => { view.taxYear = e.target.value === "" ? "" : Number(e.target.value); drawTax(); });
  root.querySelector("#enc-tax-bad").checked = view.taxBad;
  root.querySelector("#enc-tax-bad").addEventListener("change", (e) => { view.taxBad = e.target.checked; drawTax(); });
  let taxSeq = 0;
  async function drawTax() {
    const my = ++taxSeq;
    const year = view.taxYear ?? view.period;
    root.querySelector("#enc-tax-year").value = String(year ?? "");
    const el = root.querySelector("#enc-tax");
    try {
      const ans = await fresh("/api/tax-sharing", { period: year || null });
      if (my !== taxSeq) return;
      const every = ans.rows || [];
      const list = view.taxBad ? every.filter((r) => BAD_SPLIT.includes(r.status)) : every;
      el.dataset.n = String(list.length);
      el.dataset.period = String(year || "");
      root.querySelector("#enc-tax-count").textContent = tf("enc.ntax", { n: every.length, bad: every.filter((r) => BAD_SPLIT.includes(r.status)).length });
      el.innerHTML = list.length ? taxTable(list, stem("tax-sharing", year || "all")) : `<p class="muted">${esc(t("enc.tax.none"))}</p>`;
    } catch (e) {
      if (my !== taxSeq) return;
      el.innerHTML = `<p class="error-text" role="alert">${esc(e.message || e)}</p>`;
    }
  }

  /** Agreed against realised per arrangement and year; a binding cap marked, a gap coloured. */
  function taxTable(list, name, compact = false) {
    const full = (cols) => (compact ? [] : cols);
    return table(list, [
      { key: "agreement_id", label: t("enc.c.agreement"), fmt: (v, r) => `<span data-agreement="${esc(v)}">${esc(v)}</span><div class="muted small">${esc(tOr("enc.basis." + r.basis, r.basis || ""))}${compact ? ` · ${esc(place(r.collecting_adcode))} → ${esc(place(r.sharing_adcode))}` : ""}</div>`, csv: (v) => v },
      ...full([{ key: "enclave_id", label: t("enc.c.name"), fmt: (v) => (v ? `<a href="#" class="enc-open" data-enclave="${esc(v)}">${esc(v)}</a>` : "–"), csv: (v) => v || "" },
        { key: "collecting_adcode", label: t("enc.c.split"), fmt: (v, r) => `${esc(place(v))} → ${esc(place(r.sharing_adcode))}`, csv: (v, r) => `${v} → ${r.sharing_adcode}` }]),
      { key: "period", label: t("enc.f.year"), fmt: (v) => esc(v ?? "–") },
      numCol(list, "tax", t("enc.c.ttax"), 1),
      ...full([numCol(list, "base", t("enc.c.base"), 1),
        { key: "share_pct", label: t("enc.c.share"), num: true, fmt: cell("share_pct", (v) => pctTxt(v, 1)) },
        numCol(list, "agreed_share", t("enc.c.agreed"), 2),
        numCol(list, "cap", t("enc.c.cap"), 2)]),
      { key: "capped", label: t("enc.c.capped"), num: true, fmt: cell("capped", (v, r) => `${nf(v, 2)}${r.cap_binding ? ` <span class="enc-cap" data-cap-binding="1" title="${esc(t("enc.cap.h"))}">${esc(t("enc.cap"))}</span>` : ""}`), csv: (v) => v },
      numCol(list, "realised", t("enc.c.realised"), 2),
      { key: "gap", label: t("enc.c.gap"), num: true, fmt: cell("gap", (v) => `<span class="${isNum(v) && Math.abs(v) > 0.005 ? (v < 0 ? "down" : "up") : ""}">${isNum(v) && v > 0 ? "+" : ""}${nf(v, 2)}</span>`) },
      { key: "status", label: t("enc.c.status"), fmt: (v, r) => `<span class="enc-ts enc-ts-${esc(v)}" data-status="${esc(v)}" title="${esc(msg(r.message))}">${esc(tOr("enc.ts." + v, v))}</span>`, csv: (v) => v },
    ], { name, rowClass: (r) => `enc-trow ${BAD_SPLIT.includes(r.status) ? "enc-bad" : ""}` });
  }

  // ---------------------------------------------------------------------------------------------- vouchers
  const vm = chartOn(root.querySelector("#enc-v-matrix"));
  const ve = chartOn(root.querySelector("#enc-v-effect"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), voucherMatrix: vm, voucherEffect: ve };
  root.querySelector("#enc-v-matrix").parentElement.append(chartTools(echarts, vm, () => stem("voucher-flows", view.vYear || "all"), () => matrixCsv()));
  root.querySelector("#enc-v-effect").parentElement.append(chartTools(echarts, ve, () => stem("voucher-recognitions")));
  const mseg = root.querySelector("#enc-v-measure");
  mseg.classList.add("seg");
  mseg.innerHTML = ["count", "value"].map((m) => `<button type="button" data-m="${m}" class="${view.measure === m ? "on" : ""}">${esc(t("enc.v." + m))}</button>`).join("");
  mseg.addEventListener("click", (e) => {
    const b = e.target.closest("[data-m]");
    if (!b) return;
    view.measure = b.dataset.m;
    mseg.querySelectorAll("button").forEach((x) => x.classList.toggle("on", x === b));
    drawVouchers();
  });
  options(root.querySelector("#enc-v-year"), [{ value: "", label: t("enc.allyears") }, ...[...periods].reverse().map((p) => ({ value: p, label: String(p) }))], view.vYear);
  root.querySelector("#enc-v-year").addEventListener("change", (e) => { view.vYear = e.target.value === "" ? "" : Number(e.target.value); drawVouchers(); });
  let vSeq = 0;
  let matrix = { provs: [], cells: new Map() };

  function matrixCsv() {
    return {
      header: [t("enc.v.issuer"), t("enc.v.provider"), t("enc.v.count"), t("enc.v.value"), t("enc.v.recognised")],
      rows: [...matrix.cells.values()].map((c) => [place(c.i), place(c.p), c.count, c.value, c.recognised]),
    };
  }

  async function drawVouchers() {
    const my = ++vSeq;
    try {
      const ans = await fresh("/api/vouchers", { year: view.vYear || null });
      if (my !== vSeq) return;
      // the matrix: issuer province (rows) × provider province (columns), over the years shown
      const cells = new Map();
      for (const f of ans.flows || []) {
        const k = `${f.issuer_province}>${f.provider_province}`;
        const c = cells.get(k) || { i: f.issuer_province, p: f.provider_province, count: 0, value: 0, recognised: 0, by_user: 0, by_provider: 0 };
        c.count += f.count || 0;
        c.value += isNum(f.value) ? f.value : 0;
        c.recognised += f.recognised ? f.count || 0 : 0;
        c.by_user += f.by_user || 0;
        c.by_provider += f.by_provider || 0;
        cells.set(k, c);
      }
      const provs = [...new Set([...PROVINCES, ...[...cells.values()].flatMap((c) => [c.i, c.p])])].filter(Boolean).sort();
      matrix = { provs, cells };
      const names = provs.map((p) => place(p));
      const val = (c) => (view.measure === "value" ? +c.value.toFixed(2) : c.count);
      const data = [...cells.values()].map((c) => [provs.indexOf(c.p), provs.indexOf(c.i), val(c), c]);
      const vmax = Math.max(1, ...data.filter((d) => d[0] !== d[1]).map((d) => d[2]));
      vm.setOption({
        animation: false,
        tooltip: { confine: true, formatter: (p) => {
          const c = p.data[3];
          return `${esc(place(c.i))} → ${esc(place(c.p))}<br>${esc(t("enc.v.count"))}${colon()}${c.count} · ${esc(t("enc.v.value"))}${colon()}${nf(c.value, 1)}<br>${esc(t("enc.v.recognised"))}${colon()}${c.recognised}${c.i !== c.p ? ` · ${esc(t("enc.v.unrec.short"))}${colon()}${c.count - c.recognised}` : ""}<br>${esc(t("enc.v.by_user"))} ${c.by_user} · ${esc(t("enc.v.by_provider"))} ${c.by_provider}`;
        } },
        grid: { left: 64, right: 12, top: 58, bottom: 8 },
        xAxis: { type: "category", data: names, position: "top", axisLabel: { fontSize: 11, interval: 0 }, axisTick: { show: false }, splitArea: { show: true } },
        yAxis: { type: "category", data: names, inverse: true, axisLabel: { fontSize: 11, interval: 0 }, axisTick: { show: false }, splitArea: { show: true } },
        graphic: [{ type: "text", left: 4, top: 8, style: { text: `${t("enc.v.rows")}\n${t("enc.v.cols")}`, fontSize: 11, lineHeight: 15, fill: "#5f6b7a" } }],
        // the diagonal (redeemed at home) is usually far larger: the colours span the cross-border cells
        visualMap: { show: false, min: 0, max: vmax, inRange: { color: ["#f0f5fb", "#9ec3e4", "#1b5fae"] }, outOfRange: { color: "#0b3f7a" } },
        series: [{ type: "heatmap", data: data.map((d) => ({ value: d.slice(0, 3), c: d[3], itemStyle: d[0] === d[1] ? { color: "#e9edf2" } : undefined })),
          label: { show: true, fontSize: 11, formatter: (p) => (view.measure === "value" ? nf(p.value[2], 0) : String(p.value[2])) } }],
      }, { notMerge: true });
      const mEl = root.querySelector("#enc-v-matrix");
      mEl.dataset.cells = [...cells.values()].map((c) => `${c.i}>${c.p}:${c.count}`).sort().join(",");
      mEl.dataset.year = String(view.vYear || "");

      // before/after bars per recognition
      const eff = ans.effect || [];
      const rec = (e) => `${place(e.adcode_a, e.adcode_a)} ⇄ ${place(e.adcode_b, e.adcode_b)}`;
      const key = view.measure === "value" ? ["before_value", "after_value"] : ["before_count", "after_count"];
      ve.setOption({
        animation: false,
        tooltip: { trigger: "axis", confine: true, formatter: (ps) => {
          const e = eff[ps[0].dataIndex];
          return `<b>${esc(e.agreement_id)}</b> ${esc(rec(e))}<br>${esc(t("enc.v.start"))}${colon()}${esc(day(e.start))}<br>${ps.map((p) => `${p.marker}${esc(p.seriesName)}${colon()}${view.measure === "value" ? nf(p.value, 1) : p.value}`).join("<br>")}`;
        } },
        legend: { top: 8, left: 4, data: [t("enc.v.before"), t("enc.v.after")], textStyle: { fontSize: 11 }, itemWidth: 14, itemHeight: 10,
          formatter: (n) => `${n}${par(view.measure === "value" ? t("enc.unit.wan") : t("enc.v.count.unit"))}` },
        grid: { left: 8, right: 34, top: 40, bottom: 24, containLabel: true },
        yAxis: { type: "category", inverse: true, data: eff.map((e) => `${e.agreement_id}\n${rec(e)}`), axisLabel: { fontSize: 10, interval: 0, lineHeight: 13 }, axisTick: { show: false } },
        xAxis: { type: "value", axisLabel: { fontSize: 10 }, minInterval: view.measure === "value" ? 0 : 1 },
        series: [
          { id: "before", name: t("enc.v.before"), type: "bar", barGap: "10%", barMaxWidth: 12, itemStyle: { color: BEFORE }, label: { show: true, position: "right", fontSize: 10, formatter: (p) => (view.measure === "value" ? nf(p.value, 0) : p.value) }, data: eff.map((e) => e[key[0]] ?? 0) },
          { id: "after", name: t("enc.v.after"), type: "bar", barMaxWidth: 12, itemStyle: { color: AFTER }, label: { show: true, position: "right", fontSize: 10, formatter: (p) => (view.measure === "value" ? nf(p.value, 0) : p.value) }, data: eff.map((e) => e[key[1]] ?? 0) },
        ],
      }, { notMerge: true });
      const eEl = root.querySelector("#enc-v-effect");
      eEl.dataset.effect = eff.map((e) => `${e.agreement_id}|${e.adcode_a}|${e.adcode_b}:${e.before_count}/${e.after_count}`).join(",");
      root.querySelector("#enc-v-effect-table").innerHTML = eff.length ? table(eff, [
        { key: "agreement_id", label: t("enc.c.agreement"), fmt: (v) => `<span data-agreement="${esc(v)}">${esc(v)}</span>` },
        { key: "adcode_a", label: t("enc.v.places"), fmt: (v, e) => esc(rec(e)), csv: (v, e) => `${e.adcode_a} ⇄ ${e.adcode_b}` },
        { key: "start", label: t("enc.v.start"), fmt: (v, e) => `${esc(day(v))}${day(e.end) ? ` – ${esc(day(e.end))}` : ` – ${esc(t("enc.v.open"))}`}`, csv: (v, e) => `${day(v)}–${day(e.end)}` },
        { key: "before_count", label: t("enc.v.before_count"), num: true, fmt: cell("before_count", (v) => String(v ?? "–")) },
        { key: "after_count", label: t("enc.v.after_count"), num: true, fmt: cell("after_count", (v) => String(v ?? "–")) },
        { key: "before_value", label: t("enc.v.before_value"), num: true, fmt: cell("before_value", (v) => nf(v, 1)) },
        { key: "after_value", label: t("enc.v.after_value"), num: true, fmt: cell("after_value", (v) => nf(v, 1)) },
        { key: "count_ratio", label: t("enc.v.ratio"), num: true, fmt: cell("count_ratio", (v) => (isNum(v) ? `×${nf(v, 2)}` : "–")) },
      ], { name: stem("voucher-recognitions"), rowClass: () => "enc-erow" }) : "";
      root.querySelectorAll("#enc-v-effect-table tbody tr").forEach((tr, i) => { tr.dataset.agreement = eff[i].agreement_id; tr.dataset.places = `${eff[i].adcode_a}|${eff[i].adcode_b}`; });
      const un = ans.unrecognised || [];
      root.querySelector("#enc-v-unrec-count").textContent = tf("enc.nv", { n: un.length });
      const uEl = root.querySelector("#enc-v-unrec");
      uEl.dataset.n = String(un.length);
      uEl.innerHTML = un.length ? table(un, [
        { key: "voucher_id", label: t("enc.v.voucher"), fmt: (v) => esc(v) },
        { key: "issuer_adcode", label: t("enc.v.issuer"), fmt: (v) => esc(place(v)), csv: (v) => v },
        { key: "provider_adcode", label: t("enc.v.provider"), fmt: (v) => esc(place(v)), csv: (v) => v },
        { key: "redeemed", label: t("enc.v.redeemed"), fmt: (v) => esc(day(v)), csv: (v) => day(v) },
        numCol(un, "value", t("enc.v.value.unit"), 1),
        { key: "redeem_mode", label: t("enc.v.mode"), fmt: (v) => esc(v ? t("enc.v.by_" + v) : "–") },
      ], { name: stem("vouchers-unrecognised", view.vYear || "all") }) : `<p class="muted">${esc(t("enc.v.unrec.none"))}</p>`;
      root.dataset.vouchers = String(vSeq);
    } catch (e) {
      if (my !== vSeq) return;
      root.querySelector("#enc-v-unrec").innerHTML = `<p class="error-text" role="alert">${esc(e.message || e)}</p>`;
    }
  }

  // ---------------------------------------------------------------------------------------------- settings
  function drawSettings(s) {
    const body = root.querySelector("#enc-settings-body");
    if (!s) { root.querySelector("#enc-settings").hidden = true; return; }
    const w = s.weights || {};
    const th = s.thresholds || {};
    body.innerHTML = `<table class="data enc-weights"><thead><tr><th>${esc(t("enc.ind"))}</th><th class="num">${esc(t("enc.weight"))}</th></tr></thead><tbody>
      ${INDICATORS.filter((k) => k in w).map((k) => `<tr><td>${esc(indName(k))}</td><td class="num" data-weight="${esc(k)}">${nf(w[k], 2)}</td></tr>`).join("")}</tbody></table>
      <p class="hint">${esc(t("enc.thresholds"))}${colon()}${GRADES.filter((g) => g in th).map((g) => `${g} ≥ ${nf(th[g] <= 1 ? 100 * th[g] : th[g], 0)}%`).join(SEP)}</p>
      <p class="hint">${esc(t("enc.settings.h"))}</p>`;
  }

  // ---------------------------------------------------------------------------------------------- one enclave
  root.querySelector("#enc-main").addEventListener("click", (e) => {
    const a = e.target.closest(".enc-open");
    if (a) { e.preventDefault(); open(a.dataset.enclave); return; }
    const row = e.target.closest("tr.enc-row");
    if (row && !e.target.closest("[data-csv]")) open(row.dataset.enclave);
  });

  let current = null; // the profile on show
  let charts = { agreed: null, mu: null };

  function open(id) {
    state.enclave = id;
    ctx.syncUrl();
    root.querySelectorAll("tr.enc-row").forEach((tr) => tr.classList.toggle("sel", tr.dataset.enclave === id));
    drawMap();
    loadProfile(id);
  }

  function close() {
    disposeAll(side);
    side.hidden = true;
    side.innerHTML = "";
    delete side.dataset.enclave;
    state.enclave = null;
    current = null;
    ctx.syncUrl();
    root.querySelectorAll("tr.enc-row.sel").forEach((tr) => tr.classList.remove("sel"));
    drawMap();
  }

  async function loadProfile(id) {
    side.hidden = false;
    disposeAll(side);
    side.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`;
    try {
      const p = await fresh(`/api/enclaves/${encodeURIComponent(id)}`);
      if (state.enclave !== id) return;
      drawProfile(p);
    } catch (e) {
      if (state.enclave !== id) return;
      side.innerHTML = `<button class="closer" type="button" aria-label="close">×</button><p class="error-text" role="alert">${esc(e.message || e)}</p>`;
      side.querySelector(".closer").addEventListener("click", close);
    }
  }

  /** The enclave's identity in a profile (its latest year's names, places and type). */
  const identity = (p) => ({ enclave_id: p.enclave_id, ...(p.identity || p.enclave || p) });

  /** The yearly series of a profile, oldest first, with what was agreed where the agreement says it. */
  function seriesOf(p) {
    const terms = p.terms || {};
    const list = [...(p.years || p.series || [])].sort((a, b) => Number(a.period) - Number(b.period));
    return list.map((s) => {
      // a target holds from the agreement's target year on (blank: every year)
      const from = Number(s.target_year ?? terms.target_year);
      const due = Number.isFinite(from) && from > 0 ? Number(s.period) >= from : true;
      const pick = (k) => (due ? (isNum(s[k]) ? s[k] : isNum(terms[k]) ? terms[k] : null) : null);
      return { ...s, target_output: pick("target_output"), target_tax: pick("target_tax") };
    });
  }

  function drawProfile(p) {
    disposeAll(side);
    current = p;
    const e = identity(p);
    const terms = p.terms || {};
    const ser = seriesOf(p);
    const now = ser.find((s) => Number(s.period) === view.period) || ser[ser.length - 1] || {};
    side.dataset.enclave = e.enclave_id;
    const kv = (k, v) => (v === null || v === undefined || v === "" ? "" : `<dt>${esc(t(k))}</dt><dd>${v}</dd>`);
    side.innerHTML = `<button class="closer" type="button" aria-label="close">×</button>
      <h2 id="enc-title">${esc(e.enclave_name || e.enclave_id)}</h2>
      <div class="sub">${esc(e.enclave_id)} · ${esc(typeName(e.enclave_type))} · ${esc(dirName(e.direction))}${e.established ? ` · ${esc(tf("enc.est", { d: String(e.established).slice(0, 10) }))}` : ""}
        ${p.synthetic || e.synthetic ? ` <span class="enc-synth">${esc(t("enc.synthetic"))}</span>` : ""}</div>
      <div class="enc-route"><span class="enc-end o">${esc(t("enc.side.origin"))}</span> <b>${esc(place(e.origin_adcode, e.origin_name))}</b>
        <span class="enc-arrow">→</span> <span class="enc-end h">${esc(t("enc.side.host"))}</span> <b>${esc(place(e.host_adcode, e.host_name))}</b></div>
      <div class="enc-now">${tf("enc.now", { y: now.period ?? "–" })}${colon()}${gradeBadge(now.grade)}
        ${isNum(now.score) ? `<span class="muted">${esc(t("enc.c.score"))} ${nf(now.score, 1)} · ${esc(t("enc.c.rank"))} ${now.rank ?? "–"}/${now.peers ?? "–"}</span>` : ""}
        ${now.leader ? `<span class="enc-flag lead">${esc(t("enc.leader"))}</span>` : ""}${(now.priority ?? e.priority) ? `<span class="enc-flag prio" data-priority="1">${esc(t("enc.priority"))}</span>` : ""}</div>
      <dl class="kv enc-kv">
        ${kv("enc.operator", esc(e.operator_name || e.operator || "") + (e.operator_code ? ` <span class="muted small">${esc(e.operator_code)}</span>` : ""))}
        ${kv("enc.agreement", terms.agreement_id ? `${esc(terms.agreement_id)}${terms.signed ? ` · ${esc(tf("enc.signed", { d: String(terms.signed).slice(0, 10) }))}` : ""}${isNum(terms.term_years) ? ` · ${esc(tf("enc.term", { n: terms.term_years }))}` : ""}` : "")}
        ${kv("enc.targets", isNum(terms.target_output) || isNum(terms.target_tax) ? esc(tf("enc.targets.v", { o: nf(terms.target_output), t: nf(terms.target_tax), y: terms.target_year ?? "–" })) : "")}
        ${kv("enc.land", isNum(terms.land_quota_agreed_mu) || isNum(terms.host_land_mu) ? esc(tf("enc.land.v", { q: nf(terms.land_quota_agreed_mu), h: nf(terms.host_land_mu) })) : "")}
        ${kv("enc.equity", esc(tf("enc.equity.v", { o: nf(terms.origin_min_equity_pct ?? 50, 0), h: nf(terms.host_min_equity_pct ?? 30, 0) })))}
        ${kv("enc.taxshare", isNum(terms.origin_tax_share_pct) ? esc(tf("enc.taxshare.v", { p: nf(terms.origin_tax_share_pct, 0) })) : "")}
        ${kv("enc.note", terms.note ? esc(terms.note) : "")}
      </dl>
      <div class="panel" id="enc-agreed-panel"><h3>${esc(t("enc.p.agreed"))}</h3><div class="seg" id="enc-agreed-seg"></div>
        <div class="chart-box enc-pchart" id="enc-agreed"></div><p class="hint">${esc(t("enc.p.agreed.h"))}</p></div>
      <div class="panel" id="enc-mu-panel"><h3>${esc(t("enc.p.mu"))}</h3><div class="enc-ctl"><select id="enc-mu-ind"></select></div>
        <div class="chart-box enc-pchart" id="enc-mu"></div><div id="enc-mu-table" class="hscroll"></div></div>
      <div class="panel enc-reviews" id="enc-reviews"></div>
      <div class="panel" id="enc-holders-panel"><h3>${esc(t("enc.p.holders"))} <span class="muted">${esc(String(view.period))}</span></h3><div id="enc-holders" class="hscroll"></div></div>
      <div class="panel" id="enc-pbreach-panel"><h3>${esc(t("enc.p.breaches"))}</h3><div id="enc-pbreach" class="hscroll"></div></div>
      <div class="panel" id="enc-ptax-panel"><h3>${esc(t("enc.p.tax"))}</h3><div id="enc-ptax" class="hscroll"></div></div>`;
    side.querySelector(".closer").addEventListener("click", close);
    drawAgreed(ser);
    drawMu(ser);
    drawReviews(p);
    drawHolders(p);
    drawProfileBreaches(p);
    const arr = p.tax_sharing || [];
    const splits = arr.flatMap((a) => a.split || a.rows || (a.period !== undefined ? [a] : []));
    side.querySelector("#enc-ptax").innerHTML = splits.length ? taxTable(splits, stem("tax-sharing", e.enclave_id), true) : `<p class="muted">${esc(t("enc.p.tax.none"))}</p>`;
    side.querySelector("#enc-ptax").dataset.n = String(splits.length);
    side.scrollTop = 0;
    root.dataset.profile = e.enclave_id;
  }

  function drawAgreed(ser) {
    const seg = side.querySelector("#enc-agreed-seg");
    seg.innerHTML = ["output", "tax"].map((k) => `<button type="button" data-c="${k}" class="${view.chart === k ? "on" : ""}">${esc(t("enc.p.chart." + k))}</button>`).join("");
    seg.onclick = (e) => {
      const b = e.target.closest("[data-c]");
      if (!b) return;
      view.chart = b.dataset.c;
      seg.querySelectorAll("button").forEach((x) => x.classList.toggle("on", x === b));
      drawAgreed(ser);
    };
    const box = side.querySelector("#enc-agreed");
    const c = chartOn(box);
    charts.agreed = c;
    window.__atlasCharts = { ...(window.__atlasCharts || {}), enclaveAgreed: c };
    const x = ser.map((s) => String(s.period));
    const k = view.chart;
    const bar = (name, data, color) => ({ id: `real-${name}`, name, type: "bar", barMaxWidth: 18, itemStyle: { color }, data });
    const line = (name, data, color) => ({ id: `agreed-${name}`, name, type: "line", connectNulls: false, symbol: "circle", symbolSize: 4, lineStyle: { color, width: 2, type: "dashed" }, itemStyle: { color }, data });
    const series = k === "output"
      ? [bar(t("enc.s.output"), ser.map((s) => s.output ?? null), REALISED), line(t("enc.s.target_output"), ser.map((s) => s.target_output ?? null), AGREED)]
      : [bar(t("enc.s.tax"), ser.map((s) => s.tax ?? null), REALISED), line(t("enc.s.target_tax"), ser.map((s) => s.target_tax ?? null), AGREED)];
    const big = Math.max(0, ...series.flatMap((x) => x.data).filter(isNum)) >= 1e5;
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: (v) => `${nf(v, 1)} ${t("enc.unit.wan")}` },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 64, right: 12, top: 30, bottom: 26 },
      xAxis: { type: "category", data: x, axisLabel: { fontSize: 10 } },
      // 万元 up to 100,000 万元, 亿元 (10,000 万元) above: the tooltip keeps the exact 万元
      yAxis: { type: "value", name: big ? t("enc.unit.yi") : t("enc.unit.wan"), nameTextStyle: { fontSize: 10, align: "right" }, axisLabel: { fontSize: 10, formatter: (v) => nf(big ? v / 1e4 : v, 0) } },
      series,
    }, { notMerge: true });
    box.dataset.chart = k;
    box.dataset.years = x.join(",");
    if (!box.parentElement.querySelector(".chart-tools")) {
      box.parentElement.append(chartTools(echarts, c, () => stem("enclave", current?.enclave_id, "agreed", view.chart), () => ({
        header: [t("enc.f.year"), t("enc.s.output"), t("enc.s.target_output"), t("enc.s.tax"), t("enc.s.target_tax")],
        rows: ser.map((s) => [s.period, s.output, s.target_output, s.tax, s.target_tax]),
      })));
    }
  }

  function drawMu(ser) {
    const sel = side.querySelector("#enc-mu-ind");
    options(sel, [{ value: "score", label: t("enc.c.score") }, ...INDICATORS.map((k) => ({ value: k, label: indName(k) }))], view.mu);
    sel.onchange = () => { view.mu = sel.value; drawMu(ser); };
    const box = side.querySelector("#enc-mu");
    const c = chartOn(box);
    charts.mu = c;
    window.__atlasCharts = { ...(window.__atlasCharts || {}), enclaveMu: c };
    const k = view.mu;
    const x = ser.map((s) => String(s.period));
    const vals = ser.map((s) => (isNum(s[k]) ? (k === "rd_intensity" ? 100 * s[k] : s[k]) : null));
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", formatter: (ps) => {
        const s = ser[ps[0].dataIndex];
        return `<b>${esc(String(s.period))}</b><br>${esc(k === "score" ? t("enc.c.score") : indName(k))}${colon()}${indVal(k, s[k])}<br>${esc(t("enc.c.grade"))}${colon()}${gradeBadge(s.grade)} · ${esc(t("enc.c.rank"))} ${s.rank ?? "–"}/${s.peers ?? "–"}`;
      } },
      grid: { left: 56, right: 12, top: 22, bottom: 26 },
      xAxis: { type: "category", data: x, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", scale: k !== "score", min: k === "score" ? 0 : undefined, max: k === "score" ? 100 : undefined, name: k === "score" ? "" : tOr("enc.unit." + k, ""), nameTextStyle: { fontSize: 10, align: "left" }, axisLabel: { fontSize: 10 } },
      series: [{ id: "mu", name: k, type: "line", symbolSize: 9, lineStyle: { color: "#5f6b7a", width: 2 }, connectNulls: false,
        data: vals.map((v, i) => ({ value: v, itemStyle: { color: GRADE_COLORS[ser[i].grade] || NO_GRADE, borderColor: "#fff", borderWidth: 1 } })),
        label: { show: k === "score", position: "top", fontSize: 10, formatter: (p) => ser[p.dataIndex].grade || "" } }],
    }, { notMerge: true });
    box.dataset.indicator = k;
    box.dataset.values = vals.map((v) => (v === null ? "" : v)).join(",");
    if (!box.parentElement.querySelector(".chart-tools")) {
      box.parentElement.append(chartTools(echarts, c, () => stem("enclave", current?.enclave_id, "mu", view.mu)));
    }
    const tab = side.querySelector("#enc-mu-table");
    tab.innerHTML = table(ser, [
      { key: "period", label: t("enc.f.year"), fmt: (v) => esc(v) },
      ...INDICATORS.map((ind) => ({ key: ind, label: indName(ind), num: true, fmt: cell(ind, (v) => indVal(ind, v)) })),
      { key: "score", label: t("enc.c.score"), num: true, fmt: cell("score", (v) => nf(v, 1)) },
      { key: "rank", label: t("enc.c.rank"), num: true, fmt: cell("rank", (v, s) => (isNum(v) ? `${v}/${s.peers ?? "?"}` : "–")), csv: (v, s) => (isNum(v) ? `${v}/${s.peers ?? ""}` : "") },
      { key: "grade", label: t("enc.c.grade"), fmt: (v, s) => `${gradeBadge(v)}${s.leader ? ` <span class="enc-flag lead">${esc(t("enc.leader"))}</span>` : ""}${s.missing && String(s.missing).length ? ` <span class="muted small" title="${esc(t("enc.missing.h"))}">${esc(t("enc.missing"))}${colon()}${esc((Array.isArray(s.missing) ? s.missing : String(s.missing).split(/[;,]/)).filter(Boolean).map(indName).join(SEP))}</span>` : ""}`, csv: (v) => v || "" },
    ], { name: stem("enclave", current?.enclave_id, "mu"), rowClass: (s) => `enc-murow ${Number(s.period) === view.period ? "sel" : ""}` });
    tab.querySelectorAll("tbody tr").forEach((tr, i) => { tr.dataset.period = String(ser[i].period); });
  }

  /** Each side's review of the year's evaluation: the latest decision counts, the earlier ones are kept. */
  function drawReviews(p) {
    const e = identity(p);
    const box = side.querySelector("#enc-reviews");
    const all = (Array.isArray(p.reviews) ? p.reviews : (p.reviews && p.reviews.history) || []).filter((r) => Number(r.period) === view.period);
    const latest = (s) => all.filter((r) => r.side === s).sort((a, b) => String(b.at).localeCompare(String(a.at)) || (b.id ?? 0) - (a.id ?? 0))[0] || null;
    const card = (s) => {
      const r = latest(s);
      const may = mayReview(s, e);
      const code = s === "origin" ? e.origin_adcode : e.host_adcode;
      return `<div class="enc-rcard" data-side="${s}" data-decision="${esc(r ? r.decision : "")}">
        <div class="enc-rhead"><b>${esc(t("enc.side." + s))}</b> <span class="muted">${esc(place(code))}</span>
          <span class="enc-rdec ${r ? "enc-rev-" + esc(r.decision) : ""}">${esc(r ? t("enc.rev." + r.decision) : t("enc.rev.none"))}</span></div>
        ${r ? `<div class="small muted" data-reviewer="${esc(r.reviewer || "")}">${esc(r.reviewer || "")} · ${esc(chinaTime(r.at))}</div>${r.comment ? `<div class="enc-rcomment">${esc(r.comment)}</div>` : ""}` : ""}
        ${may ? `<div class="enc-ract" data-side="${s}">
            <input type="text" class="enc-rnote" maxlength="2000" placeholder="${esc(t("enc.rev.comment"))}" aria-label="${esc(t("enc.rev.comment"))}">
            <div class="btn-row"><button type="button" class="btn primary" data-review="approve" data-side="${s}">${esc(t("enc.rev.do.approve"))}</button>
            <button type="button" class="btn" data-review="reject" data-side="${s}">${esc(t("enc.rev.do.reject"))}</button></div></div>` : ""}
      </div>`;
    };
    const history = [...all].sort((a, b) => String(b.at).localeCompare(String(a.at)));
    box.innerHTML = `<h3>${esc(tf("enc.p.reviews", { y: view.period }))}</h3><p class="hint">${esc(t("enc.p.reviews.h"))}</p>
      <div class="enc-rcards">${card("origin")}${card("host")}</div>
      ${!local && !["origin", "host"].some((s) => mayReview(s, e)) ? `<p class="hint" id="enc-rev-readonly">${esc(!me ? "" : me.role === "viewer" ? tf("enc.rev.viewer", { name: me.name }) : tf("enc.rev.readonly", { jur: place(me.jurisdiction, me.jurisdiction) }))}</p>` : ""}
      <p class="error-text" id="enc-rev-error" role="alert"></p>
      ${history.length > 2 ? `<details class="enc-rhist"><summary>${esc(tf("enc.rev.history", { n: history.length }))}</summary><ol>${history.map((r) => `<li>${esc(chinaTime(r.at))} · ${esc(t("enc.side." + r.side))} · <b>${esc(t("enc.rev." + r.decision))}</b> · ${esc(r.reviewer || "")}${r.comment ? ` — ${esc(r.comment)}` : ""}</li>`).join("")}</ol></details>` : ""}`;
    box.dataset.reviews = history.length ? String(history.length) : "0";
    box.onclick = async (ev) => {
      const b = ev.target.closest("[data-review]");
      if (!b || b.disabled) return;
      const s = b.dataset.side;
      const note = box.querySelector(`.enc-ract[data-side="${s}"] .enc-rnote`);
      const err = box.querySelector("#enc-rev-error");
      err.textContent = "";
      box.querySelectorAll("[data-review]").forEach((x) => { x.disabled = true; });
      try {
        await post(`/api/enclaves/${encodeURIComponent(e.enclave_id)}/reviews`, {}, JSON.stringify({
          period: view.period, side: s, decision: b.dataset.review, comment: (note?.value || "").trim() || null,
        }), "application/json");
        const again = await fresh(`/api/enclaves/${encodeURIComponent(e.enclave_id)}`);
        if (state.enclave !== e.enclave_id) return;
        // the whole profile again (its priority flag may change), where the reader was
        const top = side.scrollTop;
        drawProfile(again);
        side.scrollTop = top;
        side.querySelector("#enc-reviews").dataset.saved = `${s}:${b.dataset.review}`;
        refresh(); // the ledger's review column and priority flag follow
      } catch (ex) {
        box.querySelectorAll("[data-review]").forEach((x) => { x.disabled = false; });
        err.textContent = ex.message || String(ex);
        err.dataset.status = String(ex.status || "");
      }
    };
  }

  function drawHolders(p) {
    const el = side.querySelector("#enc-holders");
    const list = (p.shareholders || []).filter((s) => Number(s.period) === view.period);
    el.dataset.n = String(list.length);
    if (!list.length) { el.innerHTML = `<p class="muted">${esc(t("enc.p.holders.none"))}</p>`; return; }
    const sum = (s) => list.filter((x) => x.side === s).reduce((a, x) => a + (isNum(x.share_pct) ? x.share_pct : 0), 0);
    el.innerHTML = `<div class="chips enc-sides">${["origin", "host", "other"].map((s) => `<span class="chip ${s === "other" ? "" : "on"}" data-side-sum="${s}" data-v="${sum(s)}">${esc(t("enc.side." + s))} ${nf(sum(s), 1)}%</span>`).join("")}</div>` + table(list, [
      { key: "shareholder_name", label: t("enc.h.name"), fmt: (v, s) => `${esc(v)}${s.shareholder_code ? `<div class="muted small">${esc(s.shareholder_code)}</div>` : ""}` },
      { key: "side", label: t("enc.h.side"), fmt: (v) => esc(tOr("enc.side." + v, v || "–")), csv: (v) => v },
      { key: "adcode", label: t("enc.h.place"), fmt: (v) => esc(place(v)), csv: (v) => v },
      { key: "share_pct", label: t("enc.h.share"), num: true, fmt: cell("share_pct", (v) => pctTxt(v, 2)) },
      numCol(list, "paid_in", t("enc.h.paid"), 1),
    ], { name: stem("enclave", identity(p).enclave_id, "shareholders", view.period) });
  }

  function drawProfileBreaches(p) {
    const el = side.querySelector("#enc-pbreach");
    const list = [...(p.breaches || [])].sort((a, b) => Number(b.period) - Number(a.period) || String(a.rule).localeCompare(String(b.rule)));
    el.dataset.n = String(list.length);
    el.innerHTML = list.length ? table(list, [
      { key: "period", label: t("enc.f.year"), fmt: (v) => esc(v ?? "–") },
      { key: "rule", label: t("enc.c.rule"), fmt: (v, b) => `<span data-rule="${esc(v)}">${esc(ruleName(v))}</span>${b.status && b.status !== "breach" ? ` <span class="chip">${esc(tOr("enc.status." + b.status, b.status))}</span>` : ""}`, csv: (v) => v },
      { key: "message", label: t("enc.c.message"), fmt: (v) => `<span class="enc-msg">${esc(msg(v))}</span>`, csv: (v) => v },
    ], { name: stem("enclave", identity(p).enclave_id, "breaches") }) : `<p class="ok">✓ ${esc(t("enc.p.breaches.none"))}</p>`;
  }

  await refresh();
  if (state.enclave) open(state.enclave);
}
