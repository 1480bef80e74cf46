"""present/docx_report.py: the 审核意见 as Word opened back with python-docx, and its XML as Word and WPS read it."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from auditor.check.findings import UNVERIFIABLE
from auditor.config import Settings
from auditor.model import AuditResult, Finding, Severity
from auditor.pipeline import audit_file
from auditor.present.docx_report import FINDING_HEADER, SIGNATURE, render_docx
from auditor.present.markdown_report import SEVERITY_TEXT, finding_group, sorted_findings

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "fixtures" / "reports"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
MUTATIONS = ROOT / "tests" / "fixtures" / "mutations" / "pdf"
SAMPLE = next((ROOT / "data" / "samples").glob("*.pdf"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CASES = {
    "no-total-column": REPORTS / "no-total-column.pdf",  # two errors
    "typos-and-blanks": REPORTS / "typos-and-blanks.pdf",  # only infos
    "t3-blank-cell": MUTATIONS / "t3-blank-cell.pdf",  # 无法校验 warnings
    "table4-14-cells": SEEDS / "石嘴山市科学技术局-2023-table4-14-cells.txt",  # errors and 无法校验 infos
    "identity": MUTATIONS / "t3-identity-natural-person.pdf",
    "sample": SAMPLE,  # passes
    "real-wps": ROOT / "tests" / "fixtures" / "real" / "洪泽区人民政府2023年政府信息公开工作年度报告.pdf",
    "real-html": ROOT / "tests" / "fixtures" / "real" / "平潭综合实验区金井片区管理局2023年政府信息公开工作年度报告.html",
}


@pytest.fixture(scope="module")
def reviews() -> dict[str, tuple[AuditResult, docx.document.Document, bytes]]:
    out = {}
    for name, path in CASES.items():
        result = audit_file(path, Settings())
        data = render_docx(result)
        out[name] = (result, docx.Document(io.BytesIO(data)), data)
    return out


def paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def section(document, heading: str) -> list[str]:
    """The paragraph texts under the level-1 heading starting with `heading`, up to the next one or the closing."""
    out, inside = [], False
    for p in document.paragraphs:
        if p.style.name == "Heading 1" or p.text.startswith("审核意见："):
            inside = p.text.startswith(heading)
            continue
        if inside:
            out.append(p.text)
    return out


@pytest.mark.parametrize("name", CASES)
def test_every_error_and_warning_is_a_row_of_the_findings_table_in_full(reviews, name):
    result, document, _ = reviews[name]
    serious = [f for f in sorted_findings(result.findings) if f.severity is not Severity.INFO]
    tables = document.tables
    assert [c.text for c in tables[0].columns[0].cells] == ["报告名称", "发布单位", "报告年度", "审核文件", "文件校验码",
                                                           "审核结论"]
    if not serious:
        assert len(tables) == 1 and section(document, "二、")[0] == "未发现错误或警告。"
        return
    rows = [[cell.text for cell in row.cells] for row in tables[1].rows]
    assert rows[0] == FINDING_HEADER
    assert len(rows) == len(serious) + 1
    for i, (row, finding) in enumerate(zip(rows[1:], serious), 1):
        assert row[0] == str(i) and row[1] == SEVERITY_TEXT[finding.severity]
        assert row[3] == finding.message  # the whole message, never cut
        assert row[4] == (finding.basis or "—")
        if finding.page:
            assert f"第{finding.page}页" in row[2]


@pytest.mark.parametrize("name", CASES)
def test_every_finding_is_asked_to_be_fixed_or_confirmed_under_its_group(reviews, name):
    result, document, _ = reviews[name]
    fix = section(document, "三、整改要求")
    confirm = section(document, "四、需核实确认的事项")
    to_fix = [f for f in sorted_findings(result.findings) if UNVERIFIABLE not in f.message]
    unverifiable = [f for f in sorted_findings(result.findings) if UNVERIFIABLE in f.message]
    if not to_fix:
        assert fix == ["无需整改。"]
    heading = None
    headings: dict[str, str] = {}
    for p in document.paragraphs:
        if p.style.name == "Heading 2":
            heading = p.text
        elif p.text and heading:
            headings.setdefault(p.text, heading)
    for finding in to_fix:
        line = next(t for t in fix if f"【{SEVERITY_TEXT[finding.severity]}】{finding.message}" in t)
        assert headings[line].endswith(finding_group(finding)[1])  # （一）表三 收到和处理…
    assert [t for t in confirm if re.match(r"\d+\. ", t)] == [t for t in confirm if any(f.message in t for f in unverifiable)]
    assert len([t for t in confirm if re.match(r"\d+\. ", t)]) == len(unverifiable)
    if not unverifiable:
        assert confirm == ["无。"]


def test_title_identity_verdict_and_signature(reviews):
    result, document, _ = reviews["no-total-column"]
    texts = paragraphs(document)
    assert document.paragraphs[0].style.name == "Title"
    assert texts[0] == "《示例区住房和城乡建设局2025年政府信息公开工作年度报告》审核意见"
    identity = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert identity["发布单位"] == "示例区住房和城乡建设局" and identity["报告年度"] == "2025年"
    assert identity["审核文件"] == "no-total-column.pdf（PDF，3页）"
    assert identity["审核结论"] == "不通过（评分 72.2/100）"
    assert identity["文件校验码"] == f"SHA-256 {result.report.document.sha256}"
    assert section(document, "一、审核结论")[0] == "经审核，该报告的审核结论为：不通过（评分 72.2/100）。共发现错误 2 项、警告 0 项、提示 0 项。"
    assert "审核意见：报告存在上述错误，请对照年报格式和相关条款逐项整改，核实数据后重新发布。" in texts
    assert texts[-3:] == list(SIGNATURE)
    assert document.core_properties.title == texts[0]


def test_unverifiable_items_are_counted_and_listed_to_confirm(reviews):
    result, document, _ = reviews["table4-14-cells"]
    unverifiable = [f for f in result.findings if UNVERIFIABLE in f.message]
    assert len(unverifiable) == 3
    assert section(document, "一、审核结论")[0].endswith("其中 3 项无法自动校验、需人工核实。")
    confirm = section(document, "四、需核实确认的事项")
    assert confirm[0].startswith("以下事项因表格中有“/”、无法识别、空白或缺失的单元格")
    assert all(f"{i}. {f.message}（位置：" in confirm[i] for i, f in enumerate(sorted_findings(unverifiable), 1))


def test_a_passing_report_says_so(reviews):
    _, document, _ = reviews["sample"]
    assert section(document, "三、整改要求") == ["无需整改。"] and section(document, "四、需核实确认的事项") == ["无。"]
    assert "审核意见：未发现问题。" in paragraphs(document)


# ---------------------------------------------------------------- opens in Word and WPS without repair


def _parts(data: bytes) -> dict[str, etree._Element | None]:
    """Every part of the package; the XML ones parsed (which fails on XML Word would have to repair)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        return {name: etree.fromstring(package.read(name)) if name.endswith((".xml", ".rels")) else None
                for name in package.namelist()}


