// 监测预警: the alerts concerning the reader — on the map (a place by the highest severity of its alerts; segment
// and jurisdiction-wide alerts listed apart), in a filtered list, and one at a time: its findings (the value as
// first reported and as revised), the indicator's history with the threshold, the records behind the finding
// (GET /api/alerts/{id}/evidence), the joint-handling thread with each party's acknowledgement, assessment and
// measures, and the lifecycle actions the reader's role and the alert's status allow.
import { ApiError, get, post, send } from "../api.js";
import { chartOn, disposeAll, echarts, registerScale } from "../charts.js";
import { addStrings, esc, fmt, getLang, nm, periodLabel, placeName, t, tf } from "../i18n.js";
import { chartTools, h, options, periodGrain, stem, table } from "../widgets.js";

// the policies bearing on an alert (issue 16: GET /api/alerts/{id}/policies)
addStrings({
  "mon.pol": ["相关政策", "Related policies"],
  "mon.pol.h": ["本地、上级与区域发布的、涉及该环节或产业链的政策，附识别证据。", "Policies of the place, the jurisdictions above it and the region on the alert's segment or chain, with the evidence."],
  "mon.pol.none": ["没有相关政策", "No related policy"],
  "mon.pol.more": ["共 {n} 件，显示前 {k} 件", "{n} in all, first {k} shown"],
  "mon.pol.rel.same": ["本地", "Local"],
  "mon.pol.rel.higher": ["上级", "Above"],
  "mon.pol.rel.region": ["区域", "Regional"],
  "mon.pol.match.segment": ["同环节", "Same segment"],
  "mon.pol.match.chain": ["同产业链", "Same chain"],
  "mon.pol.match.any": ["已识别", "Tagged"],
});

/** Severities, lowest first; statuses in lifecycle order (as chainatlas/storage/alerts.py). */
export const SEVERITIES = ["info", "warning", "critical"];
export const STATUSES = ["open", "acknowledged", "assigned", "in_handling", "resolved", "closed"];
const ACTIVE = STATUSES.slice(0, 4);
/** Severity colours: strong for badges and county markers, a lighter fill for city areas (labels stay legible). */
export const SEV_COLORS = { critical: "#c0392b", warning: "#d98a00", info: "#2f78c4" };
const SEV_FILL = { critical: "#e8746a", warning: "#f3c463", info: "#9cc6ec" };
const NO_ALERT = "#eef2f6";
/** The threshold on the history chart: vermillion (Okabe–Ito), apart from the blue of the value line. */
const THRESHOLD_COLOR = "#d55e00";
/** The statuses each action may be taken from (storage/alerts.py TRANSITIONS; `ack` in a later active status
 * records another party's acknowledgement; a silence needs an active alert; a note works in every status). */
const FROM = {
  ack: ACTIVE,
  assign: ["acknowledged", "assigned", "in_handling"],
  handle: ["acknowledged", "assigned"],
  resolve: ACTIVE,
  close: ["resolved"],
  reopen: ["resolved", "closed"],
  silence: ACTIVE,
  note: STATUSES,
};
/** Columns of an evidence record worth a column on screen (the others: in the API answer). */
const EVIDENCE_COLS = ["name", "firm_name", "credit_code", "code", "record_id", "period", "hs_code", "partner_country",
  "direction", "industry_code", "revenue", "tax_paid", "employees"];

/** The filters, kept while the page is left and re-entered (and across a language switch). */
const view = { status: [...ACTIVE], severity: [...SEVERITIES], level: "", layer: "", jurisdiction: "", period: "", unit: "" };
let seq = 0;
let shared = null; // the shell's state: the alert on show leaves the URL with the page

export function dispose(root) {
  disposeAll(root);
  if (shared) shared.alert = null;
}

// ------------------------------------------------------------------------------------------------ requests
/** A fresh answer (alerts change while the page is open: never the in-memory cache of api.get). */
async function fresh(path, params = {}) {
  return read(await send("GET", path, params));
}

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

// ------------------------------------------------------------------------------------------------ words
const split = (s) => String(s || "").split(";").filter(Boolean);
/** Whether an owner is a jurisdiction (a party of the alert) rather than a department's name (only shown). */
const isJur = (code) => /^(YRD|\d{6})$/.test(String(code || ""));
/** The parties an alert concerns: its jurisdictions and its suggested owner when that is a jurisdiction (the
 * store makes both concerned parties), with any still pending. */
