// Small form widgets shared by the pages.
import { colFormatter, esc, nm, t } from "./i18n.js";

export function h(html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html.trim();
  return tpl.content.firstElementChild;
}

/** Segmented buttons: options [{value,label}], calls onChange(value). */
export function segmented(el, options, value, onChange) {
  el.classList.add("seg");
  el.innerHTML = options.map((o) => `<button type="button" data-value="${esc(o.value)}" class="${o.value === value ? "on" : ""}">${esc(o.label)}</button>`).join("");
  el.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
    el.querySelectorAll("button").forEach((x) => x.classList.toggle("on", x === b));
    onChange(b.dataset.value);
  }));
}

export function options(sel, items, value) {
  sel.innerHTML = items.map((o) => `<option value="${esc(o.value)}" ${String(o.value) === String(value) ? "selected" : ""}>${esc(o.label)}</option>`).join("");
}

export function scaleOptions(scales = ["county", "city", "province", "area", "region"]) {
  return scales.map((s) => ({ value: s, label: t("scale." + s) }));
}

/** Chain and segment selects bound together; onChange(chain, segment). */
export function chainSelects(chainSel, segSel, meta, chains, chain, segment, onChange) {
  options(chainSel, [{ value: "*", label: t("all.chains") }, ...meta.chains.map((c) => ({ value: c.id, label: nm(c) }))], chain);
  const fill = (c, s) => {
    const ch = chains.find((x) => x.id === c);
    segSel.disabled = !ch;
    options(segSel, [{ value: "*", label: t("all.segments") }, ...(ch ? ch.segments.map((x) => ({ value: x.segment, label: nm(x) })) : [])], s);
  };
  fill(chain, segment);
  chainSel.addEventListener("change", () => { fill(chainSel.value, "*"); onChange(chainSel.value, "*"); });
  segSel.addEventListener("change", () => onChange(chainSel.value, segSel.value));
}

/** A CSV cell safe for spreadsheets: text that Excel would run as a formula (= + - @ tab CR) gets a leading '
 * (OWASP "CSV injection"); plain numbers stay numbers. */
