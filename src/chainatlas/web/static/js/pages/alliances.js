// 联盟与揭榜 (issue 16 items 3–5): industry alliances and open calls for key technologies (揭榜挂帅).
// Tab 联盟: the alliances of a chain by level (GET /api/alliances) as bars of their members, the members shared with
// another alliance marked, with the table; the fragmentation index per chain and its three parts
// (GET /api/alliances/fragmentation); the alliance clusters (GET /api/alliances/clusters) as a graph of alliances
// linked by shared members; where the members are on the map.
// Tab 揭榜挂帅: the calls (GET /api/opencalls) with their progress bars and status, a call's bids, tasks and outcomes
// (GET /api/opencalls/{id}); success rates by segment and by posting place (GET /api/opencalls/rates); the winning
// teams' cities as arcs to the posting place on the map. A reader with a jurisdiction sees the alliances with a
// member inside it and the calls posted or bid for inside it.
import { get } from "../api.js";
import { COMMUNITY, chartOn, disposeAll, echarts, registerScale } from "../charts.js";
import { addStrings, esc, getLang, nm, placeName, t, tf } from "../i18n.js";
import { chartTools, h, options, stem, table } from "../widgets.js";

addStrings({
  "al.tab.alliances": ["联盟", "Alliances"],
  "al.tab.calls": ["揭榜挂帅", "Open calls"],
  "al.synthetic": ["合成数据", "synthetic"],
  "al.f.chain": ["产业链", "Chain"],
  "al.f.level": ["联盟层级", "Level"],
  "al.f.method": ["集群划分", "Clusters by"],
  "al.f.status": ["榜单状态", "Status"],
  "al.f.rlevel": ["成功率按", "Rates by"],
  "al.f.hint": ["联盟：同一产业链在区域、G60 走廊、省、市各层级的产业联盟；成员为企业、高校与院所。揭榜挂帅：按“项目分解—团队包干—成果转化”组织的关键技术攻关榜单。",
    "Alliances: a chain's industry alliances at the levels of the region, the G60 corridor, a province and a city; members are firms, universities and institutes. Open calls: key-technology calls run as “decompose the project — a team takes it on — commercialise”."],
  "al.all": ["全部", "All"],
  "al.all.chains": ["全部产业链", "All chains"],
  "al.level.region": ["区域", "Region"],
  "al.level.corridor": ["走廊", "Corridor"],
  "al.level.province": ["省级", "Province"],
  "al.level.city": ["市级", "City"],
  "al.level.none": ["层级未注明", "Level not stated"],
  "al.method.components": ["连通分量", "Components"],
  "al.method.communities": ["模块度社区", "Communities"],
  "al.bars": ["各层级联盟及其成员", "Alliances by level and their members"],
  "al.bars.h": ["深色为同时参加本链其他联盟的成员：共有成员越少，联盟之间越缺乏联通。", "Dark: members also in another alliance of the chain — the fewer, the less the alliances connect."],
  "al.s.own": ["仅本联盟成员", "Members of this alliance only"],
  "al.s.shared": ["与其他联盟共有", "Shared with another alliance"],
  "al.n": ["{n} 个联盟", "{n} alliances"],
  "al.c.name": ["联盟", "Alliance"],
  "al.c.level": ["层级", "Level"],
  "al.c.chain": ["产业链", "Chain"],
  "al.c.members": ["成员", "Members"],
  "al.c.shared": ["共有成员", "Shared"],
  "al.c.provinces": ["覆盖省份", "Provinces"],
  "al.c.cities": ["覆盖城市", "Cities"],
  "al.c.cluster": ["所属集群", "Cluster"],
  "al.c.since": ["最早入盟", "First joined"],
  "al.frag": ["碎片化指数", "Fragmentation index"],
  "al.frag.h": ["F = (1 − 1/N) × (1 − S) × 1/P̄：N 联盟数，S 参加两个及以上联盟的成员占比，P̄ 联盟成员平均覆盖的省份数。0 表示只有一个联盟或成员全部共有；越接近 1，联盟越多、越互不相连、越局限于一省。",
    "F = (1 − 1/N) × (1 − S) × 1/P̄: N alliances, S the share of members in two or more, P̄ the mean provinces an alliance's members are in. 0: one alliance, or every member shared; towards 1: many alliances, unconnected, each inside one province."],
  "al.frag.count": ["数量项 1 − 1/N", "Count part 1 − 1/N"],
  "al.frag.sharing": ["共享项 1 − S", "Sharing part 1 − S"],
  "al.frag.reach": ["覆盖项 1/P̄", "Reach part 1/P̄"],
  "al.frag.index": ["碎片化指数 F", "Index F"],
  "al.c.alliances": ["联盟数", "Alliances"],
  "al.c.sharedshare": ["共有成员占比", "Shared share"],
  "al.c.meanprov": ["平均覆盖省份", "Mean provinces"],
  "al.c.levels": ["层级", "Levels"],
  "al.clusters": ["联盟集群", "Alliance clusters"],
  "al.clusters.h": ["每个节点是一个联盟（大小为成员数；圆形区域、菱形走廊、方形省级、三角市级），连线表示有共同成员（粗细为共有人数）；同色为同一集群。孤立的节点即与本链其他联盟没有共同成员。",
    "Each node is an alliance (size: members; circle region, diamond corridor, square province, triangle city); a link means shared members (width: how many); one colour per cluster. An isolated node shares no member with the chain's other alliances."],
  "al.nclusters": ["{n} 个集群，{l} 条联系", "{n} clusters, {l} links"],
  "al.c.names": ["联盟", "Alliances"],
  "al.map": ["联盟成员分布", "Where the members are"],
  "al.map.h": ["圆的大小为该市的联盟成员数。", "Circle size: members of the chain's alliances in the city."],
  "al.none": ["没有联盟数据（或不在您的辖区内）。", "No alliances (or none in your jurisdiction)."],
  "oc.map": ["揭榜团队与发榜地", "Winning teams and posting places"],
  "oc.map.h": ["弧线从揭榜团队成员所在城市指向发榜地，颜色为榜单状态；★ 为发榜地。", "Arcs run from the winning team members' cities to the posting place, coloured by the call's status; ★ a posting place."],
  "oc.calls": ["榜单与进度", "Calls and their progress"],
  "oc.calls.h": ["进度条：绿色按期完成，橙色逾期完成，红色逾期未完成，灰色未到期。点击一行查看揭榜方案、任务节点与成果。",
    "Progress bar: green done on time, orange done late, red overdue, grey not yet due. Click a row for its bids, tasks and outcomes."],
  "oc.asof": ["截至 {d}", "as of {d}"],
  "oc.n": ["{n} 个榜单", "{n} calls"],
  "oc.status.succeeded": ["按期完成", "Succeeded"],
  "oc.status.failed": ["逾期", "Failed"],
  "oc.status.open": ["进行中", "Open"],
  "oc.status.no_tasks": ["未分解任务", "No tasks"],
  "oc.c.call": ["榜单", "Call"],
  "oc.c.place": ["发榜地", "Posted by"],
  "oc.c.segment": ["环节", "Segment"],
  "oc.c.budget": ["金额（万元）", "Budget (10k CNY)"],
  "oc.c.posted": ["发榜日期", "Posted"],
  "oc.c.team": ["揭榜团队", "Winning team"],
  "oc.c.progress": ["进度", "Progress"],
  "oc.c.status": ["状态", "Status"],
  "oc.c.outcomes": ["成果", "Outcomes"],
  "oc.team.none": ["未揭榜", "No winner"],
  "oc.team.cross_province": ["跨省", "across provinces"],
  "oc.team.cross_city": ["跨市", "across cities"],
  "oc.team.local": ["同城", "one city"],
  "oc.out": ["专利 {p} · 转化 {t} · 产品 {d}", "patents {p} · transfers {t} · products {d}"],
  "oc.rates": ["成功率", "Success rates"],
  "oc.rates.h": ["成功率 = 按期完成 ÷ 已有结论（按期完成 + 逾期）；进行中与未分解任务的榜单只计数。", "Success rate = succeeded ÷ decided (succeeded + failed); open calls and calls without tasks are counted, not judged."],
  "oc.rates.segment": ["按产业链环节", "By chain segment"],
  "oc.rates.place": ["按发榜地", "By posting place"],
  "oc.rates.overall": ["总体成功率 {r}", "Overall success rate {r}"],
  "oc.rate": ["成功率", "Success rate"],
  "oc.c.calls": ["榜单数", "Calls"],
  "oc.decided": ["已有结论", "Decided"],
  "oc.level.city": ["城市", "City"],
  "oc.level.province": ["省份", "Province"],
  "oc.level.place": ["发榜地区", "Posting place"],
  "oc.d.bids": ["揭榜方案", "Bids"],
  "oc.d.tasks": ["任务节点", "Tasks"],
  "oc.d.outcomes": ["成果", "Outcomes"],
  "oc.d.winner": ["揭榜成功", "Won"],
  "oc.d.lead": ["牵头", "lead"],
  "oc.d.none": ["无", "None"],
  "oc.c.milestone": ["节点", "Milestone"],
  "oc.c.due": ["计划完成", "Due"],
  "oc.c.done": ["实际完成", "Done"],
  "oc.c.state": ["状态", "State"],
  "oc.state.on_time": ["按期完成", "On time"],
  "oc.state.late": ["逾期完成", "Late"],
  "oc.state.overdue": ["逾期未完成", "Overdue"],
  "oc.state.pending": ["未到期", "Not yet due"],
  "oc.late.days": ["逾期 {n} 天", "{n} days late"],
  "oc.c.kind": ["类型", "Kind"],
  "oc.c.ref": ["编号", "Reference"],
  "oc.c.count": ["数量", "Count"],
  "oc.c.date": ["日期", "Date"],
  "oc.kind.patent": ["专利", "Patent"],
  "oc.kind.transfer": ["成果转化", "Transfer"],
  "oc.kind.product": ["产品", "Product"],
  "oc.d.due": ["完成期限 {d}", "due {d}"],
  "oc.none": ["没有榜单（或不在您的辖区内）。", "No calls (or none in your jurisdiction)."],
  "oc.posting": ["发榜地", "Posting place"],
});