const concerned = (a) => [...new Set([...split(a.jurisdictions), ...(isJur(a.owner) ? [a.owner] : []), ...split(a.pending)])];
/** A figure in full (a finding's value, a record's amount): thousands separated, no 万/亿 rounding. */
export function num(v) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "–";
  const x = Number(v);
  return x.toLocaleString(getLang() === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: Math.abs(x) < 10 ? 3 : 1 });
}
/** A time of the store (UTC) in China time: 2026-12-01 12:33. */
export function chinaTime(iso) {
  if (!iso) return "–";
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? String(iso) : new Date(ms + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ");
}
const sevBadge = (s) => `<span class="sev sev-${esc(s)}" data-severity="${esc(s)}">${esc(t("mon.sev." + s))}</span>`;
const statusChip = (s) => `<span class="st st-${esc(s)}" data-status="${esc(s)}">${esc(t("mon.st." + s))}</span>`;

export async function render(root, ctx) {
  const { meta, state } = ctx;
  shared = state;
  // the alert on show is the page's own (the shell forgot it when the page was left): a permalink, or the
  // same page drawn again (another language)
  state.alert = Number(ctx.params.get("alert")) || null;
  const L = getLang();
  const SEP = L === "zh" ? "、" : ", ";
  const [auth, chains, cities, counties, provinces] = await Promise.all([
    fresh("/api/auth").catch(() => ({ mode: "local", user: null })),
    get("/api/chains").then((r) => r.data).catch(() => []),
    get("/api/places", { scale: "city", proper: true }).then((r) => r.data),
    get("/api/places", { scale: "county", proper: true }).then((r) => r.data),
    get("/api/places", { scale: "province" }).then((r) => r.data).catch(() => []),
    registerScale("city"),
  ]);
  const me = auth.user || null;
  const canAct = Boolean(me && ["admin", "analyst"].includes(me.role));
  const where = new Map([...cities, ...counties].map((p) => [String(p.unit), p]));
  const provName = new Map(provinces.map((p) => [String(p.unit), p]));
  const segName = (chain, segment) => {
    const c = chains.find((x) => x.id === chain);
    const s = c && (c.segments || []).find((x) => x.segment === segment);
    return s ? nm(s) : segment;
  };
  const chainName = (chain) => { const c = chains.find((x) => x.id === chain); return c ? nm(c) : chain; };
  /** A jurisdiction or unit in words: the region, a province, a city or a county. */
  const jurName = (code) => {
    if (!code) return "–";
    if (code === "YRD") return t("auth.region");
    if (provName.has(code)) return nm(provName.get(code));
    return placeName(code, where.get(code));
  };
  const indName = (attr) => { const i = meta.indicators.find((x) => x.attr === attr); return i ? (L === "zh" ? i.zh : i.en) : attr; };
  const indUnit = (attr) => { const i = meta.indicators.find((x) => x.attr === attr); return i ? (L === "zh" ? i.unit_zh : i.unit_en) : ""; };
  const kindName = (k) => { const x = (meta.kinds || []).find((y) => y.kind === k); return x ? (L === "zh" ? x.zh : x.en) : k; };
  const layerName = (id) => { const l = meta.layers.find((x) => x.id === id); return l ? (L === "zh" ? l.zh : l.en) : id; };
  /** Whether an alert is about a place drawn on the map (a city or a county, not a segment or a jurisdiction). */
  const onMap = (a) => a.chain === "*" && where.has(String(a.unit));
  const title = (a) => {
    const place = jurName(String(a.unit));
    return a.chain === "*" ? place : `${place} · ${chainName(a.chain)} · ${segName(a.chain, a.segment)}`;
  };

  root.innerHTML = "";
  root.dataset.role = me ? me.role : "";
  root.append(h(`<aside class="side mon-filters" id="mon-filters">
      <h2 class="mon-h">${esc(t("nav.monitor"))}</h2>
      <div class="field"><span class="label">${esc(t("mon.f.severity"))}</span><div class="checks" id="f-severity"></div></div>
      <div class="field"><span class="label">${esc(t("mon.f.status"))}</span><div class="checks" id="f-status"></div></div>
      <div class="field"><label for="f-level">${esc(t("mon.f.level"))}</label><select id="f-level"></select></div>
      <div class="field"><label for="f-layer">${esc(t("f.layer"))}</label><select id="f-layer"></select></div>
      <div class="field"><label for="f-jur">${esc(t("mon.f.jurisdiction"))}</label><select id="f-jur"></select></div>
      <div class="field"><label for="f-period">${esc(t("f.period"))}</label><select id="f-period"></select></div>
      <div class="field" id="f-unit-field" hidden><span class="label">${esc(t("p.place"))}</span><span class="chip on" id="f-unit"></span></div>
      <p class="hint">${esc(t("mon.f.hint"))}</p>
      <p class="hint" id="mon-who"></p>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll" id="mon-main">
      <div class="panel" id="mon-map-panel"><h2>${esc(t("mon.map"))}</h2>
        <div class="chart mon-map"><div class="chart-box" id="mon-map"></div><div class="legend-note" id="mon-legend"></div></div></div>
      <div class="panel" id="mon-apart-panel"><h2>${esc(t("mon.apart"))} <span class="muted" id="mon-apart-count"></span></h2><p class="hint">${esc(t("mon.apart.h"))}</p><div id="mon-apart" class="mon-apart"></div></div>
      <div class="panel" id="mon-list-panel"><h2>${esc(t("mon.list"))} <span class="muted" id="mon-count"></span></h2><div id="mon-list"></div></div>
    </div></section>`));
  const side = h(`<aside class="side right profile mon-detail" id="mon-detail" hidden></aside>`);
  root.append(side);

  const who = root.querySelector("#mon-who");
  who.textContent = !me ? "" : auth.mode === "local" ? t("mon.who.local")
    : tf(canAct ? "mon.who.act" : "mon.who.read", { name: me.name, role: t("auth.role." + me.role), jur: jurName(me.jurisdiction) });

  // ---------------------------------------------------------------------------------------------- filters
  const checks = (el, values, label, chosen, onChange) => {
    el.innerHTML = values.map((v) => `<label class="check"><input type="checkbox" value="${esc(v)}" ${chosen.includes(v) ? "checked" : ""}> ${label(v)}</label>`).join("");
    el.addEventListener("change", () => onChange([...el.querySelectorAll("input:checked")].map((x) => x.value)));
  };
  checks(root.querySelector("#f-severity"), [...SEVERITIES].reverse(), sevBadge, view.severity, (v) => { view.severity = v; refresh(); });
  checks(root.querySelector("#f-status"), STATUSES, statusChip, view.status, (v) => { view.status = v; refresh(); });
  options(root.querySelector("#f-level"), [{ value: "", label: t("all") }, ...["region", "province", "city"].map((l) => ({ value: l, label: t("mon.level." + l) }))], view.level);
  options(root.querySelector("#f-layer"), [{ value: "", label: t("all") }, ...meta.layers.map((l) => ({ value: l.id, label: layerName(l.id) }))], view.layer);
  const jurs = [{ value: "", label: t("all") }, { value: "YRD", label: t("auth.region") },
    ...provinces.map((p) => ({ value: String(p.unit), label: nm(p) })),
    ...cities.map((c) => ({ value: String(c.unit), label: `　${placeName(c.unit, c)}` }))];
  options(root.querySelector("#f-jur"), jurs, view.jurisdiction);
  const bind = (id, key) => root.querySelector(id).addEventListener("change", (e) => { view[key] = e.target.value; refresh(); });
  bind("#f-level", "level");
  bind("#f-layer", "layer");
  bind("#f-jur", "jurisdiction");
  bind("#f-period", "period");
  root.querySelector("#f-unit").addEventListener("click", () => { view.unit = ""; refresh(); });

  // ---------------------------------------------------------------------------------------------- the map
  const map = chartOn(root.querySelector("#mon-map"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), monitorMap: map };
  root.querySelector("#mon-map-panel").append(chartTools(echarts, map, () => stem("alerts-map", view.period)));
  let placedUnits = new Set();
  map.on("click", (p) => {
    const unit = p.seriesType === "scatter" ? p.data && p.data.unit : p.name;
    if (!unit || !(placedUnits.has(String(unit)) || view.unit === String(unit))) return;
    view.unit = view.unit === String(unit) ? "" : String(unit);
    refresh();
  });

  let rows = [];
  let periodsSeen = null;

  function params() {
    return {
      status: view.status.length ? view.status : null,
      severity: view.severity.length && view.severity.length < SEVERITIES.length ? view.severity : null,
      level: view.level || null, layer: view.layer || null, jurisdiction: view.jurisdiction || null,
      period: view.period || null, unit: view.unit || null,
      all: !view.status.length || view.status.includes("closed") ? true : null, limit: 1000,
    };
  }

  async function refresh() {
    const my = ++seq;
    const unitField = root.querySelector("#f-unit-field");
    unitField.hidden = !view.unit;
    root.querySelector("#f-unit").innerHTML = view.unit ? `${esc(jurName(view.unit))} ×` : "";
    try {
      const [list, everything] = await Promise.all([
        fresh("/api/alerts", params()),
        periodsSeen ? null : fresh("/api/alerts", { all: true, limit: 1000 }),
      ]);
      if (my !== seq) return;
      if (everything) {
        // the periods alerts were found in, newest first (a month or a quarter written as such)
        periodsSeen = [...new Set(everything.data.flatMap((a) => [a.first_period, a.last_period]))]
          .sort((a, b) => String(b).localeCompare(String(a)));
        if (view.period && !periodsSeen.includes(view.period)) periodsSeen.unshift(view.period);
        options(root.querySelector("#f-period"), [{ value: "", label: t("all") }, ...periodsSeen.map((p) => ({ value: p, label: periodLabel(p) }))], view.period);
      }
      // newest first: the alert opened last on top (ids grow with time)
      rows = [...list.data].sort((a, b) => String(b.opened_at).localeCompare(String(a.opened_at)) || b.id - a.id);
      drawMap();
      drawApart();
      drawList();
      root.dataset.alerts = String(rows.length);
      ctx.showError(null);
    } catch (e) {
      ctx.showError(e);
    }
  }

  function drawMap() {
    const placed = rows.filter(onMap);
    const byUnit = new Map();
    for (const a of placed) {
      const u = String(a.unit);
      if (!byUnit.has(u)) byUnit.set(u, []);
      byUnit.get(u).push(a);
    }
    const top = (list) => list.reduce((s, a) => (SEVERITIES.indexOf(a.severity) > SEVERITIES.indexOf(s) ? a.severity : s), "info");
    placedUnits = new Set(byUnit.keys());
    const cityUnits = [...byUnit.keys()].filter((u) => !where.get(u).city);
    const countyUnits = [...byUnit.keys()].filter((u) => where.get(u).city);
    const tip = (u) => {
      const list = byUnit.get(u) || [];
      const lines = list.slice(0, 6).map((a) => `${sevBadge(a.severity)} ${esc(title(a))} <span class="muted">${esc(split(a.rules).join(", "))}</span>`);
      return `<b>${esc(jurName(u))}</b>${list.length ? ` · ${esc(tf("mon.n", { n: list.length }))}` : ""}<br>${lines.join("<br>")}${list.length > 6 ? "<br>…" : ""}`;
    };
    map.setOption({
      tooltip: { trigger: "item", confine: true, formatter: (p) => tip(p.seriesType === "scatter" ? p.data.unit : p.name) },
      geo: {
        map: "yrd-city", roam: true, layoutCenter: ["50%", "52%"], layoutSize: "96%",
        label: { show: false },
        itemStyle: { borderColor: "#8899aa", borderWidth: 0.6, areaColor: NO_ALERT },
        emphasis: { itemStyle: { areaColor: "#ffd27f" }, label: { show: true, formatter: (p) => jurName(p.name) } },
        regions: cityUnits.map((u) => {
          const s = top(byUnit.get(u));
          return { name: u, itemStyle: { areaColor: SEV_FILL[s], borderColor: u === view.unit ? "#12355b" : "#8899aa", borderWidth: u === view.unit ? 2.5 : 0.6 },
            label: { show: true, fontSize: 11, color: "#1f2733", formatter: () => jurName(u) } };
        }),
      },
      series: [
        { type: "map", geoIndex: 0, name: "cities", data: cityUnits.map((u) => ({ name: u, value: byUnit.get(u).length, severity: top(byUnit.get(u)) })) },
        { type: "scatter", name: "counties", coordinateSystem: "geo", zlevel: 2,
          symbolSize: (v) => 9 + 2 * Math.min(4, v[2]),
          label: { show: true, position: "right", fontSize: 10, color: "#1f2733", textBorderColor: "#fff", textBorderWidth: 2, formatter: (p) => jurName(p.data.unit) },
          labelLayout: { hideOverlap: true },
          data: countyUnits.filter((u) => where.get(u).lon !== null && where.get(u).lon !== undefined).map((u) => {
            const s = top(byUnit.get(u));
            return { unit: u, severity: s, value: [where.get(u).lon, where.get(u).lat, byUnit.get(u).length],
              itemStyle: { color: SEV_COLORS[s], borderColor: u === view.unit ? "#12355b" : "#fff", borderWidth: u === view.unit ? 3 : 1.5 } };
          }) },
      ],
    }, { replaceMerge: ["series", "geo"] });
    const count = (s) => placed.filter((a) => a.severity === s).length;
    root.querySelector("#mon-legend").innerHTML = `<div><b>${esc(t("mon.legend"))}</b></div>
      ${[...SEVERITIES].reverse().map((s) => `<div class="wl"><i class="sw" style="background:${SEV_FILL[s]}"></i><i class="dot" style="background:${SEV_COLORS[s]}"></i>${esc(t("mon.sev." + s))} <span class="muted">${count(s)}</span></div>`).join("")}
      <div class="muted">${esc(t("mon.legend.h"))}</div>`;
    const el = root.querySelector("#mon-map");
    el.dataset.cities = cityUnits.map((u) => `${u}:${top(byUnit.get(u))}`).sort().join(",");
    el.dataset.counties = countyUnits.map((u) => `${u}:${top(byUnit.get(u))}`).sort().join(",");
  }

  const rowsTable = (list, name, compact = false) => table(list, [
    { key: "severity", label: t("mon.c.severity"), fmt: (v) => sevBadge(v), csv: (v) => v },
    { key: "id", label: t("mon.c.title"), fmt: (v, a) => `<a href="#" class="mon-open" data-alert="${a.id}">${esc(title(a))}</a>
        <div class="muted small">${esc(split(a.rules).join(" · "))}${a.layers ? ` · ${esc(split(a.layers).map(layerName).join(SEP))}` : ""}</div>`,
      csv: (v, a) => `${title(a)} (${a.rules})` },
    { key: "status", label: t("mon.c.status"), fmt: (v, a) => `${statusChip(v)}${a.silenced_until ? ` <span class="chip" title="${esc(t("mon.silenced"))} ${esc(chinaTime(a.silenced_until))}">${esc(t("mon.silenced.short"))}</span>` : ""}${a.inhibited_by ? ` <span class="chip" title="${esc(tf("mon.inhibited.h", { id: a.inhibited_by }))}">${esc(t("mon.inhibited"))}</span>` : ""}`, csv: (v) => v },
    ...(compact ? [] : [{ key: "first_period", label: t("mon.c.since"), fmt: (v, a) => `<span class="nowrap" title="${esc(tf("mon.opened.at", { at: chinaTime(a.opened_at) }))}">${esc(periodLabel(v))}${a.last_period !== v ? `–${esc(periodLabel(a.last_period))}` : ""}</span>`, csv: (v, a) => `${v}–${a.last_period}` }]),
    { key: "jurisdictions", label: t("mon.c.jur"), fmt: (v, a) => concerned(a).map((j) => esc(jurName(j))).join(SEP), csv: (v, a) => concerned(a).join(";") },
    { key: "pending", label: t("mon.c.acked"), num: true, fmt: (v, a) => {
      const all = concerned(a);
      const done = all.length - split(v).length;
      return `<span data-acked="${done}/${all.length}" title="${esc(split(v).length ? `${t("mon.pending")}: ${split(v).map(jurName).join(SEP)}` : t("mon.allacked"))}">${done}/${all.length}</span>`;
    }, csv: (v, a) => `${concerned(a).length - split(v).length}/${concerned(a).length}` },
  ], { name, rowClass: (a) => `mon-row ${a.id === state.alert ? "sel" : ""}` });

  function drawApart() {
    const apart = rows.filter((a) => !onMap(a));
    root.querySelector("#mon-apart").innerHTML = apart.length ? rowsTable(apart, stem("alerts-segments", view.period), true)
      : `<p class="muted">${esc(t("mon.none"))}</p>`;
    root.querySelector("#mon-apart").dataset.n = String(apart.length);
    root.querySelector("#mon-apart-count").textContent = tf("mon.n", { n: apart.length });
  }

  function drawList() {
    root.querySelector("#mon-count").textContent = tf("mon.n", { n: rows.length });
    root.querySelector("#mon-list").innerHTML = rows.length ? rowsTable(rows, stem("alerts", view.period))
      : `<p class="muted">${esc(t("mon.none"))}</p>`;
  }

  root.querySelector("#mon-main").addEventListener("click", (e) => {
    const row = e.target.closest("tr.mon-row");
    const link = row && row.querySelector("[data-alert]");
    if (!link || e.target.closest("[data-csv]")) return;
    e.preventDefault();
    open(Number(link.dataset.alert));
  });

  // ---------------------------------------------------------------------------------------------- one alert
  let current = null; // the detail on show
  let chosen = null; // the finding shown: "rule|period"
  const chart = { box: null, c: null };

  function open(id) {
    state.alert = id;
    ctx.syncUrl();
    root.querySelectorAll("tr.mon-row").forEach((tr) => tr.classList.toggle("sel", Number(tr.querySelector("[data-alert]")?.dataset.alert) === id));
    chosen = null;
    loadDetail(id);
  }

  async function loadDetail(id) {
    side.hidden = false;
    side.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`;
    try {
      drawDetail(await fresh(`/api/alerts/${id}`));
    } catch (e) {
      side.innerHTML = `<button class="closer" type="button" aria-label="close">×</button><p class="error-text" role="alert">${esc(e.message || e)}</p>`;
      side.querySelector(".closer").addEventListener("click", close);
    }
  }

  function close() {
    disposeAll(side);
    side.hidden = true;
    side.innerHTML = "";
    state.alert = null;
    current = null;
    ctx.syncUrl();
    root.querySelectorAll("tr.mon-row.sel").forEach((tr) => tr.classList.remove("sel"));
  }

  /** The jurisdictions the reader may act for on this alert: its own, then the parties inside it. */
  function actingFor(d) {
    if (!me || !me.jurisdiction) return [];
    const own = me.jurisdiction;
    const prefix = own === "YRD" ? "" : own.endsWith("0000") ? own.slice(0, 2) : own.endsWith("00") ? own.slice(0, 4) : own;
    const inside = d.parties.map((p) => p.jurisdiction).filter((j) => j !== own && (own === "YRD" || (j !== "YRD" && j.startsWith(prefix))));
    return [own, ...inside];
  }

  function drawDetail(d) {
    disposeAll(side);
    current = d;
    const a = d.alert;
    const fkey = (f) => `${f.rule}|${f.period}`;
    if (!chosen || !d.findings.some((f) => fkey(f) === chosen)) chosen = d.findings.length ? fkey(d.findings[0]) : null;
    const acting = actingFor(d);
    const party = (j) => d.parties.find((p) => p.jurisdiction === j);
    side.dataset.alert = String(a.id);
    side.dataset.status = a.status;
    side.innerHTML = `<button class="closer" type="button" aria-label="close">×</button>
      <h2 id="mon-title">${sevBadge(a.severity)} ${esc(title(a))}</h2>
      <div class="sub">${statusChip(a.status)} · ${esc(t("mon.level." + a.level))} · ${esc(tf("mon.ruleset", { jur: jurName(a.rule_set) }))} · #${a.id}</div>
      <dl class="kv mon-kv">
        <dt>${esc(t("mon.c.since"))}</dt><dd>${esc(periodLabel(a.first_period))}${a.last_period !== a.first_period ? ` – ${esc(periodLabel(a.last_period))}` : ""} <span class="muted">(${esc(chinaTime(a.opened_at))})</span></dd>
        <dt>${esc(t("mon.c.jur"))}</dt><dd>${concerned(a).map((j) => esc(jurName(j))).join(SEP)}</dd>
        <dt>${esc(t("mon.owner"))}</dt><dd>${esc(!a.owner ? "–" : isJur(a.owner) ? jurName(a.owner) : a.owner)}${a.assignee ? ` · ${esc(t("mon.assignee"))}: <b data-assignee="${esc(a.assignee)}">${esc(isJur(a.assignee) ? jurName(a.assignee) : a.assignee)}</b>` : ""}</dd>
        ${a.silenced_until ? `<dt>${esc(t("mon.silenced"))}</dt><dd data-silenced="${esc(a.silenced_until)}">${esc(chinaTime(a.silenced_until))}</dd>` : ""}
        ${a.inhibited_by ? `<dt>${esc(t("mon.inhibited"))}</dt><dd>${esc(tf("mon.inhibited.h", { id: a.inhibited_by }))}</dd>` : ""}
        <dt>${esc(t("mon.c.acked"))}</dt><dd class="chips" id="mon-ackchips">${d.parties.filter((p) => p.concerned || p.acknowledged_at).map((p) => (p.acknowledged_at
          ? `<span class="chip on" title="${esc(p.acknowledged_by)} · ${esc(chinaTime(p.acknowledged_at))}">✓ ${esc(jurName(p.jurisdiction))}</span>`
          : `<span class="chip">${esc(jurName(p.jurisdiction))}</span>`)).join("")}</dd>
      </dl>
      ${canAct ? actionsHtml(a, acting, party) : `<p class="hint" id="mon-readonly">${esc(me ? t("mon.readonly") : "")}</p>`}
      <div class="panel"><h3>${esc(t("mon.findings"))}</h3><p class="hint">${esc(t("mon.findings.h"))}</p><div id="mon-findings"></div>
        <p class="hint" id="mon-nohist" hidden>${esc(t("mon.history.none"))}</p></div>
      <div class="panel" id="mon-chart-panel"><h3 id="mon-chart-title">${esc(t("mon.history"))}</h3>
        <div class="chart-box mon-chart" id="mon-chart"></div><p class="hint" id="mon-chart-note"></p></div>
      <div class="panel"><h3>${esc(t("mon.evidence"))}</h3><p class="hint" id="mon-evidence-spec"></p><div id="mon-evidence"></div></div>
      <div class="panel mon-pol"><h3>${esc(t("mon.pol"))} <span class="muted" id="mon-pol-count"></span></h3><p class="hint">${esc(t("mon.pol.h"))}</p><div id="mon-policies"></div></div>
      <div class="panel"><h3>${esc(t("mon.parties"))}</h3><div id="mon-parties"></div></div>
      <div class="panel"><h3>${esc(t("mon.thread"))}</h3><p class="hint">${esc(t("mon.thread.h"))}</p><ol class="thread" id="mon-thread"></ol></div>`;
    side.querySelector(".closer").addEventListener("click", close);
    drawParties(d);
    drawFindings(d);
    drawThread(d);
    if (canAct) bindActions(a);
    showFinding();
    drawPolicies(d);
    side.scrollTop = 0;
  }

  function actionsHtml(a, acting, party) {
    const jur = acting[0];
    const mine = party(jur);
    const acked = Boolean(mine && mine.acknowledged_at);
    const on = (act) => FROM[act].includes(a.status);
    const btn = (act, cls = "") => `<button type="button" class="btn ${cls}" data-act="${act}" ${on(act) && !(act === "ack" && acked) ? "" : "disabled"}>${esc(t("mon.act." + act))}</button>`;
    return `<div class="panel mon-actions" id="mon-actions">
      <div class="act-head"><h3>${esc(t("mon.actions"))}</h3>
        ${acting.length > 1 ? `<label class="inline">${esc(t("mon.actas"))} <select id="act-as">${acting.map((j) => `<option value="${esc(j)}">${esc(jurName(j))}${party(j) && party(j).acknowledged_at ? ` ✓ ${esc(t("mon.acked"))}` : ""}</option>`).join("")}</select></label>`
          : `<span class="hint">${esc(tf("mon.actas.one", { jur: jurName(jur) }))}</span>`}</div>
      <input type="text" id="act-note" maxlength="4000" placeholder="${esc(t("mon.note"))}" aria-label="${esc(t("mon.note"))}">
      <div class="btn-row">${btn("ack", "primary")}${btn("handle")}${btn("resolve")}${btn("close")}${btn("reopen")}</div>
      <div class="btn-row"><input type="text" id="act-to" maxlength="64" placeholder="${esc(t("mon.to.ph"))}" aria-label="${esc(t("mon.to.ph"))}">${btn("assign")}
        <span class="gap"></span><label class="inline"><input type="number" id="act-days" min="1" max="365" value="7" aria-label="${esc(t("mon.days"))}"> ${esc(t("mon.days"))}</label>${btn("silence")}
        ${a.silenced_until ? `<button type="button" class="btn" data-act="unsilence">${esc(t("mon.act.unsilence"))}</button>` : ""}</div>
      <details class="mon-assess"><summary>${esc(t("mon.assess"))}</summary>
        <div class="field"><label for="act-assessment">${esc(t("mon.assessment"))}</label><textarea id="act-assessment" rows="2" maxlength="4000"></textarea></div>
        <div class="field"><label for="act-measures">${esc(t("mon.measures"))}</label><textarea id="act-measures" rows="2" maxlength="4000"></textarea></div>
        <div class="btn-row">${btn("note", "primary")}</div></details>
      <p class="error-text" id="act-error" role="alert"></p>
    </div>`;
  }

  function bindActions(a) {
    const box = side.querySelector("#mon-actions");
    const asSel = box.querySelector("#act-as");
    if (asSel) {
      asSel.addEventListener("change", () => {
        const p = current.parties.find((x) => x.jurisdiction === asSel.value);
        const ack = box.querySelector("[data-act=ack]");
        ack.disabled = !(FROM.ack.includes(a.status) && !(p && p.acknowledged_at));
      });
    }
    box.addEventListener("click", async (e) => {
      const b = e.target.closest("[data-act]");
      if (!b || b.disabled) return;
      const act = b.dataset.act;
      const val = (id) => (box.querySelector(id)?.value || "").trim();
      const body = {};
      if (val("#act-note")) body.note = val("#act-note");
      if (asSel && asSel.value !== me.jurisdiction) body.as_jurisdiction = asSel.value;
      if (act === "assign") body.to = val("#act-to");
      if (act === "silence") body.until = `${Number(val("#act-days")) || 0}d`;
      if (act === "note") {
        if (val("#act-assessment")) body.assessment = val("#act-assessment");
        if (val("#act-measures")) body.measures = val("#act-measures");
      }
      const err = box.querySelector("#act-error");
      err.textContent = "";
      box.querySelectorAll("button").forEach((x) => { x.dataset.was = x.disabled ? "1" : ""; x.disabled = true; });
      try {
        const d = await post(`/api/alerts/${a.id}/${act}`, {}, JSON.stringify(body), "application/json");
        drawDetail(d);
        refresh();
      } catch (ex) {
        box.querySelectorAll("button").forEach((x) => { x.disabled = x.dataset.was === "1"; });
        err.textContent = ex.message || String(ex);
      }
    });
  }

  function drawParties(d) {
    side.querySelector("#mon-parties").innerHTML = table(d.parties, [
      { key: "jurisdiction", label: t("mon.party"), fmt: (v, p) => `<span data-party="${esc(v)}">${esc(jurName(v))}</span>${p.concerned ? "" : ` <span class="muted small">${esc(t("mon.joined"))}</span>`}` },
      { key: "acknowledged_at", label: t("mon.ackstate"), fmt: (v, p) => (v ? `<span class="ok" data-acked-by="${esc(p.acknowledged_by)}">✓ ${esc(p.acknowledged_by)}</span> <span class="muted small">${esc(chinaTime(v))}</span>` : `<span class="${ACTIVE.includes(d.alert.status) ? "warn-text" : "muted"}">${esc(t(ACTIVE.includes(d.alert.status) ? "mon.pending" : "mon.notacked"))}</span>`) },
      { key: "assessment", label: t("mon.assessment"), fmt: (v) => esc(v || "–") },
      { key: "measures", label: t("mon.measures"), fmt: (v) => esc(v || "–") },
    ], { name: stem("alert", d.alert.id, "parties") });
  }

  function valueCell(f) {
    const u = f.indicator ? ` <span class="muted small">${esc(indUnit(f.indicator))}</span>` : "";
    if (!f.revisions) return `<span data-value="${f.value ?? ""}" data-first="${f.first_value ?? ""}">${num(f.value)}</span>${u}`;
    return `<span class="revised" data-value="${f.value ?? ""}" data-first="${f.first_value ?? ""}" data-revisions="${f.revisions}"
        title="${esc(tf("mon.revised.h", { first: num(f.first_value), value: num(f.value), n: f.revisions, at: chinaTime(f.revised_at) }))}">
      <span class="badge rev">${esc(t("mon.revised"))}</span> <s>${num(f.first_value)}</s> → <b>${num(f.value)}</b></span>${u}`;
  }

  function drawFindings(d) {
    const el = side.querySelector("#mon-findings");
    el.innerHTML = table(d.findings, [
      { key: "rule", label: t("mon.rule"), fmt: (v, f) => `<label class="pick"><input type="radio" name="finding" value="${esc(`${f.rule}|${f.period}`)}" ${`${f.rule}|${f.period}` === chosen ? "checked" : ""}> <span data-rule="${esc(v)}">${esc(v)}</span></label>
          <div class="muted small">${esc(t("mon.type." + f.type) === "mon.type." + f.type ? f.type || "" : t("mon.type." + f.type))}${f.indicator ? ` · ${esc(indName(f.indicator))}` : ""}${f.metric ? ` · ${esc(f.metric)}` : ""}</div>` },
      { key: "period", label: t("f.period"), fmt: (v, f) => `${esc(periodLabel(v))}${f.state === "resolving" ? `<div class="muted small">${esc(t("mon.resolving"))}</div>` : ""}` },
      { key: "value", label: t("mon.value"), num: true, fmt: (v, f) => valueCell(f), csv: (v) => v },
      { key: "measure", label: t("mon.measure"), num: true, fmt: (v, f) => `<span data-measure="${v ?? ""}">${num(v)}</span>${["change", "falling"].includes(f.type) && v !== null ? "%" : ""}`, csv: (v) => v },
      { key: "threshold", label: t("mon.threshold"), num: true, fmt: (v, f) => `<span data-threshold="${v ?? ""}">${num(v)}</span>${["change", "falling"].includes(f.type) && v !== null ? "%" : ""}`, csv: (v) => v },
    ], { name: stem("alert", d.alert.id, "findings"), rowClass: (f) => `finding ${f.revisions ? "rev-row" : ""}` });
    el.addEventListener("change", (e) => {
      if (e.target.name !== "finding") return;
      chosen = e.target.value;
      showFinding();
    });
  }

  function drawThread(d) {
    side.querySelector("#mon-thread").innerHTML = d.events.map((e) => {
      const act = t("mon.ev." + e.action) === "mon.ev." + e.action ? e.action : t("mon.ev." + e.action);
      const move = e.from_status && e.to_status && e.from_status !== e.to_status ? ` <span class="muted">${esc(t("mon.st." + e.from_status))} → ${esc(t("mon.st." + e.to_status))}</span>` : "";
      return `<li data-event="${e.id}" data-action="${esc(e.action)}" data-actor="${esc(e.actor)}" data-jur="${esc(e.jurisdiction || "")}">
        <div class="ev-head"><time>${esc(chinaTime(e.at))}</time> <b>${esc(e.actor)}</b>${e.jurisdiction ? ` <span class="muted">(${esc(jurName(e.jurisdiction))})</span>` : ""} · <span class="ev-act">${esc(act)}</span>${move}</div>
        ${e.note ? `<div class="ev-note">${esc(e.note)}</div>` : ""}
        ${e.assessment ? `<div class="ev-note"><span class="muted">${esc(t("mon.assessment"))}${L === "zh" ? "：" : ": "}</span>${esc(e.assessment)}</div>` : ""}
        ${e.measures ? `<div class="ev-note"><span class="muted">${esc(t("mon.measures"))}${L === "zh" ? "：" : ": "}</span>${esc(e.measures)}</div>` : ""}</li>`;
    }).join("");
  }

  /** The scale a unit is drawn at (a province, a city or a county). */
  const scaleOf = (u) => (/^\d{2}0000$/.test(u) ? "province" : where.get(u) && where.get(u).city ? "county" : "city");

  async function showFinding() {
    const d = current;
    const f = d && d.findings.find((x) => `${x.rule}|${x.period}` === chosen);
    const myDetail = d;
    if (!f) {
      side.querySelector("#mon-chart-panel").hidden = true;
      side.querySelector("#mon-evidence").innerHTML = `<p class="muted">${esc(t("mon.none"))}</p>`;
      return;
    }
    drawEvidence(d, f, myDetail);
    drawHistory(d, f, myDetail);
  }

  /** The policies bearing on the alert: title, where from, the tag that matches and its first evidence sentence. */
  async function drawPolicies(d) {
    const el = side.querySelector("#mon-policies");
    el.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`;
    try {
      const res = await fresh(`/api/alerts/${d.alert.id}/policies`, { limit: 20 });
      if (current !== d) return;
      const list = res.policies || [];
      side.querySelector("#mon-pol-count").textContent = res.total > list.length ? tf("mon.pol.more", { n: res.total, k: list.length }) : String(res.total);
      el.dataset.n = String(res.total);
      const mark = (s, terms) => {
        let out = esc(s);
        for (const w of [...new Set(terms || [])].sort((a, b) => b.length - a.length)) out = out.split(esc(w)).join(`<mark>${esc(w)}</mark>`);
        return out;
      };
      el.innerHTML = list.length ? `<ol class="thread">${list.map((p) => `<li data-policy="${esc(p.policy_id)}" data-relation="${esc(p.relation)}" data-match="${esc(p.match)}">
          <b>${esc(p.title)}</b> <span class="muted small">${esc(p.policy_id)} · ${esc(p.date || "")}</span><br>
          <span class="chip">${esc(t("mon.pol.rel." + p.relation))}</span> <span class="chip on">${esc(t("mon.pol.match." + p.match))}</span>
          <span class="small">${esc(p.issuer || "")} · ${esc(getLang() === "zh" ? p.label_zh || p.label : p.label)} · ${Number(p.confidence).toFixed(2)}</span>
          ${(p.sentences || []).length ? `<div class="small">“${mark(p.sentences[0], p.terms)}”</div>` : ""}</li>`).join("")}</ol>`
        : `<p class="muted">${esc(t("mon.pol.none"))}</p>`;
    } catch (e) {
      if (current !== d) return;
      el.innerHTML = `<p class="error-text" role="alert">${esc(e.message || e)}</p>`;
    }
  }

  async function drawEvidence(d, f, myDetail) {
    const el = side.querySelector("#mon-evidence");
    const spec = side.querySelector("#mon-evidence-spec");
    el.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`;
    spec.textContent = "";
    try {
      const ev = await fresh(`/api/alerts/${d.alert.id}/evidence`, { rule: f.rule, period: f.period, limit: 200 });
      if (current !== myDetail || `${f.rule}|${f.period}` !== chosen) return;
      const s = ev.evidence;
      spec.textContent = tf("mon.evidence.spec", {
        kinds: (s.kinds || []).map(kindName).join(SEP), place: jurName(s.place), period: periodLabel(s.period),
        seg: s.chain && s.chain !== "*" ? ` · ${chainName(s.chain)} · ${segName(s.chain, s.segment)}` : "",
      });
      const extra = EVIDENCE_COLS.filter((c) => ev.columns.includes(c) && ev.data.some((r) => r[c] !== null && r[c] !== undefined && r[c] !== ""));
      const cols = [
        { key: "kind", label: t("f.kind"), fmt: (v, r) => `${esc(kindName(v))}${r.attr ? `<div class="muted small">${esc(indName(r.attr))}</div>` : ""}`, csv: (v, r) => `${v}${r.attr ? `/${r.attr}` : ""}` },
        { key: "place", label: t("p.place"), fmt: (v) => esc(jurName(String(v))), csv: (v) => v },
        { key: "year", label: t("mon.year"), num: true, fmt: (v) => esc(v ?? "–") },
        { key: "value", label: t("mon.recvalue"), num: true, fmt: (v) => `<span data-v="${v ?? ""}">${num(v)}</span>`, csv: (v) => v },
        ...extra.map((c) => ({ key: c, label: t("mon.col." + c) === "mon.col." + c ? c : t("mon.col." + c), num: ["revenue", "tax_paid", "employees"].includes(c), fmt: (v) => (typeof v === "number" ? num(v) : esc(v ?? "–")) })),
      ];
      const sums = ev.sums.map((x) => `<span class="chip" data-sum="${esc(x.kind)}/${esc(x.attr || "")}" data-records="${x.records}" data-total="${x.value}">${esc(kindName(x.kind))}${x.attr ? ` · ${esc(indName(x.attr))}` : ""}${L === "zh" ? "：" : ": "}${esc(tf("mon.records", { n: x.records }))}${L === "zh" ? "，" : ", "}${esc(t("mon.sum"))} ${num(x.value)}</span>`).join(" ");
      const same = f.indicator && ev.sums.length === 1 && !ev.truncated && f.value !== null
        ? (Math.abs(ev.sums[0].value - f.value) <= 1e-6 * Math.max(1, Math.abs(f.value)) ? `<span class="ok" data-same="1">✓ ${esc(tf("mon.sum.same", { v: num(f.value) }))}</span>` : `<span class="muted">${esc(tf("mon.sum.other", { v: num(f.value) }))}</span>`)
        : "";
      el.innerHTML = ev.data.length
        ? `<div class="chips mon-sums">${sums} ${same}</div>${ev.truncated ? `<p class="hint warn-text">${esc(tf("mon.truncated", { n: ev.limit }))}</p>` : ""}<div class="hscroll">${table(ev.data, cols, { name: stem("alert", d.alert.id, f.rule, f.period, "evidence") })}</div>`
        : `<p class="muted">${esc(t("mon.evidence.none"))}</p>`;
      el.dataset.rule = f.rule;
      el.dataset.period = f.period;
      el.dataset.n = String(ev.data.length);
    } catch (e) {
      if (current !== myDetail) return;
      el.innerHTML = `<p class="error-text" role="alert">${esc(e.message || e)}</p>`;
    }
  }

  async function drawHistory(d, f, myDetail) {
    const panel = side.querySelector("#mon-chart-panel");
    const note = side.querySelector("#mon-chart-note");
    const unit = String(d.alert.unit);
    const none = !f.indicator || !/^\d{6}$/.test(unit);
    side.querySelector("#mon-nohist").hidden = !none;
    panel.hidden = none;
    if (none) {
      side.querySelector("#mon-chart").hidden = true;
      return;
    }
    const box = side.querySelector("#mon-chart");
    box.hidden = false;
    const grain = periodGrain(f.period);
    const unitTxt = indUnit(f.indicator);
    side.querySelector("#mon-chart-title").textContent = tf("mon.history.of", { ind: unitTxt ? `${indName(f.indicator)}${L === "zh" ? `（${unitTxt}）` : ` (${unitTxt})`}` : indName(f.indicator), place: jurName(unit), grain: t("grain." + grain) });
    const c = chartOn(box);
    window.__atlasCharts = { ...(window.__atlasCharts || {}), monitorSeries: c };
    if (!panel.querySelector(".chart-tools")) panel.append(chartTools(echarts, c, () => stem("alert", d.alert.id, f.indicator, unit)));
    c.showLoading({ text: t("app.loading") });
    try {
      const s = await get(`/api/indicators/${f.indicator}/series`, { scale: scaleOf(unit), place: unit, grain });
      if (current !== myDetail || `${f.rule}|${f.period}` !== chosen) return;
      const pts = s.data.filter((r) => String(r.unit) === unit);
      const xs = pts.map((r) => String(r.year));
      const mine = d.findings.filter((x) => x.rule === f.rule && x.indicator === f.indicator);
      const series = [{
        type: "line", name: indName(f.indicator), data: pts.map((r) => r.value), symbolSize: 6, lineStyle: { width: 2.5, color: "#1b5fae" }, itemStyle: { color: "#1b5fae" },
        markPoint: { symbol: "pin", symbolSize: 34, label: { fontSize: 9, formatter: () => "!" },
          data: mine.filter((x) => xs.includes(String(x.period))).map((x) => ({ coord: [String(x.period), x.value], itemStyle: { color: SEV_COLORS[x.severity] } })) },
      }];
      let lineNote = "";
      if (f.type === "threshold" && f.threshold !== null) {
        series[0].markLine = { symbol: "none", silent: true, lineStyle: { color: THRESHOLD_COLOR, type: "dashed", width: 2 },
          label: { formatter: `${t("mon.threshold")} ${num(f.threshold)}`, position: "insideEndTop" }, data: [{ yAxis: f.threshold }] };
        lineNote = tf("mon.line.threshold", { v: num(f.threshold) });
      } else if (f.type === "change" && f.threshold !== null) {
        // the level the value had to cross: the compared value moved by the threshold (−15% → 0.85 × compared)
        const lvl = mine.filter((x) => x.compared !== null && xs.includes(String(x.period)));
        series.push({ type: "line", name: t("mon.threshold"), data: xs.map((p) => { const x = lvl.find((y) => String(y.period) === p); return x ? x.compared * (1 + x.threshold / 100) : null; }),
          connectNulls: true, symbol: "diamond", symbolSize: 8, lineStyle: { type: "dashed", color: THRESHOLD_COLOR }, itemStyle: { color: THRESHOLD_COLOR } });
        lineNote = tf("mon.line.change", { v: num(f.threshold) });
      } else if (f.compared !== null) {
        series[0].markLine = { symbol: "none", silent: true, lineStyle: { color: "#888", type: "dotted" }, label: { formatter: `${t("mon.compared")} ${num(f.compared)}`, position: "insideEndTop" }, data: [{ yAxis: f.compared }] };
        lineNote = tf("mon.line.other", { th: num(f.threshold), m: t("mon.type." + f.type) });
      }
      c.setOption({
        animation: false,
        tooltip: { trigger: "axis", valueFormatter: (v) => num(v) },
        legend: { show: series.length > 1, top: 0, textStyle: { fontSize: 11 } },
        grid: { left: 56, right: 16, top: series.length > 1 ? 28 : 16, bottom: 28 },
        xAxis: { type: "category", data: xs, axisLabel: { fontSize: 10, formatter: (v) => (grain === "year" ? v : v.replace(/-(\d\d)$/, "-$1")) } },
        yAxis: { type: "value", scale: true, axisLabel: { fontSize: 10, formatter: (v) => fmt(v, 1) } },
        series,
      }, { notMerge: true });
      box.dataset.indicator = f.indicator;
      box.dataset.unit = unit;
      box.dataset.grain = grain;
      box.dataset.threshold = f.type === "threshold" ? String(f.threshold) : "";
      note.textContent = lineNote;
    } catch (e) {
      note.textContent = e.message || String(e);
    } finally {
      c.hideLoading();
    }
  }

  await refresh();
  if (state.alert) open(Number(state.alert));
}
