// The shell: navigation, language toggle, synthetic banner, and a hash router over the pages.
import { get, getToken, postForm, setToken } from "./api.js";
import { echarts } from "./charts.js";
import { applyStatic, esc, getLang, nm, periodLabel, placeName, registerPlaces, setLang, t } from "./i18n.js";
import { parsePeriod, periodYear } from "./widgets.js";

const PAGES = [
  // subPeriods: the page shows months and quarters too (period=2024-05, 2024Q2); the others show their year
  { id: "map", module: "./pages/map.js", subPeriods: true },
  { id: "chain", module: "./pages/chain.js" },
  { id: "network", module: "./pages/network.js" },
  { id: "compare", module: "./pages/compare.js" },
  { id: "diagnose", module: "./pages/diagnose.js" },
  { id: "data", module: "./pages/data.js" },
  // 监测预警: alerts of every grain (the period filter keeps months and quarters)
  { id: "monitor", module: "./pages/monitor.js", subPeriods: true },
  // 情景模拟: supply-shock scenarios, policy comparison, the emergency list and the systemic-risk ranking
  { id: "scenarios", module: "./pages/scenario.js" },
  // 飞地: the enclave ledger, its rules and 亩均 evaluation, tax sharing and innovation vouchers (issue 15)
  { id: "enclaves", module: "./pages/enclaves.js" },
  // 供需对接: technology needs matched to researchers, with the reasons (issue 16)
  { id: "matching", module: "./pages/matching.js" },
  // 政策: policies tagged to chains, segments and places; coverage, overlaps and gaps (issue 16)
  { id: "policies", module: "./pages/policies.js" },
  // 联盟与揭榜挂帅: alliances and their fragmentation, open calls for key technologies (issue 16)
  { id: "alliances", module: "./pages/alliances.js" },
];

/** State shared by the pages (filters carry over when switching pages); starts from the map's default
 * view that /api/meta serves, then from the URL. The URL holds the view: `#/<page>?scale=&period=&chain=...`. */
export const state = { scale: null, period: null, chain: "*", segment: "*", place: null, layers: null, indicator: null };
/** The keys a permalink holds, and how each is read back from the URL. */
const LINK = {
  scale: String, period: parsePeriod, chain: String, segment: String, place: String, indicator: String,
  layers: (v) => (v ? v.split(",").filter(Boolean) : []), classes: String, fixed: (v) => v !== "0",
  layer: String, measure: String, mode: String, b: String, pb: Number, area: String, alert: Number,
  enclave: String, need: String, expert: String,
};
let meta = null;
let current = null;