const LEVELS = ["region", "corridor", "province", "city"];
const LEVEL_COLORS = { region: "#1b5fae", corridor: "#009E73", province: "#E69F00", city: "#CC79A7", none: "#8a94a3" };
const STATUSES = ["succeeded", "failed", "open", "no_tasks"];
const STATUS_COLORS = { succeeded: "#1a9850", failed: "#d7301f", open: "#1b5fae", no_tasks: "#8a94a3" };
const STATE_COLORS = { on_time: "#1a9850", late: "#f08c00", overdue: "#d7301f", pending: "#c3c9d1" };
const CSS = `
.al-h { font-size: 16px; margin: 0 0 12px; display: flex; align-items: center; gap: 8px; }
.al-synth { font-size: 11px; font-weight: 500; line-height: 16px; padding: 0 7px; border-radius: 8px; color: #7a3e00; background: var(--warn-bg); border: 1px solid #f3c98b; }
.al-synth[hidden] { display: none; }
.al-tabs { margin: 0 0 12px; }
.al-tabs button { font-size: 14px; font-weight: 600; }
.al-level { display: inline-block; font-size: 11px; line-height: 16px; padding: 0 6px; border-radius: 8px; color: #fff; white-space: nowrap; }
.al-status { display: inline-block; font-size: 11px; line-height: 16px; padding: 0 6px; border-radius: 8px; color: #fff; white-space: nowrap; }
.al-bar { display: flex; width: 120px; height: 9px; border-radius: 5px; overflow: hidden; background: #eef1f4; vertical-align: middle; }
.al-bar i { display: block; height: 100%; }
.al-prog { display: inline-flex; align-items: center; gap: 6px; }
.chart.al-tall { height: 460px; flex: none; }
.chart.al-mid { height: 340px; flex: none; }
.al-row2 { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.al-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin-top: 6px; padding-top: 6px; border-top: 1px solid var(--line); }
.al-legend .wl { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.al-legend .wl i { display: inline-block; width: 22px; height: 4px; border-radius: 2px; }
tr.oc-row { cursor: pointer; }
tr.oc-row:hover td { background: #f6f9fc; }
tr.oc-row.sel td { background: var(--accent-soft); }
.oc-calls { max-height: 460px; }
.hscroll td .al-team { white-space: normal; display: inline-block; min-width: 190px; max-width: 260px; line-height: 1.35; }
.al-detail h3 { margin-top: 10px; }
@media (max-width: 1200px) { .al-row2 { grid-template-columns: 1fr; } }
@media print { .al-tabs { display: none; } }
`;

/** The page's own state, kept while the page is left and re-entered (and across a language switch). */
const view = { tab: "alliances", level: "", method: "communities", status: "", rlevel: "city", call: null };
let seq = 0;

export function dispose(root) {
  disposeAll(root);
}

