"""A report flattened into one line (crawler text): parts cut at their inline headings, tables rebuilt from the
standard labels, digits split only where one reading exists."""

from __future__ import annotations

from pathlib import Path

from auditor.config import Settings
from auditor.extract.flattened import unflatten
from auditor.ingest import load_document
from auditor.model import CellState, Grid, Paragraph, Severity
from auditor.pipeline import audit_file, read_report

REAL_2019 = Path(__file__).parent / "fixtures" / "real" / "平潭综合实验区2019年度政府信息公开工作年度报告.txt"


def test_crawler_header_is_metadata_not_text():
    document = load_document(REAL_2019)
    assert document.title == "平潭综合实验区2019年度政府信息公开工作年度报告"
    assert not any("原文链接" in b.text for b in document.paragraphs)


def test_one_line_is_cut_into_parts_and_tables():
    document = unflatten(load_document(REAL_2019), Settings())
    headings = [b.text for b in document.blocks if isinstance(b, Paragraph) and b.text.endswith(("情况", "事项"))
                and len(b.text) < 30]
    assert headings[:6] == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert len(document.grids) == 3
    assert document.notes[-1].startswith("原文为不分段的网页文本")


def test_an_enumerator_stuck_to_the_digits_before_it_goes_with_its_label():
    document = unflatten(load_document(REAL_2019), Settings())
    table3 = document.grids[1]
    rows = {row[-2].text if len(row) > 1 else "": row[-1].text for row in table3.rows}
    assert rows["1.属于国家秘密"] == "0000000"  # "…国家秘密00000002.其他法律…": the "2." is the next row's
    assert rows["2.其他法律行政法规禁止公开"] == "0000000"


def test_table3_row_label_four_is_not_part_four():
    report = read_report(REAL_2019, Settings())
    assert report.sections["四"].heading == "四、政府信息公开行政复议、行政诉讼情况"
    assert report.tables["table3"].cells["carried_forward"]["total"].value == 0


def test_a_run_with_one_reading_is_read_even_when_it_breaks_an_identity(tmp_path):
    text = REAL_2019.read_text(encoding="utf-8").replace("（一）予以公开7000007", "（一）予以公开7000008")
    path = tmp_path / "edited.txt"
    path.write_text(text, encoding="utf-8")
    result = audit_file(path, Settings())
    cell = result.report.tables["table3"].cells["disclosed"]["total"]
    assert (cell.value, cell.state) == (8, CellState.NUMBER) and "只有一种拆分方式" in cell.note
    errors = {(f.rule, f.row, f.column) for f in result.findings if f.severity is Severity.ERROR}
    assert ("T3.row_total", "disclosed", "total") in errors


def test_a_run_with_several_readings_stays_unreadable():
    report = read_report(REAL_2019, Settings())
    cell = report.tables["table2"].cells["normative_documents"]["issued"]  # "898989": 89 89 89? 8 98 989? …
    assert cell.state is CellState.UNREADABLE and cell.raw == "898989" and "无法唯一确定" in cell.note


def test_a_paragraph_that_is_not_flattened_is_left_alone(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("一、总体情况\n本机关认真落实条例。\n二、主动公开政府信息情况\n", encoding="utf-8")
    document = load_document(path)
    assert unflatten(document, Settings()) is document
    assert not any(isinstance(b, Grid) for b in document.blocks)
