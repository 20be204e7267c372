// The shell: navigation, language toggle, synthetic banner, and a hash router over the pages.
import { get } from "./api.js";
import { applyStatic, getLang, setLang, t } from "./i18n.js";

const PAGES = [
  { id: "map", module: "./pages/map.js" },
  { id: "chain", module: "./pages/chain.js" },
  { id: "network", module: "./pages/network.js" },
  { id: "compare", module: "./pages/compare.js" },
  { id: "diagnose", module: "./pages/diagnose.js" },
  { id: "data", module: "./pages/data.js" },
  // room for the later pages of the design: they show what they will do
  { id: "alerts", module: "./pages/later.js", later: true },
  { id: "scenarios", module: "./pages/later.js", later: true },
  { id: "enclaves", module: "./pages/later.js", later: true },
  { id: "matching", module: "./pages/later.js", later: true },
  { id: "policies", module: "./pages/later.js", later: true },
];

/** State shared by the pages (filters carry over when switching pages); starts from the map's default
 * view that /api/meta serves. */
export const state = { scale: null, period: null, chain: "*", segment: "*", place: null };
let meta = null;
let current = null;

function nav() {
  const el = document.getElementById("nav");
  const page = route().page;
  el.innerHTML = PAGES.map((p) => `<a href="#/${p.id}" data-page="${p.id}" class="${p.id === page ? "active" : ""} ${p.later ? "later" : ""}">${t("nav." + p.id)}</a>`).join("");
}

function route() {
  const h = location.hash.replace(/^#\/?/, "");
  const [page, qs] = h.split("?");
  return { page: PAGES.some((p) => p.id === page) ? page : "map", params: new URLSearchParams(qs || "") };
}

export function showError(err) {
  const el = document.getElementById("error-banner");
  if (!err) { el.hidden = true; el.textContent = ""; return; }
  el.hidden = false;
  el.textContent = (err.type ? `${err.type}: ` : "") + (err.message || String(err));
}

function banner() {
  const el = document.getElementById("synthetic-banner");
  el.hidden = !(meta && meta.synthetic);
  el.innerHTML = t("app.synthetic");
}

async function show() {
  const { page, params } = route();
  nav();
  showError(null);
  const root = document.getElementById("page");
  if (current && current.dispose) current.dispose(root);
  root.innerHTML = `<div class="loading">${t("app.loading")}</div>`;
  const def = PAGES.find((p) => p.id === page);
  let mod;
  try {
    mod = await import(def.module);
  } catch (e) {
    console.error(e);
    root.innerHTML = `<div class="placeholder"><h2>${t("app.noassets")}</h2><p class="hint">${String(e.message || e)}</p></div>`;
    return;
  }
  current = mod;
  try {
    await mod.render(root, { meta, state, page, params, showError });
  } catch (e) {
    console.error(e);
    showError(e);
  }
}

async function boot() {
  setLang(getLang());
  applyStatic();
  document.getElementById("lang-toggle").textContent = t("lang.other");
  document.getElementById("lang-toggle").addEventListener("click", () => {
    setLang(getLang() === "zh" ? "en" : "zh");
    applyStatic();
    document.getElementById("lang-toggle").textContent = t("lang.other");
    document.title = `${t("app.title")} · Chain Atlas`;
    banner();
    show();
  });
  // start what the first page needs at once; answers are cached by URL
  get("/api/chains").catch(() => null);
  try {
    meta = await get("/api/meta");
    get("/api/geo", { scale: meta.default_view.scale }).catch(() => null);
  } catch (e) {
    showError(e);
    meta = { synthetic: false, periods: [], layers: [], scales: [], indicators: [], chains: [], kinds: [],
      default_view: null };
  }
  if (!meta.periods.length) showError({ message: t("app.nodata") });
  // the map's default view (scale, latest period, chain, segment) is the server's: /api/meta says it
  const dv = meta.default_view;
  if (dv) Object.assign(state, { scale: dv.scale, period: dv.period, chain: dv.chain, segment: dv.segment });
  banner();
  window.addEventListener("hashchange", show);
  await show();
}

boot();
