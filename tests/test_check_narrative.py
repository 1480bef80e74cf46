"""Narrative against tables, required statements, and the cross-year rules, on edited copies of a clean report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.check import run_checks
from auditor.check.narrative import mentions
from auditor.config import Settings
from auditor.model import Severity
from auditor.pipeline import read_report
from tests.fixtures.builder.spec import FIXTURES

STANDARD_MD = Path(__file__).parent / "fixtures" / "reports" / "standard.md"
SETTINGS = Settings()
SPEC = FIXTURES[0]
RECEIVED = SPEC.table3["new_received"]["total"]


def write(tmp_path, text: str, name: str = "r.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def audit_text(tmp_path, text: str, name: str = "r.md"):
    report = read_report(write(tmp_path, text, name), SETTINGS)
    return report, run_checks(report, settings=SETTINGS)


def edited(old: str, new: str) -> str:
    text = STANDARD_MD.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new)


def rules(findings):
    return [(f.rule, f.severity) for f in findings]


def test_clean_report_gets_no_narrative_finding(tmp_path):
    _, findings = audit_text(tmp_path, STANDARD_MD.read_text(encoding="utf-8"))
    assert findings == []


def test_received_count_contradicting_table3_is_an_error(tmp_path):
    text = edited(f"全年新收政府信息公开申请{RECEIVED}件", f"全年新收政府信息公开申请{RECEIVED + 12}件")
    _, findings = audit_text(tmp_path, text)
    (only,) = findings
    assert (only.rule, only.severity, only.table, only.row, only.column) == (
        "NARR.number_mismatch", Severity.ERROR, "table3", "new_received", "total")
    assert (only.expected, only.actual) == (RECEIVED, RECEIVED + 12)
    assert only.section == "一" and str(RECEIVED + 12) in only.evidence


def test_received_including_carry_over_is_accepted(tmp_path):
    both = RECEIVED + SPEC.table3["carried_over"]["total"]
    text = edited(f"全年新收政府信息公开申请{RECEIVED}件", f"全年受理政府信息公开申请{both}件")
    _, findings = audit_text(tmp_path, text)
    assert findings == []


def test_wider_scope_is_a_warning_that_says_why(tmp_path):
    text = edited(f"全年新收政府信息公开申请{RECEIVED}件", f"全市各部门全年共收到政府信息公开申请{RECEIVED * 3}件")
    _, findings = audit_text(tmp_path, text)
    (only,) = findings
    assert (only.rule, only.severity) == ("NARR.number_mismatch", Severity.WARNING)
    assert "全市" in only.message and "范围" in only.message


def test_no_applications_claim_contradicting_table3(tmp_path):
    text = edited(f"全年新收政府信息公开申请{RECEIVED}件，均在法定期限内答复。", "本年度未收到政府信息公开申请。")
    _, findings = audit_text(tmp_path, text)
    assert rules(findings) == [("NARR.zero_claim", Severity.ERROR)]
    assert findings[0].actual == RECEIVED


def test_no_review_claim_contradicting_table4(tmp_path):
    text = edited("（五）监督保障。", "（五）监督保障。本年度未发生因政府信息公开引起的行政复议、行政诉讼案件。")
    _, findings = audit_text(tmp_path, text)
    assert rules(findings) == [("NARR.zero_claim", Severity.ERROR)]
    assert findings[0].table == "table4"


def test_enumeration_parts_exceeding_the_total(tmp_path):
    text = edited("（一）主动公开。", "（一）主动公开。全年共发布信息120条，其中政策文件80条、工作动态50条。")
    _, findings = audit_text(tmp_path, text)
    assert rules(findings) == [("NARR.enumeration_sum", Severity.ERROR)]
    assert (findings[0].expected, findings[0].actual) == (120, 130)


def test_enumeration_that_adds_up_or_is_approximate_is_fine(tmp_path):
    text = edited("（一）主动公开。", "（一）主动公开。全年共发布信息130条，其中政策文件80条、工作动态50条；"
                                    "全年共发布信息200余条，其中政策文件180条、工作动态50条。")
    _, findings = audit_text(tmp_path, text)
    assert findings == []


def test_enumeration_ends_at_its_semicolon(tmp_path):
    # what follows the semicolon is another statement, not a part of the 509
    text = edited("（一）主动公开。", "（一）主动公开。全年制作政府信息共509条，其中主动公开107条、依申请公开354条；"
                                    "另有政策解读文件48条、新闻稿件120条。")
    _, findings = audit_text(tmp_path, text)
    assert findings == []


def test_enumeration_part_without_its_unit_still_counts(tmp_path):
    text = edited("（一）主动公开。", "（一）主动公开。全年共制作政府信息300条，其中主动公开信息数130，依申请公开信息数200条。")
    _, findings = audit_text(tmp_path, text)
    assert rules(findings) == [("NARR.enumeration_sum", Severity.ERROR)]
    assert (findings[0].expected, findings[0].actual) == (300, 330)


@pytest.mark.parametrize("printed,ok", [("25%", True), ("25.0%", True), ("26%", False), ("24.9%", False)])
def test_percentages_match_their_counts(tmp_path, printed, ok):
    text = edited("（一）主动公开。", f"（一）主动公开。全年共发布政策解读40条，其中图解10条，占{printed}。")
    _, findings = audit_text(tmp_path, text)
    assert (findings == []) == ok
    if not ok:
        assert rules(findings) == [("NARR.percentage", Severity.ERROR)]


def test_fee_statement_missing_from_section_six(tmp_path):
    text = edited(f"{SPEC.year}年，本机关未收取信息处理费。", "本年度无其他需要报告的事项。")
    _, findings = audit_text(tmp_path, text)
    assert rules(findings) == [("S6.fee_statement", Severity.WARNING)]
    assert findings[0].section == "六"


def test_fee_unpaid_applications_without_fee_statement_name_the_cell(tmp_path):
    text = edited(f"{SPEC.year}年，本机关未收取信息处理费。", "本年度无其他需要报告的事项。")
    report, _ = audit_text(tmp_path, text)
    assert report.tables["table3"].cells["other_fee_unpaid"]["total"].value > 0
    (fee,) = [f for f in run_checks(report, settings=SETTINGS) if f.rule == "S6.fee_statement"]
    assert (fee.table, fee.row, fee.column) == ("table3", "other_fee_unpaid", "total")


def test_statistics_period_of_another_year(tmp_path):
    text = edited(f"本报告统计数据从{SPEC.year}年1月1日", f"本报告统计数据从{SPEC.year - 1}年1月1日")
    _, findings = audit_text(tmp_path, text)
    assert rules(findings) == [("STRUCT.year_mismatch", Severity.ERROR)]


@pytest.mark.parametrize("period", [
    "自 {y} 年 1 月 1 日至 {y} 年 12 月 31 日",  # digits spaced off the characters (PDF text)
    "自{fy}年１月１日起至{fy}年１２月３１日止",  # full-width digits
])
def test_spaced_or_full_width_statistics_period_is_read(tmp_path, period):
    y = SPEC.year
    fy = str(y).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    text = edited(f"本报告统计数据从{y}年1月1日至12月31日", "本报告统计数据" + period.format(y=y, fy=fy))
    _, findings = audit_text(tmp_path, text)
    assert findings == []


def test_legal_basis_by_the_decree_number_is_read(tmp_path):
    text = edited("根据《中华人民共和国政府信息公开条例》", "根据《条例》（国令第 ７１１ 号）")
    _, findings = audit_text(tmp_path, text)
    assert findings == []


def test_narrative_paragraph_copied_from_an_earlier_year(tmp_path):
    text = edited("存在的主要问题：", f"{SPEC.year - 2}年，我局存在的主要问题：")
    _, findings = audit_text(tmp_path, text)
    assert rules(findings) == [("STRUCT.year_mismatch", Severity.WARNING)]
    assert findings[0].section == "五"


def test_mentions_skip_article_numbers_and_keep_units():
    found = mentions("依据条例第20条，全年公开信息12条，办理申请3件。", "一")
    assert [(m.value, m.unit) for m in found] == [(12.0, "条"), (3.0, "件")]


# ---------------------------------------------------------------- cross-year


def test_cross_year_carry_over_and_in_force(tmp_path):
    this = read_report(STANDARD_MD, SETTINGS)
    text = STANDARD_MD.read_text(encoding="utf-8").replace(f"{SPEC.year}年", f"{SPEC.year - 1}年")
    path = tmp_path / "last.md"
    path.write_text(text, encoding="utf-8")
    last = read_report(path, SETTINGS)
    findings = run_checks(this, last, SETTINGS)
    carry = [f for f in findings if f.rule == "X.carry_over"]
    # last year's 结转下年度 (its carried_forward) ≠ this year's 上年结转 in every non-equal column
    expected_columns = [c for c, v in SPEC.table3["carried_over"].items() if v != SPEC.table3["carried_forward"][c]]
    assert sorted(f.column for f in carry) == sorted(expected_columns)
    assert all(f.severity is Severity.ERROR and f.row == "carried_over" for f in carry)
    in_force = [f for f in findings if f.rule == "X.in_force"]
    assert {f.row for f in in_force} == {"regulations", "normative_documents"}
    assert all(f.severity is Severity.WARNING for f in in_force)
    similar = [f for f in findings if f.rule == "X.similar_problems"]
    assert len(similar) == 1 and similar[0].actual == 100.0


def test_cross_year_consistent_pair_has_no_carry_over_finding(tmp_path):
    this = read_report(STANDARD_MD, SETTINGS)
    t3 = SPEC.table3
    lines = []
    for line in STANDARD_MD.read_text(encoding="utf-8").replace(f"{SPEC.year}年", f"{SPEC.year - 1}年").splitlines():
        if line.startswith("| 四、结转下年度继续办理"):
            line = "| 四、结转下年度继续办理 |  | " + " | ".join(str(v) for v in t3["carried_over"].values()) + " |"
        lines.append(line)
    path = tmp_path / "last.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    findings = run_checks(this, read_report(path, SETTINGS), SETTINGS)
    assert not [f for f in findings if f.rule == "X.carry_over"]


def _on_page(report, key: str, page: int):
    """The report with section `key`'s paragraphs set on `page` (a Markdown file has no pages)."""
    section = report.sections[key]
    section.paragraphs = [replace(p, page=page) for p in section.paragraphs]
    return report


