// 政策 (issue 16 items 2 and 5): the atlas's policies linked to chains, segments and places. The coverage matrix —
// segments × places over a year or a range, one chain or all (GET /api/policies/coverage) — as a heatmap whose empty
// cells are the gaps; the places on the map coloured by their policies on the segment chosen, with lines between
// neighbouring places that back the same segment with the same kind of incentive (GET /api/policies/overlaps: the
// paper's 竞争远大于合作) and the measures they compete with; the gaps listed per place (GET /api/policies/gaps);
// the policies with a search (GET /api/policies); and one policy's tags — confidence, source, the terms found and
// the evidence sentences with the terms highlighted — and its full text (GET /api/policies/{id}).
import { get } from "../api.js";
import { chartOn, disposeAll, echarts, RAMP, registerScale } from "../charts.js";
import { addStrings, esc, getLang, nm, t, tf } from "../i18n.js";
import { chartTools, h, options, stem, table } from "../widgets.js";

addStrings({
  "pol.synthetic": ["合成数据", "Synthetic data"],
  "pol.f.chain": ["产业链", "Chain"],
  "pol.f.segment": ["环节", "Segment"],
  "pol.f.level": ["地区层级", "Places as"],
  "pol.level.city": ["城市", "Cities"],
  "pol.level.province": ["省份", "Provinces"],
  "pol.f.since": ["起始年", "From"],
  "pol.f.until": ["截止年", "To"],
  "pol.f.conf": ["最低置信度", "Minimum confidence"],
  "pol.f.hint": ["政策计入发文地：县区政策计入所在城市，省级政策单列；区域性与国家政策另计。标签来自标题与正文的关键词（产业链分类与别名）和文本相似度，或政策记录自行申报。",
    "A policy counts where it was issued: a county's for its city, a province's in its own column; regional and national ones apart. Tags come from the title and text (the taxonomy's words and aliases, and text similarity) or from the record itself."],
  "pol.whole": ["整条产业链", "Whole chain"],
  "pol.region": ["区域/国家", "Regional / national"],
  "pol.matrix": ["覆盖矩阵（环节 × 地区）", "Coverage: segments × places"],
  "pol.matrix.h": ["单元格：所选年份内该地区发布、识别到该环节的政策数；灰色为空白。点击单元格查看该地区该环节的政策。",
    "A cell counts the policies a place issued in the years that are tagged to the segment; grey cells are gaps. Click one for its policies."],
  "pol.map": ["政策地图", "Map of policies"],
  "pol.map.h": ["颜色：所选环节（未选时为全部）的政策数；连线：相邻地区在相近年份以同类措施扶持同一环节。",
    "Colour: policies on the chosen segment (all, if none); lines: neighbouring places backing the same segment about the same time with the same kind of incentive."],
  "pol.lg.count": ["政策数", "Policies"],
  "pol.lg.line": ["竞争性重叠，线宽为政策对数", "Overlap, as wide as its policy pairs"],
  "pol.overlaps": ["竞争性重叠", "Competing overlaps"],
  "pol.overlaps.h": ["相邻地区对同一环节、发布年份相差不超过一年、提供同类扶持措施（补贴、用地、税收、人才、招商、基金、采购）的政策。",
    "Neighbouring places' policies on the same segment, issued within a year of each other, offering the same kind of incentive (subsidies, land, tax, talent, attraction, funds, procurement)."],
  "pol.ov.none": ["没有竞争性重叠", "No overlaps"],
  "pol.c.pair": ["地区对", "Places"],
  "pol.c.segment": ["环节", "Segment"],
  "pol.c.pairs": ["政策对", "Policy pairs"],
  "pol.c.years": ["年份", "Years"],
  "pol.c.measures": ["竞争措施", "Competing measures"],
  "pol.gaps": ["政策空白", "Gaps"],
  "pol.gaps.h": ["所选年份内没有本地政策的环节；括号内为上级政策数与区域政策数。", "Segments a place had no policy of its own on in the years; in brackets the policies above it and region-wide."],
  "pol.c.place": ["地区", "Place"],
  "pol.c.covered": ["有政策的环节", "Segments covered"],
  "pol.c.missing": ["空白环节", "Segments without a policy"],
  "pol.gaps.none": ["没有空白", "No gaps"],
  "pol.list": ["政策列表", "Policies"],
  "pol.search": ["搜索标题、发文机关、正文……", "Search title, issuer, text…"],
  "pol.c.date": ["日期", "Date"],
  "pol.c.title": ["标题", "Title"],
  "pol.c.issuer": ["发文机关", "Issuer"],
  "pol.c.tags": ["标签", "Tags"],
  "pol.c.conf": ["置信度", "Confidence"],
  "pol.n": ["{n} 件政策", "{n} policies"],
  "pol.first": ["显示前 {n} 件", "first {n} shown"],
  "pol.list.none": ["没有符合条件的政策", "No policy matches"],
  "pol.filter.place": ["地区：{p}", "Place: {p}"],
  "pol.filter.clear": ["清除", "Clear"],
  "pol.d.tags": ["识别结果", "Tags"],
  "pol.d.evidence": ["证据句", "Evidence"],
  "pol.d.terms": ["命中词", "Terms found"],
  "pol.d.kw": ["关键词得分", "Keyword score"],
  "pol.d.sim": ["文本相似度", "Text similarity"],
  "pol.d.measures": ["扶持措施", "Measures"],
  "pol.d.text": ["正文", "Full text"],
  "pol.d.none": ["未识别出产业链或环节", "No chain or segment found"],
  "pol.d.declared": ["记录申报", "Declared by the record"],
  "pol.d.title": ["标题提及", "In the title"],
  "pol.src.text": ["正文识别", "From the text"],
  "pol.src.declared": ["记录申报", "Declared"],
  "pol.src.both": ["申报且正文识别", "Declared and in the text"],
  "pol.m.subsidy": ["资金补贴", "Subsidies"],
  "pol.m.land": ["用地与厂房", "Land and premises"],
  "pol.m.tax": ["税收优惠", "Tax relief"],
  "pol.m.talent": ["人才", "Talent"],
  "pol.m.attraction": ["招商引资", "Investment attraction"],
  "pol.m.fund": ["产业基金", "Industry funds"],
  "pol.m.procurement": ["首台套与采购", "First units and procurement"],
  "pol.rel.neighbour": ["相邻", "Neighbours"],
  "pol.rel.same_province": ["同省", "Same province"],
  "pol.lv.national": ["国家", "National"],
  "pol.lv.regional": ["区域", "Regional"],
  "pol.lv.provincial": ["省级", "Provincial"],
  "pol.lv.city": ["市级", "City"],
  "pol.lv.county": ["县级", "County"],
});

