"""The five real reports (text extracted from their PDFs): every cell, written out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.extract import extract_report
from auditor.ingest import load_document
from auditor.model import CellState
from auditor.present.json_report import table_to_contract

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
QINGTONGXIA = SEEDS / "青铜峡市科学技术局-2025-split-row.txt"
HONGSIPU = SEEDS / "红寺堡区科学技术局-2025-shifted-rows.txt"
XIGONG = SEEDS / "西工区科学技术局-2025-no-total-column.txt"
SHIZUISHAN = SEEDS / "石嘴山市科学技术局-2023-table4-14-cells.txt"
BAOJI = SEEDS / "宝鸡市科学技术局-2024-blanks-and-typo.txt"

T3_ROWS = ["new_received", "carried_over", "disclosed", "partially_disclosed",
           "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
           "withheld_third_party", "withheld_internal_affairs", "withheld_process_info",
           "withheld_enforcement_files", "withheld_administrative_query",
           "unable_not_held", "unable_needs_creation", "unable_unclear",
           "not_processed_petition", "not_processed_duplicate", "not_processed_publication",
           "not_processed_excessive", "not_processed_reconfirm",
           "other_no_correction", "other_fee_unpaid", "other_other", "results_total", "carried_forward"]
COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
ZERO_T4 = {g: {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
           for g in ("review", "litigation_direct", "litigation_after_review")}


def zeros(columns=COLUMNS):
    return {row: {c: 0 for c in columns} for row in T3_ROWS}


def read(path):
    return extract_report(load_document(path))


def test_qingtongxia_all_tables():
    report = read(QINGTONGXIA)
    assert (report.agency, report.year) == ("青铜峡市科学技术局", 2025)
    assert table_to_contract(report.tables["table2"]) == {
        "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
        "normative_documents": {"issued": 0, "repealed": 3, "in_force": 0},
        "licensing": 0, "punishment": 0, "coercion": 0, "fees": 0}
    assert table_to_contract(report.tables["table3"]) == zeros()
    assert table_to_contract(report.tables["table4"]) == ZERO_T4
    # （六）2's label runs over a page break: "…其政府信息公开" + "申请" is one row, not an unknown row
    kinds = [n.kind for n in report.tables["table3"].notes]
    assert kinds == ["row_joined"]
    assert report.tables["table3"].notes[0].row == "other_fee_unpaid"


def test_hongsipu_shifted_rows_read_by_label():
    report = read(HONGSIPU)
    assert (report.agency, report.year) == ("红寺堡区科学技术局", 2025)
    assert table_to_contract(report.tables["table3"]) == zeros()
    assert table_to_contract(report.tables["table4"]) == ZERO_T4
    assert table_to_contract(report.tables["table2"])["licensing"] == 0
    assert report.tables["table3"].notes == []


def test_xigong_has_no_total_column_and_truncated_sub_rows():
    report = read(XIGONG)
    t3 = report.tables["table3"]
    assert t3.missing_columns == ["total"]
    expected = zeros(COLUMNS[:-1])
    sub_rows = T3_ROWS[4:23]  # （三）1 … （六）3: every line was cut at 8 fields, losing 其他
    for row in sub_rows:
        expected[row]["other_org"] = None
    assert table_to_contract(t3) == expected
    assert all(t3.cells[row]["other_org"].state is CellState.UNREADABLE for row in sub_rows)
    assert t3.cells["disclosed"]["other_org"].state is CellState.NUMBER
    assert table_to_contract(report.tables["table2"])["licensing"] == 2
    assert table_to_contract(report.tables["table4"]) == ZERO_T4


def test_shizuishan_short_rows_unreadable_and_table4_has_14_cells():
    report = read(SHIZUISHAN)
    assert (report.agency, report.year) == ("石嘴山市科学技术局", 2023)
    expected = zeros()
    for row in ("withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
                "carried_forward"):
        expected[row] = {c: None for c in COLUMNS}  # 6 or 5 numbers for 7 columns: which one is lost is unknown
    assert table_to_contract(report.tables["table3"]) == expected
    t4 = report.tables["table4"]
    assert t4.missing_cells == [("litigation_after_review", "total")]
    expected_t4 = {g: dict(v) for g, v in ZERO_T4.items()}
    del expected_t4["litigation_after_review"]["total"]
    assert table_to_contract(t4) == expected_t4
    assert table_to_contract(report.tables["table2"])["normative_documents"] == {"issued": 1, "repealed": 0, "in_force": 1}


def test_baoji_blanks_stay_blank_and_header_typo_is_recorded():
    report = read(BAOJI)
    assert (report.agency, report.year) == ("宝鸡市科学技术局", 2024)
    expected = {row: {c: None for c in COLUMNS} for row in T3_ROWS}
    for row in ("new_received", "disclosed", "results_total"):
        expected[row]["natural_person"] = 1
        expected[row]["total"] = 1
    t3 = report.tables["table3"]
    assert table_to_contract(t3) == expected
    assert t3.cells["carried_over"]["total"].state is CellState.BLANK  # blank, not zero
    t2 = report.tables["table2"]
    assert table_to_contract(t2) == {
        "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
        "normative_documents": {"issued": 1, "repealed": 0, "in_force": 1},
        "licensing": 0, "punishment": 0, "coercion": 0, "fees": 0.16}
    assert [(t.printed, t.official, t.column) for t in t2.label_typos] == [("本年度止件数", "本年废止件数", "repealed")]
    assert table_to_contract(report.tables["table4"]) == ZERO_T4


@pytest.mark.parametrize("path,agency,headings", [
    (QINGTONGXIA, "青铜峡市科学技术局", ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                     "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]),
    (SHIZUISHAN, "石嘴山市科学技术局", ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在主要问题及改进情况", "六、其他需要报告的事项"]),
])
def test_sections_found_by_title_not_numeral(path, agency, headings):
    report = read(path)
    assert [s.heading for s in report.sections.values()] == headings
    # 表三's "四、结转下年度继续办理" is a table row, not section 四
    assert report.sections["四"].heading.startswith("四、政府信息公开")


@pytest.mark.parametrize("path", [QINGTONGXIA, HONGSIPU, XIGONG, SHIZUISHAN, BAOJI], ids=lambda p: p.stem)
def test_every_seed_has_all_six_parts(path):
    report = read(path)
    assert [key for key, section in report.sections.items() if section.present] == list("一二三四五六")
    assert all(section.text for key, section in report.sections.items() if key in "一五六")


def test_section_text_rejoins_paragraphs_cut_by_page_breaks():
    report = read(QINGTONGXIA)
    assert "公开科技政策文件" in report.sections["一"].text.replace(" ", "")
    assert report.sections["六"].text == "本机关2025年未收取信息处理费。"


def test_title_and_body_split_over_two_lines():
    report = read(BAOJI)
    assert report.title == "宝鸡市科学技术局2024年政府信息公开工作年度报告"
    assert "未收取" not in report.preamble
    assert "无收取政府信息公开信息处理费" in report.sections["六"].text


# What a careful reviewer says about each seed: (rule, severity, table, row, column) of every finding.
EXPECTED_FINDINGS = {
    QINGTONGXIA: set(),
    HONGSIPU: {("NARR.boilerplate", "info", None, None, None)},  # 五 is stock phrases, nothing specific
    XIGONG: {
        ("STRUCT.table_altered", "error", "table3", None, "total"),  # no 总计 column
        ("EXTRACT.cells_unreadable", "info", "table3", None, None),  # the text copy lost 其他 in 19 rows
        ("T3.results_total", "info", "table3", None, None),  # so （七）总计 of 其他 cannot be verified
        ("S6.fee_term", "info", None, None, None),  # "信息公开处理费" is not the standard term
    },
    SHIZUISHAN: {
        ("STRUCT.table_altered", "error", "table4", "litigation_after_review", "total"),  # 14 cells
        ("EXTRACT.cells_unreadable", "info", "table3", None, None),
        ("T3.identity", "info", "table3", None, None),
        ("T3.results_total", "info", "table3", None, None),
        ("T3.row_total", "info", "table3", None, None),
    },
    BAOJI: {
        ("T3.blank_cell", "info", "table3", None, None),  # blanks instead of 0
        ("STRUCT.label_typo", "info", "table2", None, "repealed"),  # 本年度止件数
        ("STRUCT.period_missing", "info", None, None, None),  # no statistics period
        ("STRUCT.basis_missing", "info", None, None, None),  # no preamble citing the 条例
    },
}


@pytest.mark.parametrize("path", list(EXPECTED_FINDINGS), ids=lambda p: p.stem)
def test_seed_findings_are_what_a_reviewer_would_give(path):
    from auditor.pipeline import audit_file
    result = audit_file(path)
    got = {(f.rule, f.severity.value, f.table, f.row, f.column) for f in result.findings}
    assert got == EXPECTED_FINDINGS[path]
    assert len(result.findings) == len(got)  # one finding per defect, not one per cell
    assert result.review.mode == "rules" and result.review.requirements_checked > 0
    assert result.verdict == ("fail" if any(s == "error" for _, s, *_ in got) else "warn" if got else "pass")
    for finding in result.findings:
        assert finding.message.endswith("。") and finding.source == "rules"