def _contradiction_on_page_2(tmp_path, ocr_pages: list[int]):
    """The only finding of a report whose section 一 (on page 2) contradicts 表三, with `ocr_pages` read by OCR."""
    text = edited(f"全年新收政府信息公开申请{RECEIVED}件", f"全年新收政府信息公开申请{RECEIVED + 12}件")
    report = _on_page(read_report(write(tmp_path, text), SETTINGS), "一", 2)
    report.document.ocr_pages = ocr_pages
    (only,) = run_checks(report, settings=SETTINGS)
    return only


def test_contradiction_is_placed_on_the_page_of_its_sentence_and_stays_an_error_on_a_text_page(tmp_path):
    only = _contradiction_on_page_2(tmp_path, [1])
    assert (only.rule, only.severity, only.page) == ("NARR.number_mismatch", Severity.ERROR, 2)
    assert "OCR" not in only.message


def test_contradiction_in_a_sentence_read_by_ocr_is_a_warning_that_says_why(tmp_path):
    only = _contradiction_on_page_2(tmp_path, [2])
    assert (only.rule, only.severity, only.page) == ("NARR.number_mismatch", Severity.WARNING, 2)
    assert only.message.endswith("（该句由 OCR 从扫描页识别，数字可能有识别误差，请对照原件核实。）")
    assert (only.expected, only.actual) == (RECEIVED, RECEIVED + 12)