/** Measure categories (data/policy/aliases.yaml) in a fixed order, and their colours (Okabe–Ito). */
export const MEASURES = ["subsidy", "land", "tax", "talent", "attraction", "fund", "procurement"];
const MEASURE_COLORS = { subsidy: "#D55E00", land: "#E69F00", tax: "#009E73", talent: "#56B4E9", attraction: "#CC79A7", fund: "#0072B2", procurement: "#7f3c8d" };
/** The overlap lines: vermillion over the blue ramp of the places. */
const LINE = "#D55E00";
const EMPTY = "#eef1f4";
const STYLE = `
.side.pol-filters { width: 250px; }
.chart.pol-matrix { flex: none; min-height: 220px; }
.chart.pol-map { height: 500px; flex: none; }
.pol-legend { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; font-size: 12px; margin-top: 6px; }
.pol-legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
.pol-legend i.line { height: 3px; background: ${LINE}; }
.pol-ctl { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
.pol-ctl input[type=search] { flex: 1; min-width: 220px; padding: 5px 8px; border: 1px solid var(--line); border-radius: var(--radius); }
.pol-m { display: inline-block; font-size: 11px; padding: 1px 6px; border-radius: 9px; color: #fff; margin: 1px 2px 1px 0; }
.pol-tag { display: inline-block; font-size: 11px; padding: 1px 6px; border-radius: 9px; background: var(--accent-soft, #e3ebf5); color: var(--accent, #1b5fae); margin: 1px 2px 1px 0; }
.pol-tag.weak { background: #eef1f4; color: #5f6b7a; }
.side.right.pol-detail { width: 520px; }
.pol-card { border: 1px solid var(--line); border-radius: var(--radius); padding: 8px 10px; margin: 8px 0; }
.pol-card .head { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.pol-bar { display: inline-block; width: 70px; height: 7px; background: #eef1f4; border-radius: 4px; overflow: hidden; vertical-align: middle; }
.pol-bar > b { display: block; height: 100%; background: #1b5fae; }
.pol-ev { margin: 6px 0 0; padding-left: 18px; font-size: 13px; line-height: 1.6; }
.pol-ev li { margin-bottom: 3px; }
.pol-detail mark, .mon-pol mark { background: #ffe08a; padding: 0 1px; border-radius: 2px; }
.pol-text { font-size: 13px; line-height: 1.8; white-space: pre-wrap; }
.pol-gap-list { font-size: 12px; color: var(--muted); }
.hscroll.pol-wrap table.data td { white-space: normal; }
.hscroll.pol-wrap table.data th { white-space: nowrap; }
#pol-list td:first-child { white-space: nowrap; }
#pol-list td:nth-child(2) { min-width: 280px; }
#pol-list td:nth-child(3) { min-width: 200px; }
.pol-sel-chip { display: inline-flex; gap: 4px; align-items: center; }
@media print { .side.right.pol-detail { width: auto; border: none; } }
`;

/** The page's own state, kept while the page is left and re-entered (and across a language switch). */
const view = { level: "city", since: null, until: null, conf: 0.5, q: "", place: "", policy: null };
let seq = 0;
let listSeq = 0;

export function dispose(root) {
  disposeAll(root);
}

const zh = () => getLang() === "zh";
const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const SEP = () => (zh() ? "、" : ", ");
const tOr = (key, fallback) => (t(key) === key ? fallback : t(key));
export const measureName = (m) => tOr("pol.m." + m, m);
const measureChip = (m) => `<span class="pol-m" data-measure="${esc(m)}" style="background:${MEASURE_COLORS[m] || "#5f6b7a"}">${esc(measureName(m))}</span>`;
const conf2 = (v) => (isNum(v) ? v.toFixed(2) : "–");

