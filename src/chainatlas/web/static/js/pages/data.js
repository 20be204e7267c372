// 数据: templates to download, upload → validation report → load, and the atlas's data inventory.
import { clearCache, del, get, post } from "../api.js";
import { esc, fmt, getLang, t } from "../i18n.js";
import { h, options, periodOptions, table } from "../widgets.js";

export async function render(root, ctx) {
  const { meta, state } = ctx;
  const L = getLang();
  root.innerHTML = "";
  const page = h(`<section class="content"><div class="scroll">
      <div class="grid2">
        <div class="panel" id="d-upload-panel"><h2>${t("d.upload")}</h2><p class="hint">${t("d.upload.h")}</p>
          <div class="field"><label for="d-kind">${t("f.kind")}</label><select id="d-kind"></select></div>
          <div class="field"><label for="d-file">${t("f.file")}</label><input type="file" id="d-file" accept=".csv,.tsv,.txt,.xlsx,.parquet"></div>
          <button type="button" class="btn primary" id="d-send">${t("d.validate")}</button>
          <div id="d-report" aria-live="polite"></div></div>
        <div class="panel"><h2>${t("d.templates")}</h2><p class="hint">${t("d.templates.h")}</p><div id="d-templates" style="max-height:420px;overflow:auto"></div></div>
      </div>
      <div class="panel"><h2>${t("d.inventory")}</h2><div id="d-summary"></div>
        <h3>${t("d.byperiod")}</h3><div id="d-periods" style="overflow-x:auto"></div>
        <h3>${t("d.batches")}</h3><div id="d-batches" style="max-height:360px;overflow:auto"></div>
        <h3>${t("d.byplace")} <select id="d-place-period" style="width:auto"></select></h3><div id="d-places" style="max-height:420px;overflow:auto"></div>
      </div></div></section>`);
  root.append(page);

  // templates
  options(page.querySelector("#d-kind"), [{ value: "", label: t("f.autokind") }, ...meta.kinds.map((k) => ({ value: k.kind, label: `${L === "zh" ? k.zh : k.en} (${k.kind})` }))], "");
  get("/api/templates", { lang: L }).then((r) => {
    page.querySelector("#d-templates").innerHTML = table(r.data, [
      { key: "zh", label: t("f.kind"), fmt: (_, k) => `<b>${esc(L === "zh" ? k.zh : k.en)}</b> <span class="muted">${k.kind}</span><div class="hint">${esc(L === "zh" ? k.help_zh : k.help_en)}</div>` },
      { key: "fields", label: t("d.columns"), num: true, fmt: (f) => `${f.length} · ${t("d.required")} ${f.filter((x) => x.required).length}` },
      { key: "kind", label: t("d.download"), fmt: (k) => `<a href="/api/templates/${k}?lang=zh&format=xlsx" data-template="${k}">Excel 中文</a> ·
          <a href="/api/templates/${k}?lang=en&format=xlsx">Excel EN</a> · <a href="/api/templates/${k}?lang=${L}&format=csv">CSV</a>` },
    ]);
  }).catch((e) => ctx.showError(e));

  // upload → report → load
  const report = page.querySelector("#d-report");
  page.querySelector("#d-send").addEventListener("click", async () => {
    const file = page.querySelector("#d-file").files[0];
    if (!file) { report.innerHTML = `<p class="report-bad">${t("f.file")}?</p>`; return; }
    report.innerHTML = `<p class="muted">${t("app.loading")}</p>`;
    try {
      const r = await post("/api/uploads", { filename: file.name, kind: page.querySelector("#d-kind").value || null }, file);
      showReport(r);
    } catch (e) {
      report.innerHTML = `<p class="report-bad" data-upload-error>${esc(e.type)}: ${esc(e.message)}</p>${errorsTable(e.details || [])}`;
    }
  });

  function errorsTable(errors) {
    if (!errors.length || errors[0].row === undefined) return "";
    return table(errors, [
      { key: "row", label: t("d.row"), num: true },
      { key: "column", label: t("d.column") },
      { key: "value", label: t("d.cell"), fmt: (v) => `<code>${esc(v)}</code>` },
      { key: "rule", label: t("d.rule") },
      { key: "message", label: t("d.message") },
    ], { rowClass: () => "bad" });
  }

  function showReport(r) {
    report.innerHTML = `<h3>${t("d.report")} · ${esc(r.filename)}</h3>
      <p class="${r.ok ? "report-ok" : "report-bad"}" data-report-ok="${r.ok}">${r.ok ? t("d.passed") : t("d.failed")}</p>
      <dl class="kv"><dt>${t("f.kind")}</dt><dd>${esc(r.kind)}</dd>
        <dt>${t("d.rows")}</dt><dd><span data-rows-read>${r.rows_read}</span> · ${t("d.good")} ${r.rows_ok} · ${t("d.bad")} <b data-rows-bad>${r.rows_bad}</b></dd>
        <dt>${t("d.errors")}</dt><dd data-errors-total>${r.errors_total}</dd>
        <dt>${t("d.periods")}</dt><dd>${r.periods.join(", ") || "–"}</dd>
        <dt>${t("d.encoding")}</dt><dd>${esc(r.format || "")} ${esc(r.encoding || "")}</dd></dl>
      <div style="max-height:300px;overflow:auto;margin-top:8px">${errorsTable(r.errors)}</div>
      <div style="margin-top:10px;display:flex;gap:8px">
        <button type="button" class="btn primary" id="d-load" ${r.ok ? "" : "disabled"}>${t("d.load")}</button>
        <button type="button" class="btn" id="d-discard">${t("d.discard")}</button></div>
      <div id="d-loaded"></div>`;
    report.querySelector("#d-discard").addEventListener("click", async () => { await del(`/api/uploads/${r.id}`); report.innerHTML = ""; });
    report.querySelector("#d-load").addEventListener("click", async () => {
      const out = report.querySelector("#d-loaded");
      out.innerHTML = `<p class="muted">${t("app.loading")}</p>`;
      try {
        const res = await post(`/api/uploads/${r.id}/load`, { build: true });
        const b = res.batches[0];
        out.innerHTML = `<p class="report-ok">${t("d.loaded")}: ${b.already_loaded ? "—" : `${fmt(b.rows_loaded)} ${t("d.rows")}`} (batch ${b.batch_id})</p>${res.build ? `<p class="hint">${esc(res.build.summary)}</p>` : ""}`;
        clearCache();
        inventory();
      } catch (e) {
        out.innerHTML = `<p class="report-bad">${esc(e.message)}</p>`;
      }
    });
  }

  // inventory
  const pp = page.querySelector("#d-place-period");
  options(pp, periodOptions(meta), state.period);
  pp.addEventListener("change", () => places(+pp.value));

  async function places(period) {
    if (!period) return;
    const r = await get("/api/inventory/places", { scale: "city", period });
    const attrs = ["firms", "patents", "papers", "tech_sold", "revenue", "exports", "universities", "policies"];
    page.querySelector("#d-places").innerHTML = table(r.data.filter((x) => x.proper !== false), [
      { key: "unit", label: t("p.partner").replace("合作", ""), fmt: (_, x) => `${esc(L === "zh" ? x.name_zh : x.name_en)} <span class="muted">${x.unit}</span>` },
      ...attrs.map((a) => { const i = meta.indicators.find((x) => x.attr === a); return { key: a, label: i ? `${L === "zh" ? `${i.zh}（${i.unit_zh}）` : `${i.en} (${i.unit_en})`}` : a, num: true, col: true }; }),
    ]);
  }

  async function inventory() {
    try {
      const [sum, per, batches] = await Promise.all([get("/api/inventory/summary"), get("/api/inventory/periods"), get("/api/inventory")]);
      page.querySelector("#d-summary").innerHTML = `<dl class="kv"><dt>${t("d.batches")}</dt><dd>${sum.batches}</dd>
        <dt>${t("d.rows")}</dt><dd>${fmt(sum.rows)}</dd><dt>${t("d.synthetic")}</dt><dd data-synthetic-rows>${fmt(sum.synthetic_rows)}</dd>
        <dt>${t("f.period")}</dt><dd>${sum.periods.join(", ") || "–"}</dd></dl>`;
      // columns: the built periods, plus "earlier" (e.g. founding years of firms) and "undated"
      const built = new Set(sum.periods);
      const col = (y) => (y === null ? "undated" : built.has(y) ? String(y) : y < Math.min(...sum.periods) ? "earlier" : "later");
      const cols = [...(per.data.some((r) => r.year !== null && col(r.year) === "earlier") ? ["earlier"] : []), ...sum.periods.map(String),
        ...(per.data.some((r) => r.year !== null && col(r.year) === "later") ? ["later"] : []), ...(per.data.some((r) => r.year === null) ? ["undated"] : [])];
      const grid = new Map();
      for (const r of per.data) {
        const k = `${r.kind}|${col(r.year)}`;
        const g = grid.get(k) || { rows: 0, synthetic_rows: 0 };
        g.rows += r.rows; g.synthetic_rows += r.synthetic_rows; grid.set(k, g);
      }
      const kinds = [...new Set(per.data.map((r) => r.kind))];
      const max = Math.max(1, ...[...grid.values()].map((g) => g.rows));
      const kindName = (k) => { const m = meta.kinds.find((x) => x.kind === k); return m ? (L === "zh" ? m.zh : m.en) : k; };
      const colName = (c) => ({ earlier: L === "zh" ? "更早" : "earlier", later: L === "zh" ? "更晚" : "later", undated: L === "zh" ? "无日期" : "undated" }[c] || c);
      page.querySelector("#d-periods").innerHTML = `<table class="data heat"><thead><tr><th>${t("f.kind")}</th>${cols.map((c) => `<th class="num">${colName(c)}</th>`).join("")}<th class="num">${t("d.total")}</th></tr></thead><tbody>
        ${kinds.map((k) => `<tr data-kind="${k}"><td>${esc(kindName(k))}</td>${cols.map((c) => { const g = grid.get(`${k}|${c}`); const v = g ? g.rows : 0;
          return `<td class="num" style="background:rgba(27,95,174,${(0.05 + 0.5 * v / max).toFixed(2)})" title="${g ? g.synthetic_rows : 0} ${t("d.synthetic")}">${v ? fmt(v) : ""}</td>`; }).join("")}
          <td class="num"><b>${fmt(per.data.filter((r) => r.kind === k).reduce((s, r) => s + r.rows, 0))}</b></td></tr>`).join("")}</tbody></table>`;
      page.querySelector("#d-batches").innerHTML = table(batches.data, [
        { key: "batch_id", label: "#", num: true },
        { key: "kind", label: t("f.kind"), fmt: (k) => esc(kindName(k)) },
        { key: "source_file", label: t("d.file"), fmt: (v, r) => `${esc(v)}<div class="muted" title="SHA-256">${esc((r.sha256 || "").slice(0, 12))}…</div>` },
        { key: "format", label: t("d.format"), fmt: (v, r) => `${esc(v)} / ${esc(r.encoding)}` },
        { key: "rows_loaded", label: t("d.rows"), num: true, fmt: (v) => fmt(v) },
        { key: "synthetic", label: t("d.synthetic"), fmt: (v) => (v ? `<span class="chip choke">${t("d.yes")}</span>` : t("d.no")) },
        { key: "loaded_at", label: t("d.loadedat"), fmt: (v) => esc(String(v).replace("T", " ").slice(0, 19)) },
      ]);
      await places(+pp.value || state.period);
    } catch (e) {
      ctx.showError(e);
    }
  }
  await inventory();
}
