"""Structure: the six sections and three tables present, in order, in the 2021 layout, unaltered."""

from __future__ import annotations

from ..config import Settings
from ..extract.labels import labels
from ..model import Finding, Report, Severity
from .findings import TABLE_NAMES, cell_name, column_label, finding, row_label

FORMAT_2021_FIRST_YEAR = 2021  # 国办公开办函〔2021〕30号 applies from the 2021 reports on
_TABLE_SECTIONS = {"table2": "二", "table3": "三", "table4": "四"}


def check_structure(report: Report, settings: Settings) -> list[Finding]:
    return (_sections(report, settings) + _tables_present(report, settings) + _altered(report, settings)
            + _layout(report, settings) + _typos(report, settings))


def _sections(report: Report, settings: Settings) -> list[Finding]:
    spec = {s["key"]: s["title"] for s in labels("sections", settings)["sections"]}
    findings = [finding("STRUCT.section_missing", f"报告缺少第{key}部分「{spec[key]}」（或其标题无法识别）。",
                        settings=settings, section=key)
                for key, section in report.sections.items() if not section.present]
    present = [s for s in report.sections.values() if s.present]
    if [s.key for s in sorted(present, key=lambda s: s.order)] != [s.key for s in present]:
        order = "、".join(s.key for s in sorted(present, key=lambda s: s.order))
        findings.append(finding("STRUCT.section_order", f"报告各部分顺序为{order}，与年报格式规定的一至六顺序不一致。",
                                settings=settings))
    return findings


def _tables_present(report: Report, settings: Settings) -> list[Finding]:
    titles = {name: labels(name, settings)["title"] for name in TABLE_NAMES}
    return [finding("STRUCT.table_missing",
                    f"未找到{TABLE_NAMES[name]}「{titles[name]}」；年度报告应以年报格式规定的表格报送该部分数据。",
                    settings=settings, table=name, section=_TABLE_SECTIONS[name],
                    page=report.sections[_TABLE_SECTIONS[name]].page)
            for name, table in report.tables.items() if table is None]


def _altered(report: Report, settings: Settings) -> list[Finding]:
    findings = []
    t3, t4, t2 = (report.tables.get(n) for n in ("table3", "table4", "table2"))
    if t3 is not None:
        for column in t3.missing_columns:
            findings.append(finding(
                "STRUCT.table_altered",
                f"表三缺少「{column_label('table3', column, settings)}」列，表格结构与年报格式不一致，相关勾稽关系无法完整校验。",
                settings=settings, table="table3", column=column, page=t3.page))
        rows = [r for r in t3.missing_rows
                if not (t3.layout == "2019" and r in ("other_no_correction", "other_fee_unpaid"))]
        if rows and len(rows) < 25:
            names = "、".join(f"「{row_label('table3', r, settings)}」" for r in rows)
            findings.append(finding("STRUCT.table_altered", f"表三缺少{names}行（或其行标签无法识别），表格结构与年报格式不一致。",
                                    settings=settings, table="table3", row=rows[0] if len(rows) == 1 else None,
                                    page=t3.page))
    if t4 is not None:
        for group, column in t4.missing_cells:
            findings.append(finding(
                "STRUCT.table_altered",
                f"表四缺少{cell_name('table4', group, column, settings, short=True)}单元格（标准表四有15个数据格），表格结构与年报格式不一致。",
                settings=settings, table="table4", row=group, column=column, page=t4.page))
    if t2 is not None and t2.missing_rows:
        t2_rows = [r for r in t2.missing_rows if not (t2.layout == "2019" and r == "fees")]
        if t2_rows:
            names = "、".join(f"「{row_label('table2', r, settings)}」" for r in t2_rows)
            findings.append(finding("STRUCT.table_altered", f"表二缺少{names}（或其标签无法识别），表格结构与年报格式不一致。",
                                    settings=settings, table="table2", row=t2_rows[0] if len(t2_rows) == 1 else None,
                                    page=t2.page))
    return findings


def _layout(report: Report, settings: Settings) -> list[Finding]:
    old = [name for name, t in report.tables.items() if t is not None and t.layout == "2019"]
    if not old:
        return []
    names = "、".join(TABLE_NAMES[n] for n in old)
    if report.year is not None and report.year < FORMAT_2021_FIRST_YEAR:
        return [finding("STRUCT.layout_2019", f"{names}使用2019年试行版年报格式（报告年度{report.year}年，当时适用）。",
                        severity=Severity.INFO, settings=settings, table=old[0])]
    return [finding("STRUCT.layout_2019",
                    f"{names}仍使用已废止的2019年试行版年报格式（如“（六）其他处理”未分三项、表二列为“本年新制作数量”等），"
                    f"应按国办公开办函〔2021〕30号修订后的格式填报。",
                    settings=settings, table=old[0], page=report.tables[old[0]].page)]


def _typos(report: Report, settings: Settings) -> list[Finding]:
    findings = []
    for name, table in report.tables.items():
        if table is None:
            continue
        seen = set()
        for typo in table.label_typos:
            if (typo.printed, typo.official) in seen:
                continue  # 表四 repeats its leaf labels once per group: one finding per misprint
            seen.add((typo.printed, typo.official))
            where = "表头" if typo.column else "行标签"
            scanned = ("（该页为扫描图像，此差异也可能是 OCR 识别误差，请对照原件核实）"
                       if typo.page in report.document.ocr_pages else "")
            findings.append(finding(
                "STRUCT.label_typo",
                f"{TABLE_NAMES[name]}{where}「{typo.printed}」与年报格式不一致，应为「{typo.official}」{scanned}。",
                settings=settings, table=name, row=typo.row, column=typo.column, page=typo.page or table.page,
                evidence=typo.printed))
    return findings
