"""Documented, empty input templates for each kind, in Chinese or English.

``write_template("firms", "主体.xlsx")`` writes a workbook with a ``数据`` sheet (the header row a user
fills in below) and a ``说明`` sheet (what the kind is for, then one row per column: header, English
name, required, the rule in words, an example and notes). ``.csv`` gives a header-only UTF-8-BOM file
(Excel opens it without mojibake) plus a sidecar ``<stem>.说明.csv`` with the same documentation.
Every header written here is one :func:`chainatlas.ingest.read.read_table` maps back to its field. Cells go
through :func:`chainatlas.ingest.excel.safe_cell`, like every spreadsheet the product writes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from chainatlas.errors import ConfigError
from chainatlas.ingest.excel import safe_cell, safe_rows
from chainatlas.model.kinds import Field, Kind
from chainatlas.model.kinds import kind as get_kind

__all__ = ["ERROR_TEXT", "RULE_TEXT", "explain_error", "template_doc", "write_template"]

#: Each rule in words, (Chinese, English).
RULE_TEXT: dict[str, tuple[str, str]] = {
    "text": ("文本", "text"),
    "credit_code": (
        "18位统一社会信用代码，校验位须正确（GB 32100-2015）",
        "18-character unified social credit code with a valid check digit (GB 32100-2015)",
    ),
    "adcode": (
        "沪苏浙皖现行行政区划代码（4、6、9或12位，GB/T 2260）或地名（苏州市、上海市浦东新区）；已撤销的代码自动转换",
        (
            "current GB/T 2260 code in Shanghai, Jiangsu, Zhejiang or Anhui (4, 6, 9 or 12 digits) or a place "
            "name (苏州市, 上海市浦东新区); retired codes are converted"
        ),
    ),
    "gbt4754": (
        "国民经济行业分类代码（GB/T 4754-2017 大类、中类或小类）；2011版代码自动转换",
        "GB/T 4754-2017 industry code (2, 3 or 4 digits); 2011 codes are converted",
    ),
    "gbt4754_list": (
        "国民经济行业分类代码，多个用分号 ; 分隔（主营行业填在“行业代码”列）",
        "GB/T 4754-2017 industry codes, several separated by ';' (the main one goes in the industry code column)",
    ),
    "hs": (
        "HS商品编码：2、4、6位，或8、10位税则号",
        "HS code: 2, 4 or 6 digits, or an 8/10-digit tariff line",
    ),
    "ipc_list": ("IPC分类号，多个用分号 ; 分隔", "IPC symbols, several separated by ';'"),
    "country": (
        "国家代码（ISO 3166-1，两位或三位字母，如 KR 或 KOR）或中文国名（韩国、南韓、香港）",
        "ISO 3166-1 alpha-2 or alpha-3 country code (e.g. KR or KOR), or its Chinese name (韩国)",
    ),
    "date": (
        "日期：2023-01-05、2023/1/5、2023年1月5日、20230105 或 Excel 日期",
        "date: 2023-01-05, 2023/1/5, 2023年1月5日, 20230105 or an Excel date",
    ),
    "period": (
        "期间：年（2023）、月（2023-05）或季度（2023Q2）",
        "period: a year (2023), month (2023-05) or quarter (2023Q2)",
    ),
    "nonneg": (
        "不小于0的数，可带千分位逗号（如 1,234.5）",
        "a number >= 0; thousands separators allowed (1,234.5)",
    ),
    "count": ("不小于0的整数", "a whole number >= 0"),
    "share": ("百分比，0到100（可带 %）", "a percentage from 0 to 100 (a trailing % is allowed)"),
    "enum": ("取值之一（填英文值或中文均可）：", "one of (English value or Chinese label): "),
    "chain": ("产业链代码（见产业链目录，如 ic）", "chain id from the chain taxonomy (e.g. ic)"),
    "segment": (
        "该产业链的环节代码（须同时填写产业链）",
        "segment id of the row's chain (needs the chain column)",
    ),
    "list": ("多个值用分号 ; 分隔（也可用 ；或 |）", "several values separated by ';' (also '；' or '|')"),
    "flag": (
        "是/否：1 或 0（也可填 true/false、是/否、y/n）",
        "yes/no: 1 or 0 (also true/false, 是/否, y/n)",
    ),
}

#: Each check that is not a column's own rule (what an upload's error ``rule`` may also be), (Chinese, English).
ERROR_TEXT: dict[str, tuple[str, str]] = {
    "required": ("必填项，不能为空", "required: the cell must not be empty"),
    "duplicate key": (
        "唯一键重复：与文件中另一行的唯一键相同，请删去重复行",
        "duplicate key: another row of the file has the same key; delete one of them",
    ),
    "unknown column": ("无法识别的列名：请改为模板中的列名或删去该列", "unknown column: rename or delete it"),
    "duplicate column": ("两列对应同一字段，请只保留一列", "two columns give the same field; keep one"),
    "cell size": ("单元格内容过长，请缩短", "the cell is over the size limit; shorten it"),
    "repeated header": (
        "该行重复了表头（两个文件拼接在一起？），请删去该行",
        "the row repeats the header row (two files joined?); delete it",
    ),
    "columns": (
        "该行的单元格个数与表头不一致：含分隔符的内容请加引号",
        "the row has a different number of cells than the header; quote cells holding the delimiter",
    ),
    "quote": ('引号未闭合：请补全引号，引号内的引号写作两个（""）', "a quote is never closed"),
    "formula without value": (
        "单元格只有公式、没有计算值：请在 Excel 或 WPS 中打开后保存，或粘贴为数值",
        "a formula without a computed value: open and save the file in Excel or WPS",
    ),
    "column type": (
        "该列的数据类型无法读取：请先展开为普通单元格",
        "the column type cannot be read as cells",
    ),
    "address": (
        "无法将地址定位到沪苏浙皖的区县或城市：请填写行政区划代码",
        "the address cannot be placed in a YRD county or city; give the code instead",
    ),
    "one_of": ("这几列至少填写一项", "give at least one of these columns"),
    "parties": ("参与方个数超过上限", "more parties than the limit"),
    "list length": ("项数与对应的第一列不一致", "a different number of items than the first list"),
    "list": ("列表中有空项：请删去多余的分隔符", "an empty list item; remove the extra separator"),
    "number": (
        "不是数字：请只填数字（如 1234.5），不要带单位",
        "not a number; digits like 1234.5 without units",
    ),
    "negative amount": ("须为不小于0的数", "must be a number >= 0"),
    "self link": ("两端是同一主体（主体与自身的联系）", "both ends are the same entity"),
    "future date": ("成立日期晚于今天，请检查年份", "the founding date is after today; check the year"),
}


def explain_error(kind: str | Kind, error: dict[str, Any], header: str, lang: str = "zh") -> tuple[str, str]:
    """The rule of an upload's row error and a message naming the file's own ``header``, in ``lang``.

    A column's own rule reads as in the template (with the choices of an enum); checks across columns or
    of the file read from :data:`ERROR_TEXT`. Returns ``(rule_text, message)``.
    """
    k = get_kind(kind) if isinstance(kind, str) else kind
    zh = _check_lang(lang) == "zh"
    rule, column = str(error.get("rule") or ""), str(error.get("column") or "")
    f = next((x for x in k.fields if x.name == column), None)
    if rule in ERROR_TEXT:
        text = ERROR_TEXT[rule][0 if zh else 1]
    elif f is not None and f.rule == rule:
        text = _rule_text(k, f, lang)
    elif rule in RULE_TEXT:
        text = RULE_TEXT[rule][0 if zh else 1]
    else:
        text = rule
    if rule == "unknown column":
        text += ("；可用的列名：" if zh else "; expected headers: ") + (
            "、".join(x.zh for x in k.fields) if zh else ", ".join(x.name for x in k.fields)
        )
    value = error.get("value")
    row = int(error.get("row") or 0)
    if zh:
        where = f"表头「{header}」" if row <= 1 else f"第 {row} 行「{header}」" if header else f"第 {row} 行"
        shown = f"（所填的值：“{value}”）" if value not in (None, "") and rule != "unknown column" else ""
        return text, f"{where}：{text}{shown}"
    where = f"header {header!r}" if row <= 1 else f"row {row}, {header!r}" if header else f"row {row}"
    shown = f" (value: {value!r})" if value not in (None, "") and rule != "unknown column" else ""
    return text, f"{where}: {text}{shown}"


_DOC_HEADERS = {
    "zh": ("列名", "English name", "是否必填", "规则", "示例", "说明"),
    "en": ("Column", "English name", "Required", "Rule", "Example", "Notes"),
}
_SHEETS = {"zh": ("数据", "说明"), "en": ("data", "notes")}
# Columns Excel must keep as text: codes lose leading zeros or precision when read as numbers.
_TEXT_RULES = ("credit_code", "adcode", "gbt4754", "gbt4754_list", "hs", "period", "list", "ipc_list")


def _check_lang(lang: str) -> str:
    if lang not in _DOC_HEADERS:
        raise ConfigError(f"template language must be 'zh' or 'en', got {lang!r}")
    return lang


def _rule_text(k: Kind, f: Field, lang: str) -> str:
    zh = lang == "zh"
    text = RULE_TEXT[f.rule][0 if zh else 1]
    if f.rule == "enum":
        sep = "、" if zh else ", "
        text += sep.join(f"{v}（{label}）" if zh else f"{v} ({label})" for v, label in f.choices.items())
    if f.name in k.party_lists[1:]:
        first = k.field(k.party_lists[0])
        text += (
            f"；与“{first.zh}”逐项对应，个数相同，未知的项留空（如 a;;c）"
            if zh
            else f"; one item per entry of {first.name}, in the same order (leave unknown items empty: a;;c)"
        )
    for group in k.one_of:
        if f.name in group:
            others = [k.field(n) for n in group if n != f.name]
            text += (
                "；与" + "、".join(f"“{o.zh}”" for o in others) + "至少填写一项"
                if zh
                else "; give this or " + " or ".join(o.name for o in others)
            )
    return text


def _purpose(k: Kind, lang: str) -> str:
    if lang == "zh":
        key = "、".join(k.field(n).zh for n in k.key)
        return f"{k.zh}：{k.help_zh}。每行的唯一键：{key}。必填列在下表中带 *，在“数据”表中以黄色标出。"
    return (
        f"{k.en}: {k.help_en}. Each row is identified by: {', '.join(k.key)}. Required columns are marked * "
        "below and yellow in the data sheet."
    )


def template_doc(kind: str | Kind, lang: str = "zh") -> list[dict[str, Any]]:
    """Per-column documentation of an input kind (what the templates and the API show).

    Parameters
    ----------
    kind : str or Kind
    lang : {"zh", "en"}

    Returns
    -------
    list of dict
        One dict per field, in template order: ``column`` (the header in ``lang``), ``name``, ``zh``,
        ``required``, ``rule``, ``rule_text``, ``example``, ``help``, ``choices`` and ``aliases``.
    """
    k = get_kind(kind) if isinstance(kind, str) else kind
    lang = _check_lang(lang)
    return [
        {
            "column": f.zh if lang == "zh" else f.name,
            "name": f.name,
            "zh": f.zh,
            "required": f.required,
            "rule": f.rule,
            "rule_text": _rule_text(k, f, lang),
            "example": f.example,
            "help": (f.help_zh or f.help_en) if lang == "zh" else (f.help_en or f.help_zh),
            "choices": dict(f.choices),
            "aliases": list(f.aliases),
        }
        for f in k.fields
    ]


def _doc_rows(k: Kind, lang: str) -> list[list[str]]:
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    rows = [[_purpose(k, lang)], [], list(_DOC_HEADERS[lang])]
    for d in template_doc(k, lang):
        column = d["column"] + (" *" if d["required"] else "")
        rows.append(
            [column, d["name"], yes if d["required"] else no, d["rule_text"], d["example"], d["help"]]
        )
    return rows


def write_template(kind: str | Kind, path: str | Path, lang: str = "zh") -> Path:
    """Write an empty, documented template for ``kind``.

    Parameters
    ----------
    kind : str or Kind
    path : str or Path
        ``.xlsx`` (sheets ``数据`` and ``说明``; ``data`` and ``notes`` in English) or ``.csv`` (header-only
        UTF-8-BOM file plus ``<stem>.说明.csv``, or ``<stem>.notes.csv`` in English).
    lang : {"zh", "en"}
        Chinese headers (``zh``) or the English field names (``en``).

    Returns
    -------
    pathlib.Path
        The template written.
    """
    k = get_kind(kind) if isinstance(kind, str) else kind
    lang = _check_lang(lang)
    p = Path(path)
    headers = [d["column"] for d in template_doc(k, lang)]
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(k, p, lang, headers)
    elif suffix == ".csv":
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow([safe_cell(h) for h in headers])
        side = p.with_name(f"{p.stem}.{_SHEETS[lang][1]}.csv")
        with side.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(safe_rows(_doc_rows(k, lang)))
    else:
        raise ConfigError(f"templates are written as .xlsx or .csv, got {p.name!r}")
    return p


def _write_xlsx(k: Kind, p: Path, lang: str, headers: list[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    data_name, doc_name = _SHEETS[lang]
    wb = Workbook()
    ws = wb.active
    ws.title = data_name
    ws.append([safe_cell(h) for h in headers])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for j, f in enumerate(k.fields, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font = bold
        if f.required:
            cell.fill = required_fill
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(12, min(40, 2 * len(headers[j - 1]) + 4))
        if f.rule in _TEXT_RULES or f.name in k.party_lists:
            ws.column_dimensions[letter].number_format = "@"
        if f.rule in ("enum", "flag"):
            options = (
                list(f.choices.values() if lang == "zh" else f.choices)
                if f.rule == "enum"
                else (["是", "否"] if lang == "zh" else ["1", "0"])
            )
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
            dv.add(f"{letter}2:{letter}100000")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    doc = wb.create_sheet(doc_name)
    for row in safe_rows(_doc_rows(k, lang)):
        doc.append(row)
    doc["A1"].font = Font(bold=True, size=12)
    for cell in doc[3]:
        cell.font = bold
    for letter, width in zip("ABCDEF", (24, 24, 10, 60, 28, 40), strict=True):
        doc.column_dimensions[letter].width = width
    for row in doc.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(p)
