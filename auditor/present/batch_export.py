"""A batch's records → `.jsonl` (spec/batch.md), `.csv` (the ranked summary) or `.xlsx` for Excel/WPS.

The workbook: 汇总 (one row per report, worst first, autofilter, frozen header), 问题清单 (one row per finding
with the printed labels of its cells and the reviewer's decision), 规则统计 (per rule: findings, reports,
decisions), and 覆盖情况 (roster × year) when a roster was given. The CSV is UTF-8 with a BOM, as Excel and WPS
expect for Chinese text.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..batch import BatchRecord, Store, finding_states, ranked
from ..batch.roster import FAILED, MISSING, SUBMITTED, UNREADABLE, Coverage
from ..check.findings import rules as rule_metadata
from ..model import Severity
from .batch_report import COVERAGE_TEXT, DECISION_TEXT, STATUS_TEXT, problem_text, verdict_text
from .json_report import finding_from_dict
from .markdown_report import SEVERITY_TEXT
from .spreadsheet import FINDING_COLUMNS, finding_row, rows_to_csv

EXPORT_SUFFIXES = (".jsonl", ".csv", ".xlsx")
SUMMARY_COLUMNS: list[tuple[str, int]] = [
    ("排名", 6), ("单位", 28), ("年度", 7), ("地区", 10), ("层级", 8), ("审核结论", 9), ("评分", 7), ("错误", 6),
    ("警告", 6), ("提示", 6), ("主要问题", 48), ("报告状态", 11), ("上一年度报告", 30), ("文件", 40), ("SHA-256", 20),
    ("用时（秒）", 9),
]
DECISION_COLUMNS: list[tuple[str, int]] = [("复核结论", 10), ("复核备注", 30), ("复核人", 10), ("复核时间", 20),
                                           ("问题指纹", 18)]
REPORT_COLUMNS: list[tuple[str, int]] = [("报告排名", 8), ("单位", 24), ("年度", 7), ("文件", 32)]
RULE_COLUMNS: list[tuple[str, int]] = [("规则", 26), ("说明", 44), ("程度", 7), ("问题数", 8), ("涉及报告数", 10),
                                       ("已确认", 8), ("已排除", 8), ("未复核", 8)]
VERDICT_FILL = {"不通过": "F8D7DA", "需关注": "FFF3CD", "通过": "D4EDDA", "无法审核": "E2E3E5"}
COVERAGE_FILL = {SUBMITTED: "D4EDDA", FAILED: "F8D7DA", UNREADABLE: "E2E3E5", MISSING: "FFE08A"}
_HEAD_FILL = PatternFill("solid", fgColor="EEF1F5")
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def summary_row(rank: int, record: BatchRecord) -> list:
    audited = record.status == "audited"
    return [rank, record.agency or ("未识别" if audited else ""), record.year, record.region or "", record.level or "",
            verdict_text(record), record.score if audited else None,
            *(record.counts[k] if audited else None for k in ("error", "warning", "info")),
            problem_text(record), STATUS_TEXT.get(record.report_status, record.report_status), record.previous or "",
            record.file, record.sha256 or "", record.seconds]


def render_batch_jsonl(records: list[BatchRecord]) -> bytes:
    return "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in ranked(records)).encode("utf-8")


def render_batch_csv(records: list[BatchRecord]) -> bytes:
    return rows_to_csv([name for name, _ in SUMMARY_COLUMNS],
                       (summary_row(i, r) for i, r in enumerate(ranked(records), 1)))


def _sheet(book: Workbook, title: str, columns: list[tuple[str, int]], first: bool = False):
    sheet = book.active if first else book.create_sheet(title)
    sheet.title = title
    sheet.append([name for name, _ in columns])
    for i, (_, width) in enumerate(columns, 1):
        cell = sheet.cell(1, i)
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _finish(sheet, columns: int) -> None:
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(sheet.max_row, 1)}"


def render_batch_workbook(store: Store, records: list[BatchRecord], coverage: Coverage | None = None) -> bytes:
    """The .xlsx bytes; findings and decisions are read from `store` (the stored audit JSON is the truth)."""
    records = ranked(records)
    book = Workbook()
    summary = _sheet(book, "汇总", SUMMARY_COLUMNS, first=True)
    for rank, record in enumerate(records, 1):
        summary.append(summary_row(rank, record))
        fill = VERDICT_FILL.get(verdict_text(record))
        if fill:
            summary.cell(summary.max_row, 6).fill = PatternFill("solid", fgColor=fill)
    _finish(summary, len(SUMMARY_COLUMNS))

    findings_sheet = _sheet(book, "问题清单", REPORT_COLUMNS + FINDING_COLUMNS + DECISION_COLUMNS)
    per_rule: dict[str, Counter] = {}
    for rank, record in enumerate(records, 1):
        if record.status != "audited":
            continue
        audit = store.audit_json(record.file) or {"findings": []}
        pairs = [(finding_from_dict(s.finding), s) for s in finding_states(store, record.report_key, audit["findings"])]
        for index, (finding, state) in enumerate(sorted(pairs, key=lambda p: _SEVERITY_ORDER[p[0].severity]), 1):
            decision = state.decision if state.decided else None
            findings_sheet.append([rank, record.agency or "未识别", record.year, record.file]
                                  + finding_row(index, finding)
                                  + [DECISION_TEXT[state.state], decision["note"] if decision else "",
                                     decision["decided_by"] if decision else "", decision["decided_at"] if decision else "",
                                     state.fingerprint])
            counter = per_rule.setdefault(finding.rule, Counter())
            counter["findings"] += 1
            counter[state.state if state.decided else "open"] += 1
        for rule in {f.rule for f, _ in pairs}:
            per_rule[rule]["reports"] += 1
    for row in findings_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _finish(findings_sheet, len(REPORT_COLUMNS) + len(FINDING_COLUMNS) + len(DECISION_COLUMNS))

    rules_sheet = _sheet(book, "规则统计", RULE_COLUMNS)
    metadata = rule_metadata()
    for rule, counter in sorted(per_rule.items(), key=lambda item: (-item[1]["findings"], item[0])):
        meta = metadata.get(rule, {})
        severity = SEVERITY_TEXT[Severity(meta["severity"])] if meta.get("severity") else ""
        rules_sheet.append([rule, meta.get("title", ""), severity, counter["findings"], counter["reports"], counter["confirmed"], counter["dismissed"],
                            counter["open"]])
    _finish(rules_sheet, len(RULE_COLUMNS))

    if coverage is not None:
        _coverage_sheet(book, coverage)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _coverage_sheet(book: Workbook, coverage: Coverage) -> None:
    columns = [("单位", 28), ("地区", 10), ("层级", 8)] + [(f"{y}年度", 10) for y in coverage.years]
    sheet = _sheet(book, "覆盖情况", columns)
    for entry, cells in coverage.rows:
        sheet.append([entry.name, entry.region or "", entry.level or ""]
                     + [COVERAGE_TEXT[cells[y][0]] for y in coverage.years])
        for i, year in enumerate(coverage.years, 4):
            sheet.cell(sheet.max_row, i).fill = PatternFill("solid", fgColor=COVERAGE_FILL[cells[year][0]])
    if coverage.unmatched:
        sheet.append([])
        sheet.append(["名单外的报告（未能与名单中的单位对应）"])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        for file in coverage.unmatched:
            sheet.append([file])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(coverage.rows) + 1}"


def export_batch(path: Path, store: Store, records: list[BatchRecord], coverage: Coverage | None = None) -> None:
    """Write the records to `path` in the format its suffix names (.jsonl, .csv or .xlsx)."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        data = render_batch_jsonl(records)
    elif suffix == ".csv":
        data = render_batch_csv(records)
    elif suffix == ".xlsx":
        data = render_batch_workbook(store, records, coverage)
    else:
        raise ValueError(f"unsupported export suffix {suffix!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_reviews(folder: Path, store: Store, records: list[BatchRecord]) -> int:
    """One Word 审核意见 per failed report of the batch, as `{name}-审核意见.docx` in `folder`; how many were written.

    Built from the stored audit JSON (the file itself may be a member of a zip); a name used twice gets -2, -3…
    """
    from .docx_report import render_docx
    from .json_report import report_from_dict, result_from_dict

    folder.mkdir(parents=True, exist_ok=True)
    used: Counter = Counter()
    written = 0
    for record in records:
        if record.verdict != "fail":
            continue
        data = store.audit_json(record.file)
        if data is None:
            continue
        stem = Path(record.file).stem or "报告"
        used[stem] += 1
        name = f"{stem}-审核意见.docx" if used[stem] == 1 else f"{stem}-{used[stem]}-审核意见.docx"
        (folder / name).write_bytes(render_docx(result_from_dict(data, report_from_dict(data))))
        written += 1
    return written