const zh = () => getLang() === "zh";
const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const nf = (v, d = 0) => (isNum(v) ? v.toLocaleString(zh() ? "zh-CN" : "en-US", { minimumFractionDigits: d, maximumFractionDigits: d }) : "–");
const pct = (v, d = 0) => (isNum(v) ? `${nf(100 * v, d)}%` : "–");
const tOr = (key, fallback) => (t(key) === key ? fallback : t(key));
const levelName = (v) => (v ? tOr("al.level." + v, v) : t("al.level.none"));
const levelBadge = (v) => `<span class="al-level" data-level="${esc(v || "")}" style="background:${LEVEL_COLORS[v] || LEVEL_COLORS.none}">${esc(levelName(v))}</span>`;
const statusBadge = (s) => `<span class="al-status" data-status="${esc(s)}" style="background:${STATUS_COLORS[s] || "#8a94a3"}">${esc(tOr("oc.status." + s, s))}</span>`;
/** Provinces by code (the shell registers cities and counties only): a province-level posting place. */
const provinces = new Map();
/** A place in the reader's language: a registered city or county, a province, else the API's Chinese name. */
const place = (code, name) => {
  if (!code) return "–";
  const pr = provinces.get(String(code));
  if (pr) return placeName(code, pr);
  const known = placeName(code);
  return known && known !== String(code) ? known : name || String(code);
};
/** A short alliance name for a chart label: without the chain's name and the common words. */
const shortName = (n, chainName) => String(n || "").replace(chainName || "\u0000", "").replace(/产业创新联合体|产业创新联盟|产业联盟/, "") || n;

function injectStyle() {
  if (document.getElementById("al-style")) return;
  const s = document.createElement("style");
  s.id = "al-style";
  s.textContent = CSS;
  document.head.append(s);
}

