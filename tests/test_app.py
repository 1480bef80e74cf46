"""The Streamlit app through streamlit.testing's AppTest: what a reviewer sees for each kind of input.

The uploads go through the real st.file_uploader widget (AppTest can set its files) and the real
pipeline; assertions are on the verdict, the finding texts and clauses, the highlighted table cells
and the evidence shown, not merely on the absence of an exception.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from auditor.config import Settings
from auditor.errors import AuditorError
from auditor.model import Finding, Severity
from auditor.pipeline import audit_file
from auditor.present.ui import state
from auditor.present.locate import locate
from auditor.present.ui.evidence import page_image, passages
from auditor.present.ui.upload import InputFile, audit_input, check_upload, display_name

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
REPORTS = ROOT / "tests" / "fixtures" / "reports"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
BAD = ROOT / "tests" / "fixtures" / "bad"
MUTATIONS = ROOT / "tests" / "fixtures" / "mutations" / "md"
SAMPLE = next((ROOT / "data" / "samples").glob("*.pdf"))
PDF_DOWNLOADS = ["下载审核意见（Word）", "下载标注版 PDF", "下载 Excel 工作簿", "下载审核意见（Markdown）", "下载问题清单（CSV）",
                 "下载 JSON"]
MIME = {".pdf": "application/pdf", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".html": "text/html", ".md": "text/markdown", ".txt": "text/plain"}


# ---------------------------------------------------------------- helpers


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def upload(path: Path, name: str | None = None, data: bytes | None = None) -> AppTest:
    at = start()
    name = name or path.name
    at.file_uploader(key=state.UPLOAD).set_value((name, path.read_bytes() if data is None else data,
                                                  MIME.get(Path(name).suffix, "application/octet-stream")))
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in at.get(kind)]


def everything(at: AppTest) -> str:
    """Every string the page shows, main area and sidebar."""
    out = []
    for kind in ("title", "subheader", "header", "caption", "markdown", "error", "warning", "success", "info"):
        out += [str(v) for v in texts(at, kind)]
    out += [str(m.value) for m in at.metric]
    out += [str(e.proto) for e in at.get("image")]
    return "\n".join(out)


def verdict_line(at: AppTest) -> str:
    lines = [v for kind in ("error", "warning", "success") for v in texts(at, kind) if v.startswith("审核结论")]
    assert len(lines) == 1, lines
    return lines[0]


def table_html(at: AppTest, name: str) -> str:
    found = [v for v in texts(at, "markdown") if f'data-table="{name}"' in v]
    assert len(found) == 1
    return found[0]


def cell_classes(html: str, row: str, column: str) -> tuple[list[str], str]:
    """The CSS classes and the text of the value cell (row, column) in a rendered form."""
    match = re.search(rf'<td class="([^"]*)"[^>]*data-cell="{row}\.{column}"[^>]*>([^<]*)</td>', html)
    assert match, f"no cell {row}.{column}"
    return match.group(1).split(), match.group(2)


def header_classes(html: str, label: str) -> list[list[str]]:
    return [m.group(1).split() for m in re.finditer(rf'<td class="([^"]*)"[^>]*>{re.escape(label)}</td>', html)]


# ---------------------------------------------------------------- flows


def test_start_page_offers_upload_and_sample_in_rules_mode():
    at = start()
    assert at.title[0].value == "政府信息公开工作年度报告审核"
    uploader = at.file_uploader(key=state.UPLOAD)
    assert set(uploader.allowed_type) >= {".pdf", ".docx", ".html", ".txt", ".md"}
    assert at.radio(key=state.SOURCE).options == [state.SOURCE_UPLOAD, state.SOURCE_SAMPLE]
    assert "当前：规则模式（未使用大模型）。" in [c.value for c in at.sidebar.caption]
    assert [t.label for t in at.sidebar.text_input] == ["接口地址（Base URL）", "模型名称", "API Key"]
    assert not any(v.startswith("审核结论") for v in texts(at, "success") + texts(at, "error"))


def test_bundled_sample_audit_passes_and_shows_its_tables():
    at = start()
    at.radio(key=state.SOURCE).set_value(state.SOURCE_SAMPLE).run()
    assert not at.exception
    assert at.selectbox(key=state.SAMPLE).value == SAMPLE.name
    assert verdict_line(at).startswith("审核结论：**通过**　评分 100/100")
    assert at.subheader[0].value == "示例市财政局2024年政府信息公开工作年度报告"
    assert "未发现问题：三张表格的勾稽关系、报告结构均符合要求。" in texts(at, "success")
    assert any("叙述部分审查：规则模式（未使用大模型）" in v for v in texts(at, "info"))
    expected = audit_file(SAMPLE, Settings()).report.tables["table3"]
    html = table_html(at, "table3")
    classes, text = cell_classes(html, "new_received", "total")
    assert text == str(expected.value("new_received", "total")) and "sev-error" not in classes
    assert "一、本年新收政府信息公开申请数量" in html and "法人或其他组织" in html
    assert at.session_state[state.RESULT].verdict == "pass"
    assert [b.label for b in at.get("download_button")] == PDF_DOWNLOADS


@pytest.mark.parametrize("path", [REPORTS / "standard.pdf", REPORTS / "standard.docx", REPORTS / "standard.html",
                                  REPORTS / "standard.md", SEEDS / "青铜峡市科学技术局-2025-split-row.txt"],
                         ids=lambda p: p.suffix.lstrip("."))
def test_upload_of_each_format_is_audited(path: Path):
    at = upload(path)
    expected = audit_file(path, Settings())
    assert verdict_line(at).startswith("审核结论：**通过**")
    assert at.subheader[0].value == expected.report.title
    caption = next(v for v in texts(at, "caption") if v.startswith("单位："))
    assert f"单位：{expected.report.agency}" in caption and f"文件：{path.name}（{path.suffix[1:].upper()}" in caption
    html = table_html(at, "table4")
    assert cell_classes(html, "review", "total")[1] == str(expected.report.tables["table4"].value("review", "total"))
    assert at.session_state[state.CURRENT].name == path.name
    # the Word review for every format; the annotated PDF only where there is a PDF to annotate
    labels = [b.label for b in at.get("download_button")]
    assert labels == (PDF_DOWNLOADS if path.suffix == ".pdf" else [x for x in PDF_DOWNLOADS if x != "下载标注版 PDF"])


@pytest.mark.parametrize("path, message", [
    (BAD / "encrypted.pdf", "PDF 已加密（设置了打开密码或禁止提取文字），无法读取“encrypted.pdf”的内容"),
    (BAD / "corrupt.pdf", "“corrupt.pdf”无法解析，PDF 文件可能已损坏或不完整"),
    (BAD / "blank-scan.pdf", "“blank-scan.pdf”的页面只有图片，OCR 也未能从中识别出文字"),
    (BAD / "renamed.pdf", "“renamed.pdf”不是有效的 PDF 文件（文件头缺少 %PDF 标记）"),
    (BAD / "not-a-report.html", "看起来不是年度报告"),
], ids=lambda v: v.name if isinstance(v, Path) else "")
def test_bad_file_shows_the_chinese_error_with_the_uploaded_name(path: Path, message: str):
    at = upload(path)
    errors = texts(at, "error")
    assert len(errors) == 1 and message in errors[0], errors
    assert "“report." not in errors[0] and "auditor-upload-" not in errors[0]  # never the temp file's name
    assert at.session_state[state.RESULT] is None
    assert not at.get("download_button")


def test_empty_upload_is_refused_before_the_pipeline():
    at = upload(BAD / "empty.pdf")
    assert texts(at, "error") == ["文件“empty.pdf”是空文件（0 字节），请重新导出或下载后再上传。"]


def test_report_with_structural_errors_fails_with_its_findings_and_clauses():
    at = upload(REPORTS / "no-total-column.pdf")
    assert verdict_line(at) == "审核结论：**不通过**　评分 72.2/100　错误 2 项，警告 0 项，提示 0 项"
    shown = everything(at)
    assert ":red-badge[错误] **1. 表三缺少「总计」列，表格结构与年报格式不一致，相关勾稽关系无法完整校验。**" in shown
    assert "表四缺少「复议后起诉」×「总计」单元格（标准表四有15个数据格）" in shown
    assert "依据：年报格式（国办公开办函〔2021〕30号）附件" in shown
    assert "#### 表三 收到和处理政府信息公开申请情况（1项）" in texts(at, "markdown")
    # the missing 总计 column and the missing 表四 cell are shown as missing, highlighted as errors
    assert header_classes(table_html(at, "table3"), "总计（缺）") == [["head", "missing", "sev-error"]]
    classes, text = cell_classes(table_html(at, "table4"), "litigation_after_review", "total")
    assert text == "（缺）" and {"missing", "sev-error"} <= set(classes)
    # a cell of the missing column reads （缺）, never 0 or blank, and is marked with the column's finding
    classes, text = cell_classes(table_html(at, "table3"), "new_received", "total")
    assert text == "（缺）" and "sev-error" in classes
    # the evidence: page 2 of the PDF with the table boxed
    images = [str(e.proto) for e in at.get("image")]
    assert any("原文第2页（局部），红框为问题所在的表格" in i for i in images)
    assert at.tabs[1].label == "表三（1项问题）"


def test_seed_report_with_errors_shows_the_passage_highlighted():
    at = upload(SEEDS / "西工区科学技术局-2025-no-total-column.txt")
    assert verdict_line(at).startswith("审核结论：**不通过**")
    assert "表三缺少「总计」列" in everything(at)
    at.selectbox(key=state.EVIDENCE).set_value(3).run()  # 表三 rows that could not be read completely
    passage = next(v for v in texts(at, "markdown") if 'class="evidence"' in v)
    assert "<mark>" in passage and "属于国家秘密" in passage


def test_arithmetic_error_highlights_the_cells_of_the_identity():
    at = upload(MUTATIONS / "t3-identity-natural-person.md")
    result = at.session_state[state.RESULT]
    identity = next(f for f in result.findings if f.rule == "T3.identity")
    assert verdict_line(at).startswith("审核结论：**不通过**")
    assert identity.message in everything(at)
    html = table_html(at, "table3")
    for row in ("new_received", "carried_over", "results_total", "carried_forward"):
        assert "sev-error" in cell_classes(html, row, "natural_person")[0]
    assert "sev-error" not in cell_classes(html, "disclosed", "natural_person")[0]
    assert "sev-error" not in cell_classes(html, "new_received", "commercial")[0]
    passage = next(v for v in texts(at, "markdown") if 'class="evidence"' in v)
    assert "<mark>一、本年新收政府信息公开申请数量</mark>" in passage


def test_blank_cells_stay_blank_and_info_findings_can_be_filtered_out():
    at = upload(REPORTS / "typos-and-blanks.pdf")
    assert verdict_line(at).startswith("审核结论：**需关注**")
    classes, text = cell_classes(table_html(at, "table3"), "carried_over", "commercial")
    assert text == "" and "sev-info" in classes
    assert header_classes(table_html(at, "table2"), "本年废止件数") == [["head", "sev-info"]]
    at.multiselect(key=state.SEVERITIES).set_value(["错误"]).run()
    assert "没有符合筛选条件的问题。" in texts(at, "caption")
    assert not [v for v in texts(at, "markdown") if v.startswith(":blue-badge")]


def test_api_key_stays_in_the_session_and_an_unreachable_endpoint_falls_back_to_rules():
    secret = "sk-test-" + hashlib.sha256(b"app-test").hexdigest()[:24]
    at = start()
    at.sidebar.text_input(key=state.BASE_URL).input("http://127.0.0.1:9/v1")
    at.sidebar.text_input(key=state.MODEL).input("test-model")
    at.sidebar.text_input(key=state.API_KEY).input(secret)
    at.run()
    at.radio(key=state.SOURCE).set_value(state.SOURCE_SAMPLE).run()
    assert not at.exception
    assert "已填写密钥（仅本会话有效）。" in [c.value for c in at.sidebar.caption]
    info = texts(at, "info")[0]
    assert "规则模式" in info and "大模型接口调用失败" in info
    assert secret not in everything(at)
    settings = state.settings_from_state(at.session_state)
    assert settings.openai_api_key == secret and secret not in state.settings_fingerprint(settings)
    assert secret not in repr(settings)
    cache = Settings().cache_dir
    if cache.is_dir():
        assert not any(secret.encode() in p.read_bytes() for p in cache.rglob("*") if p.is_file())
    at.sidebar.button[0].click().run()  # 清除密钥
    assert at.session_state[state.API_KEY] == "" and "当前：规则模式（未使用大模型）。" in [c.value for c in at.sidebar.caption]
    assert "未配置大模型接口" in texts(at, "info")[0]


# ---------------------------------------------------------------- the pieces behind the page


def test_upload_checks_refuse_unsupported_types_and_sizes_without_using_the_name_as_a_path():
    settings = Settings(max_file_bytes=1000)
    with pytest.raises(AuditorError, match="不支持的文件类型“.xlsx”"):
        check_upload("统计.xlsx", b"PK\x03\x04", settings)
    with pytest.raises(AuditorError, match="不支持的文件类型“.doc”"):
        check_upload("报告.doc", b"\xd0\xcf\x11\xe0", settings)
    with pytest.raises(AuditorError, match="超过上限"):
        check_upload("报告.pdf", b"%PDF" + b"0" * 2000, settings)
    source = check_upload("../../etc/年报.PDF", b"%PDF-1.4", Settings())
    assert (source.name, source.suffix) == ("年报.PDF", ".pdf")
    assert display_name("C:\\Users\\x\\报告.docx") == "报告.docx"
    assert display_name("\x00..\x1f") == "report"


def test_audit_input_runs_in_a_private_temp_dir_that_is_removed(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = (REPORTS / "standard.md").read_bytes()
    seen = []
    result = audit_input(InputFile("../报告.md", data, hashlib.sha256(data).hexdigest(), ".md"), Settings(),
                         progress=lambda stage, fraction: seen.append(stage))
    assert result.verdict == "pass" and str(result.report.document.path) == "../报告.md"
    assert seen[0] == "读取文件" and "规则校验" in seen and seen[-1] == "完成"
    assert list(tmp_path.iterdir()) == []


def test_pdf_evidence_is_boxed_in_red_on_the_page_image():
    path = REPORTS / "typos-and-blanks.pdf"
    result = audit_file(path, Settings())
    typo = next(f for f in result.findings if f.rule == "STRUCT.label_typo" and f.table == "table2")
    location = locate(typo, result.report)
    png, boxes = page_image(path.read_bytes(), location, resolution=72, crop=False)
    assert (location.page, boxes) == (1, 1)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    found = _search_box(path, 1, "本年度止件数")
    x0, top, x1, bottom = (round(v) for v in found)
    edge = image.getpixel((x0 - 2, (top + bottom) // 2))
    assert edge[0] > 180 and edge[1] < 80 and edge[2] < 80  # the red stroke just left of the label


def test_pdf_evidence_on_a_page_saved_sideways_is_shown_upright_with_its_box(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=REPORTS / "typos-and-blanks.pdf")
    writer.pages[0].rotate(90)  # the page shows sideways; it is read (and must be shown) turned upright
    path = tmp_path / "sideways.pdf"
    writer.write(path)
    result = audit_file(path, Settings())
    typo = next(f for f in result.findings if f.rule == "STRUCT.label_typo" and f.table == "table2")
    png, boxes = page_image(path.read_bytes(), locate(typo, result.report), resolution=72, crop=False)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert boxes == 1 and image.width < image.height  # portrait, as the upright page
    x0, top, x1, bottom = (round(v) for v in _search_box(REPORTS / "typos-and-blanks.pdf", 1, "本年度止件数"))
    edge = image.getpixel((x0 - 2, (top + bottom) // 2))
    assert edge[0] > 180 and edge[1] < 80 and edge[2] < 80


def _search_box(path: Path, page: int, text: str):
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        match = pdf.pages[page - 1].search(text)[0]
    return match["x0"], match["top"], match["x1"], match["bottom"]


def test_cell_evidence_boxes_the_cells_bbox():
    path = REPORTS / "standard.pdf"
    result = audit_file(path, Settings())
    cell = result.report.tables["table4"].cells["review"]["total"]
    finding = Finding("T4.sum", Severity.ERROR, "表四「行政复议」的总计不等于各项之和。", table="table4", row="review",
                      column="total", page=cell.page)
    location = locate(finding, result.report)
    assert (location.page, location.boxes, location.what) == (cell.page, [cell.bbox], "单元格")


def test_text_evidence_marks_the_quoted_passage():
    result = audit_file(SEEDS / "宝鸡市科学技术局-2024-blanks-and-typo.txt", Settings())
    typo = next(f for f in result.findings if f.rule == "STRUCT.label_typo")
    assert passages(typo, result.report) == ["信息内容 ｜ 本年制发件数 ｜ <mark>本年度止件数</mark> ｜ 现行有效件数"]


def test_settings_fingerprint_changes_with_the_key_but_never_contains_it():
    a = state.settings_from_state({state.API_KEY: " sk-one ", state.MODEL: "m"})
    b = state.settings_from_state({state.API_KEY: "sk-two", state.MODEL: "m"})
    none = state.settings_from_state({})
    assert a.openai_api_key == "sk-one" and none.openai_api_key is None and none.model is None
    assert len({state.settings_fingerprint(s) for s in (a, b, none)}) == 3
    assert "sk-one" not in state.settings_fingerprint(a)