export function csvCell(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text (UTF-8 with a BOM so that Excel reads Chinese) from a header row and data rows. */
export function csvText(header, rows) {
  return "\ufeff" + [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** Save a Blob or a data URL under a file name. */
export function saveAs(data, filename) {
  const a = document.createElement("a");
  const href = typeof data === "string" ? data : URL.createObjectURL(data);
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  if (typeof data !== "string") setTimeout(() => URL.revokeObjectURL(href), 2000);
}

export function downloadCsv(name, header, rows) {
  saveAs(new Blob([csvText(header, rows)], { type: "text/csv;charset=utf-8" }), `${name}.csv`);
}

/** A file-name stem: the page, its view and the period ("chainatlas-map-city-2024"). */
export function stem(...parts) {
  return ["chainatlas", ...parts].filter((x) => x !== null && x !== undefined && x !== "" && x !== "*").join("-").replace(/[^\w\u4e00-\u9fff.-]+/g, "_");
}

const tables = new Map();
let tableSeq = 0;

function textOf(html) {
  const d = document.createElement("div");
  d.innerHTML = String(html ?? "");
  return d.textContent.replace(/\s+/g, " ").trim();
}

/** A table from rows and columns [{key,label,num,fmt,csv}], with a CSV download of its rows (the raw number of a
 * numeric column, the shown text of the others; `csv(v, r)` overrides). `name` names the file. */
export function table(rows, cols, { rowClass, name = "table" } = {}) {
  const id = `t${++tableSeq}`;
  tables.set(id, { name, header: cols.map((c) => c.label), rows: () => rows.map((r) => cols.map((c) => {
    const v = r[c.key];
    if (c.csv) return c.csv(v, r);
    if (c.num && typeof v === "number") return v;
    return textOf(c.fmt ? c.fmt(v, r) : v);
  })) });
  if (tables.size > 200) tables.delete(tables.keys().next().value);
  const tools = `<div class="tools-row noprint"><button type="button" class="btn mini" data-csv="${id}" title="${esc(t("x.csv"))}">CSV ↓</button></div>`;
  // a column marked `col` is formatted once for the whole column (colFormatter)
  cols = cols.map((c) => (c.col || c.digits !== undefined ? { ...c, fmt: colFormatter(rows.map((r) => r[c.key]), c.digits ?? null) } : c));
  const head = cols.map((c) => `<th class="${c.num ? "num" : ""}">${esc(c.label)}</th>`).join("");
  const body = rows.map((r) => `<tr class="${rowClass ? rowClass(r) : ""}">${cols.map((c) => {
    const v = c.fmt ? c.fmt(r[c.key], r) : esc(r[c.key]);
    return `<td class="${c.num ? "num" : ""}">${v}</td>`;
  }).join("")}</tr>`).join("");
  return `${tools}<table class="data" data-table="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function periodOptions(meta) {
  return meta.periods.map((p) => ({ value: p, label: String(p) }));
}

/** A period read from text: a year as a number (2024, what every page and old permalink uses), a month
 * ("2024-05") or a quarter ("2024Q2") as its text; NaN for anything else. */
export function parsePeriod(v) {
  const s = String(v ?? "").trim();
  if (/^\d{4}$/.test(s)) return Number(s);
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(s) || /^\d{4}Q[1-4]$/.test(s) ? s : NaN;
}

/** The grain of a period: "year", "quarter" or "month". */
export function periodGrain(p) {
  const s = String(p ?? "");
  return s.includes("Q") ? "quarter" : s.includes("-") ? "month" : "year";
}

/** The year a period lies in (a year is itself); null stays null. */
export function periodYear(p) {
  return p === null || p === undefined ? p : Number(String(p).slice(0, 4));
}

/** The months a period spans, as [first, last] counted from year 0 (2024-05 → [24292, 24292]). */
function monthSpan(p) {
  const s = String(p);
  const y = Number(s.slice(0, 4)) * 12;
  if (s.includes("Q")) { const q = Number(s.slice(5)); return [y + 3 * q - 3, y + 3 * q - 1]; }
  if (s.includes("-")) { const m = Number(s.slice(5)); return [y + m - 1, y + m - 1]; }
  return [y, y + 11];
}

/** The period of `list` nearest to `p`: the one that holds `p` (2024-05 → 2024Q2 or 2024), else the latest of
 * those `p` holds (2024 → 2024-12), else the closest in time (ties: the later). `list` oldest first. */
export function nearestPeriod(p, list) {
  if (!list.length) return null;
  if (p === null || p === undefined) return list[list.length - 1];
  const [a, b] = monthSpan(p);
  let best = null;
  let bestScore = Infinity;
  list.forEach((x) => {
    const [c, d] = monthSpan(x);
    const overlap = c <= b && d >= a;
    const score = overlap ? (c <= a && d >= b ? 0 : 1) : 2 + Math.abs((c + d) / 2 - (a + b) / 2);
    if (score <= bestScore) { bestScore = score; best = x; }
  });
  return best;
}

// one listener for every table's CSV button
document.addEventListener("click", (e) => {
  const b = e.target.closest("[data-csv]");
  if (!b) return;
  const tb = tables.get(b.dataset.csv);
  if (tb) downloadCsv(tb.name, tb.header, tb.rows());
});

/** Download buttons for a chart: PNG (getDataURL) and SVG (the same option rendered by the SVG renderer), and CSV
 * of its data when `csv()` returns {header, rows}. Returns the toolbar element. */
export function chartTools(echarts, chart, name, csv = null) {
  const bar = h(`<div class="chart-tools noprint">
      ${csv ? `<button type="button" class="btn mini" data-x="csv">CSV</button>` : ""}
      <button type="button" class="btn mini" data-x="png">PNG</button>
      <button type="button" class="btn mini" data-x="svg">SVG</button></div>`);
  bar.addEventListener("click", (e) => {
    const x = e.target.closest("[data-x]")?.dataset.x;
    const n = typeof name === "function" ? name() : name;
    if (x === "png") saveAs(chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }), `${n}.png`);
    if (x === "svg") saveAs(new Blob([svgOf(echarts, chart)], { type: "image/svg+xml" }), `${n}.svg`);
    if (x === "csv") { const d = csv(); downloadCsv(n, d.header, d.rows); }
  });
  return bar;
}

/** The chart drawn again by ECharts' SVG renderer at the same size, as SVG text. */
export function svgOf(echarts, chart) {
  const el = document.createElement("div");
  el.style.cssText = `position:absolute;left:-10000px;top:0;width:${chart.getWidth()}px;height:${chart.getHeight()}px`;
  document.body.append(el);
  const c = echarts.init(el, null, { renderer: "svg", width: chart.getWidth(), height: chart.getHeight() });
  try {
    const o = chart.getOption();
    c.setOption({ ...o, animation: false, backgroundColor: "#fff" });
    return c.renderToSVGString();
  } finally {
    c.dispose();
    el.remove();
  }
}

/** A panel that waits: its content is replaced by a loading line until it is drawn again. */
export function busy(el) { if (el) el.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`; }
