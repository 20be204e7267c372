// 数据: templates to download, upload → validation report → load, and the atlas's data inventory.
import { clearCache, del, get, post } from "../api.js";
import { esc, fmt, getLang, t, tf } from "../i18n.js";
import { downloadCsv, h, options, periodOptions, stem, table } from "../widgets.js";

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
  const spin = (text) => `<p class="muted" data-busy><span class="d-spin" aria-hidden="true"></span> ${esc(text)}</p>`;
  if (!document.getElementById("d-spin-style")) {
    document.head.append(h(`<style id="d-spin-style">.d-spin{display:inline-block;width:12px;height:12px;border:2px solid currentColor;
      border-right-color:transparent;border-radius:50%;vertical-align:-2px;animation:d-spin .8s linear infinite}
      @keyframes d-spin{to{transform:rotate(360deg)}}</style>`));
  }
  page.querySelector("#d-send").addEventListener("click", async () => {
    const file = page.querySelector("#d-file").files[0];
    if (!file) { report.innerHTML = `<p class="report-bad" data-upload-error="nofile">${t("d.nofile")}</p>`; return; }
    const send = page.querySelector("#d-send");
    send.disabled = true;
    report.innerHTML = spin(t("d.validating"));
    try {
      const kind = page.querySelector("#d-kind").value || null;
      if (!kind) {  // asked first: an unknown name is answered with the kinds, without sending the file
        const k = await get("/api/upload-kind", { filename: file.name });
        if (!k.kind) { report.innerHTML = unknownKind(k.data); return; }
      }
      const r = await post("/api/uploads", { filename: file.name, kind }, file);
      showReport(r);
    } catch (e) {
      const kinds = (e.details || []).filter((d) => d.kind && d.files);
      report.innerHTML = kinds.length ? unknownKind(kinds)
        : `<p class="report-bad" data-upload-error>${esc(e.type)}: ${esc(e.message)}</p>${errorsTable(e.details || [], {})}`;
    } finally {
      send.disabled = false;
    }
  });

  function unknownKind(kinds) {
    return `<p class="report-bad" data-upload-error="kind">${t("d.unknownkind")}</p>
      <div style="max-height:300px;overflow:auto" data-known-kinds>${table(kinds, [
        { key: "zh", label: t("f.kind"), fmt: (_, k) => `<b>${esc(L === "zh" ? k.zh : k.en)}</b> <span class="muted">${esc(k.kind)}</span>` },
        { key: "files", label: t("d.filenames"), fmt: (f) => f.map((x) => `<code>${esc(x)}</code>`).join(" ") },
        { key: "headers_zh", label: t("d.headers"), fmt: (_, k) => esc((L === "zh" ? k.headers_zh : k.headers_en).join(L === "zh" ? "、" : ", ")) },
      ], { name: "kinds" })}</div>`;
  }

  // an error in the user's language, named by the header the file used (columns: file header → field)
  const headerOf = (columns) => { const inv = Object.fromEntries(Object.entries(columns || {}).map(([hd, f]) => [f, hd])); return (e) => e.header || inv[e.column] || e.column; };
  const ruleOf = (e) => (L === "zh" && e.rule_zh ? e.rule_zh : e.rule);
  const messageOf = (e) => (L === "zh" && e.message_zh ? e.message_zh : e.message);

  function errorsTable(errors, columns) {
    if (!errors.length || errors[0].row === undefined) return "";
    const hd = headerOf(columns);
    return table(errors, [
      { key: "row", label: t("d.row"), num: true },
      { key: "header", label: t("d.header"), fmt: (_, e) => esc(hd(e)) },
      { key: "value", label: t("d.cell"), fmt: (v) => `<code>${esc(v)}</code>` },
      { key: "rule", label: t("d.rule"), fmt: (_, e) => `<span title="${esc(e.rule)}">${esc(ruleOf(e))}</span>` },
      { key: "message", label: t("d.message"), fmt: (_, e) => `<span title="${esc(e.message)}">${esc(messageOf(e))}</span>` },
    ], { rowClass: () => "bad", name: "errors" });
  }

  async function downloadErrors(r) {
    const all = [];
    for (let offset = 0; offset < r.errors_total; offset += 1000) {
      const p = await get(`/api/uploads/${r.id}/errors`, { limit: 1000, offset });
      all.push(...p.data);
      if (!p.data.length) break;
    }
    const hd = headerOf(r.columns);
    downloadCsv(stem("errors", r.filename.replace(/\.[^.]+$/, "")),
      [t("d.row"), t("d.header"), t("d.field"), t("d.cell"), t("d.rule"), t("d.message")],
      all.map((e) => [e.row, hd(e), e.column, e.value, ruleOf(e), messageOf(e)]));
  }

  function showReport(r) {
    const partial = !r.ok && r.rows_ok > 0;
    report.innerHTML = `<h3>${t("d.report")} · ${esc(r.filename)}</h3>
      <p class="${r.ok ? "report-ok" : "report-bad"}" data-report-ok="${r.ok}">${r.ok ? t("d.passed") : t("d.failed")}</p>
      <dl class="kv"><dt>${t("f.kind")}</dt><dd>${esc(r.kind)}</dd>
        <dt>${t("d.rows")}</dt><dd><span data-rows-read>${r.rows_read}</span> · ${t("d.good")} ${r.rows_ok} · ${t("d.bad")} <b data-rows-bad>${r.rows_bad}</b></dd>
        <dt>${t("d.errors")}</dt><dd data-errors-total>${r.errors_total}</dd>
        <dt>${t("d.periods")}</dt><dd>${r.periods.join(", ") || "–"}</dd>
        <dt>${t("d.encoding")}</dt><dd>${esc(r.format || "")} ${esc(r.encoding || "")}</dd></dl>
      <div style="max-height:300px;overflow:auto;margin-top:8px">${errorsTable(r.errors, r.columns)}</div>
      <div style="margin-top:10px;display:flex;gap:8px;flex-wrap:wrap">
        <button type="button" class="btn primary" id="d-load" ${r.ok ? "" : "disabled"}>${t("d.load")}</button>
        ${partial ? `<button type="button" class="btn primary" id="d-quarantine">${t("d.quarantine")}</button>` : ""}
        ${r.errors_total ? `<button type="button" class="btn" id="d-errcsv">${t("d.errcsv")}</button>` : ""}
        <button type="button" class="btn" id="d-discard">${t("d.discard")}</button></div>
      <div id="d-loaded" aria-live="polite"></div>`;
    report.querySelector("#d-discard").addEventListener("click", async () => { await del(`/api/uploads/${r.id}`); report.innerHTML = ""; });
    report.querySelector("#d-errcsv")?.addEventListener("click", () => downloadErrors(r).catch((e) => ctx.showError(e)));
    const buttons = ["#d-load", "#d-quarantine", "#d-discard"].map((s) => report.querySelector(s)).filter(Boolean);
    const load = async (quarantine) => {
      const out = report.querySelector("#d-loaded");
      const was = buttons.map((b) => b.disabled);
      buttons.forEach((b) => { b.disabled = true; });
      out.innerHTML = spin(t("d.loading"));
      try {
        const res = await post(`/api/uploads/${r.id}/load`, { build: true, quarantine: quarantine || null });
        const b = res.batches[0];
        const years = res.build ? res.build.years || [] : [];
        out.innerHTML = b.already_loaded
          ? `<p class="report-ok" data-already-loaded="${b.batch_id}">${esc(tf("d.already", { batch: b.batch_id }))}</p>`
          : `<p class="report-ok" data-loaded-rows="${b.rows_loaded}">${esc(tf("d.loadedrows", { rows: fmt(b.rows_loaded), batch: b.batch_id }))}</p>
            ${res.rejected_rows ? `<p class="report-bad" data-rejected="${res.rejected_rows}">${esc(tf("d.rejected", { n: res.rejected_rows }))}</p>` : ""}
            <p class="hint" data-rebuilt="${years.join(",")}">${esc(years.length ? tf("d.rebuilt", { years: years.join(L === "zh" ? "、" : ", ") }) : t("d.norebuild"))}</p>`;
        buttons.forEach((x) => { x.disabled = x.id !== "d-discard"; });  // loaded: loading again changes nothing
        clearCache();
        inventory();
      } catch (e) {
        buttons.forEach((x, i) => { x.disabled = was[i]; });
        out.innerHTML = `<p class="report-bad" data-load-error>${t("d.loadfailed")}: ${esc(e.message)}</p>${errorsTable(e.details || [], r.columns)}`;
      }
    };
    report.querySelector("#d-load").addEventListener("click", () => load(false));
    report.querySelector("#d-quarantine")?.addEventListener("click", () => load(true));
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