export async function render(root, ctx) {
  injectStyle();
  const { state, meta } = ctx;
  const chains = meta.chains || [];
  const chainName = (id) => { const c = chains.find((x) => x.id === id); return c ? nm(c) : id; };
  const [chainList, provList] = await Promise.all([
    get("/api/chains").then((r) => r.data || []).catch(() => []),
    get("/api/places", { scale: "province" }).then((r) => r.data || []).catch(() => []),
    registerScale("city"),
  ]);
  for (const x of provList) provinces.set(String(x.unit), x);
  root.innerHTML = "";
  root.append(h(`<aside class="side al-filters" id="al-filters">
      <h2 class="al-h">${esc(t("nav.alliances"))} <span class="al-synth" id="al-synth" hidden>${esc(t("al.synthetic"))}</span></h2>
      <div class="field"><label for="al-chain">${esc(t("al.f.chain"))}</label><select id="al-chain"></select></div>
      <div class="field al-only-a"><label for="al-level">${esc(t("al.f.level"))}</label><select id="al-level"></select></div>
      <div class="field al-only-a"><label for="al-method">${esc(t("al.f.method"))}</label><select id="al-method"></select></div>
      <div class="field al-only-c"><label for="oc-status">${esc(t("al.f.status"))}</label><select id="oc-status"></select></div>
      <div class="field al-only-c"><label for="oc-rlevel">${esc(t("al.f.rlevel"))}</label><select id="oc-rlevel"></select></div>
      <p class="hint">${esc(t("al.f.hint"))}</p>
    </aside>`));
  root.append(h(`<section class="content"><div class="scroll" id="al-main">
      <div class="tabs al-tabs" id="al-tabs">
        <button type="button" data-tab="alliances">${esc(t("al.tab.alliances"))}</button>
        <button type="button" data-tab="calls">${esc(t("al.tab.calls"))}</button></div>
      <div id="al-pane-alliances">
        <div class="panel" id="al-bars-panel"><h2>${esc(t("al.bars"))} <span class="muted" id="al-count"></span></h2>
          <p class="hint">${esc(t("al.bars.h"))}</p><div class="chart al-tall"><div class="chart-box" id="al-bars"></div></div>
          <div id="al-table" class="hscroll"></div></div>
        <div class="panel" id="al-frag-panel"><h2>${esc(t("al.frag"))}</h2><p class="hint">${esc(t("al.frag.h"))}</p>
          <div class="chart al-mid"><div class="chart-box" id="al-frag"></div></div><div id="al-frag-table" class="hscroll"></div></div>
        <div class="al-row2">
          <div class="panel" id="al-graph-panel"><h2>${esc(t("al.clusters"))} <span class="muted" id="al-ncl"></span></h2>
            <p class="hint">${esc(t("al.clusters.h"))}</p><div class="chart al-tall"><div class="chart-box" id="al-graph"></div></div>
            <div id="al-cl-table" class="hscroll"></div></div>
          <div class="panel" id="al-map-panel"><h2>${esc(t("al.map"))}</h2><p class="hint">${esc(t("al.map.h"))}</p>
            <div class="chart al-tall"><div class="chart-box" id="al-map"></div></div></div>
        </div>
      </div>
      <div id="al-pane-calls" hidden>
        <div class="panel" id="oc-map-panel"><h2>${esc(t("oc.map"))} <span class="muted" id="oc-asof"></span></h2>
          <p class="hint">${esc(t("oc.map.h"))}</p><div class="chart al-tall"><div class="chart-box" id="oc-map"></div></div>
          <div class="al-legend" id="oc-legend"></div></div>
        <div class="panel" id="oc-calls-panel"><h2>${esc(t("oc.calls"))} <span class="muted" id="oc-count"></span></h2>
          <p class="hint">${esc(t("oc.calls.h"))}</p><div id="oc-calls" class="hscroll oc-calls"></div></div>
        <div class="panel al-detail" id="oc-detail" hidden></div>
        <div class="panel" id="oc-rates-panel"><h2>${esc(t("oc.rates"))} <span class="muted" id="oc-overall"></span></h2>
          <p class="hint">${esc(t("oc.rates.h"))}</p>
          <div class="al-row2">
            <div><h3>${esc(t("oc.rates.segment"))}</h3><div class="chart al-mid"><div class="chart-box" id="oc-rate-seg"></div></div></div>
            <div><h3>${esc(t("oc.rates.place"))}</h3><div class="chart al-mid"><div class="chart-box" id="oc-rate-place"></div></div></div>
          </div><div id="oc-rates-table" class="hscroll"></div></div>
      </div>
    </div></section>`));

  // ---------------------------------------------------------------------------------------------- filters
  const chainSel = root.querySelector("#al-chain");
  const chain = () => chainSel.value || "*";
  options(chainSel, [{ value: "*", label: t("al.all.chains") }, ...chains.map((c) => ({ value: c.id, label: nm(c) }))],
    chains.some((c) => c.id === state.chain) ? state.chain : "*");
  options(root.querySelector("#al-level"), [{ value: "", label: t("al.all") }, ...LEVELS.map((l) => ({ value: l, label: levelName(l) }))], view.level);
  options(root.querySelector("#al-method"), ["communities", "components"].map((m) => ({ value: m, label: t("al.method." + m) })), view.method);
  options(root.querySelector("#oc-status"), [{ value: "", label: t("al.all") }, ...STATUSES.map((s) => ({ value: s, label: t("oc.status." + s) }))], view.status);
  options(root.querySelector("#oc-rlevel"), ["city", "province", "place"].map((l) => ({ value: l, label: t("oc.level." + l) })), view.rlevel);
  chainSel.addEventListener("change", () => { state.chain = chain(); state.segment = "*"; ctx.syncUrl(); refresh(); });
  root.querySelector("#al-level").addEventListener("change", (e) => { view.level = e.target.value; refresh(); });
  root.querySelector("#al-method").addEventListener("change", (e) => { view.method = e.target.value; refresh(); });
  root.querySelector("#oc-status").addEventListener("change", (e) => { view.status = e.target.value; refresh(); });
  root.querySelector("#oc-rlevel").addEventListener("change", (e) => { view.rlevel = e.target.value; refresh(); });
  const tabs = root.querySelector("#al-tabs");
  const showTab = (tab) => {
    view.tab = tab;
    tabs.querySelectorAll("button").forEach((b) => b.classList.toggle("on", b.dataset.tab === tab));
    root.querySelector("#al-pane-alliances").hidden = tab !== "alliances";
    root.querySelector("#al-pane-calls").hidden = tab !== "calls";
    root.querySelectorAll(".al-only-a").forEach((el) => { el.hidden = tab !== "alliances"; });
    root.querySelectorAll(".al-only-c").forEach((el) => { el.hidden = tab !== "calls"; });
    root.dataset.tab = tab;
    // charts laid out while hidden have no size: draw them again
    root.querySelectorAll(`#al-pane-${tab} .chart-box`).forEach((el) => echarts.getInstanceByDom(el)?.resize());
  };
  tabs.addEventListener("click", (e) => { const b = e.target.closest("[data-tab]"); if (b) { showTab(b.dataset.tab); refresh(); } });
  const wanted = ctx.params.get("tab");
  showTab(wanted === "calls" || wanted === "alliances" ? wanted : view.tab);

  const charts = {};
  for (const id of ["al-bars", "al-frag", "al-graph", "al-map", "oc-map", "oc-rate-seg", "oc-rate-place"]) {
    charts[id] = chartOn(root.querySelector("#" + id));
  }
  window.__atlasCharts = { ...(window.__atlasCharts || {}), allianceBars: charts["al-bars"], allianceGraph: charts["al-graph"],
    allianceFrag: charts["al-frag"], allianceMap: charts["al-map"], callMap: charts["oc-map"], rateSegment: charts["oc-rate-seg"], ratePlace: charts["oc-rate-place"] };
  let data = { alliances: null, frag: null, clusters: null, calls: null, rates: null };
  const tools = (id, name, csv) => root.querySelector("#" + id).parentElement.append(chartTools(echarts, charts[id], () => stem(name, chain()), csv));
  tools("al-bars", "alliances");
  tools("al-frag", "alliance-fragmentation");
  tools("al-graph", "alliance-clusters");
  tools("al-map", "alliance-members-map");
  tools("oc-map", "open-calls-map");
  tools("oc-rate-seg", "open-call-rates-segment");
  tools("oc-rate-place", "open-call-rates-place");

  async function refresh() {
    const my = ++seq;
    root.dataset.state = "loading";
    try {
      if (view.tab === "alliances") {
        const [a, f, c] = await Promise.all([
          get("/api/alliances", { chain: chain(), level: view.level || null, method: view.method }),
          get("/api/alliances/fragmentation", {}),
          get("/api/alliances/clusters", { chain: chain(), method: view.method }),
        ]);
        if (my !== seq) return;
        data = { ...data, alliances: a, frag: f, clusters: c };
        root.querySelector("#al-synth").hidden = !(a.synthetic || f.synthetic);
        drawBars(a);
        drawFrag(f);
        drawGraph(c, a);
        drawMembersMap(a);
      } else {
        const [c, r] = await Promise.all([
          get("/api/opencalls", { chain: chain(), status: view.status || null }),
          get("/api/opencalls/rates", { chain: chain(), level: view.rlevel }),
        ]);
        if (my !== seq) return;
        data = { ...data, calls: c, rates: r };
        root.querySelector("#al-synth").hidden = !(c.synthetic || r.synthetic);
        drawCallsMap(c);
        drawCalls(c);
        drawRates(r);
        if (view.call && (c.rows || []).some((x) => x.call_id === view.call)) await openCall(view.call);
        else closeCall();
      }
      ctx.showError(null);
    } catch (e) {
      if (my !== seq) return;
      ctx.showError(e);
    }
    if (my === seq) root.dataset.state = "ready";
  }

  // ---------------------------------------------------------------------------------------------- alliances
  function drawBars(a) {
    const rows = a.rows || [];
    root.querySelector("#al-count").textContent = tf("al.n", { n: rows.length });
    const box = root.querySelector("#al-bars");
    box.dataset.alliances = rows.map((r) => `${r.alliance_id}:${r.level || ""}:${r.members}:${r.shared_members}`).join(",");
    const many = new Set(rows.map((r) => r.chain)).size > 1;
    const label = (r) => `${many ? chainName(r.chain) + " · " : ""}${shortName(r.alliance_name, chainName(r.chain))} · ${levelName(r.level)}`;
    box.parentElement.style.height = `${Math.max(260, 60 + 22 * rows.length)}px`;
    charts["al-bars"].setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (ps) => {
        const r = rows[ps[0].dataIndex];
        return `<b>${esc(r.alliance_name)}</b> <span class="muted">${esc(r.alliance_id)}</span><br>${levelBadge(r.level)} ${esc(chainName(r.chain))}<br>
          ${esc(t("al.c.members"))}：${r.members} · ${esc(t("al.c.shared"))}：${r.shared_members}<br>
          ${esc(t("al.c.provinces"))}：${r.provinces} · ${esc(t("al.c.cities"))}：${r.cities} · ${esc(t("al.c.cluster"))}：${esc(r.cluster || "–")}`;
      } },
      legend: { top: 0, data: [t("al.s.own"), t("al.s.shared")], textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 28, top: 28, bottom: 8, containLabel: true },
      yAxis: { type: "category", inverse: true, data: rows.map(label),
        axisLabel: { fontSize: 11, color: (v, i) => LEVEL_COLORS[rows[i]?.level] || LEVEL_COLORS.none }, axisTick: { show: false } },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [
        { id: "own", name: t("al.s.own"), type: "bar", stack: "m", barMaxWidth: 14, itemStyle: { color: "#b8c4d2" },
          data: rows.map((r) => ({ value: r.members - r.shared_members, itemStyle: { color: (LEVEL_COLORS[r.level] || LEVEL_COLORS.none) + "66" } })) },
        { id: "shared", name: t("al.s.shared"), type: "bar", stack: "m", barMaxWidth: 14, itemStyle: { color: "#12355b" },
          label: { show: true, position: "right", fontSize: 10, formatter: (p) => `${rows[p.dataIndex].members}` },
          data: rows.map((r) => r.shared_members) },
      ],
    }, { notMerge: true });
    charts["al-bars"].resize();
    const el = root.querySelector("#al-table");
    el.innerHTML = rows.length ? table(rows, [
      { key: "alliance_name", label: t("al.c.name"), fmt: (v, r) => `${esc(v)} <span class="muted small">${esc(r.alliance_id)}</span>`, csv: (v, r) => `${v} (${r.alliance_id})` },
      { key: "level", label: t("al.c.level"), fmt: (v) => levelBadge(v), csv: (v) => v || "" },
      { key: "chain", label: t("al.c.chain"), fmt: (v) => esc(chainName(v)), csv: (v) => v },
      { key: "members", label: t("al.c.members"), num: true, fmt: (v) => `<span data-k="members" data-v="${v}">${nf(v)}</span>` },
      { key: "shared_members", label: t("al.c.shared"), num: true, fmt: (v) => `<span data-k="shared" data-v="${v}">${nf(v)}</span>` },
      { key: "provinces", label: t("al.c.provinces"), num: true, fmt: (v) => nf(v) },
      { key: "cities", label: t("al.c.cities"), num: true, fmt: (v) => nf(v) },
      { key: "cluster", label: t("al.c.cluster"), fmt: (v) => esc(v || "–") },
      { key: "joined_first", label: t("al.c.since"), fmt: (v) => esc(v || "–") },
    ], { name: stem("alliances", chain(), view.level), rowClass: () => "al-row" }) : `<p class="muted">${esc(t("al.none"))}</p>`;
    el.querySelectorAll("tbody tr").forEach((tr, i) => { tr.dataset.alliance = rows[i].alliance_id; tr.dataset.level = rows[i].level || ""; });
  }

  function drawFrag(f) {
    const rows = f.rows || [];
    const sel = chain();
    const x = rows.map((r) => r.chain_zh && zh() ? r.chain_zh : chainName(r.chain));
    const dim = (r) => (sel !== "*" && r.chain !== sel ? 0.35 : 1);
    const part = (key, name, color) => ({ id: key, name, type: "bar", barMaxWidth: 16, itemStyle: { color },
      data: rows.map((r) => ({ value: isNum(r[key]) ? +r[key].toFixed(4) : null, itemStyle: { color, opacity: dim(r) } })) });
    charts["al-frag"].setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: (v) => (isNum(v) ? v.toFixed(3) : "–") },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 40, right: 12, top: 32, bottom: 24 },
      xAxis: { type: "category", data: x, axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", min: 0, max: 1, axisLabel: { fontSize: 10 } },
      series: [
        part("count_part", t("al.frag.count"), "#9ec3e4"),
        part("sharing_part", t("al.frag.sharing"), "#6aa2d3"),
        part("reach_part", t("al.frag.reach"), "#3d7fbf"),
        { id: "index", name: t("al.frag.index"), type: "line", symbolSize: 10, lineStyle: { width: 0 }, itemStyle: { color: "#d7301f" },
          label: { show: true, position: "top", fontSize: 11, formatter: (p) => (isNum(p.value) ? p.value.toFixed(3) : "") },
          data: rows.map((r) => (isNum(r.index) ? +r.index.toFixed(4) : null)) },
      ],
    }, { notMerge: true });
    const box = root.querySelector("#al-frag");
    box.dataset.index = rows.map((r) => `${r.chain}:${isNum(r.index) ? r.index.toFixed(4) : ""}`).join(",");
    root.querySelector("#al-frag-table").innerHTML = rows.length ? table(rows, [
      { key: "chain", label: t("al.c.chain"), fmt: (v) => esc(chainName(v)), csv: (v) => v },
      { key: "alliances", label: t("al.c.alliances"), num: true, fmt: (v) => nf(v) },
      { key: "members", label: t("al.c.members"), num: true, fmt: (v) => nf(v) },
      { key: "shared_members", label: t("al.c.shared"), num: true, fmt: (v) => nf(v) },
      { key: "shared_share", label: t("al.c.sharedshare"), num: true, fmt: (v) => pct(v, 1) },
      { key: "mean_provinces", label: t("al.c.meanprov"), num: true, fmt: (v) => nf(v, 2) },
      { key: "count_part", label: t("al.frag.count"), num: true, fmt: (v) => nf(v, 3) },
      { key: "sharing_part", label: t("al.frag.sharing"), num: true, fmt: (v) => nf(v, 3) },
      { key: "reach_part", label: t("al.frag.reach"), num: true, fmt: (v) => nf(v, 3) },
      { key: "index", label: t("al.frag.index"), num: true, fmt: (v, r) => `<b data-k="index" data-chain="${esc(r.chain)}" data-v="${v ?? ""}">${nf(v, 3)}</b>` },
      { key: "levels", label: t("al.c.levels"), fmt: (v) => String(v || "").split(";").filter(Boolean).map(levelBadge).join(" "), csv: (v) => v },
    ], { name: stem("alliance-fragmentation"), rowClass: (r) => (sel !== "*" && r.chain === sel ? "sel" : "") }) : "";
  }

  function drawGraph(c, a) {
    const info = new Map((a.rows || []).map((r) => [r.alliance_id, r]));
    const nodes = c.nodes || [];
    const links = c.links || [];
    const order = [...new Set((c.clusters || []).map((x) => x.cluster))];
    const color = (cl) => COMMUNITY[Math.max(0, order.indexOf(cl)) % COMMUNITY.length];
    const maxM = Math.max(1, ...nodes.map((n) => info.get(n.alliance_id)?.members || 1));
    const maxS = Math.max(1, ...links.map((l) => l.shared));
    root.querySelector("#al-ncl").textContent = tf("al.nclusters", { n: (c.clusters || []).length, l: links.length });
    const box = root.querySelector("#al-graph");
    box.dataset.nodes = String(nodes.length);
    box.dataset.links = links.map((l) => `${l.alliance_a}-${l.alliance_b}:${l.shared}`).join(",");
    box.dataset.clusters = nodes.map((n) => `${n.alliance_id}:${n.cluster}`).join(",");
    charts["al-graph"].setOption({
      animation: false,
      tooltip: { formatter: (p) => {
        if (p.dataType === "edge") return `${esc(p.data.name_a)} — ${esc(p.data.name_b)}<br>${esc(t("al.c.shared"))}：${p.data.shared}`;
        const r = info.get(p.data.id) || {};
        return `<b>${esc(r.alliance_name || p.data.id)}</b><br>${levelBadge(r.level)} ${esc(t("al.c.cluster"))}：${esc(p.data.cluster)}<br>${esc(t("al.c.members"))}：${r.members ?? "–"} · ${esc(t("al.c.shared"))}：${r.shared_members ?? "–"}`;
      } },
      series: [{
        id: "graph", type: "graph", layout: "force", roam: true, draggable: true,
        force: { initLayout: "circular", repulsion: 260, edgeLength: [60, 140], gravity: 0.12, layoutAnimation: false },
        label: { show: true, position: "right", fontSize: 10, formatter: (p) => shortName(info.get(p.data.id)?.alliance_name, chainName(info.get(p.data.id)?.chain)) },
        labelLayout: { hideOverlap: true },
        data: nodes.map((n) => ({ id: n.alliance_id, name: n.alliance_id, cluster: n.cluster,
          symbolSize: 10 + 26 * Math.sqrt((info.get(n.alliance_id)?.members || 1) / maxM),
          symbol: { region: "circle", corridor: "diamond", province: "rect", city: "triangle" }[info.get(n.alliance_id)?.level] || "circle",
          itemStyle: { color: color(n.cluster), borderColor: "#fff", borderWidth: 1 } })),
        links: links.map((l) => ({ source: l.alliance_a, target: l.alliance_b, shared: l.shared, name_a: l.name_a, name_b: l.name_b,
          lineStyle: { width: 1 + 5 * (l.shared / maxS), color: "#8a94a3", opacity: 0.8 } })),
      }],
    }, { notMerge: true });
    const rows = c.clusters || [];
    root.querySelector("#al-cl-table").innerHTML = rows.length ? table(rows, [
      { key: "cluster", label: t("al.c.cluster"), fmt: (v) => `<span class="al-level" style="background:${color(v)}">${esc(v)}</span>`, csv: (v) => v },
      { key: "alliances", label: t("al.c.alliances"), num: true, fmt: (v) => nf(v) },
      { key: "members", label: t("al.c.members"), num: true, fmt: (v) => nf(v) },
      { key: "shared_members", label: t("al.c.shared"), num: true, fmt: (v) => nf(v) },
      { key: "levels", label: t("al.c.levels"), fmt: (v) => String(v || "").split(";").filter(Boolean).map(levelBadge).join(" "), csv: (v) => v },
      { key: "names", label: t("al.c.names"), fmt: (v) => `<span class="small">${esc(String(v || "").split(";").join("、"))}</span>`, csv: (v) => v },
    ], { name: stem("alliance-clusters", chain(), view.method) }) : "";
  }

  function drawMembersMap(a) {
    const pts = (a.places || []).filter((p) => isNum(p.lon) && isNum(p.lat));
    const maxM = Math.max(1, ...pts.map((p) => p.members));
    root.querySelector("#al-map").dataset.places = pts.map((p) => `${p.adcode}:${p.members}`).join(",");
    charts["al-map"].setOption({
      tooltip: { trigger: "item", formatter: (p) => (p.seriesType === "scatter"
        ? `<b>${esc(place(p.data.adcode, p.data.name))}</b><br>${esc(t("al.c.members"))}：${p.data.members} · ${esc(t("al.c.alliances"))}：${p.data.alliances}<br>${String(p.data.levels || "").split(";").filter(Boolean).map(levelBadge).join(" ")}`
        : esc(placeName(p.name))) },
      geo: { map: "yrd-city", roam: true, layoutCenter: ["50%", "51%"], layoutSize: "98%", label: { show: false },
        itemStyle: { borderColor: "#a7b3c0", borderWidth: 0.6, areaColor: "#f1f4f8" },
        emphasis: { itemStyle: { areaColor: "#e3ebf5" }, label: { show: false } } },
      series: [{ id: "members", type: "scatter", coordinateSystem: "geo", zlevel: 1,
        itemStyle: { color: "rgba(27,95,174,0.65)", borderColor: "#fff", borderWidth: 1 },
        label: { show: true, position: "right", fontSize: 11, color: "#1f2733", textBorderColor: "#fff", textBorderWidth: 2.5, formatter: (p) => place(p.data.adcode, p.data.name) },
        labelLayout: { hideOverlap: true },
        data: pts.map((p) => ({ ...p, value: [p.lon, p.lat], symbolSize: 6 + 26 * Math.sqrt(p.members / maxM) })) }],
    }, { replaceMerge: ["series", "geo"] });
  }

  // ---------------------------------------------------------------------------------------------- open calls
  function drawCallsMap(c) {
    const arcs = (c.arcs || []).filter((a) => !a.local && isNum(a.src_lon) && isNum(a.dst_lon));
    const rows = c.rows || [];
    root.querySelector("#oc-asof").textContent = tf("oc.asof", { d: c.as_of });
    const fan = new Map();
    const lines = arcs.map((a) => {
      const k = `${a.src}>${a.dst}`;
      const n = fan.get(k) || 0;
      fan.set(k, n + 1);
      return { call_id: a.call_id, status: a.status, members: a.members, src: a.src, dst: a.dst, src_name: a.src_name, dst_name: a.dst_name,
        coords: [[a.src_lon, a.src_lat], [a.dst_lon, a.dst_lat]],
        lineStyle: { color: STATUS_COLORS[a.status] || "#8a94a3", width: 1.2 + 1.2 * Math.min(4, a.members), curveness: 0.2 + 0.08 * (n % 4), opacity: 0.8 } };
    });
    const posts = new Map();
    for (const r of rows) {
      if (!isNum(r.lon) || !isNum(r.lat)) continue;
      const x = posts.get(r.adcode) || { adcode: r.adcode, name: r.place_name, value: [r.lon, r.lat], calls: 0 };
      x.calls += 1;
      posts.set(r.adcode, x);
    }
    const box = root.querySelector("#oc-map");
    box.dataset.arcs = lines.map((l) => `${l.call_id}:${l.src}>${l.dst}`).join(",");
    box.dataset.posts = [...posts.keys()].sort().join(",");
    charts["oc-map"].setOption({
      tooltip: { trigger: "item", confine: true, formatter: (p) => {
        if (p.seriesType === "lines") {
          const r = rows.find((x) => x.call_id === p.data.call_id) || {};
          return `<b>${esc(r.title || p.data.call_id)}</b> <span class="muted">${esc(p.data.call_id)}</span><br>${esc(place(p.data.src, p.data.src_name))} → ${esc(place(p.data.dst, p.data.dst_name))} · ${esc(t("al.c.members"))} ${p.data.members}<br>${statusBadge(p.data.status)}`;
        }
        if (p.seriesType === "scatter") return `★ <b>${esc(place(p.data.adcode, p.data.name))}</b><br>${esc(tf("oc.n", { n: p.data.calls }))}`;
        return esc(placeName(p.name));
      } },
      geo: { map: "yrd-city", roam: true, layoutCenter: ["50%", "51%"], layoutSize: "98%", label: { show: false },
        itemStyle: { borderColor: "#a7b3c0", borderWidth: 0.6, areaColor: "#f1f4f8" },
        emphasis: { itemStyle: { areaColor: "#e3ebf5" }, label: { show: false } } },
      series: [
        { id: "arcs", type: "lines", coordinateSystem: "geo", zlevel: 1, symbol: ["none", "arrow"], symbolSize: 7, data: lines,
          emphasis: { focus: "self", lineStyle: { opacity: 1, width: 5 } } },
        { id: "posts", type: "scatter", coordinateSystem: "geo", zlevel: 2, symbol: "path://M50,3 L61,37 L97,37 L68,59 L79,93 L50,72 L21,93 L32,59 L3,37 L39,37 Z",
          itemStyle: { color: "#12355b", borderColor: "#fff", borderWidth: 1 },
          label: { show: true, position: "right", fontSize: 11, color: "#1f2733", textBorderColor: "#fff", textBorderWidth: 2.5, formatter: (p) => place(p.data.adcode, p.data.name) },
          labelLayout: { hideOverlap: true },
          data: [...posts.values()].map((x) => ({ ...x, symbolSize: 10 + 3 * Math.min(6, x.calls) })) },
      ],
    }, { replaceMerge: ["series", "geo"] });
    charts["oc-map"].off("click");
    charts["oc-map"].on("click", (p) => { if (p.seriesType === "lines" && p.data.call_id) openCall(p.data.call_id); });
    const counts = c.statuses || {};
    root.querySelector("#oc-legend").innerHTML = STATUSES.map((s) => `<span class="wl" data-status="${s}"><i style="background:${STATUS_COLORS[s]}"></i>${esc(t("oc.status." + s))} <span class="muted">${counts[s] ?? 0}</span></span>`).join("")
      + `<span class="wl">★ ${esc(t("oc.posting"))}</span>`;
  }

  /** A progress bar: tasks on time, late, overdue and pending, as parts of the whole. */
  function progressBar(r) {
    if (!r.tasks) return `<span class="muted">–</span>`;
    const part = (k, n) => (n ? `<i style="width:${(100 * n) / r.tasks}%;background:${STATE_COLORS[k]}" data-part="${k}" data-n="${n}"></i>` : "");
    return `<span class="al-prog" data-progress="${r.progress}"><span class="al-bar">${part("on_time", r.on_time)}${part("late", r.late)}${part("overdue", r.overdue)}${part("pending", r.pending)}</span>
      <span class="small">${r.done}/${r.tasks}</span></span>`;
  }

  function team(r) {
    if (!r.winning_bids) return `<span class="muted">${esc(t("oc.team.none"))}</span>`;
    const kind = r.cross_province ? "cross_province" : r.cross_city ? "cross_city" : "local";
    const codes = String(r.team_places || "").split(";").filter(Boolean);
    const names = String(r.team_place_names || "").split(";");
    const cities = codes.map((x, i) => place(x, names[i])).join("、");
    return `<span class="al-team"><span data-cross="${kind}">${esc(t("oc.team." + kind))}</span> <span class="muted small">${r.team_members} · ${esc(cities)}</span></span>`;
  }

  function drawCalls(c) {
    const rows = c.rows || [];
    root.querySelector("#oc-count").textContent = `${tf("oc.n", { n: rows.length })} · ${tf("oc.asof", { d: c.as_of })}`;
    const el = root.querySelector("#oc-calls");
    el.dataset.n = String(rows.length);
    el.innerHTML = rows.length ? table(rows, [
      { key: "title", label: t("oc.c.call"), fmt: (v, r) => `${esc(v || r.call_id)}<div class="muted small">${esc(r.call_id)}</div>`, csv: (v, r) => `${v} (${r.call_id})` },
      { key: "adcode", label: t("oc.c.place"), fmt: (v, r) => esc(place(v, r.place_name)), csv: (v) => v },
      { key: "segment", label: t("oc.c.segment"), fmt: (v, r) => esc(segName(r.chain, v)), csv: (v, r) => `${r.chain}:${v || ""}` },
      { key: "budget", label: t("oc.c.budget"), num: true, fmt: (v) => nf(v) },
      { key: "posted", label: t("oc.c.posted"), fmt: (v) => esc(v || "–") },
      { key: "team_members", label: t("oc.c.team"), fmt: (v, r) => team(r), csv: (v, r) => r.team_places || "" },
      { key: "progress", label: t("oc.c.progress"), fmt: (v, r) => progressBar(r), csv: (v, r) => `${r.done}/${r.tasks}` },
      { key: "status", label: t("oc.c.status"), fmt: (v) => statusBadge(v), csv: (v) => v },
      { key: "patents", label: t("oc.c.outcomes"), fmt: (v, r) => `<span class="small">${esc(tf("oc.out", { p: r.patents, t: r.transfers, d: r.products }))}</span>`, csv: (v, r) => `${r.patents}/${r.transfers}/${r.products}` },
    ], { name: stem("open-calls", chain(), view.status, c.as_of), rowClass: (r) => `oc-row ${r.call_id === view.call ? "sel" : ""}` }) : `<p class="muted">${esc(t("oc.none"))}</p>`;
    el.querySelectorAll("tbody tr").forEach((tr, i) => { tr.dataset.call = rows[i].call_id; tr.dataset.status = rows[i].status; });
  }

  const segName = (ch, s) => {
    const c = chainList.find((x) => x.id === ch);
    const seg = c && c.segments ? c.segments.find((x) => x.segment === s) : null;
    return seg ? nm(seg) : s || "–";
  };

  root.querySelector("#oc-calls").addEventListener("click", (e) => {
    if (e.target.closest("[data-csv]")) return;
    const tr = e.target.closest("tr.oc-row");
    if (tr) openCall(tr.dataset.call);
  });

  function closeCall() {
    const el = root.querySelector("#oc-detail");
    el.hidden = true;
    el.innerHTML = "";
    delete el.dataset.call;
  }

  async function openCall(id) {
    view.call = id;
    root.querySelectorAll("tr.oc-row").forEach((tr) => tr.classList.toggle("sel", tr.dataset.call === id));
    const el = root.querySelector("#oc-detail");
    el.hidden = false;
    el.innerHTML = `<div class="muted loading-line">${esc(t("app.loading"))}</div>`;
    let d;
    try {
      d = await get(`/api/opencalls/${encodeURIComponent(id)}`);
    } catch (e) {
      el.innerHTML = `<p class="error-text" role="alert">${esc(e.message || e)}</p>`;
      return;
    }
    if (view.call !== id) return;
    const c = d.call || {};
    const bids = d.bids || [];
    const byBid = new Map();
    for (const b of bids) { const x = byBid.get(b.bid_id) || []; x.push(b); byBid.set(b.bid_id, x); }
    el.dataset.call = id;
    el.innerHTML = `<h2>${esc(c.title || id)} <span class="muted">${esc(id)}</span> ${statusBadge(c.status)}</h2>
      <p class="hint">${esc(place(c.adcode, c.place_name))} · ${esc(segName(c.chain, c.segment))} · ${esc(t("oc.c.budget"))} ${nf(c.budget)} · ${esc(t("oc.c.posted"))} ${esc(c.posted || "–")} · ${esc(tf("oc.d.due", { d: c.due || "–" }))} · ${esc(tf("oc.asof", { d: d.as_of }))}</p>
      ${c.description ? `<p class="small">${esc(c.description)}</p>` : ""}
      <h3>${esc(t("oc.d.bids"))}</h3>
      <div id="oc-bids">${[...byBid.entries()].map(([bid, ms]) => `<div class="oc-bid" data-bid="${esc(bid)}" data-winner="${ms.some((m) => m.winner) ? 1 : 0}">
        <b>${esc(bid)}</b> ${ms.some((m) => m.winner) ? `<span class="al-status" style="background:${STATUS_COLORS.succeeded}">★ ${esc(t("oc.d.winner"))}</span>` : ""}
        <span class="small">${ms.map((m) => `${esc(m.member_name)}${m.lead ? `（${esc(t("oc.d.lead"))}）` : ""} <span class="muted">${esc(m.city_name || place(m.city))}</span>`).join("；")}</span></div>`).join("") || `<p class="muted">${esc(t("oc.d.none"))}</p>`}</div>
      <h3>${esc(t("oc.d.tasks"))}</h3><div id="oc-tasks" class="hscroll"></div>
      <h3>${esc(t("oc.d.outcomes"))}</h3><div id="oc-outcomes" class="hscroll"></div>`;
    const tasks = d.tasks || [];
    el.querySelector("#oc-tasks").innerHTML = tasks.length ? table(tasks, [
      { key: "task_id", label: "#", fmt: (v) => esc(v) },
      { key: "milestone", label: t("oc.c.milestone"), fmt: (v) => esc(v || "–") },
      { key: "due", label: t("oc.c.due"), fmt: (v) => esc(v || "–") },
      { key: "done", label: t("oc.c.done"), fmt: (v) => esc(v || "–") },
      { key: "state", label: t("oc.c.state"), fmt: (v, r) => `<span class="al-status" data-state="${esc(v)}" style="background:${STATE_COLORS[v]};${v === "pending" ? "color:#1f2733" : ""}">${esc(t("oc.state." + v))}</span>${r.days_late ? ` <span class="small muted">${esc(tf("oc.late.days", { n: r.days_late }))}</span>` : ""}`, csv: (v) => v },
    ], { name: stem("open-call", id, "tasks") }) : `<p class="muted">${esc(t("oc.d.none"))}</p>`;
    const outs = d.outcomes || [];
    el.querySelector("#oc-outcomes").innerHTML = outs.length ? table(outs, [
      { key: "outcome_type", label: t("oc.c.kind"), fmt: (v) => esc(t("oc.kind." + v)), csv: (v) => v },
      { key: "reference", label: t("oc.c.ref"), fmt: (v) => esc(v) },
      { key: "count", label: t("oc.c.count"), num: true, fmt: (v) => nf(v) },
      { key: "date", label: t("oc.c.date"), fmt: (v) => esc(v || "–") },
    ], { name: stem("open-call", id, "outcomes") }) : `<p class="muted">${esc(t("oc.d.none"))}</p>`;
  }

  function drawRates(r) {
    const seg = (r.by_segment || []).filter((x) => x.calls > 0);
    const plc = r.by_place || [];
    root.querySelector("#oc-overall").textContent = `${tf("oc.rates.overall", { r: pct(r.overall, 1) })} · ${tf("oc.asof", { d: r.as_of })}`;
    const bars = (chart, rows, label, id) => {
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (ps) => {
          const x = rows[ps[0].dataIndex];
          return `<b>${esc(label(x))}</b><br>${esc(t("oc.rate"))}：${pct(x.success_rate, 0)}<br>${STATUSES.map((s) => `${esc(t("oc.status." + s))} ${x[s]}`).join(" · ")}`;
        } },
        grid: { left: 8, right: 76, top: 28, bottom: 8, containLabel: true },
        yAxis: { type: "category", inverse: true, data: rows.map(label), axisLabel: { fontSize: 10 }, axisTick: { show: false } },
        xAxis: { type: "value", min: 0, max: 100, axisLabel: { fontSize: 10, formatter: "{value}%" } },
        series: [{ id, type: "bar", barMaxWidth: 12, data: rows.map((x) => ({ value: isNum(x.success_rate) ? +(100 * x.success_rate).toFixed(1) : null,
          itemStyle: { color: isNum(x.success_rate) ? (x.success_rate >= 0.5 ? STATUS_COLORS.succeeded : STATUS_COLORS.failed) : "#c3c9d1" } })),
          label: { show: true, position: "right", fontSize: 10, formatter: (p) => (isNum(rows[p.dataIndex].success_rate) ? `${nf(p.value, 0)}% (${rows[p.dataIndex].succeeded}/${rows[p.dataIndex].decided})` : "") } }],
      }, { notMerge: true });
    };
    const segLabel = (x) => `${chainName(x.chain)} · ${zh() && x.segment_zh ? x.segment_zh : segName(x.chain, x.segment)}`;
    const plcLabel = (x) => place(x.place, x.name);
    root.querySelector("#oc-rate-seg").parentElement.style.height = `${Math.max(220, 40 + 20 * seg.length)}px`;
    root.querySelector("#oc-rate-place").parentElement.style.height = `${Math.max(220, 40 + 20 * plc.length)}px`;
    bars(charts["oc-rate-seg"], seg, segLabel, "segments");
    bars(charts["oc-rate-place"], plc, plcLabel, "places");
    charts["oc-rate-seg"].resize();
    charts["oc-rate-place"].resize();
    root.querySelector("#oc-rate-seg").dataset.rates = seg.map((x) => `${x.chain}:${x.segment}:${x.succeeded}/${x.decided}`).join(",");
    root.querySelector("#oc-rate-place").dataset.rates = plc.map((x) => `${x.place}:${x.succeeded}/${x.decided}`).join(",");
    root.querySelector("#oc-rates-table").innerHTML = plc.length ? table(plc, [
      { key: "place", label: t("oc.c.place"), fmt: (v, x) => esc(plcLabel(x)), csv: (v) => v },
      { key: "calls", label: t("oc.c.calls"), num: true, fmt: (v) => nf(v) },
      ...STATUSES.map((s) => ({ key: s, label: t("oc.status." + s), num: true, fmt: (v) => nf(v) })),
      { key: "success_rate", label: t("oc.rate"), num: true, fmt: (v, x) => `<span data-place="${esc(x.place)}" data-v="${v ?? ""}">${pct(v, 0)}</span>` },
      { key: "budget", label: t("oc.c.budget"), num: true, fmt: (v) => nf(v) },
    ], { name: stem("open-call-rates", chain(), view.rlevel) }) : "";
  }

  await refresh();
}
