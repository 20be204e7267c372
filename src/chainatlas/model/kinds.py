"""The input kinds: what a user (or the synthetic generator) may load, column by column.

This table is the one contract between templates, ingest, storage and build. Each field has a
canonical English name (the database column), a Chinese header, optional header aliases, a type
and the rule that validation applies. Headers are matched case- and space-insensitively against
name, Chinese header and aliases, so a file may use either language.

Rules (implemented in ``chainatlas.ingest.validate``):

==============  ==============================================================================
rule            meaning
==============  ==============================================================================
text            any non-empty text (whitespace trimmed)
credit_code     18-character unified social credit code with a valid check digit (GB 32100-2015)
adcode          a current YRD GB/T 2260 code (2/4/6/9/12 digits; retired codes go through the crosswalk), or
                a place name (苏州, 苏州市, 上海市浦东新区; ambiguous names such as Suzhou are errors)
gbt4754         a GB/T 4754-2017 industry code (2011 codes are crosswalked)
gbt4754_list    one or more such codes separated by ``;`` (a firm's other industries)
hs              an HS 2017/2022 code (2/4/6 digits, or 8/10-digit national tariff lines)
ipc_list        one or more IPC symbols separated by ``;``
country         ISO 3166-1 alpha-2 or alpha-3 country code, or its Chinese name (CLDR: 韩国, 南韓, 香港)
date            a calendar date (ISO, 2023/1/5, 2023年1月5日, 20230105, Excel serial numbers)
period          a year (2023), month (2023-05) or quarter (2023Q2); builds use the year
nonneg          a number >= 0
count           an integer >= 0
share           a percentage in [0, 100]
enum            one of ``choices`` (English value or its Chinese label)
chain           a chain id of the taxonomy
segment         a segment id of the given chain (needs a ``chain`` column in the same row)
list            ``;``-separated values (also accepts ``；`` and ``|``)
flag            yes/no: 1/0, true/false, 是/否, y/n
==============  ==============================================================================

Adding an input kind
--------------------
Touch these files, in this order; ``tests/test_kinds.py`` fails until each step is done for every kind.

1. **Model row** — a :class:`Kind` in ``_KINDS`` below: fields (name, Chinese header, rule), ``key``,
   ``period_field``, ``party_lists`` for ``;``-separated party columns, ``stock=True`` if the kind describes
   what exists rather than what happened in a period (it then changes every built period).
2. **Template and rules** — nothing to do: templates (:mod:`chainatlas.ingest.templates`), validation and the
   raw table (:mod:`chainatlas.storage.schema`) are generated from the row. Only a new *rule* needs a
   ``check_<rule>`` in :mod:`chainatlas.ingest.rules` and a line in the table above.
3. **Fixture** — rows for the kind in ``ROWS`` of ``tests/fixtures/ingest/make_fixtures.py``; run it to write
   ``tests/fixtures/ingest/<kind>.csv`` (both are committed).
4. **Generator** — a record maker in :mod:`chainatlas.synth.records` (``records.<kind>(rng, world, n)``), the
   kind in ``_ORDER`` and a record target per size in ``SIZES`` of :mod:`chainatlas.synth.generate`.
5. **Facts** — what the kind feeds: an edge source in :func:`chainatlas.pipeline.facts.edge_facts` and/or a
   node attribute in :func:`~chainatlas.pipeline.facts.node_facts`, declared in
   :data:`chainatlas.pipeline.facts.FEEDS` (a kind that feeds no edge must feed a node attribute).
6. **README** — the kind, with its Chinese name in brackets, in the paragraph 输入类别：… of ``README.md``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

__all__ = [
    "ALLIANCE_LEVELS",
    "KINDS",
    "LIST_SEPARATORS",
    "OUTCOME_TYPES",
    "Field",
    "Kind",
    "kind",
]

#: Separators accepted inside list cells; templates use ``;``.
LIST_SEPARATORS = (";", "；", "|")


@dataclass(frozen=True)
class Field:
    """One column of an input kind."""

    name: str
    zh: str
    rule: str = "text"
    required: bool = False
    choices: dict[str, str] = field(default_factory=dict)  # value -> Chinese label
    aliases: tuple[str, ...] = ()
    #: other names users write for a choice (创新飞地 for 科创飞地): alias -> value
    choice_aliases: dict[str, str] = field(default_factory=dict)
    help_zh: str = ""
    help_en: str = ""
    example: str = ""


@dataclass(frozen=True)
class Kind:
    """An input kind: a source file type with its fields and its key."""

    name: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    help_zh: str
    help_en: str
    #: fields whose values are ``;`` lists aligned with the first of them (party lists)
    party_lists: tuple[str, ...] = ()
    #: a row must give at least one field of each group (e.g. adcode or address)
    one_of: tuple[tuple[str, ...], ...] = ()
    #: the date or period field that dates a record (its year is the build period); None: undated
    period_field: str | None = None
    #: a stock describes what exists rather than what happened in a period: loading it changes every
    #: built period (storage marks all built years dirty), not only the years of its records
    stock: bool = False
    #: a code field that, when a row gives it, identifies the row alone (a firm is its credit code whatever
    #: its name); rows without it are identified by the whole ``key``
    key_code: str | None = None

    @property
    def table(self) -> str:
        return f"raw_{self.name}"

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


def _party(prefix: str, zh: str, *, required: bool = True) -> tuple[Field, ...]:
    """Name, credit code, adcode and address of one party to a record."""
    return (
        Field(f"{prefix}_name", f"{zh}名称", required=required, example="示例科技有限公司"),
        Field(f"{prefix}_code", f"{zh}信用代码", "credit_code", help_zh="有则填写，用于跨来源匹配主体"),
        Field(f"{prefix}_adcode", f"{zh}行政区划代码", "adcode", help_zh="缺失时按主体库或地址解析"),
        Field(f"{prefix}_address", f"{zh}地址", help_zh="用于解析行政区划"),
    )


SYNTHETIC = Field(
    "synthetic",
    "合成数据",
    "flag",
    help_zh="1 表示合成（虚构）数据，界面与接口会标示",
    help_en="1 marks synthetic (made-up) records; the API and UI label them",
    example="0",
)
CHAIN = Field("chain", "产业链", "chain", help_zh="产业链代码，如 ic", example="ic")
SEGMENT = Field("segment", "环节", "segment", help_zh="该产业链的环节代码", example="fabrication")

ENTITY_TYPES = {
    "firm": "企业",
    "university": "高校",
    "institute": "科研院所",
    "platform": "园区平台",
    "service": "服务机构",
    "fund": "基金",
    "government": "政府部门",
}

#: enclave types (飞地类型) of the 飞地 ledger
ENCLAVE_TYPES = {
    "industrial": "产业飞地",
    "innovation": "科创飞地",
    "poverty": "消薄飞地",
    "other": "其他",
}
#: the names the provinces' own documents use for the same types (浙江 消薄飞地 are also 扶贫飞地; 科创飞地 are
#: 创新飞地 or 研发飞地 in many agreements)
ENCLAVE_TYPE_ALIASES = {
    "工业飞地": "industrial",
    "创新飞地": "innovation",
    "研发飞地": "innovation",
    "科技飞地": "innovation",
    "扶贫飞地": "poverty",
    "消薄": "poverty",
}

#: levels of an alliance (产业联盟), widest first as :data:`chainatlas.analytics.alliances.LEVELS` orders them: the
#: whole region, a province, a cross-province corridor (G60 科创走廊), a city
ALLIANCE_LEVELS = {
    "region": "区域",
    "province": "省级",
    "corridor": "走廊",
    "city": "市级",
}
#: what the alliances' own charters and registers write for the same levels
ALLIANCE_LEVEL_ALIASES = {
    "长三角": "region",
    "长三角区域": "region",
    "区域级": "region",
    "全区域": "region",
    "省": "province",
    "省域": "province",
    "省级联盟": "province",
    "G60": "corridor",
    "G60科创走廊": "corridor",
    "科创走廊": "corridor",
    "走廊级": "corridor",
    "市": "city",
    "城市": "city",
    "城市级": "city",
    "地市": "city",
    "市级联盟": "city",
}
#: outcomes of an open call (揭榜挂帅): the three of "成果转化" the atlas draws as innovation ties
OUTCOME_TYPES = {"patent": "专利", "transfer": "成果转化", "product": "产品"}
OUTCOME_TYPE_ALIASES = {
    "发明专利": "patent",
    "专利申请": "patent",
    "授权专利": "patent",
    "技术转让": "transfer",
    "成果转让": "transfer",
    "转让许可": "transfer",
    "技术许可": "transfer",
    "许可": "transfer",
    "转化": "transfer",
    "新产品": "product",
    "样机": "product",
    "首台套": "product",
}

_KINDS: tuple[Kind, ...] = (
    Kind(
        "firms",
        "主体（企业及机构）",
        "entities (firms and institutions)",
        (
            Field(
                "credit_code",
                "统一社会信用代码",
                "credit_code",
                aliases=("信用代码", "uscc"),
                example="91320506MA1MABCD0E",
                help_zh="有则填写；缺失时按名称（及地区）识别主体",
                help_en="give it where known; without it the entity is identified by name (and place)",
            ),
            Field(
                "name", "名称", required=True, aliases=("企业名称", "主体名称"), example="示例科技有限公司"
            ),
            Field(
                "entity_type", "主体类型", "enum", choices=ENTITY_TYPES, example="firm", help_zh="缺省为企业"
            ),
            Field("adcode", "行政区划代码", "adcode", aliases=("注册地代码",), example="320506"),
            Field("address", "地址", aliases=("注册地址",), example="江苏省苏州市工业园区星湖街328号"),
            Field(
                "industry_code",
                "行业代码",
                "gbt4754",
                aliases=("国民经济行业代码",),
                example="3973",
                help_zh="GB/T 4754-2017 小类；2011 版代码自动转换",
            ),
            Field(
                "other_industry_codes",
                "其他行业代码",
                "gbt4754_list",
                aliases=("兼营行业代码", "次要行业代码"),
                example="6513;3979",
                help_zh="主营之外的行业，多个用分号分隔；企业按每个行业计入相应环节",
                help_en="industries besides the main one, separated by ';'; the firm counts in each one's segments",
            ),
            Field("founded", "成立日期", "date", aliases=("成立时间",), example="2015-06-01"),
            Field("registered_capital", "注册资本（万元）", "nonneg", aliases=("注册资本",), example="1000"),
            Field("employees", "从业人员", "count", aliases=("员工人数",), example="120"),
            SYNTHETIC,
        ),
        # a row without a credit code is identified by its name and place: the code, when given, decides
        # alone (ingest.validate compares name and place only between rows without a code)
        key=("credit_code", "name", "adcode"),
        key_code="credit_code",
        help_zh="企业、高校、科研院所、园区平台、服务机构等主体，每个主体一行",
        help_en="one row per firm, university, institute, platform or other entity",
        period_field="founded",
        stock=True,
        one_of=(("adcode", "address"),),
    ),
    Kind(
        "patents",
        "专利",
        "patents",
        (
            Field("patent_id", "申请号", required=True, aliases=("专利申请号",), example="CN202310000001.X"),
            Field("title", "名称", aliases=("专利名称",), example="一种半导体封装结构"),
            Field("application_date", "申请日", "date", True, example="2023-01-05"),
            Field("grant_date", "授权日", "date", example="2024-03-01"),
            Field(
                "ipc",
                "IPC分类号",
                "ipc_list",
                True,
                aliases=("IPC", "分类号"),
                example="H01L 23/31;H01L 21/56",
            ),
            Field("applicants", "申请人", "list", True, example="甲公司;乙大学"),
            Field("applicant_codes", "申请人信用代码", "list", example="91320506MA1MABCD0E;"),
            Field("applicant_adcodes", "申请人行政区划代码", "list", example="320571;320106"),
            Field("applicant_addresses", "申请人地址", "list", example="苏州工业园区…;南京市鼓楼区…"),
            SYNTHETIC,
        ),
        key=("patent_id",),
        help_zh="每件专利一行；多个申请人用分号分隔，代码、地址按同样顺序",
        help_en="one row per patent; several applicants separated by ';', codes and addresses in the same order",
        period_field="application_date",
        party_lists=("applicants", "applicant_codes", "applicant_adcodes", "applicant_addresses"),
    ),
    Kind(
        "patent_transfers",
        "专利转让许可",
        "patent transfers and licences",
        (
            Field("transfer_id", "记录编号", required=True, example="T2023000001"),
            Field("patent_id", "专利申请号", required=True, example="CN202310000001.X"),
            Field(
                "transfer_type",
                "类型",
                "enum",
                True,
                {"transfer": "转让", "license": "许可"},
                example="transfer",
            ),
            Field("date", "日期", "date", True, aliases=("生效日",), example="2023-06-30"),
            *_party("from", "转出方"),
            *_party("to", "受让方"),
            Field("value", "金额（万元）", "nonneg", example="50"),
            SYNTHETIC,
        ),
        key=("transfer_id",),
        help_zh="专利权转让或实施许可，每次一行",
        help_en="one row per patent assignment or licence",
        period_field="date",
    ),
    Kind(
        "papers",
        "论文",
        "papers",
        (
            Field("paper_id", "论文编号", required=True, aliases=("DOI",), example="10.1000/xyz123"),
            Field("title", "题名", example="……研究"),
            Field("pub_year", "发表年份", "period", True, aliases=("年份", "year"), example="2022"),
            Field("institutions", "机构", "list", True, aliases=("作者机构",), example="复旦大学;浙江大学"),
            Field("institution_codes", "机构信用代码", "list"),
            Field("institution_adcodes", "机构行政区划代码", "list", example="310110;330106"),
            Field("institution_addresses", "机构地址", "list"),
            Field("field", "学科"),
            SYNTHETIC,
        ),
        key=("paper_id",),
        help_zh="每篇论文一行；多个机构用分号分隔",
        help_en="one row per paper; institutions separated by ';'",
        period_field="pub_year",
        party_lists=("institutions", "institution_codes", "institution_adcodes", "institution_addresses"),
    ),
    Kind(
        "tech_contracts",
        "技术合同",
        "technology contracts",
        (
            Field("contract_id", "合同编号", required=True, example="JS2023000001"),
            Field(
                "contract_type",
                "合同类型",
                "enum",
                True,
                {
                    "development": "技术开发",
                    "transfer": "技术转让",
                    "license": "技术许可",
                    "consulting": "技术咨询",
                    "service": "技术服务",
                },
                example="development",
            ),
            Field("date", "登记日期", "date", True, example="2023-03-15"),
            *_party("seller", "卖方"),
            *_party("buyer", "买方"),
            Field(
                "value",
                "成交额（万元）",
                "nonneg",
                aliases=("合同金额",),
                example="200",
                help_zh="未知可留空",
            ),
            CHAIN,
            SEGMENT,
            SYNTHETIC,
        ),
        key=("contract_id",),
        help_zh="技术市场登记的技术合同，每份一行",
        help_en="one row per registered technology contract",
        period_field="date",
    ),
    Kind(
        "supply_links",
        "供应关系",
        "supply links",
        (
            Field("supplier_code", "供应商信用代码", "credit_code"),
            Field("supplier_name", "供应商名称", help_zh="无信用代码时必填，按名称匹配主体"),
            Field("customer_code", "客户信用代码", "credit_code"),
            Field("customer_name", "客户名称", help_zh="无信用代码时必填，按名称匹配主体"),
            Field("period", "期间", "period", True, aliases=("年份",), example="2023"),
            Field("value", "交易额（万元）", "nonneg", example="1500", help_zh="未知可留空（不按 0 计）"),
            Field("hs_code", "产品HS编码", "hs", example="854231"),
            CHAIN,
            SEGMENT,
            SYNTHETIC,
        ),
        key=("supplier_code", "supplier_name", "customer_code", "customer_name", "period", "hs_code"),
        help_zh="供应商到客户的供货关系，每对每期一行",
        help_en="one row per supplier, customer and period",
        period_field="period",
        one_of=(("supplier_code", "supplier_name"), ("customer_code", "customer_name")),
    ),
    Kind(
        "investments",
        "投资与分支机构",
        "investments and branches",
        (
            Field("investment_id", "记录编号", required=True, example="I2023000001"),
            Field("investor_code", "投资方信用代码", "credit_code"),
            Field("investor_name", "投资方名称", help_zh="无信用代码时必填，按名称匹配主体"),
            Field("investee_code", "被投资方信用代码", "credit_code"),
            Field("investee_name", "被投资方名称", help_zh="无信用代码时必填，按名称匹配主体"),
            Field(
                "invest_type",
                "类型",
                "enum",
                True,
                {"equity": "股权投资", "branch": "设立分支机构", "transfer": "产业转移", "fund": "基金投资"},
                example="equity",
            ),
            Field("date", "日期", "date", True, example="2021-09-01"),
            Field("amount", "金额（万元）", "nonneg", example="5000"),
            Field("share_pct", "持股比例（%）", "share", example="30"),
            SYNTHETIC,
        ),
        key=("investment_id",),
        help_zh="股权投资、设立分支机构、产业转移、基金投资，每笔一行",
        help_en="one row per equity investment, branch, industrial transfer or fund investment",
        period_field="date",
        one_of=(("investor_code", "investor_name"), ("investee_code", "investee_name")),
    ),
    Kind(
        "trade",
        "海关进出口",
        "customs trade",
        (
            Field("credit_code", "企业信用代码", "credit_code"),
            Field("firm_name", "企业名称", help_zh="无信用代码时必填，按名称匹配主体"),
            Field("period", "期间", "period", True, aliases=("月份",), example="2023-05"),
            Field("hs_code", "商品编码", "hs", True, aliases=("HS编码",), example="85423100"),
            Field("partner_country", "贸易伙伴国", "country", True, aliases=("国别",), example="KR"),
            Field(
                "direction", "进出口", "enum", True, {"import": "进口", "export": "出口"}, example="import"
            ),
            Field("value", "金额（美元）", "nonneg", example="125000", help_zh="未知可留空（不按 0 计）"),
            Field("quantity", "数量", "nonneg"),
            SYNTHETIC,
        ),
        key=("credit_code", "firm_name", "period", "hs_code", "partner_country", "direction"),
        help_zh="海关进出口记录，按企业、期间、商品、国别、方向一行",
        help_en="one row per firm, period, product, partner country and direction",
        period_field="period",
        one_of=(("credit_code", "firm_name"),),
    ),
    Kind(
        "tax",
        "税收",
        "tax records",
        (
            Field("credit_code", "企业信用代码", "credit_code"),
            Field("firm_name", "企业名称", help_zh="无信用代码时必填，按名称匹配主体"),
            Field("period", "期间", "period", True, aliases=("年度",), example="2023"),
            Field("revenue", "营业收入（万元）", "nonneg", example="12000"),
            Field(
                "tax_paid", "纳税额（万元）", "nonneg", aliases=("税额",), example="600", help_zh="未知可留空"
            ),
            Field("adcode", "征收地代码", "adcode", help_zh="缺省为企业注册地"),
            Field("shared_to_adcode", "分享地代码", "adcode", help_zh="税收分享协议的分享方（如飞出地）"),
            Field("share_pct", "分享比例（%）", "share", example="40"),
            Field("agreement_id", "分享协议编号"),
            SYNTHETIC,
        ),
        key=("credit_code", "firm_name", "period"),
        help_zh="企业分期纳税记录；有税收分享协议时填写分享地与比例",
        help_en="tax per firm and period; give the sharing place and percentage under a tax-sharing agreement",
        period_field="period",
        one_of=(("credit_code", "firm_name"),),
    ),
    Kind(
        "flows",
        "城际流动",
        "inter-city flows",
        (
            Field(
                "flow_type",
                "类型",
                "enum",
                True,
                {
                    "rail": "铁路班次",
                    "road": "公路交通",
                    "migration": "人口迁移",
                    "commuting": "通勤",
                    "logistics": "物流",
                    "information": "信息流",
                },
                example="rail",
            ),
            Field(
                "origin",
                "起点代码",
                "adcode",
                True,
                aliases=("起点", "起点城市", "起点地区"),
                help_zh="行政区划代码（3205、320500）或地名（苏州、苏州市、上海市浦东新区）；同名地报错",
                help_en="adcode (3205, 320500) or place name (苏州, 苏州市, 上海市浦东新区); ambiguous names are "
                "reported (Suzhou: 苏州 or 宿州)",
                example="310100",
            ),
            Field(
                "destination",
                "终点代码",
                "adcode",
                True,
                aliases=("终点", "终点城市", "终点地区"),
                help_zh="同起点",
                help_en="as origin",
                example="320500",
            ),
            Field("period", "期间", "period", True, example="2023"),
            Field(
                "value",
                "流量",
                "nonneg",
                True,
                help_zh="班次、人次、车次、吨等，即该联系的权重；0 不形成联系",
                help_en="trains, trips, people, tonnes...: the tie's weight; 0 makes no tie",
                example="320",
            ),
            Field("travel_time_min", "通行时间（分钟）", "nonneg", example="25"),
            Field(
                "symmetric",
                "双向",
                "flag",
                aliases=("对称", "不分方向"),
                help_zh="1：流量不分方向（如铁路、公路线路，往返通勤合计），平分到两个方向",
                help_en="1: the volume has no direction (a rail or road link, commuting both ways); half goes "
                "each way",
                example="0",
            ),
            SYNTHETIC,
        ),
        key=("flow_type", "origin", "destination", "period"),
        help_zh="地区间的交通、人口、物流、信息流量，每类每对每期一行；起终点可为代码或地名，双向=1 表示不分方向",
        help_en="one row per flow type, origin, destination and period; endpoints are codes or place names, "
        "symmetric=1 for a volume without direction",
        period_field="period",
    ),
    Kind(
        "services",
        "科技服务",
        "service records",
        (
            Field("service_id", "记录编号", required=True, example="S2023000001"),
            Field(
                "service_type",
                "服务类型",
                "enum",
                True,
                {
                    "voucher": "创新券",
                    "instrument": "仪器共享",
                    "brokerage": "技术经纪",
                    "credit": "联合授信",
                },
                example="voucher",
            ),
            Field("date", "日期", "date", True, example="2023-04-01"),
            *_party("provider", "服务方"),
            *_party("user", "使用方"),
            Field("value", "金额（万元）", "nonneg", example="10", help_zh="未知可留空（不按 0 计）"),
            SYNTHETIC,
        ),
        key=("service_id",),
        help_zh="创新券兑付、仪器共享、技术经纪、联合授信等服务，每笔一行",
        help_en="one row per voucher redemption, instrument use, brokerage deal or joint credit",
        period_field="date",
    ),
    Kind(
        "enclaves",
        "飞地",
        "enclaves",
        (
            Field("enclave_id", "飞地编号", required=True, example="E001"),
            Field("enclave_name", "飞地名称", required=True, example="示例飞地产业园"),
            Field("origin_adcode", "飞出地代码", "adcode", True, example="310100"),
            Field("host_adcode", "飞入地代码", "adcode", True, example="341800"),
            Field("established", "设立日期", "date", example="2018-05-01"),
            Field("origin_equity_pct", "飞出地持股（%）", "share", example="60"),
            Field("host_equity_pct", "飞入地持股（%）", "share", example="40"),
            Field("period", "期间", "period", True, example="2023"),
            Field("area_mu", "占地（亩）", "nonneg", example="1500"),
            Field("output", "产值（万元）", "nonneg", example="300000"),
            Field("tax", "税收（万元）", "nonneg", example="12000"),
            Field("investment", "投资（万元）", "nonneg", example="80000"),
            Field("firms", "入驻企业数", "count", example="35"),
            # issue 15 (cooperation ledgers): type, operator, land quota, joint funding and the 亩均 inputs
            Field(
                "enclave_type",
                "飞地类型",
                "enum",
                choices=ENCLAVE_TYPES,
                choice_aliases=ENCLAVE_TYPE_ALIASES,
                aliases=("飞地类别",),
                example="industrial",
                help_zh="产业飞地、科创飞地（创新飞地、研发飞地）、消薄飞地（扶贫飞地）或其他；留空按产业飞地",
                help_en="industrial, innovation, poverty-relief (消薄) or other; blank: industrial",
            ),
            Field(
                "direction",
                "飞地方向",
                "enum",
                choices={"forward": "正向飞地", "reverse": "逆向飞地"},
                aliases=("正向或逆向", "方向"),
                example="forward",
                help_zh="正向：飞出地到飞入地建园；逆向：欠发达的飞出地在发达的飞入地设研发孵化基地；留空按正向",
                help_en="forward: the origin builds in the host; reverse: a less developed origin sets up an "
                "R&D or incubation base in the developed host; blank: forward",
            ),
            Field(
                "operator_name",
                "运营公司",
                aliases=("运营公司名称", "运营主体"),
                example="示例飞地园区运营管理有限公司",
                help_zh="负责飞地市场化运营的公司",
                help_en="the company that runs the enclave",
            ),
            Field(
                "operator_code",
                "运营公司信用代码",
                "credit_code",
                aliases=("运营主体信用代码",),
                help_zh="有则填写，用于匹配主体",
                help_en="give it where known: it identifies the company",
            ),
            Field(
                "land_quota_mu",
                "用地指标调剂（亩）",
                "nonneg",
                aliases=("用地指标调剂", "土地指标调剂（亩）", "调剂用地指标"),
                example="200",
                help_zh="本期由飞出地调剂给飞入地、用于该飞地的建设用地指标",
                help_en="construction-land quota the origin transferred to the host for the enclave in the period",
            ),
            Field(
                "joint_fund",
                "联合资助（万元）",
                "nonneg",
                aliases=("联合资助", "联合资助资金"),
                example="5000",
                help_zh="本期双方共同投入的资助资金",
                help_en="money both sides put in together in the period",
            ),
            Field(
                "origin_fund",
                "飞出地出资（万元）",
                "nonneg",
                aliases=("飞出地出资",),
                example="3000",
                help_zh="联合资助中飞出地的出资",
                help_en="the origin's part of the joint funding",
            ),
            Field(
                "host_fund",
                "飞入地出资（万元）",
                "nonneg",
                aliases=("飞入地出资",),
                example="2000",
                help_zh="联合资助中飞入地的出资",
                help_en="the host's part of the joint funding",
            ),
            Field(
                "value_added",
                "增加值（万元）",
                "nonneg",
                aliases=("增加值", "工业增加值"),
                example="90000",
                help_zh="亩均效益评价用；未知可留空（不按 0 计）",
                help_en="for the 亩均 evaluation; blank when unknown (never read as 0)",
            ),
            Field(
                "energy_tce",
                "综合能耗（吨标准煤）",
                "nonneg",
                aliases=("综合能耗", "能耗（吨标准煤）", "能耗"),
                example="20000",
                help_zh="亩均效益评价用；未知可留空",
                help_en="total energy use in tonnes of standard coal equivalent; blank when unknown",
            ),
            Field(
                "rd_spend",
                "研发投入（万元）",
                "nonneg",
                aliases=("研发投入", "研发经费", "R&D经费"),
                example="9000",
                help_zh="亩均效益评价用；未知可留空",
                help_en="R&D spending; blank when unknown",
            ),
            Field(
                "employees",
                "从业人员",
                "count",
                aliases=("从业人数", "员工人数"),
                example="2400",
                help_zh="期末从业人员数；未知可留空",
                help_en="persons employed; blank when unknown",
            ),
            SYNTHETIC,
        ),
        key=("enclave_id", "period"),
        help_zh="飞地基本信息与年度绩效（含用地指标调剂、联合资助与亩均效益指标），每个飞地每期一行",
        help_en="one row per enclave and period: identity, yearly performance, land quota, joint funding and the "
        "亩均 inputs",
        period_field="period",
    ),
    Kind(
        "enclave_terms",
        "飞地协议",
        "enclave agreements",
        (
            Field("enclave_id", "飞地编号", required=True, example="E001"),
            Field("agreement_id", "协议编号", aliases=("合作协议编号",), example="EA-2018-01"),
            Field("signed", "签订日期", "date", aliases=("签约日期",), example="2018-03-15"),
            Field(
                "term_years",
                "协议期限（年）",
                "count",
                aliases=("协议期限", "合作期限（年）"),
                example="20",
            ),
            Field(
                "target_output",
                "目标产值（万元/年）",
                "nonneg",
                aliases=("目标产值", "约定产值"),
                example="250000",
                help_zh="自目标年份起每年应达到的产值",
                help_en="output to reach every year from the target year on",
            ),
            Field(
                "target_tax",
                "目标税收（万元/年）",
                "nonneg",
                aliases=("目标税收", "约定税收"),
                example="10000",
                help_zh="自目标年份起每年应达到的税收",
                help_en="tax to reach every year from the target year on",
            ),
            Field("target_year", "目标年份", "period", aliases=("达产年份",), example="2021"),
            Field(
                "land_quota_agreed_mu",
                "约定调剂指标（亩）",
                "nonneg",
                aliases=("约定用地指标（亩）", "约定调剂指标"),
                example="1200",
                help_zh="飞出地承诺调剂的建设用地指标总量",
                help_en="total construction-land quota the origin promises to transfer",
            ),
            Field(
                "host_land_mu",
                "飞入地自有用地（亩）",
                "nonneg",
                aliases=("飞入地自有指标（亩）", "飞入地供地（亩）"),
                example="300",
                help_zh="飞入地以自有指标提供的用地；其余占地须由飞出地调剂",
                help_en="land the host provides from its own quota; the rest of the area needs the origin's quota",
            ),
            Field(
                "origin_min_equity_pct",
                "飞出地最低持股（%）",
                "share",
                aliases=("飞出地控股线（%）",),
                example="50",
                help_zh="飞出地持股须高于此值（控股）；留空按 50",
                help_en="the origin must hold more than this (control); blank: 50",
            ),
            Field(
                "host_min_equity_pct",
                "飞入地最低持股（%）",
                "share",
                aliases=("飞入地占股下限（%）",),
                example="30",
                help_zh="飞入地持股不得低于此值；留空按 30（飞入地占股不低于 30%）",
                help_en="the host must hold at least this; blank: 30",
            ),
            Field(
                "origin_tax_share_pct",
                "飞出地税收分成（%）",
                "share",
                aliases=("飞出地分成比例（%）", "飞出地税收分成"),
                example="40",
                help_zh="协议承诺给飞出地的飞地税收比例",
                help_en="share of the enclave's tax promised to the origin",
            ),
            Field("note", "备注", example="园区落地+团队控股"),
            SYNTHETIC,
        ),
        key=("enclave_id",),
        help_zh="飞地共建协议：期限、目标产值与税收、用地指标、持股下限、税收分成，每个飞地一行",
        help_en="one row per enclave: the agreement's term, output and tax targets, land quota, equity floors "
        "and the origin's tax share",
        period_field="signed",
        stock=True,
    ),
    Kind(
        "enclave_shareholders",
        "运营公司股东",
        "enclave operator shareholders",
        (
            Field("enclave_id", "飞地编号", required=True, example="E001"),
            Field("period", "期间", "period", True, aliases=("年份",), example="2023"),
            Field(
                "shareholder_name",
                "股东名称",
                required=True,
                aliases=("股东",),
                example="示例产业投资集团有限公司",
            ),
            Field(
                "shareholder_code",
                "股东信用代码",
                "credit_code",
                help_zh="有则填写，用于匹配主体",
                help_en="give it where known: it identifies the shareholder",
            ),
            Field(
                "side",
                "所属方",
                "enum",
                choices={"origin": "飞出方", "host": "飞入方", "other": "其他"},
                aliases=("股东所属方",),
                example="origin",
            ),
            Field(
                "adcode",
                "股东所在地代码",
                "adcode",
                aliases=("股东所在地",),
                example="310100",
                help_zh="缺失时按主体库注册地",
                help_en="blank: the shareholder's registered place",
            ),
            Field("share_pct", "持股比例（%）", "share", aliases=("持股比例",), example="60"),
            Field(
                "paid_in",
                "实缴出资（万元）",
                "nonneg",
                aliases=("实缴出资", "实缴资本（万元）"),
                example="6000",
                help_zh="截至本期的实缴出资；留空时按持股比例 × 飞地投资估算股权联系",
                help_en="capital paid in by the end of the period; blank: the equity tie is share × the enclave's "
                "investment",
            ),
            SYNTHETIC,
        ),
        key=("enclave_id", "period", "shareholder_name"),
        help_zh="飞地运营公司的股东及持股，每个飞地每期每个股东一行",
        help_en="one row per enclave, period and shareholder of the enclave's operating company",
        period_field="period",
    ),
    Kind(
        "tax_sharing",
        "税收分享协议",
        "tax-sharing agreements",
        (
            Field(
                "agreement_id",
                "协议编号",
                required=True,
                aliases=("分享协议编号",),
                example="TS-E001",
                help_zh="与税收记录的“分享协议编号”一致",
                help_en="the tax records' agreement_id",
            ),
            Field("enclave_id", "飞地编号", example="E001"),
            Field(
                "collecting_adcode",
                "征收地代码",
                "adcode",
                True,
                aliases=("征收地",),
                example="341802",
                help_zh="税收征收地（通常为飞入地）",
                help_en="where the tax is collected (usually the host)",
            ),
            Field(
                "sharing_adcode",
                "分享地代码",
                "adcode",
                True,
                aliases=("分享地",),
                example="310117",
                help_zh="分享税收的一方（通常为飞出地）",
                help_en="the place the share goes to (usually the origin)",
            ),
            Field(
                "basis",
                "分成方式",
                "enum",
                choices={"increment": "增量分成", "total": "全额分成", "capital": "按出资比例"},
                aliases=("分享方式",),
                example="increment",
                help_zh="增量分成：按基期以上的增量分成；全额分成：按全部税收分成；按出资比例：按分享方在运营公司的实缴出资占比",
                help_en="increment: a share of the tax above the base year's; total: a share of all of it; capital: "
                "the sharing side's paid-in share of the operating company",
            ),
            Field("base_year", "基期年份", "period", aliases=("基期",), example="2018"),
            Field(
                "base_amount",
                "基期税收（万元）",
                "nonneg",
                aliases=("基数（万元）", "基期税收"),
                example="1200",
                help_zh="增量分成的基数；留空按基期年份该协议企业的纳税额（税收记录）",
                help_en="the base of an increment split; blank: the base year's tax of the agreement's firms",
            ),
            Field(
                "share_pct",
                "分享比例（%）",
                "share",
                aliases=("分成比例（%）",),
                example="40",
                help_zh="增量分成、全额分成的分享比例",
                help_en="the share for increment and total splits",
            ),
            Field(
                "cap",
                "年度上限（万元）",
                "nonneg",
                aliases=("分成上限（万元）", "年度上限"),
                example="5000",
                help_zh="每年分享额的上限；留空为不设上限",
                help_en="most shared in a year; blank: no cap",
            ),
            Field("start_year", "起始年份", "period", True, aliases=("生效年份",), example="2019"),
            Field(
                "end_year",
                "截止年份",
                "period",
                aliases=("终止年份",),
                example="2028",
                help_zh="留空按 起始年份 + 期限 − 1；期限也空则长期有效",
                help_en="blank: start year + duration − 1; without a duration, open-ended",
            ),
            Field("duration_years", "期限（年）", "count", aliases=("分享期限（年）",), example="10"),
            SYNTHETIC,
        ),
        key=("agreement_id",),
        help_zh="“资本+税收”分享协议：征收地、分享地、分成方式、基期、比例、上限与期限，每个协议一行",
        help_en="one row per tax-sharing agreement: collecting and sharing places, basis, base year, share, cap "
        "and term",
        period_field="start_year",
        stock=True,
    ),
    Kind(
        "vouchers",
        "创新券",
        "innovation vouchers",
        (
            Field("voucher_id", "创新券编号", required=True, aliases=("券号",), example="V2023000001"),
            Field(
                "issuer_adcode",
                "发券地代码",
                "adcode",
                True,
                aliases=("发券地",),
                example="320500",
                help_zh="发放创新券的地区（省、市或区县）",
                help_en="the place (province, city or county) that issued the voucher",
            ),
            Field("issued", "发放日期", "date", True, aliases=("发券日期",), example="2023-03-01"),
            Field("face_value", "面额（万元）", "nonneg", aliases=("面额", "券面额"), example="20"),
            Field(
                "holder_code",
                "用券企业信用代码",
                "credit_code",
                help_zh="有则填写，用于匹配主体",
                help_en="give it where known: it identifies the firm",
            ),
            Field(
                "holder_name",
                "用券企业名称",
                aliases=("用券企业", "持券企业"),
                example="示例科技有限公司",
                help_zh="无信用代码时必填，按名称匹配主体",
                help_en="required without a credit code; matched by name",
            ),
            Field(
                "holder_adcode",
                "用券企业所在地代码",
                "adcode",
                aliases=("用券企业所在地",),
                example="320506",
                help_zh="缺失时按主体库注册地",
                help_en="blank: the holder's registered place",
            ),
            Field(
                "provider_code",
                "服务机构信用代码",
                "credit_code",
                help_zh="有则填写，用于匹配主体",
                help_en="give it where known: it identifies the provider",
            ),
            Field(
                "provider_name",
                "服务机构名称",
                aliases=("服务机构",),
                example="示例检测技术有限公司",
            ),
            Field(
                "provider_adcode",
                "服务机构所在地代码",
                "adcode",
                aliases=("服务机构所在地",),
                example="310104",
                help_zh="缺失时按主体库注册地",
                help_en="blank: the provider's registered place",
            ),
            Field(
                "redeemed",
                "兑付日期",
                "date",
                aliases=("兑现日期",),
                example="2023-09-15",
                help_zh="留空表示尚未兑付；服务网络按兑付年份计",
                help_en="blank: not redeemed; the service network counts it in the year of redemption",
            ),
            Field(
                "redeemed_value",
                "兑付金额（万元）",
                "nonneg",
                aliases=("兑付金额", "兑现金额"),
                example="18",
                help_zh="留空按面额计",
                help_en="blank: the face value",
            ),
            Field(
                "redeem_mode",
                "兑付方式",
                "enum",
                choices={"user": "使用方兑付", "provider": "服务方兑付"},
                aliases=("兑现方式",),
                example="provider",
                help_zh="使用方兑付：用券企业凭票申请；服务方兑付：服务机构凭券申请",
                help_en="user: the holder claims the money; provider: the service provider claims it",
            ),
            SYNTHETIC,
        ),
        key=("voucher_id",),
        help_zh="创新券的发放与兑付（用券企业、服务机构及其所在地），每张券一行",
        help_en="one row per innovation voucher: issue and redemption, holder and provider with their places",
        # the year of a voucher is the year it was redeemed (the service tie); unredeemed ones have none
        period_field="redeemed",
        one_of=(("holder_code", "holder_name"),),
    ),
    Kind(
        "recognitions",
        "创新券互认互通",
        "voucher mutual recognitions",
        (
            Field("agreement_id", "互认协议编号", aliases=("协议编号",), example="RC-2019-01"),
            Field(
                "adcode_a",
                "地区甲代码",
                "adcode",
                True,
                aliases=("地区甲", "甲方地区"),
                example="310000",
                help_zh="省（31、310000）、市或区县；含其下各地",
                help_en="a province (31, 310000), city or county; it covers every place under it",
            ),
            Field(
                "adcode_b",
                "地区乙代码",
                "adcode",
                True,
                aliases=("地区乙", "乙方地区"),
                example="320000",
                help_zh="同地区甲",
                help_en="as adcode_a",
            ),
            Field(
                "start", "生效日期", "date", True, aliases=("互认起始日期", "开始日期"), example="2019-07-01"
            ),
            Field(
                "end",
                "终止日期",
                "date",
                aliases=("截止日期",),
                example="2026-06-30",
                help_zh="留空为长期有效",
                help_en="blank: open-ended",
            ),
            Field("scope", "互认范围", aliases=("范围",), example="科技创新券通用通兑"),
            SYNTHETIC,
        ),
        key=("agreement_id", "adcode_a", "adcode_b"),
        help_zh="创新券跨区域互认互通：甲地发放的券可在乙地服务机构兑付，反之亦然，自生效日期起，每对地区一行",
        help_en="one row per pair of places that honour each other's vouchers (a voucher of a's issuer at providers "
        "in b and back) from the start date",
        period_field="start",
        stock=True,
    ),
    Kind(
        "policies",
        "政策",
        "policies",
        (
            Field("policy_id", "政策编号", required=True, example="P2023001"),
            Field("title", "标题", required=True, example="关于促进集成电路产业发展的若干政策"),
            Field("issuer", "发文机关", required=True, example="上海市人民政府"),
            Field("adcode", "适用地区代码", "adcode", True, example="310000"),
            Field(
                "level",
                "层级",
                "enum",
                True,
                {
                    "national": "国家",
                    "regional": "区域",
                    "provincial": "省级",
                    "city": "市级",
                    "county": "县级",
                },
                example="provincial",
            ),
            Field("date", "发布日期", "date", True, example="2023-02-01"),
            Field("chains", "相关产业链", "list", example="ic;ai"),
            Field("segments", "相关环节", "list", example="ic:design;ic:fabrication"),
            Field("text", "正文"),
            SYNTHETIC,
        ),
        key=("policy_id",),
        help_zh="政策文件，每件一行；相关环节写作 产业链:环节",
        help_en="one row per policy; related segments as chain:segment",
        period_field="date",
    ),
    Kind(
        "needs",
        "技术需求",
        "technology needs",
        (
            Field("need_id", "需求编号", required=True, example="N2023001"),
            Field("credit_code", "企业信用代码", "credit_code"),
            Field("firm_name", "企业名称", help_zh="无信用代码时必填，按名称匹配主体"),
            Field("title", "需求名称", required=True, example="车规级功率芯片封装可靠性提升"),
            Field("description", "需求描述"),
            Field("ipc", "IPC分类号", "ipc_list"),
            CHAIN,
            SEGMENT,
            Field("date", "发布日期", "date", True, example="2023-05-10"),
            Field("budget", "预算（万元）", "nonneg", example="300"),
            SYNTHETIC,
        ),
        key=("need_id",),
        help_zh="企业发布的技术需求，每条一行",
        help_en="one row per technology need posted by a firm",
        period_field="date",
        one_of=(("credit_code", "firm_name"),),
    ),
    Kind(
        "experts",
        "研发人员",
        "researchers and experts",
        (
            Field("expert_id", "人员编号", required=True, example="X0001"),
            Field("name", "姓名", required=True, example="张某"),
            Field("institution_name", "所在机构", required=True, example="示例大学"),
            Field("institution_code", "机构信用代码", "credit_code"),
            Field("adcode", "行政区划代码", "adcode", example="320106"),
            Field("ipc", "IPC分类号", "ipc_list", example="H01L"),
            CHAIN,
            SEGMENT,
            Field("keywords", "研究方向", example="功率半导体;封装"),
            SYNTHETIC,
        ),
        key=("expert_id",),
        help_zh="研发人员或专家画像，每人一行（用于研发联络者匹配）",
        help_en="one row per researcher profile (for R&D-liaison matching)",
        period_field=None,
        stock=True,
    ),
    Kind(
        "alliances",
        "联盟成员",
        "alliance members",
        (
            Field("alliance_id", "联盟编号", required=True, example="A001"),
            Field("alliance_name", "联盟名称", required=True, example="长三角集成电路产业联盟"),
            # issue 16: the level an alliance works at, so overlap and fragmentation can be read across levels
            Field(
                "level",
                "联盟层级",
                "enum",
                choices=ALLIANCE_LEVELS,
                choice_aliases=ALLIANCE_LEVEL_ALIASES,
                aliases=("层级", "联盟级别"),
                example="region",
                help_zh="区域（长三角）、走廊（G60科创走廊）、省级或市级；留空为未注明",
                help_en="region (the whole YRD), corridor (G60), province or city; blank: not stated",
            ),
            *_party("member", "成员"),
            Field("role", "角色", example="理事单位"),
            Field("joined", "加入日期", "date", example="2019-11-01"),
            CHAIN,
            dataclasses.replace(
                SEGMENT, help_zh="联盟聚焦的环节（可留空）", help_en="the segment it focuses on (optional)"
            ),
            SYNTHETIC,
        ),
        key=("alliance_id", "member_name"),
        help_zh="产业联盟、创新联合体的成员，每个成员一行；同一联盟各行的层级、产业链相同",
        help_en="one row per member of an alliance or innovation consortium; an alliance's rows share its level and "
        "chain",
        period_field="joined",
        stock=True,
    ),
    # issue 16: open calls for key technologies (揭榜挂帅): the call, the teams that bid, its decomposed tasks and its
    # outcomes, one kind each (analytics/opencalls.py reads the four tables)
    Kind(
        "open_calls",
        "揭榜挂帅项目",
        "open calls (揭榜挂帅)",
        (
            Field("call_id", "榜单编号", required=True, aliases=("项目编号", "榜单号"), example="JB2023001"),
            Field(
                "title",
                "榜单名称",
                required=True,
                aliases=("项目名称", "榜单题目"),
                example="车规级功率芯片封装可靠性关键技术",
            ),
            Field(
                "description", "榜单内容", aliases=("需求描述", "攻关内容"), example="面向新能源汽车电驱的……"
            ),
            Field(
                "adcode",
                "发榜地区代码",
                "adcode",
                True,
                aliases=("发榜地区", "发榜地", "发榜地区名称"),
                example="340100",
                help_zh="发榜的政府所在地：行政区划代码（340100）或地名（合肥市）；同名地报错",
                help_en="the posting government's place: adcode (340100) or name (合肥市); ambiguous names are "
                "reported",
            ),
            dataclasses.replace(CHAIN, required=True),
            SEGMENT,
            Field(
                "budget",
                "榜单金额（万元）",
                "nonneg",
                aliases=("榜单金额", "揭榜金额（万元）", "支持金额（万元）", "预算（万元）"),
                example="1000",
                help_zh="财政支持金额；未知可留空（不按 0 计）",
                help_en="public funding offered; blank when unknown (never read as 0)",
            ),
            Field("posted", "发榜日期", "date", True, aliases=("发布日期",), example="2023-03-01"),
            Field(
                "due",
                "完成期限",
                "date",
                aliases=("项目完成期限", "截止日期"),
                example="2025-12-31",
                help_zh="项目须完成的日期",
                help_en="the date the project must be completed by",
            ),
            SYNTHETIC,
        ),
        key=("call_id",),
        help_zh="揭榜挂帅榜单：发榜地区、产业链环节、金额、发榜日期与完成期限，每个榜单一行",
        help_en="one row per open call for a key technology: posting place, chain segment, budget, dates",
        period_field="posted",
        # a call places its bids' teams, tasks and outcomes in every later year: loading one changes them all
        stock=True,
    ),
    Kind(
        "open_call_bids",
        "揭榜团队",
        "open-call bids",
        (
            Field("call_id", "榜单编号", required=True, aliases=("项目编号",), example="JB2023001"),
            Field(
                "bid_id",
                "揭榜方案编号",
                required=True,
                aliases=("方案编号", "团队编号", "揭榜编号"),
                example="JB2023001-1",
                help_zh="同一团队（联合体）各成员行相同",
                help_en="the same on every member row of one team (consortium)",
            ),
            *_party("member", "团队成员"),
            Field(
                "lead",
                "牵头单位",
                "flag",
                aliases=("是否牵头", "牵头"),
                example="1",
                help_zh="1：该成员牵头本方案",
                help_en="1: this member leads the bid",
            ),
            Field(
                "winner",
                "揭榜成功",
                "flag",
                aliases=("是否揭榜成功", "中榜", "入选"),
                example="1",
                help_zh="1：该方案揭榜成功（团队各成员行均填 1）",
                help_en="1: this bid won the call (1 on every member row of the team)",
            ),
            SYNTHETIC,
        ),
        key=("call_id", "bid_id", "member_name"),
        help_zh="揭榜方案及其团队成员，每个方案每个成员一行；成员可跨城市、跨省",
        help_en="one row per member of each bid on a call; a team may span cities and provinces",
        period_field=None,
        # the winning teams place every year's task and outcome ties: loading bids changes every built year
        stock=True,
    ),
    Kind(
        "open_call_tasks",
        "揭榜任务",
        "open-call tasks",
        (
            Field("call_id", "榜单编号", required=True, aliases=("项目编号",), example="JB2023001"),
            Field("task_id", "任务编号", required=True, aliases=("节点编号",), example="T1"),
            Field(
                "milestone",
                "任务节点",
                aliases=("里程碑", "任务名称", "考核节点"),
                example="完成样品流片与可靠性测试",
            ),
            Field(
                "due", "计划完成日期", "date", True, aliases=("计划日期", "考核日期"), example="2024-06-30"
            ),
            Field(
                "done",
                "实际完成日期",
                "date",
                aliases=("完成日期",),
                example="2024-06-20",
                help_zh="留空表示尚未完成；按完成年份计入创新网络",
                help_en="blank: not done yet; the innovation network counts it in the year it was done",
            ),
            SYNTHETIC,
        ),
        key=("call_id", "task_id"),
        help_zh="榜单分解的任务与考核节点（项目分解—团队包干），每个任务一行",
        help_en="one row per task (milestone) a call is decomposed into",
        # a task's year is the year it was done (a tie of the team to the posting place); open ones have none
        period_field="done",
    ),
    Kind(
        "open_call_outcomes",
        "揭榜成果",
        "open-call outcomes",
        (
            Field("call_id", "榜单编号", required=True, aliases=("项目编号",), example="JB2023001"),
            Field(
                "outcome_type",
                "成果类型",
                "enum",
                True,
                choices=OUTCOME_TYPES,
                choice_aliases=OUTCOME_TYPE_ALIASES,
                aliases=("类型",),
                example="patent",
                help_zh="专利、成果转化（转让、许可）或产品",
                help_en="patent, transfer (assignment or licence) or product",
            ),
            Field(
                "reference",
                "成果编号",
                required=True,
                aliases=("专利申请号", "成果名称", "编号"),
                example="CN202410000001.X",
                help_zh="专利申请号、转让合同编号或产品名称",
                help_en="the patent application number, transfer contract id or product name",
            ),
            Field(
                "count",
                "数量",
                "count",
                aliases=("件数",),
                example="1",
                help_zh="一行合计多件时填写；留空为 1",
                help_en="for a row that stands for several; blank: 1",
            ),
            Field("date", "日期", "date", True, aliases=("取得日期", "申请日"), example="2024-09-01"),
            SYNTHETIC,
        ),
        key=("call_id", "outcome_type", "reference"),
        help_zh="揭榜项目的成果（专利、成果转化、产品），每项一行；计入创新网络：团队成员所在地 → 发榜地",
        help_en="one row per outcome of a call (patent, transfer, product); in the innovation network from the "
        "winning team's places to the posting place",
        period_field="date",
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}


def kind(name: str) -> Kind:
    """Return the kind called ``name`` or raise ``ConfigError`` listing the kinds there are."""
    from chainatlas.errors import ConfigError

    try:
        return KINDS[name]
    except KeyError:
        raise ConfigError(f"unknown input kind {name!r}; expected one of: {', '.join(KINDS)}") from None