function query() {
  const q = new URLSearchParams();
  for (const k of Object.keys(LINK)) {
    const v = state[k];
    if (v === null || v === undefined || v === "") continue;
    q.set(k, Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  return q.toString().replace(/%2C/g, ",");
}

/** Write the current view into the URL (no reload, no history entry) so that the address is a permalink. */
export function syncUrl() {
  const page = route().page;
  const want = `#/${page}?${query()}`;
  if (location.hash !== want) history.replaceState(null, "", want);
  nav();
  printHead();
}

function nav() {
  const el = document.getElementById("nav");
  const page = route().page;
  const q = query();
  el.innerHTML = PAGES.map((p) => `<a href="#/${p.id}${q ? "?" + q : ""}" data-page="${p.id}" class="${p.id === page ? "active" : ""}">${t("nav." + p.id)}</a>`).join("");
}

function applyParams(params) {
  for (const [k, parse] of Object.entries(LINK)) {
    if (!params.has(k)) continue;
    const v = parse(params.get(k));
    if (typeof v === "number" && Number.isNaN(v)) continue;
    state[k] = v;
  }
}

/** The view in words, for the printed page's heading. */
function viewText() {
  const parts = [t("nav." + route().page)];
  if (state.scale) parts.push(t("scale." + state.scale));
  if (state.period) parts.push(periodLabel(state.period));
  if (meta && state.chain && state.chain !== "*") parts.push(nm(meta.chains.find((c) => c.id === state.chain)));
  const ind = meta && meta.indicators.find((i) => i.attr === state.indicator);
  if (ind && route().page === "map") parts.push(getLang() === "zh" ? ind.zh : ind.en);
  return parts.filter(Boolean).join(" · ");
}

function printHead() {
  const el = document.getElementById("print-head");
  el.innerHTML = `<h1>${esc(t("app.title"))}</h1><div class="print-view">${esc(viewText())}</div>
    <div class="print-src">${esc(t("x.source"))} · ${esc(location.href)} · ${new Date().toISOString().slice(0, 10)}</div>`;
}

function resizeCharts() {
  document.querySelectorAll(".chart-box").forEach((el) => { if (el.clientWidth && el.clientHeight) echarts.getInstanceByDom(el)?.resize(); });
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
  const def = PAGES.find((p) => p.id === page);
  applyParams(params);
  if (!def.subPeriods) state.period = periodYear(state.period);
  nav();
  showError(null);
  const root = document.getElementById("page");
  if (current && current.dispose) current.dispose(root);
  root.innerHTML = `<div class="loading">${t("app.loading")}</div>`;
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
    await mod.render(root, { meta, state, page, params, showError, syncUrl });
    syncUrl();
  } catch (e) {
    console.error(e);
    showError(e);
  }
}

/** Who is using the atlas: the single-user local mode, or a signed-in user (name, role, jurisdiction). */
function whoBadge(auth) {
  const el = document.getElementById("who");
  if (!auth) { el.hidden = true; return; }
  el.hidden = false;
  if (auth.mode === "local") {
    el.innerHTML = `<span class="who-mode" title="${esc(t("auth.local.h"))}">${esc(t("auth.local"))}</span>`;
    return;
  }
  const u = auth.user;
  const jur = u.jurisdiction === "YRD" ? t("auth.region") : placeName(u.jurisdiction) || u.jurisdiction;
  el.innerHTML = `<span class="who-user" data-user="${esc(u.name)}" title="${esc(u.name)} · ${esc(t("auth.role." + u.role))} · ${esc(jur)}">${esc(u.name)} · ${esc(jur)}</span>
    <button id="sign-out" class="btn ghost" type="button">${esc(t("auth.signout"))}</button>`;
  document.getElementById("sign-out").addEventListener("click", () => { setToken(null); location.reload(); });
}

/** The sign-in form, shown instead of the pages when the atlas has users and nobody is signed in. */
function signIn(message) {
  return new Promise((resolve) => {
    const root = document.getElementById("page");
    root.innerHTML = `<form id="sign-in" class="panel sign-in" autocomplete="on">
      <h2>${esc(t("auth.title"))}</h2>
      <p class="hint">${esc(t("auth.hint"))}</p>
      <label>${esc(t("auth.name"))}<input name="username" autocomplete="username" required maxlength="64"></label>
      <label>${esc(t("auth.password"))}<input name="password" type="password" autocomplete="current-password" required></label>
      <div class="error-text" role="alert">${message ? esc(message) : ""}</div>
      <button class="btn primary" type="submit">${esc(t("auth.signin"))}</button>
    </form>`;
    const form = document.getElementById("sign-in");
    form.username.focus();
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const r = await postForm("/api/login", { username: form.username.value, password: form.password.value });
        setToken(r.access_token);
        resolve(r.user);
      } catch (e) {
        form.querySelector(".error-text").textContent = e.message || String(e);
        form.password.value = "";
      }
    });
  });
}

async function whoAmI() {
  const res = await fetch("/api/auth", { headers: { Accept: "application/json", ...(getToken() ? { Authorization: `Bearer ${getToken()}` } : {}) } });
  return res.ok ? res.json() : { mode: "users", user: null };
}

async function boot() {
  setLang(getLang());
  applyStatic();
  // once the atlas has users, nothing but the sign-in is shown until one signs in
  let auth = await whoAmI().catch(() => null);
  if (auth && auth.mode === "users" && !auth.user) {
    if (getToken()) setToken(null);
    await signIn();
    auth = await whoAmI();
  }
  whoBadge(auth);
  window.addEventListener("chainatlas:unauthorised", () => { setToken(null); location.reload(); });
  document.getElementById("lang-toggle").textContent = t("lang.other");
  document.getElementById("lang-toggle").addEventListener("click", () => {
    setLang(getLang() === "zh" ? "en" : "zh");
    applyStatic();
    document.getElementById("lang-toggle").textContent = t("lang.other");
    document.getElementById("print-btn").textContent = t("x.print");
    document.title = `${t("app.title")} · Chain Atlas`;
    banner();
    show();
  });
  document.getElementById("print-btn").textContent = t("x.print");
  document.getElementById("print-btn").addEventListener("click", () => { printHead(); window.print(); });
  window.addEventListener("beforeprint", () => { printHead(); document.body.classList.add("printing"); resizeCharts(); });
  window.addEventListener("afterprint", () => { document.body.classList.remove("printing"); resizeCharts(); });
  // start what the first page needs at once; answers are cached by URL
  get("/api/chains").catch(() => null);
  // place labels that tell namesakes apart (cities first: a county's label may carry its city)
  const placesReady = Promise.all([get("/api/places", { scale: "city", proper: true }), get("/api/places", { scale: "county", proper: true })])
    .then(([c, k]) => { registerPlaces(c.data); registerPlaces(k.data); })
    .catch(() => null);
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
  await placesReady;
  whoBadge(auth);  // again, now that place names are known
  banner();
  window.addEventListener("hashchange", show);
  await show();
}

boot();