/** `text` as HTML with every occurrence of `terms` marked (Latin letters in any case; longer terms first). */
export function marked(text, terms) {
  const s = String(text ?? "");
  const list = [...new Set((terms || []).filter(Boolean).map(String))].sort((a, b) => b.length - a.length);
  if (!list.length) return esc(s);
  const re = new RegExp(list.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gi");
  let out = "";
  let last = 0;
  for (const m of s.matchAll(re)) {
    out += esc(s.slice(last, m.index)) + `<mark>${esc(m[0])}</mark>`;
    last = m.index + m[0].length;
  }
  return out + esc(s.slice(last));
}

export async function render(root, ctx) {
  const { state } = ctx;
  if (!document.getElementById("pol-style")) {
    const st = document.createElement("style");
    st.id = "pol-style";
    st.textContent = STYLE;
    document.head.append(st);
  }
  const chains = (await get("/api/chains")).data;
  const chainName = (id) => nm(chains.find((c) => c.id === id)) || id;
  const segName = (c, s) => {
    if (s === "*") return t("pol.whole");
    const seg = (chains.find((x) => x.id === c)?.segments || []).find((x) => x.segment === s);
    return seg ? nm(seg) : s;
  };
  const label = (c, s, withChain) => (s === "*" ? chainName(c) : withChain ? `${chainName(c)} · ${segName(c, s)}` : segName(c, s));
  const labelOf = (lab) => { const [c, s] = String(lab).split(":"); return label(c, s || "*", true); };
  if (!chains.some((c) => c.id === state.chain)) state.chain = "*";
  if (state.chain === "*") state.segment = "*";

  root.innerHTML = "";
  root.append(h(`<aside class="side pol-filters" id="pol-filters">
      <h2>${esc(t("nav.policies"))} <span class="chip on" id="pol-synth" hidden>${esc(t("pol.synthetic"))}</span></h2>
      <div class="field"><label for="pol-chain">${esc(t("pol.f.chain"))}</label><select id="pol-chain"></select></div>
      <div class="field"><label for="pol-seg">${esc(t("pol.f.segment"))}</label><select id="pol-seg"></select></div>
      <div class="field"><label>${esc(t("pol.f.level"))}</label><div class="seg" id="pol-level"></div></div>
      <div class="field"><label for="pol-since">${esc(t("pol.f.since"))}</label><select id="pol-since"></select></div>
      <div class="field"><label for="pol-until">${esc(t("pol.f.until"))}</label><select id="pol-until"></select></div>
      <div class="field"><label for="pol-conf">${esc(t("pol.f.conf"))}</label><select id="pol-conf"></select></div>
      <p class="hint">${esc(t("pol.f.hint"))}</p>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll" id="pol-main">
      <div class="panel" id="pol-matrix-panel"><h2>${esc(t("pol.matrix"))} <span class="muted" id="pol-matrix-sub"></span></h2>
        <p class="hint">${esc(t("pol.matrix.h"))}</p><div class="chart pol-matrix" id="pol-matrix-wrap"><div class="chart-box" id="pol-matrix"></div></div></div>
      <div class="panel" id="pol-map-panel"><h2>${esc(t("pol.map"))} <span class="muted" id="pol-map-sub"></span></h2>
        <p class="hint">${esc(t("pol.map.h"))}</p><div class="chart pol-map"><div class="chart-box" id="pol-map"></div></div><div class="pol-legend" id="pol-legend"></div></div>
      <div class="panel" id="pol-ov-panel"><h2>${esc(t("pol.overlaps"))} <span class="muted" id="pol-ov-count"></span></h2>
        <p class="hint">${esc(t("pol.overlaps.h"))}</p><div id="pol-ov" class="hscroll pol-wrap"></div></div>
      <div class="panel" id="pol-gaps-panel"><h2>${esc(t("pol.gaps"))} <span class="muted" id="pol-gaps-count"></span></h2>
        <p class="hint">${esc(t("pol.gaps.h"))}</p><div id="pol-gaps" class="hscroll pol-wrap"></div></div>
      <div class="panel" id="pol-list-panel"><h2>${esc(t("pol.list"))} <span class="muted" id="pol-list-count"></span></h2>
        <div class="pol-ctl"><input type="search" id="pol-q" placeholder="${esc(t("pol.search"))}" aria-label="${esc(t("pol.search"))}">
          <span id="pol-place-chip"></span></div>
        <div id="pol-list" class="hscroll pol-wrap"></div></div>
    </div></section>`));
  const side = h(`<aside class="side right profile pol-detail" id="pol-detail" hidden></aside>`);
  root.append(side);

  // ---------------------------------------------------------------------------------------------- filters
  const chainSel = root.querySelector("#pol-chain");
  const segSel = root.querySelector("#pol-seg");
  options(chainSel, [{ value: "*", label: t("all.chains") }, ...chains.map((c) => ({ value: c.id, label: nm(c) }))], state.chain);
  const fillSegments = () => {
    const ch = chains.find((c) => c.id === state.chain);
    segSel.disabled = !ch;
    options(segSel, [{ value: "*", label: t("all.segments") }, ...(ch ? ch.segments.map((s) => ({ value: s.segment, label: nm(s) })) : [])], state.segment);
  };
  fillSegments();
  const levelEl = root.querySelector("#pol-level");
  const drawLevel = () => {
    levelEl.innerHTML = ["city", "province"].map((l) => `<button type="button" data-level="${l}" class="${view.level === l ? "on" : ""}">${esc(t("pol.level." + l))}</button>`).join("");
  };
  drawLevel();
  options(root.querySelector("#pol-conf"), [0.5, 0.6, 0.7, 0.8, 0.9].map((v) => ({ value: v, label: v.toFixed(1) })), view.conf);
  root.querySelector("#pol-q").value = view.q;

  let cov = null;
  let ov = null;
  let gp = null;
  let synthetic = false;
  const first = await get("/api/policies/coverage", { level: view.level, chain: state.chain, min_confidence: view.conf });
  const years = first.available || [];
  if (!years.includes(view.since)) view.since = years[0] ?? null;
  if (!years.includes(view.until)) view.until = years[years.length - 1] ?? null;
  const fillYears = () => {
    options(root.querySelector("#pol-since"), years.map((y) => ({ value: y, label: String(y) })), view.since);
    options(root.querySelector("#pol-until"), [...years].reverse().map((y) => ({ value: y, label: String(y) })), view.until);
  };
  fillYears();

  chainSel.addEventListener("change", () => { state.chain = chainSel.value; state.segment = "*"; view.place = ""; fillSegments(); ctx.syncUrl(); refresh(); });
  segSel.addEventListener("change", () => { state.segment = segSel.value; ctx.syncUrl(); refresh(false); });
  levelEl.addEventListener("click", (e) => {
    const b = e.target.closest("[data-level]");
    if (!b || b.dataset.level === view.level) return;
    view.level = b.dataset.level;
    view.place = "";
    drawLevel();
    refresh();
  });
  root.querySelector("#pol-since").addEventListener("change", (e) => { view.since = Number(e.target.value); if (view.until < view.since) { view.until = view.since; fillYears(); } refresh(); });
  root.querySelector("#pol-until").addEventListener("change", (e) => { view.until = Number(e.target.value); if (view.since > view.until) { view.since = view.until; fillYears(); } refresh(); });
  root.querySelector("#pol-conf").addEventListener("change", (e) => { view.conf = Number(e.target.value); refresh(); });
  let typing = null;
  root.querySelector("#pol-q").addEventListener("input", (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => { view.q = e.target.value.trim(); drawList(); }, 250);
  });

  // the years go in the URL only when narrower than every year (the API's default): the first answers are the ones the
  // server warms in advance
  const since = () => (view.since !== years[0] ? view.since : null);
  const until = () => (view.until !== years[years.length - 1] ? view.until : null);
  const params = () => ({ level: view.level, chain: state.chain, since: since(), until: until(), min_confidence: view.conf });
  const seg = () => (state.chain !== "*" && state.segment && state.segment !== "*" ? state.segment : null);

  // ---------------------------------------------------------------------------------------------- charts
  const matrix = chartOn(root.querySelector("#pol-matrix"));
  const map = chartOn(root.querySelector("#pol-map"));
  window.__atlasCharts = { ...(window.__atlasCharts || {}), policyMatrix: matrix, policyMap: map };
  root.querySelector("#pol-matrix-panel").append(chartTools(echarts, matrix, () => stem("policy-coverage", state.chain, view.level, view.since, view.until), () => {
    const header = [t("pol.c.segment"), ...cov.places.map((p) => placeLabel(p))];
    const cell = new Map(cov.matrix.map((m) => [`${m.chain}|${m.segment}|${m.place}`, m.policies]));
    return { header, rows: cov.segments.map((s) => [label(s.chain, s.segment, state.chain === "*"), ...cov.places.map((p) => cell.get(`${s.chain}|${s.segment}|${p.place}`) || 0)]) };
  }));
  root.querySelector("#pol-map-panel").append(chartTools(echarts, map, () => stem("policy-map", state.chain, state.segment, view.level, view.since, view.until)));
  matrix.on("click", (p) => {
    const d = p && p.data;
    if (!d || d.place === undefined) return;
    if (state.chain === "*" || d.chain !== state.chain) { state.chain = d.chain; chainSel.value = d.chain; }
    state.segment = d.segment;
    fillSegments();
    view.place = d.place;
    ctx.syncUrl();
    refresh();
  });
  map.on("click", (p) => {
    if (p.seriesType === "lines") return;
    const pl = cov && cov.places.find((x) => x.unit === p.name);
    if (!pl) return;
    view.place = view.place === pl.place ? "" : pl.place;
    drawPlaceChip();
    drawList();
    drawGaps();
  });

  function placeLabel(p) {
    return (zh() ? p.name_zh : p.name_en) || p.name_zh || p.place;
  }
  const placeOf = (code) => cov?.places.find((p) => p.place === code);
  const placeText = (code) => { const p = placeOf(code); return p ? placeLabel(p) : code; };

  /** Read the answers again (everything; or, `full` false, the overlaps of the segment chosen) and draw. */
  async function refresh(full = true) {
    const my = ++seq;
    root.dataset.state = "loading";
    try {
      if (full) {
        const [c, o, g] = await Promise.all([
          get("/api/policies/coverage", params()),
          get("/api/policies/overlaps", { ...params(), segment: seg() }),
          get("/api/policies/gaps", params()),
          registerScale(view.level),
        ]);
        if (my !== seq) return;
        [cov, ov, gp] = [c, o, g];
        synthetic = Boolean(c.synthetic);
        root.querySelector("#pol-synth").hidden = !synthetic;
      } else {
        const o = await get("/api/policies/overlaps", { ...params(), segment: seg() });
        if (my !== seq) return;
        ov = o;
      }
      drawMatrix();
      drawMap();
      drawOverlaps();
      drawGaps();
      drawPlaceChip();
      await drawList();
      ctx.showError(null);
    } catch (e) {
      if (my !== seq) return;
      ctx.showError(e);
    }
    if (my === seq) root.dataset.state = "ready";
  }

  function drawMatrix() {
    const box = root.querySelector("#pol-matrix");
    const wrap = root.querySelector("#pol-matrix-wrap");
    const all = state.chain === "*";
    const rows = cov.segments;
    const cols = cov.places;
    const cell = new Map(cov.matrix.map((m) => [`${m.chain}|${m.segment}|${m.place}`, m.policies]));
    const data = [];
    let total = 0;
    let max = 0;
    rows.forEach((s, i) => cols.forEach((p, j) => {
      const v = cell.get(`${s.chain}|${s.segment}|${p.place}`) || 0;
      total += v;
      max = Math.max(max, v);
      const on = s.chain === state.chain && s.segment === state.segment && p.place === view.place;
      data.push({ value: [j, i, v], chain: s.chain, segment: s.segment, place: p.place,
        itemStyle: { ...(v ? {} : { color: EMPTY }), ...(on ? { borderColor: "#12355b", borderWidth: 2 } : {}) } });
    }));
    const tilt = cols.length > 12; // many places: their names turned, the axis given room
    const height = rows.length * 22 + (tilt ? 84 : 48);
    wrap.style.height = `${height}px`;
    matrix.resize({ height });
    const sel = seg();
    matrix.setOption({
      animation: false,
      tooltip: { confine: true, formatter: (p) => {
        const d = p.data;
        const pl = placeOf(d.place);
        return `<b>${esc(pl ? placeLabel(pl) : d.place)}</b><br>${esc(label(d.chain, d.segment, true))}<br>${esc(tf("pol.n", { n: d.value[2] }))}`;
      } },
      grid: { left: all ? 190 : 130, right: 16, top: 8, bottom: tilt ? 72 : 36 },
      xAxis: { type: "category", data: cols.map((p) => placeLabel(p)), axisLabel: { rotate: tilt ? 60 : 0, fontSize: 10, interval: 0 }, splitArea: { show: false } },
      yAxis: { type: "category", inverse: true, data: rows.map((s) => label(s.chain, s.segment, all)),
        axisLabel: { fontSize: 10, interval: 0, formatter: (v, i) => (rows[i] && rows[i].chain === state.chain && rows[i].segment === sel ? `{b|${v}}` : v),
          rich: { b: { fontWeight: "bold", color: "#12355b", fontSize: 10 } } } },
      visualMap: { show: false, min: 1, max: Math.max(1, max), inRange: { color: RAMP.slice(1) }, outOfRange: { color: EMPTY } },
      series: [{ type: "heatmap", data, label: { show: cols.length <= 50, fontSize: 9, formatter: (p) => (p.value[2] ? String(p.value[2]) : "") },
        itemStyle: { borderColor: "#fff", borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: "#12355b", borderWidth: 2 } } }],
    }, { notMerge: true });
    box.dataset.rows = String(rows.length);
    box.dataset.cols = String(cols.length);
    box.dataset.total = String(total);
    box.dataset.gaps = String(data.filter((d) => !d.value[2] && d.segment !== "*").length);
    // a policy has one place: the places' distinct counts add up to the distinct policies of the matrix
    const n = cols.reduce((a, p) => a + p.policies, 0);
    box.dataset.policies = String(n);
    root.querySelector("#pol-matrix-sub").textContent = `${cov.years.length ? `${cov.years[0]}–${cov.years[1]} · ` : ""}${tf("pol.n", { n })}`;
  }

  /** Policies per map unit: on the segment chosen, else every policy of the chain filter. */
  function mapValues() {
    const out = new Map();
    const sel = seg();
    for (const p of cov.places) {
      let v;
      if (sel) v = cov.matrix.filter((m) => m.place === p.place && m.chain === state.chain && m.segment === sel).reduce((a, m) => a + m.policies, 0);
      else v = p.policies;
      out.set(p.unit, (out.get(p.unit) || 0) + v);
    }
    return out;
  }

  function drawMap() {
    const values = mapValues();
    const max = Math.max(1, ...values.values());
    const mapName = `yrd-${view.level}`;
    // one line per pair of places: its segments, policy pairs and measures added up
    const byPair = new Map();
    for (const r of ov.summary || []) {
      if (!(isNum(r.lon_a) && isNum(r.lat_a) && isNum(r.lon_b) && isNum(r.lat_b))) continue;
      const k = `${r.place_a}-${r.place_b}`;
      if (!byPair.has(k)) byPair.set(k, { ...r, rows: [], pairs: 0, measures: [] });
      const x = byPair.get(k);
      x.rows.push(r);
      x.pairs += r.pairs;
      x.first_year = Math.min(x.first_year, r.first_year);
      x.last_year = Math.max(x.last_year, r.last_year);
      x.measures = MEASURES.filter((m) => x.measures.includes(m) || (r.measures || []).includes(m));
    }
    const placed = [...byPair.values()];
    const pmax = Math.max(1, ...placed.map((r) => r.pairs));
    const lines = placed.map((r) => ({
      coords: [[r.lon_a, r.lat_a], [r.lon_b, r.lat_b]], row: r,
      lineStyle: { color: LINE, width: 1.5 + 5 * Math.sqrt(r.pairs / pmax), opacity: 0.85, curveness: 0.12 },
    }));
    const tipLine = (r) => `<b>${esc(placeText(r.place_a))} ↔ ${esc(placeText(r.place_b))}</b> <span class="muted">${esc(tOr("pol.rel." + r.relation, r.relation))}</span><br>
      ${r.rows.map((x) => `${esc(label(x.chain, x.segment, true))} · ${esc(t("pol.c.pairs"))} ${x.pairs}`).join("<br>")}<br>
      ${r.first_year}–${r.last_year} ${(r.measures || []).map(measureChip).join("")}`;
    const nameOf = (u) => { const p = cov.places.find((x) => x.unit === u); return p ? placeLabel(p) : u; };
    map.setOption({
      tooltip: { trigger: "item", confine: true, formatter: (p) => {
        if (p.seriesType === "lines") return tipLine(p.data.row);
        return `<b>${esc(nameOf(p.name))}</b><br>${esc(t("pol.lg.count"))}: ${values.get(p.name) ?? 0}`;
      } },
      geo: {
        map: mapName, roam: true, layoutCenter: ["50%", "51%"], layoutSize: "98%", label: { show: false },
        itemStyle: { borderColor: "#a7b3c0", borderWidth: 0.6, areaColor: "#f6f7f9" },
        emphasis: { itemStyle: { areaColor: "#ffd27f" }, label: { show: true, formatter: (p) => nameOf(p.name) } },
        regions: view.place ? [{ name: placeOf(view.place)?.unit || view.place, itemStyle: { borderColor: "#12355b", borderWidth: 2.5 } }] : [],
      },
      visualMap: { type: "continuous", seriesIndex: 0, min: 0, max, calculable: false, orient: "horizontal", left: 10, bottom: 8, itemHeight: 140,
        text: [String(max), "0"], inRange: { color: RAMP } },
      series: [
        { type: "map", geoIndex: 0, name: "policies", data: [...values.entries()].map(([u, v]) => ({ name: u, value: v })) },
        { type: "lines", coordinateSystem: "geo", zlevel: 1, symbol: "none", emphasis: { focus: "self", lineStyle: { width: 7, opacity: 1 } }, data: lines },
      ],
    }, { replaceMerge: ["series", "geo", "visualMap"] });
    const el = root.querySelector("#pol-map");
    el.dataset.values = [...values.entries()].filter(([, v]) => v).map(([u, v]) => `${u}:${v}`).sort().join(",");
    el.dataset.lines = placed.map((r) => `${r.place_a}-${r.place_b}:${r.pairs}`).sort().join(",");
    el.dataset.segment = seg() || "*";
    root.querySelector("#pol-map-sub").textContent = seg() ? label(state.chain, seg(), true) : state.chain === "*" ? t("all.chains") : chainName(state.chain);
    root.querySelector("#pol-legend").innerHTML = `<span><i style="background:${RAMP[5]}"></i>${esc(t("pol.lg.count"))}</span>
      <span><i class="line"></i>${esc(t("pol.lg.line"))} <span class="muted">${placed.length}</span></span>
      ${MEASURES.map((m) => `<span>${measureChip(m)}</span>`).join("")}`;
  }

  function drawOverlaps() {
    const el = root.querySelector("#pol-ov");
    const rows = ov.summary || [];
    root.querySelector("#pol-ov-count").textContent = `${rows.length} · ${tf("pol.n", { n: ov.pairs_total })}`;
    el.dataset.n = String(rows.length);
    if (!rows.length) { el.innerHTML = `<p class="muted">${esc(t("pol.ov.none"))}</p>`; return; }
    el.innerHTML = table(rows, [
      { key: "place_a", label: t("pol.c.pair"), fmt: (v, r) => `${esc(placeText(r.place_a))} ↔ ${esc(placeText(r.place_b))} <span class="muted small">${esc(tOr("pol.rel." + r.relation, r.relation))}</span>`, csv: (v, r) => `${placeText(r.place_a)} - ${placeText(r.place_b)}` },
      { key: "segment", label: t("pol.c.segment"), fmt: (v, r) => esc(label(r.chain, r.segment, true)), csv: (v, r) => label(r.chain, r.segment, true) },
      { key: "pairs", label: t("pol.c.pairs"), num: true, fmt: (v) => `<span data-v="${v}">${v}</span>` },
      { key: "first_year", label: t("pol.c.years"), fmt: (v, r) => `${v}–${r.last_year}` },
      { key: "measures", label: t("pol.c.measures"), fmt: (v) => (v || []).map(measureChip).join(""), csv: (v) => (v || []).map(measureName).join(";") },
    ], { name: stem("policy-overlaps", state.chain, seg(), view.level, view.since, view.until) });
    el.querySelectorAll("tbody tr").forEach((tr, i) => { tr.dataset.pair = `${rows[i].place_a}-${rows[i].place_b}`; tr.dataset.segment = `${rows[i].chain}:${rows[i].segment}`; });
  }

  function drawGaps() {
    const el = root.querySelector("#pol-gaps");
    const sel = seg();
    let gaps = gp.gaps || [];
    if (sel) gaps = gaps.filter((g) => g.chain === state.chain && g.segment === sel);
    if (view.place) gaps = gaps.filter((g) => g.place === view.place);
    root.querySelector("#pol-gaps-count").textContent = String(gaps.length);
    el.dataset.n = String(gaps.length);
    if (!gaps.length) { el.innerHTML = `<p class="muted">${esc(t("pol.gaps.none"))}</p>`; return; }
    const byPlace = new Map();
    for (const g of gaps) {
      if (!byPlace.has(g.place)) byPlace.set(g.place, []);
      byPlace.get(g.place).push(g);
    }
    const share = new Map((gp.by_place || []).map((r) => [r.place, r]));
    const rows = [...byPlace.entries()].map(([place, list]) => ({ place, list, covered: share.get(place)?.covered ?? 0, segments: share.get(place)?.segments ?? 0 }))
      .sort((a, b) => b.list.length - a.list.length || a.place.localeCompare(b.place));
    el.innerHTML = table(rows, [
      { key: "place", label: t("pol.c.place"), fmt: (v) => esc(placeText(v)), csv: (v) => `${placeText(v)} ${v}` },
      { key: "covered", label: t("pol.c.covered"), num: true, fmt: (v, r) => `<span data-v="${v}">${v}/${r.segments}</span>`, csv: (v, r) => `${v}/${r.segments}` },
      { key: "list", label: t("pol.c.missing"), fmt: (v) => `<span class="pol-gap-list">${v.map((g) => `${esc(label(g.chain, g.segment, state.chain === "*"))}${g.higher_policies || g.region_policies ? ` <span class="muted">(${g.higher_policies}/${g.region_policies})</span>` : ""}`).join(SEP())}</span>`,
        csv: (v) => v.map((g) => `${g.chain}:${g.segment}`).join(";") },
    ], { name: stem("policy-gaps", state.chain, seg(), view.level, view.since, view.until) });
    el.querySelectorAll("tbody tr").forEach((tr, i) => { tr.dataset.place = rows[i].place; tr.dataset.n = String(rows[i].list.length); });
  }

  function drawPlaceChip() {
    const el = root.querySelector("#pol-place-chip");
    el.innerHTML = view.place ? `<span class="chip on pol-sel-chip" data-place="${esc(view.place)}">${esc(tf("pol.filter.place", { p: placeText(view.place) }))}
      <button type="button" class="x" aria-label="${esc(t("pol.filter.clear"))}" title="${esc(t("pol.filter.clear"))}">×</button></span>` : "";
    const x = el.querySelector("button");
    if (x) x.addEventListener("click", () => { view.place = ""; drawPlaceChip(); drawMap(); drawGaps(); drawList(); });
  }

  /** The list's filters: the chain and segment chosen, the place (a province column at city level: its provincial
   * policies alone, as the matrix counts them), the years, the words. */
  function listParams() {
    const p = { q: view.q || null, chain: state.chain, segment: seg(), since: since(), until: until(), min_confidence: view.conf, limit: 200 };
    if (view.place) {
      p.place = view.place;
      if (view.level === "city" && /0000$/.test(view.place) && view.place !== "310000") p.policy_level = "provincial";
    }
    return p;
  }

  async function drawList() {
    const my = ++listSeq;
    const el = root.querySelector("#pol-list");
    const res = await get("/api/policies", listParams());
    if (my !== listSeq) return;
    const rows = res.data || [];
    root.querySelector("#pol-list-count").textContent = res.total > rows.length ? `${tf("pol.n", { n: res.total })} · ${tf("pol.first", { n: rows.length })}` : tf("pol.n", { n: res.total });
    el.dataset.total = String(res.total);
    if (!rows.length) { el.innerHTML = `<p class="muted">${esc(t("pol.list.none"))}</p>`; return; }
    el.innerHTML = table(rows, [
      { key: "date", label: t("pol.c.date"), fmt: (v) => `<span class="nowrap">${esc(v || "–")}</span>` },
      { key: "title", label: t("pol.c.title"), fmt: (v, r) => `<a href="#" class="pol-open" data-policy="${esc(r.policy_id)}">${marked(v, view.q ? view.q.split(/\s+/) : [])}</a><div class="muted small">${esc(r.policy_id)} · ${esc(r.issuer || "")} · ${esc(r.place_name || r.adcode || "")} · ${esc(tOr("pol.lv." + r.level, r.level || ""))}</div>`,
        csv: (v, r) => `${v} (${r.policy_id})` },
      { key: "labels", label: t("pol.c.tags"), fmt: (v) => (v || []).slice(0, 4).map((l) => `<span class="pol-tag" data-label="${esc(l)}">${esc(labelOf(l))}</span>`).join("") + ((v || []).length > 4 ? " …" : ""), csv: (v) => (v || []).join(";") },
      { key: "confidence", label: t("pol.c.conf"), num: true, fmt: (v) => `<span data-v="${v ?? ""}">${conf2(v)}</span>` },
      { key: "measures", label: t("pol.d.measures"), fmt: (v) => (v || []).map(measureChip).join(""), csv: (v) => (v || []).join(";") },
    ], { name: stem("policies", state.chain, seg(), view.place, view.since, view.until), rowClass: (r) => `pol-row ${r.policy_id === view.policy ? "sel" : ""}` });
    el.querySelectorAll("tbody tr").forEach((tr, i) => { tr.dataset.policy = rows[i].policy_id; });
  }

  root.querySelector("#pol-list").addEventListener("click", (e) => {
    const a = e.target.closest("[data-policy]");
    if (!a) return;
    e.preventDefault();
    open(a.dataset.policy);
  });

  // ---------------------------------------------------------------------------------------------- one policy
  async function open(id) {
    view.policy = id;
    root.querySelectorAll("tr.pol-row").forEach((tr) => tr.classList.toggle("sel", tr.dataset.policy === id));
    side.hidden = false;
    side.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`;
    try {
      const d = await get(`/api/policies/${encodeURIComponent(id)}`, { min_confidence: view.conf });
      if (view.policy !== id) return;
      drawDetail(d);
    } catch (e) {
      side.innerHTML = `<button class="closer" type="button" aria-label="close">×</button><p class="error-text" role="alert">${esc(e.message || e)}</p>`;
      side.querySelector(".closer").addEventListener("click", close);
    }
  }

  function close() {
    side.hidden = true;
    side.innerHTML = "";
    view.policy = null;
    root.querySelectorAll("tr.pol-row.sel").forEach((tr) => tr.classList.remove("sel"));
  }

  function drawDetail(d) {
    const allTerms = (d.tags || []).flatMap((x) => x.terms || []);
    const card = (x) => `<div class="pol-card" data-label="${esc(x.label)}" data-source="${esc(x.source)}" data-confidence="${x.confidence}">
        <div class="head"><b>${esc(labelOf(x.label))}</b>
          <span class="pol-bar" title="${esc(t("pol.c.conf"))} ${conf2(x.confidence)}"><b style="width:${Math.round(100 * x.confidence)}%"></b></span>
          <span class="pol-conf">${conf2(x.confidence)}</span>
          <span class="chip ${x.source === "text" ? "" : "on"}">${esc(tOr("pol.src." + x.source, x.source))}</span>
          ${x.in_title ? `<span class="chip">${esc(t("pol.d.title"))}</span>` : ""}</div>
        ${x.source !== "declared" ? `<div class="small muted">${esc(t("pol.d.kw"))} ${conf2(x.keyword_score)} · ${esc(t("pol.d.sim"))} ${conf2(x.similarity)}${isNum(x.text_confidence) && x.source === "both" ? ` · ${esc(t("pol.src.text"))} ${conf2(x.text_confidence)}` : ""}</div>` : ""}
        ${(x.terms || []).length ? `<div class="small">${esc(t("pol.d.terms"))}: ${(x.terms || []).map((w) => `<mark>${esc(w)}</mark>`).join(" ")}</div>` : ""}
        ${(x.sentences || []).length ? `<ol class="pol-ev" aria-label="${esc(t("pol.d.evidence"))}">${x.sentences.map((s) => `<li>${marked(s, x.terms)}</li>`).join("")}</ol>` : ""}
      </div>`;
    side.innerHTML = `<button class="closer" type="button" aria-label="close">×</button>
      <h2 id="pol-d-title">${esc(d.title)}</h2>
      <div class="sub">${esc(d.policy_id)} · ${esc(d.issuer || "")} · ${esc(d.place_name || d.adcode || "")} · ${esc(tOr("pol.lv." + d.level, d.level || ""))} · ${esc(d.date || "")}</div>
      ${(d.declared || []).length ? `<div class="small">${esc(t("pol.d.declared"))}: ${d.declared.map((l) => `<span class="pol-tag weak">${esc(labelOf(l))}</span>`).join("")}</div>` : ""}
      <div class="panel"><h3>${esc(t("pol.d.tags"))}</h3><div id="pol-d-tags">${(d.tags || []).length ? d.tags.map(card).join("") : `<p class="muted">${esc(t("pol.d.none"))}</p>`}</div></div>
      <div class="panel"><h3>${esc(t("pol.d.measures"))}</h3><div id="pol-d-measures">${(d.measures || []).map((m) => `<div>${measureChip(m.category)} <span class="small">${(m.terms || []).map((w) => esc(w)).join(SEP())}</span></div>`).join("") || "–"}</div></div>
      <div class="panel"><details open><summary><b>${esc(t("pol.d.text"))}</b></summary><div class="pol-text" id="pol-d-text">${marked(d.text, allTerms)}</div></details></div>`;
    side.querySelector(".closer").addEventListener("click", close);
    side.dataset.policy = d.policy_id;
    side.dataset.tags = (d.tags || []).map((x) => x.label).join(",");
    side.scrollTop = 0;
  }

  await refresh();
  if (view.policy) open(view.policy);
}
