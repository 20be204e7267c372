// Small form widgets shared by the pages.
import { esc, nm, t } from "./i18n.js";

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

/** A table from rows and columns [{key,label,num,fmt}]. */
export function table(rows, cols, { rowClass } = {}) {
  const head = cols.map((c) => `<th class="${c.num ? "num" : ""}">${esc(c.label)}</th>`).join("");
  const body = rows.map((r) => `<tr class="${rowClass ? rowClass(r) : ""}">${cols.map((c) => {
    const v = c.fmt ? c.fmt(r[c.key], r) : esc(r[c.key]);
    return `<td class="${c.num ? "num" : ""}">${v}</td>`;
  }).join("")}</tr>`).join("");
  return `<table class="data"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function periodOptions(meta) {
  return meta.periods.map((p) => ({ value: p, label: String(p) }));
}
