// 供需对接 (issue 16 item 5): firms' technology needs and the region's researchers, matched by the R&D liaison
// (研发联络者). Search the needs or the researchers (GET /api/matching/needs, /experts: words, chain or segment), open
// one and read its ranked matches (GET /api/matching/needs/{id}, /experts/{id}) — each with its score and the
// reasons: the words and codes shared, past co-operation, distance and whether innovation vouchers are honoured
// across the border — or type a need in (GET /api/matching/text). The map draws the asker's place and a line to
// every match, so the planner sees whether the answer lies next door or across the region.
import { get } from "../api.js";
import { chartOn, disposeAll, echarts, registerScale } from "../charts.js";
import { addStrings, esc, getLang, nm, placeName, t, tf } from "../i18n.js";
import { chartTools, h, options, segmented, stem, table } from "../widgets.js";

addStrings({
  "mt.title": ["供需对接", "Needs ↔ researchers"],
  "mt.synthetic": ["合成数据", "synthetic"],
  "mt.mode.needs": ["按需求找专家", "Researchers for a need"],
  "mt.mode.experts": ["按专家找需求", "Needs for a researcher"],
  "mt.mode.text": ["输入需求", "Type a need"],
  "mt.q": ["关键词（空格分隔，须全部出现）", "Words (all must appear)"],
  "mt.chain": ["产业链 / 环节", "Chain / segment"],
  "mt.top": ["列出前", "Show the top"],
  "mt.n.needs": ["{n} 条需求", "{n} needs"],
  "mt.n.experts": ["{n} 位研究人员", "{n} researchers"],
  "mt.more": ["仅列出前 {n} 条，请加关键词缩小范围", "Only the first {n} are listed: add words to narrow"],
  "mt.text": ["技术需求（用平常的话写）", "The need, in plain words"],
  "mt.text.ph": ["例如：车规级功率芯片封装可靠性提升", "e.g. reliability of automotive power-chip packaging"],
  "mt.place": ["发布地（可选：代码或地名）", "Posted from (optional: code or name)"],
  "mt.place.ph": ["苏州市", "苏州市"],
  "mt.go": ["匹配", "Match"],
  "mt.pick": ["在左侧选择一条需求或一位研究人员，或输入一条需求。", "Pick a need or a researcher on the left, or type a need in."],
  "mt.results": ["匹配结果", "Matches"],
  "mt.map": ["匹配对象的分布", "Where the matches are"],
  "mt.map.h": ["★ 为提问方所在地；连线由提问方指向各匹配对象，线越粗排名越靠前。", "★ is the asker's place; lines run to each match, thicker for a higher rank."],
  "mt.none": ["没有匹配：与任何一方都没有共同词、代码或合作。", "No match: nothing shares a word, a code or a tie."],
  "mt.c.rank": ["名次", "Rank"],
  "mt.c.who": ["匹配对象", "Match"],
  "mt.c.segment": ["环节", "Segment"],
  "mt.c.place": ["地区", "Place"],
  "mt.c.score": ["综合得分", "Score"],
  "mt.c.why": ["匹配理由", "Why"],
  "mt.why.terms": ["共同词", "Shared words"],
  "mt.why.codes": ["共同代码", "Shared codes"],
  "mt.why.km": ["距离 {km} 公里", "{km} km away"],
  "mt.why.ties": ["既往合作 {n} 次", "{n} past ties"],
  "mt.why.voucher": ["创新券可用", "Vouchers honoured"],
  "mt.why.novoucher": ["创新券未互认", "Vouchers not recognised"],
  "mt.why.unknown": ["创新券：地点不明", "Vouchers: place unknown"],
  "mt.parts": ["文本 {a} · 代码 {b}", "text {a} · codes {b}"],
  "mt.asker.need": ["需求", "Need"],
  "mt.asker.expert": ["研究人员", "Researcher"],
  "mt.asker.text": ["输入的需求", "Need typed in"],
  "mt.budget": ["预算 {v} 万元", "budget {v} 万元"],
  "mt.how": [
    "综合得分 = 文本相关度（rjieba 分词 + BM25）+ 0.3×IPC 与环节重合 + 0.1×距离衰减 + 0.2×既往合作 + 0.05×创新券互认。既往合作指企业与研究人员所在机构的共同专利、专利转让与技术合同。",
    "Score = text relevance (rjieba + BM25) + 0.3×IPC/segment overlap + 0.1×proximity + 0.2×past ties + 0.05×voucher recognition. Past ties: co-patents, patent transfers and technology contracts between the firm and the researcher's institution.",
  ],
});

const LIMIT = 200;
const view = { mode: "needs", q: "", segment: "", top: 10, text: "", place: "" };
let seq = 0;
const zh = () => getLang() === "zh";
const isNum = (v) => typeof v === "number" && Number.isFinite(v);