@pytest.mark.parametrize("name", CASES)
def test_package_is_well_formed_and_every_reference_resolves(reviews, name):
    _, _, data = reviews[name]
    parts = _parts(data)  # every XML part parses
    rels = parts["word/_rels/document.xml.rels"]
    ids = {r.get("Id"): r.get("Target") for r in rels}
    body = parts["word/document.xml"]
    used = {v for e in body.iter() for k, v in e.attrib.items() if k == f"{R}id"}
    assert used and used <= set(ids)  # the footer's relationship among them
    for target in ids.values():
        assert posixpath.normpath(f"word/{target}") in parts
    types = parts["[Content_Types].xml"]
    overrides = {e.get("PartName").lstrip("/") for e in types if e.tag.endswith("Override")}
    defaults = {e.get("Extension") for e in types if e.tag.endswith("Default")}
    for name in parts:  # every part has a content type
        assert name in overrides or name.rsplit(".", 1)[-1] in defaults, name
    for table in body.iter(f"{W}tbl"):  # Word repairs a table whose grid and rows disagree, or an empty cell
        columns = len(table.find(f"{W}tblGrid"))
        for row in table.iter(f"{W}tr"):
            cells = row.findall(f"{W}tc")
            assert len(cells) == columns
            assert all(cell.find(f"{W}p") is not None for cell in cells)


