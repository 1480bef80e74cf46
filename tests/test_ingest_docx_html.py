"""The DOCX and HTML readers themselves: merged cells, site chrome, encodings, fragments, bad files."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest

from auditor.errors import AuditorError, CorruptFile, NotAReport
from auditor.extract import extract_report
from auditor.ingest import load_document
from auditor.model import Document, Grid
from tests.fixtures.builder.spec import FIXTURES

FIXTURE_DIR = Path(__file__).parent / "fixtures"
REPORTS = FIXTURE_DIR / "reports"
BAD = FIXTURE_DIR / "bad"
SPECS = {spec.name: spec for spec in FIXTURES}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def texts(row) -> list[str | None]:
    return [None if cell is None else cell.text for cell in row]


def grid_with(document: Document, marker: str) -> Grid:
    return next(g for g in document.grids if any(c is not None and marker in c.text for row in g.rows for c in row))


def write_html(tmp_path: Path, body: str, title: str = "页面", charset: str = "utf-8") -> Path:
    path = tmp_path / "page.html"
    page = f'<html><head><meta charset="{charset}"><title>{title}</title></head><body>{body}</body></html>'
    path.write_bytes(page.encode("gb18030" if charset.lower().startswith("gb") else "utf-8"))
    return path


# ---------------------------------------------------------------- merged cells


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_table3_spans_expanded_to_a_rectangle(fmt):
    spec = SPECS["standard"]
    grid = grid_with(load_document(REPORTS / f"standard.{fmt}"), "申请人情况")
    assert grid.regular and len({len(row) for row in grid.rows}) == 1 and len(grid.rows[0]) == 10
    first, second, third = (texts(r) for r in grid.rows[:3])
    assert first[0].startswith("（本列数据的勾稽关系为") and first[1:3] == [None, None]  # note cell: 3 × 3
    assert second[:3] == [None, None, None] and third[:4] == [None, None, None, None]  # 自然人 spans two rows
    assert first[3] == "申请人情况" and first[4:] == [None] * 6
    assert second[3:5] == ["自然人", "法人或其他组织"] and second[5:9] == [None] * 4 and second[9] == "总计"
    assert third[4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    new_received = texts(grid.rows[3])
    assert new_received[0] == "一、本年新收政府信息公开申请数量" and new_received[1:3] == [None, None]
    assert new_received[3] == str(spec.table3["new_received"]["natural_person"])
    assert new_received[9] == str(spec.table3["new_received"]["total"])
    disclosed, partial = texts(grid.rows[5]), texts(grid.rows[6])
    assert disclosed[:3] == ["三、本年度办理结果", "（一）予以公开", None]  # rowspan label, then colspan 2
    assert partial[0] is None
    secret = texts(grid.rows[7])
    assert secret[:3] == [None, "（三）不予公开", "1.属于国家秘密"]
    assert texts(grid.rows[8])[:3] == [None, None, "2.其他法律行政法规禁止公开"]


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_table4_group_headers_span(fmt):
    spec = SPECS["standard"]
    grid = grid_with(load_document(REPORTS / f"standard.{fmt}"), "复议后起诉")
    rows = [texts(r) for r in grid.rows]
    assert rows[0] == ["行政复议", None, None, None, None, "行政诉讼"] + [None] * 9
    assert rows[1][:6] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉"]
    assert rows[1][10] == "复议后起诉" and rows[2][:5] == [None] * 5
    assert rows[3][14] == str(spec.table4["litigation_after_review"]["total"])


def test_html_rowspan_colspan_positions(tmp_path):
    body = """<div><table>
      <tr><td rowspan="2" colspan="2">甲</td><td>乙</td></tr>
      <tr><td>丙</td></tr>
      <tr><td>丁</td><th colspan="2">戊</th></tr>
      <tr><td rowspan="0">己</td><td>1</td><td>2</td></tr>
      <tr><td>3</td><td>4</td></tr>
    </table></div>"""
    grid = load_document(write_html(tmp_path, body)).grids[0]
    assert [texts(r) for r in grid.rows] == [["甲", None, "乙"], [None, None, "丙"], ["丁", "戊", None],
                                             ["己", "1", "2"], [None, "3", "4"]]


# ---------------------------------------------------------------- fragments and text


def test_fragments_inside_a_cell_are_joined_html():
    document = load_document(REPORTS / "landscape-vertical-header.html")
    table4 = grid_with(document, "复议后起诉")
    assert texts(table4.rows[1])[:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]  # 结<br>果<br>维<br>持
    table3 = grid_with(document, "申请人情况")
    labels = {c.text for row in table3.rows for c in row[:3] if c is not None}
    assert "三、本年度办理结果" in labels  # <p>三、本</p><p>年度办</p><p>理结果</p>
    assert "5.要求行政机关确认或重新出具已获取信息" in labels


def test_fragments_inside_a_cell_are_joined_docx():
    document = load_document(REPORTS / "landscape-vertical-header.docx")
    table4 = grid_with(document, "复议后起诉")
    assert texts(table4.rows[1])[:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    table3 = grid_with(document, "申请人情况")
    assert texts(table3.rows[5])[0] == "三、本年度办理结果"  # three paragraphs in one cell


def test_html_cell_fragments_and_spaces(tmp_path):
    body = """<table><tr><td><p>结果</p><p><span>维持</span></p></td><td><p><span>12</span></p></td></tr>
      <tr><td>&nbsp;&nbsp;行政　许可&nbsp;</td><td><p>&nbsp;</p></td></tr></table>"""
    grid = load_document(write_html(tmp_path, body)).grids[0]
    assert texts(grid.rows[0]) == ["结果维持", "12"]
    assert texts(grid.rows[1]) == ["行政 许可", ""]


def test_html_paragraphs_headings_and_breaks(tmp_path):
    body = """<div class="content"><h2>一、总体情况</h2>
      <p>&nbsp;&nbsp;&nbsp;&nbsp;　　全年主动公开信息<span>120</span>条。</p>
      <p>第一行<br/>第二行</p><div>块内文字<b>加粗</b></div><ul><li>列表项</li></ul></div>"""
    paragraphs = load_document(write_html(tmp_path, body)).paragraphs
    assert [(p.text, p.heading) for p in paragraphs] == [
        ("一、总体情况", 2), ("全年主动公开信息120条。", None), ("第一行", None), ("第二行", None),
        ("块内文字加粗", None), ("列表项", None)]


# ---------------------------------------------------------------- site chrome

CHROME = ["网站地图", "当前位置", "无障碍", "打印本页", "关闭窗口", "相关链接", "主办单位", "政府信息公开指南",
          "要闻动态", "分享到", "扫描二维码", "setFont", "统计代码", "请输入关键词", "发布时间", "ICP备"]


@pytest.mark.parametrize("name", [spec.name for spec in FIXTURES])
def test_site_chrome_left_out(name):
    document = load_document(REPORTS / f"{name}.html")
    spec = SPECS[name]
    text = "\n".join(p.text for p in document.paragraphs)
    for chrome in CHROME:
        assert chrome not in text, chrome
    assert document.paragraphs[0].text == spec.title  # the headline outside the article is kept, first
    assert text.rstrip().endswith(f"{spec.year + 1}年1月20日")


def test_layout_tables_opened_and_headline_found(tmp_path):
    body = """<table width="1000"><tr>
      <td width="200"><a href="/a">首页</a><br><a href="/b">机构概况</a><br><a href="/c">政务公开</a><br><a href="/d">办事服务</a></td>
      <td><table><tr><td class="bt">示例县民政局2023年政府信息公开工作年度报告</td></tr>
        <tr><td><p>一、总体情况</p><p>本年度依法做好政府信息公开工作，全面推进决策、执行、管理、服务、结果公开。</p>
          <table><tr><td>信息内容</td><td>本年处理决定数量</td></tr><tr><td>行政许可</td><td>35</td></tr></table>
        </td></tr></table></td></tr></table>"""
    document = load_document(write_html(tmp_path, body, title="示例县民政局2023年政府信息公开工作年度报告-示例县人民政府"))
    assert [texts(r) for g in document.grids for r in g.rows] == [["信息内容", "本年处理决定数量"], ["行政许可", "35"]]
    assert document.paragraphs[0].text == "示例县民政局2023年政府信息公开工作年度报告"
    assert all("机构概况" not in p.text for p in document.paragraphs)


def test_page_without_article_returns_what_is_there(tmp_path):
    document = load_document(write_html(tmp_path, "<div><a href='/'>首页</a></div><p>页面不存在</p>"))
    assert [p.text for p in document.paragraphs] == ["页面不存在"]


# ---------------------------------------------------------------- encodings


def test_gbk_page_decoded():
    path = REPORTS / "layout-2019.html"
    data = path.read_bytes()
    assert b'charset=gbk' in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    document = load_document(path)
    assert document.format == "html" and document.paragraphs[0].text == SPECS["layout-2019"].title
    assert any(c is not None and c.text == "（六）其他处理" for g in document.grids for row in g.rows for c in row)


def test_gb2312_meta_in_content_attribute(tmp_path):
    path = tmp_path / "old.htm"
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '<title>年报</title></head><body><p>二、主动公开政府信息情况</p></body></html>')
    path.write_bytes(page.encode("gb2312"))
    assert load_document(path).paragraphs[0].text == "二、主动公开政府信息情况"


def test_undecodable_page_is_corrupt(tmp_path):
    path = tmp_path / "broken.html"
    path.write_bytes(b'<html><head><meta charset="utf-8"></head><body><p>' + bytes(range(0x80, 0x100)) * 8 + b"</p></body></html>")
    with pytest.raises(CorruptFile) as caught:
        load_document(path)
    assert CHINESE.search(caught.value.message) and "编码" in caught.value.message


# ---------------------------------------------------------------- docx details


def test_docx_headings_from_styles():
    document = load_document(REPORTS / "standard.docx")
    headings = [p for p in document.paragraphs if p.heading is not None]
    assert [p.text for p in headings][0] == "一、总体情况" and {p.heading for p in headings} == {2}
    assert document.pages is None and all(p.page is None and p.bbox is None for p in document.paragraphs)


def test_docx_line_break_splits_title():
    document = load_document(REPORTS / "typos-and-blanks.docx")
    assert [p.text for p in document.paragraphs[:2]] == ["示例市科学技术局", "2024年政府信息公开工作年度报告"]


def test_docx_nested_table_in_a_frame(tmp_path):
    word = docx.Document()
    word.add_paragraph("示例县2023年政府信息公开工作年度报告", style="Heading 1")
    frame = word.add_table(rows=1, cols=1)
    inner = frame.cell(0, 0).add_table(rows=2, cols=3)
    inner.cell(0, 0).merge(inner.cell(0, 1)).text = "行政复议"
    inner.cell(0, 2).text = "总计"
    for j, value in enumerate(["1", "2", "3"]):
        inner.cell(1, j).text = value
    path = tmp_path / "framed.docx"
    word.save(path)
    document = load_document(path)
    assert document.paragraphs[0].heading == 1
    assert [[texts(r) for r in g.rows] for g in document.grids] == [[["行政复议", None, "总计"], ["1", "2", "3"]]]


# ---------------------------------------------------------------- unusable inputs


def assert_chinese_error(error: AuditorError) -> None:
    assert CHINESE.search(error.message), error.message
    assert error.to_dict()["error"]["code"] == error.code


def test_truncated_docx_is_corrupt():
    with pytest.raises(CorruptFile) as caught:
        load_document(BAD / "corrupt.docx")
    assert_chinese_error(caught.value)


def test_docx_without_document_part_is_corrupt(tmp_path):
    path = tmp_path / "hollow.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/styles.xml", "<w:styles/>")
    with pytest.raises(CorruptFile) as caught:
        load_document(path)
    assert_chinese_error(caught.value)
    assert "document.xml" in caught.value.message


def test_docx_with_broken_xml_is_corrupt(tmp_path):
    good = REPORTS / "standard.docx"
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data[: len(data) // 2]
            target.writestr(info.filename, data)
    with pytest.raises(CorruptFile) as caught:
        load_document(path)
    assert_chinese_error(caught.value)


def test_news_page_is_not_a_report():
    document = load_document(BAD / "not-a-report.html")
    assert document.paragraphs[0].text.startswith("示例市财政局召开") and not document.grids
    with pytest.raises(NotAReport) as caught:
        extract_report(document)
    assert_chinese_error(caught.value)


def test_utf8_page_declared_gbk_read_as_utf8(tmp_path):
    path = tmp_path / "mislabelled.html"
    path.write_bytes('<html><head><meta charset="gbk"></head><body><p>四、政府信息公开行政复议、行政诉讼情况</p></body></html>'
                     .encode("utf-8"))
    assert load_document(path).paragraphs[0].text == "四、政府信息公开行政复议、行政诉讼情况"


def test_docx_vmerge_and_hmerge_expanded(tmp_path):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    word = docx.Document()
    table = word.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(2, 0)).text = "三、本年度办理结果"  # vMerge restart / continue
    table.cell(0, 1).text, table.cell(0, 2).text = "乙", "丙"
    for tc, value in ((table.cell(1, 1)._tc, "restart"), (table.cell(1, 2)._tc, None)):
        merge = parse_xml(f'<w:hMerge {nsdecls("w")} w:val="{value}"/>' if value else f'<w:hMerge {nsdecls("w")}/>')
        tc.get_or_add_tcPr().append(merge)
    table.cell(1, 1).text = "横向合并"
    table.cell(2, 1).text, table.cell(2, 2).text = "1", "2"
    path = tmp_path / "merged.docx"
    word.save(path)
    grid = load_document(path).grids[0]
    assert [texts(r) for r in grid.rows] == [["三、本年度办理结果", "乙", "丙"], [None, "横向合并", None], [None, "1", "2"]]