export function dispose(root) { disposeAll(root); }

export async function render(root, ctx) {
  const { meta, state } = ctx;
  if (ctx.params.get("need")) { view.mode = "needs"; state.need = ctx.params.get("need"); }
  if (ctx.params.get("expert")) { view.mode = "experts"; state.expert = ctx.params.get("expert"); }
  await registerScale("city");
  const chains = await get("/api/chains").then((r) => r.data || r.chains || []).catch(() => []);

  root.innerHTML = "";
  root.append(h(`<aside class="side mt-side" id="mt-side">
      <h2 class="enc-h">${esc(t("mt.title"))} <span class="enc-synth" id="mt-synth" hidden>${esc(t("mt.synthetic"))}</span></h2>
      <div id="mt-mode"></div>
      <div id="mt-search">
        <div class="field"><label for="mt-q">${esc(t("mt.q"))}</label><input id="mt-q" type="search"></div>
        <div class="field"><label for="mt-seg">${esc(t("mt.chain"))}</label><select id="mt-seg"></select></div>
        <div class="muted small" id="mt-count"></div>
        <ul class="mt-list" id="mt-list"></ul>
      </div>
      <div id="mt-typed" hidden>
        <div class="field"><label for="mt-text">${esc(t("mt.text"))}</label><textarea id="mt-text" rows="4" maxlength="500" placeholder="${esc(t("mt.text.ph"))}"></textarea></div>
        <div class="field"><label for="mt-place">${esc(t("mt.place"))}</label><input id="mt-place" maxlength="40" placeholder="${esc(t("mt.place.ph"))}"></div>
        <button type="button" class="btn" id="mt-go">${esc(t("mt.go"))}</button>
      </div>
      <div class="field"><label for="mt-top">${esc(t("mt.top"))}</label><select id="mt-top"></select></div>
      <p class="hint">${esc(t("mt.how"))}</p>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll" id="mt-main">
      <div class="panel" id="mt-result-panel"><h2>${esc(t("mt.results"))}</h2><div id="mt-asker"></div><div id="mt-results" class="hscroll"><p class="muted">${esc(t("mt.pick"))}</p></div></div>
      <div class="panel" id="mt-map-panel"><h2>${esc(t("mt.map"))}</h2><p class="hint">${esc(t("mt.map.h"))}</p>
        <div class="chart mt-map"><div class="chart-box" id="mt-map"></div></div></div>
    </div></section>`));

  const segOptions = [{ value: "", label: t("all.chains") }];
  const segName = new Map();
  for (const c of chains) {
    segOptions.push({ value: c.id, label: nm(c) });
    for (const s of c.segments || []) {
      segOptions.push({ value: `${c.id}:${s.segment}`, label: `　${nm(s)}` });
      segName.set(`${c.id}:${s.segment}`, nm(s));
    }
  }
  options(root.querySelector("#mt-seg"), segOptions, view.segment);
  options(root.querySelector("#mt-top"), [5, 10, 20, 50].map((n) => ({ value: n, label: String(n) })), view.top);
  root.querySelector("#mt-q").value = view.q;
  root.querySelector("#mt-text").value = view.text;
  root.querySelector("#mt-place").value = view.place;

  const map = chartOn(root.querySelector("#mt-map"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), matchMap: map };
  root.querySelector("#mt-map-panel").append(chartTools(echarts, map, () => stem("matching-map")));
  drawMap(map, null, []);

  segmented(root.querySelector("#mt-mode"), ["needs", "experts", "text"].map((m) => ({ value: m, label: t("mt.mode." + m) })), view.mode, (m) => {
    view.mode = m;
    state.need = null; state.expert = null;
    ctx.syncUrl();
    modeShown();
    if (m !== "text") search();
  });
  const modeShown = () => {
    root.querySelector("#mt-search").hidden = view.mode === "text";
    root.querySelector("#mt-typed").hidden = view.mode !== "text";
  };
  modeShown();

  let timer = null;
  root.querySelector("#mt-q").addEventListener("input", (e) => { view.q = e.target.value; clearTimeout(timer); timer = setTimeout(search, 250); });
  root.querySelector("#mt-seg").addEventListener("change", (e) => { view.segment = e.target.value; search(); });
  root.querySelector("#mt-top").addEventListener("change", (e) => { view.top = Number(e.target.value); rerun(); });
  root.querySelector("#mt-go").addEventListener("click", () => {
    view.text = root.querySelector("#mt-text").value.trim();
    view.place = root.querySelector("#mt-place").value.trim();
    if (view.text) run("text", null);
  });
  root.querySelector("#mt-list").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-id]");
    if (li) run(view.mode, li.dataset.id);
  });

  let last = null;
  function rerun() { if (last) run(last.mode, last.id); }

  async function search() {
    const my = ++seq;
    const side = view.mode === "experts" ? "experts" : "needs";
    const body = await get(`/api/matching/${side}`, { q: view.q, segment: view.segment, limit: LIMIT }).catch((e) => { ctx.showError(e); return null; });
    if (!body || my !== seq) return;
    root.querySelector("#mt-synth").hidden = !body.synthetic;
    root.querySelector("#mt-count").textContent = tf(`mt.n.${side}`, { n: body.total.toLocaleString() }) + (body.total > LIMIT ? ` · ${tf("mt.more", { n: LIMIT })}` : "");
    const open = side === "needs" ? state.need : state.expert;
    root.querySelector("#mt-list").innerHTML = body.rows.map((r) => `<li data-id="${esc(r.id)}" class="${r.id === open ? "on" : ""}">
        <b>${esc(side === "needs" ? r.title : r.name)}</b>
        <div class="muted small">${esc(r.id)} · ${esc(side === "needs" ? r.firm || "" : r.institution || "")}</div>
        <div class="muted small">${esc(r.segment_zh || "")} · ${esc(r.place || "–")}</div></li>`).join("");
  }

  async function run(mode, id) {
    const my = ++seq;
    last = { mode, id };
    if (mode === "needs") { state.need = id; state.expert = null; }
    else if (mode === "experts") { state.expert = id; state.need = null; }
    ctx.syncUrl();
    root.querySelectorAll("#mt-list li").forEach((li) => li.classList.toggle("on", li.dataset.id === id));
    const el = root.querySelector("#mt-results");
    el.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`;
    let body;
    try {
      body = mode === "text"
        ? await get("/api/matching/text", { text: view.text, place: view.place, top: view.top })
        : await get(`/api/matching/${mode}/${encodeURIComponent(id)}`, { top: view.top });
    } catch (e) {
      if (my === seq) el.innerHTML = `<p class="error-text" role="alert">${esc(e.message || e)}</p>`;
      return;
    }
    if (my !== seq) return;
    root.querySelector("#mt-synth").hidden = !body.synthetic;
    drawAsker(body);
    drawResults(body);
    drawMap(map, body.query, body.rows);
  }

  function drawAsker(body) {
    const q = body.query || {};
    const kind = t("mt.asker." + body.mode);
    const head = body.mode === "text" ? q.text : body.mode === "need" ? q.title : q.name;
    const sub = body.mode === "need" ? [q.firm, q.segment_zh, q.place, isNum(q.budget) ? tf("mt.budget", { v: q.budget.toLocaleString() }) : ""]
      : body.mode === "expert" ? [q.institution, q.segment_zh, q.place, String(q.keywords || "").replace(/[;；]/g, "、")] : [q.place];
    root.querySelector("#mt-asker").innerHTML = `<div class="mt-asker" data-mode="${esc(body.mode)}"><span class="mt-kind">${esc(kind)}</span>
      <b>${esc(head || "")}</b> <span class="muted">${esc(q.id || "")}</span>
      <div class="muted small">${sub.filter(Boolean).map(esc).join(" · ")}</div></div>`;
  }

  function drawResults(body) {
    const el = root.querySelector("#mt-results");
    const rows = body.rows || [];
    if (!rows.length) { el.innerHTML = `<p class="muted">${esc(body.note || t("mt.none"))}</p>`; return; }
    const best = Math.max(...rows.map((r) => r.score || 0), 1e-9);
    // a chain:segment code reads as the segment's name (its code in the tooltip); an IPC subclass as itself
    const codeName = (x) => segName.get(x) || x;
    const chips = (xs, cls) => (xs || []).map((x) => `<span class="mt-chip ${cls}" title="${esc(x)}">${esc(cls === "code" ? codeName(x) : x)}</span>`).join("");
    const why = (r) => `<div class="mt-why">` + [
      r.shared_terms?.length ? `<div><span class="muted">${esc(t("mt.why.terms"))}</span> ${chips(r.shared_terms.slice(0, 8), "term")}</div>` : "",
      r.shared_codes?.length ? `<div><span class="muted">${esc(t("mt.why.codes"))}</span> ${chips(r.shared_codes, "code")}</div>` : "",
      `<div class="muted small">${[
        isNum(r.distance_km) ? esc(tf("mt.why.km", { km: Math.round(r.distance_km).toLocaleString() })) : "",
        r.ties ? `<span class="mt-tie">${esc(tf("mt.why.ties", { n: r.ties }))}</span>` : "",
        esc(t(r.voucher === null || r.voucher === undefined ? "mt.why.unknown" : r.voucher ? "mt.why.voucher" : "mt.why.novoucher")),
      ].filter(Boolean).join(" · ")}</div>`,
    ].join("") + "</div>";
    const who = (r) => body.mode === "expert"
      ? `<b>${esc(r.title || r.profile_id)}</b><div class="muted small">${esc(r.profile_id)} · ${esc(r.firm || "")}</div>`
      : `<b>${esc(r.name || r.profile_id)}</b><div class="muted small">${esc(r.profile_id)} · ${esc(r.institution || "")}</div>`;
    el.innerHTML = table(rows, [
      { key: "rank", label: t("mt.c.rank"), num: true },
      { key: "profile_id", label: t("mt.c.who"), fmt: (v, r) => who(r), csv: (v, r) => `${v} ${r.name || r.title || ""}` },
      { key: "segment_zh", label: t("mt.c.segment") },
      { key: "place", label: t("mt.c.place"), fmt: (v, r) => esc(v || (r.adcode ? placeName(r.adcode) : "–")) },
      { key: "score", label: t("mt.c.score"), num: true, csv: (v) => v,
        fmt: (v, r) => `<div class="mt-score" data-score="${v}"><span style="width:${Math.round(100 * (v || 0) / best)}%"></span></div>
          <div class="small">${(v ?? 0).toFixed(3)}</div><div class="muted small">${esc(tf("mt.parts", { a: (r.text ?? 0).toFixed(2), b: (r.codes ?? 0).toFixed(2) }))}</div>` },
      { key: "shared_terms", label: t("mt.c.why"), fmt: (v, r) => why(r),
        csv: (v, r) => [...(r.shared_terms || []), ...(r.shared_codes || [])].join(";") },
    ], { name: stem("matching", last?.id || "text") });
    el.querySelector("table").dataset.matches = rows.map((r) => r.profile_id).join(",");
  }

  if (view.mode !== "text") await search();
  if (state.need) await run("needs", state.need);
  else if (state.expert) await run("experts", state.expert);
}

/** The asker's place (★) and a line to each match's place; a match without a known place is left off. */
function drawMap(map, q, rows) {
  const from = q && isNum(q.lon) && isNum(q.lat) ? [q.lon, q.lat] : null;
  const placed = rows.filter((r) => isNum(r.lon) && isNum(r.lat));
  const n = Math.max(placed.length, 1);
  const label = (r) => r.name || r.title || r.profile_id;
  map.setOption({
    tooltip: { trigger: "item", confine: true, formatter: (p) => (p.data && p.data.tip) || esc(placeName(p.name) || p.name || "") },
    geo: {
      map: "yrd-city", roam: true, layoutCenter: ["50%", "51%"], layoutSize: "98%", label: { show: false },
      itemStyle: { borderColor: "#a7b3c0", borderWidth: 0.6, areaColor: "#f1f4f8" },
      emphasis: { itemStyle: { areaColor: "#e3ebf5" }, label: { show: false } },
    },
    series: [
      { id: "lines", type: "lines", coordinateSystem: "geo", zlevel: 1, symbol: ["none", "arrow"], symbolSize: 7,
        data: from ? placed.map((r) => ({ coords: [from, [r.lon, r.lat]], tip: `${r.rank}. ${esc(label(r))} · ${esc(r.place || "")}`,
          lineStyle: { color: "#1b5fae", width: 1 + 4 * (n - r.rank + 1) / n, opacity: 0.75, curveness: 0.2 } })) : [] },
      { id: "matches", type: "scatter", coordinateSystem: "geo", zlevel: 2, symbolSize: 9,
        itemStyle: { color: "#D55E00", borderColor: "#fff", borderWidth: 1 },
        label: { show: true, position: "right", fontSize: 11, color: "#1f2733", textBorderColor: "#fff", textBorderWidth: 2.5, formatter: (p) => `${p.data.rank}. ${p.data.label}` },
        labelLayout: { hideOverlap: true },
        data: placed.map((r) => ({ value: [r.lon, r.lat], rank: r.rank, label: label(r), tip: `${r.rank}. ${esc(label(r))}<br>${esc(r.place || "")} · ${(r.score ?? 0).toFixed(3)}` })) },
      { id: "asker", type: "scatter", coordinateSystem: "geo", zlevel: 3, symbol: "path://M50 0 L61 35 L98 35 L68 57 L79 91 L50 70 L21 91 L32 57 L2 35 L39 35 Z", symbolSize: 18,
        itemStyle: { color: "#12355b" },
        data: from ? [{ value: from, tip: esc(q.place || q.text || "") }] : [] },
    ],
  }, { replaceMerge: ["series", "geo"] });
  map.getDom().dataset.matches = String(placed.length);
}