def test_a4_portrait_with_page_numbers_in_the_footer(reviews):
    _, document, data = reviews["no-total-column"]
    parts = _parts(data)
    size = parts["word/document.xml"].find(f".//{W}sectPr/{W}pgSz")
    assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (11906, 16838)  # 210 × 297 mm in twips
    assert size.get(f"{W}orient") in (None, "portrait")
    footers = [part for name, part in parts.items() if re.fullmatch(r"word/footer\d*\.xml", name)]
    assert len(footers) == 1
    footer = footers[0]
    instructions = [t.text.strip() for t in footer.iter(f"{W}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    kinds = [c.get(f"{W}fldCharType") for c in footer.iter(f"{W}fldChar")]
    assert kinds == ["begin", "separate", "end"] * 2
    assert "".join(t.text for t in footer.iter(f"{W}t")) == "第 1 页，共 1 页"
    assert document.sections[0].footer.paragraphs[0].text == "第 1 页，共 1 页"


def test_east_asian_fonts_are_set_explicitly_with_their_english_names_as_fallback(reviews):
    _, document, data = reviews["no-total-column"]
    parts = _parts(data)
    styles = parts["word/styles.xml"]
    defaults = styles.find(f"{W}docDefaults//{W}rFonts")
    assert defaults.get(f"{W}eastAsia") == "仿宋" and defaults.get(f"{W}ascii") == "Times New Roman"
    assert styles.find(f"{W}docDefaults//{W}lang").get(f"{W}eastAsia") == "zh-CN"
    expected = {"Normal": "仿宋", "Title": "宋体", "Heading1": "黑体", "Heading2": "仿宋", "TableText": "宋体",
                "Footer": "宋体"}
    for style in styles.iter(f"{W}style"):
        if style.get(f"{W}styleId") in expected:
            fonts = style.find(f"{W}rPr/{W}rFonts")
            assert fonts.get(f"{W}eastAsia") == expected[style.get(f"{W}styleId")]
            # a theme font would override the explicit one (the template's theme has a Japanese 明朝)
            assert not [k for k in fonts.attrib if k.endswith("Theme") or k.endswith("theme")]
    used = {p.style.style_id for p in document.paragraphs} | {"TableText", "Footer"}
    assert used <= set(expected) | {None}
    fonts = {f.get(f"{W}name"): f for f in parts["word/fontTable.xml"].iter(f"{W}font")}
    for name, english in (("仿宋", "FangSong"), ("宋体", "SimSun"), ("黑体", "SimHei")):
        assert fonts[name].find(f"{W}altName").get(f"{W}val") == english
        assert fonts[name].find(f"{W}charset").get(f"{W}val") == "86"  # GB2312


def test_text_xml_cannot_hold_is_dropped_not_fatal():
    result = audit_file(REPORTS / "standard.pdf", Settings())
    result.findings.append(Finding("NARR.number_mismatch", Severity.ERROR, "正文称收到申请\x0b12件\x01，表三为13件。",
                                   section="三", basis="条例第五十条"))
    document = docx.Document(io.BytesIO(render_docx(result)))
    assert document.tables[1].rows[1].cells[3].text == "正文称收到申请12件，表三为13件。"


def test_the_reason_for_rules_mode_is_stated_when_the_endpoint_fails():
    from tests.test_review_support import shared_cache_dir, shared_index
    shared_index()
    settings = Settings(openai_api_key="sk-test-unreachable", openai_base_url="http://127.0.0.1:9/v1",
                        model="test-model", llm_max_retries=0, cache_dir=shared_cache_dir())
    result = audit_file(SEEDS / "宝鸡市科学技术局-2024-blanks-and-typo.txt", settings)
    assert result.review.mode == "rules"
    line = section(docx.Document(io.BytesIO(render_docx(result))), "一、审核结论")[1]
    assert line.startswith("审核方式：表格与结构逐项规则校验；叙述部分审查：规则模式（未使用大模型）。说明：大模型接口调用失败（")
    assert line.endswith("已改用规则模式完成审查。") and line == f"审核方式：表格与结构逐项规则校验；叙述部分审查：规则模式（未使用大模型）。说明：{result.review.note}"
