"""Against last year's report of the same body (requirements H6, H7, G-07, S5-03)."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from ..config import Settings
from ..model import CellState, Finding, Report, Severity
from ..textnorm import squash
from .findings import cell_name, column_label, finding, number

SIMILARITY_WARNING = 90.0  # rapidfuzz ratio of section 五 with years and numbers removed
_DIGITS = re.compile(r"\d+")


def _value(report: Report, table: str, row: str, column: str):
    t = report.tables.get(table)
    cell = t.cells.get(row, {}).get(column) if t is not None else None
    return cell.value if cell is not None and cell.state is CellState.NUMBER else None


def check_cross_year(report: Report, previous: Report | None, settings: Settings) -> list[Finding]:
    if previous is None:
        return []
    findings = []
    if report.year and previous.year and previous.year != report.year - 1:
        findings.append(finding("X.year_sequence",
                                f"用于对比的报告年度为{previous.year}年，不是本报告（{report.year}年）的上一年度。",
                                settings=settings, expected=report.year - 1, actual=previous.year))
    findings += _carry_over(report, previous, settings)
    findings += _in_force(report, previous, settings)
    findings += _similar_problems(report, previous, settings)
    return findings


def _carry_over(report: Report, previous: Report, settings: Settings) -> list[Finding]:
    table = report.tables.get("table3")
    if table is None or previous.tables.get("table3") is None:
        return []
    findings = []
    for column in table.cells.get("carried_over", {}):
        this, last = (_value(report, "table3", "carried_over", column),
                      _value(previous, "table3", "carried_forward", column))
        if this is None or last is None or this == last:
            continue
        findings.append(finding(
            "X.carry_over",
            f"{cell_name('table3', 'carried_over', column, settings)}为{number(this)}，"
            f"但{previous.year or '上一'}年度报告「四、结转下年度继续办理」×「{column_label('table3', column, settings)}」为{number(last)}，两者应相等。",
            settings=settings, table="table3", row="carried_over", column=column, page=table.page,
            expected=last, actual=this))
    return findings


def _in_force(report: Report, previous: Report, settings: Settings) -> list[Finding]:
    findings = []
    for row in ("regulations", "normative_documents"):
        values = [_value(report, "table2", row, "issued"), _value(report, "table2", row, "repealed"),
                  _value(report, "table2", row, "in_force"), _value(previous, "table2", row, "in_force")]
        if None in values:
            continue
        issued, repealed, in_force, last = values
        expected = last + issued - repealed
        if expected != in_force:
            findings.append(finding(
                "X.in_force",
                f"{cell_name('table2', row, 'in_force', settings)}为{number(in_force)}，而上年现行有效{number(last)}件"
                f"+本年制发{number(issued)}件−本年废止{number(repealed)}件={number(expected)}件，请核实（修订计入制发时可能不相等）。",
                settings=settings, table="table2", row=row, column="in_force", page=report.tables["table2"].page,
                expected=expected, actual=in_force))
    return findings


def _similar_problems(report: Report, previous: Report, settings: Settings) -> list[Finding]:
    this, last = report.sections["五"], previous.sections["五"]
    if not this.present or not last.present:
        return []
    a, b = (_DIGITS.sub("", squash(s.text)) for s in (this, last))
    if len(a) < 40 or len(b) < 40:
        return []
    similarity = fuzz.ratio(a, b)
    if similarity < SIMILARITY_WARNING:
        return []
    return [finding("X.similar_problems",
                    f"第五部分「存在的主要问题及改进情况」与上一年度报告的文字相似度为{similarity:.0f}%，"
                    f"可能照搬往年内容，未反映本年度的问题和整改进展。",
                    severity=Severity.WARNING, settings=settings, section="五", page=this.page,
                    evidence=this.text[:120], actual=round(similarity, 1))]
