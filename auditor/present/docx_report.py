"""AuditResult → the 审核意见 as a Word document (python-docx) a reviewer can send as is.

《XX2024年政府信息公开工作年度报告》审核意见: the report's identity, the verdict and score, a table of every
error and warning (序号, 程度, 位置, 问题, 依据), the 整改要求 grouped by section and table, the 无法校验 items
to confirm, and a closing with lines for the signature and the date.

A4 with the margins of 党政机关公文格式 (GB/T 9704), page numbers in the footer (PAGE / NUMPAGES fields). East Asian
text is set through w:eastAsia in every style used (正文 仿宋, 标题 宋体, 一级标题 黑体), the theme fonts of the
template (a Japanese 明朝) are replaced, and the font table names each font with its English family name as
w:altName, so Word and WPS find it on any system and LibreOffice falls back to an installed CJK font.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor
from lxml import etree

from ..check.findings import UNVERIFIABLE, cell_name
from ..model import AuditResult, Finding, Severity
from .markdown_report import CLOSING as MARKDOWN_CLOSING
from .markdown_report import (SEVERITY_TEXT, VERDICT_TEXT, counts, finding_group, location, ocr_note,
                              review_mode_text, sorted_findings)
from .spreadsheet import SEVERITY_FILL

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT, TITLE_FONT, HEADING_FONT, LATIN_FONT = "仿宋", "宋体", "黑体", "Times New Roman"
# the font table entries: East Asian family → (English family name Word/WPS also know it by, panose, pitch)
FONT_TABLE = {
    "仿宋": ("FangSong", "02010609060101010101", "fixed"),
    "宋体": ("SimSun", "02010600030101010101", "variable"),
    "黑体": ("SimHei", "02010609060101010101", "fixed"),
}
FINDING_HEADER = ["序号", "程度", "位置", "问题", "依据"]
FINDING_WIDTHS_CM = [1.3, 1.4, 3.0, 6.6, 3.3]  # 15.6 cm: the text width of A4 with 28 mm / 26 mm side margins
CLOSING = {verdict: text.removeprefix("**审核意见**：") for verdict, text in MARKDOWN_CLOSING.items()}  # after 审核意见：
SIGNATURE = ("审核单位（盖章）：", "审核人（签名）：", "日期：　　　　年　　月　　日")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HEAD_FILL = "EEF1F5"
_ORDINALS = "一二三四五六七八九十"


def render_docx(result: AuditResult) -> bytes:
    """The .docx bytes of the 审核意见 of one audited report."""
    document = new_document()
    _page_setup(document)
    _styles(document)
    _font_table(document)
    title = _report_title(result)
    document.core_properties.title = f"《{title}》审核意见"
    document.core_properties.author = "年报审核"
    document.core_properties.language = "zh-CN"
    document.core_properties.created = document.core_properties.modified = datetime.now().replace(microsecond=0)

    document.add_paragraph(_clean(f"《{title}》审核意见"), style="Title")
    _identity_table(document, result)

    serious = [f for f in sorted_findings(result.findings) if f.severity is not Severity.INFO]
    numbers = {id(f): i for i, f in enumerate(serious, 1)}
    unverifiable = [f for f in sorted_findings(result.findings) if UNVERIFIABLE in f.message]
    to_fix = [f for f in sorted_findings(result.findings) if UNVERIFIABLE not in f.message]

    document.add_heading("一、审核结论", level=1)
    n = counts(result.findings)
    _body(document, f"经审核，该报告的审核结论为：{VERDICT_TEXT[result.verdict]}（评分 {result.score:g}/100）。"
                    f"共发现错误 {n[Severity.ERROR]} 项、警告 {n[Severity.WARNING]} 项、提示 {n[Severity.INFO]} 项"
                    + (f"，其中 {len(unverifiable)} 项无法自动校验、需人工核实" if unverifiable else "") + "。")
    _body(document, f"审核方式：表格与结构逐项规则校验；叙述部分审查：{review_mode_text(result.review)}")
    if ocr_note(result):
        _body(document, f"扫描件：{ocr_note(result)}。")

    document.add_heading("二、发现的问题（错误及警告）", level=1)
    if serious:
        _findings_table(document, serious)
    else:
        _body(document, "未发现错误或警告。")

    document.add_heading("三、整改要求", level=1)
    if to_fix:
        _body(document, "请对照《中华人民共和国政府信息公开条例》和年报格式（国办公开办函〔2021〕30号）逐项整改：")
        _grouped_requirements(document, to_fix, numbers)
    else:
        _body(document, "无需整改。")

    document.add_heading("四、需核实确认的事项（无法校验）", level=1)
    if unverifiable:
        _body(document, "以下事项因表格中有“/”、无法识别、空白或缺失的单元格，无法自动核对，请对照原表核实并确认：")
        for i, finding in enumerate(unverifiable, 1):
            _body(document, f"{i}. {finding.message}（位置：{_where_inline(finding)}"
                            + (f"；问题清单第{numbers[id(finding)]}项" if id(finding) in numbers else "") + "）")
    else:
        _body(document, "无。")

    _closing(document, result)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- content


def _report_title(result: AuditResult) -> str:
    report = result.report
    return (report.title or report.document.path.stem).strip().strip("《》")


def _identity_table(document, result: AuditResult) -> None:
    report = result.report
    source = report.document
    rows = [
        ("报告名称", _report_title(result)),
        ("发布单位", report.agency or "未识别"),
        ("报告年度", f"{report.year}年" if report.year else "未识别"),
        ("审核文件", f"{source.path.name}（{source.format.upper()}" + (f"，{source.pages}页）" if source.pages else "）")),
        ("文件校验码", f"SHA-256 {source.sha256}"),
        ("审核结论", f"{VERDICT_TEXT[result.verdict]}（评分 {result.score:g}/100）"),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for key, value in rows:
        cells = table.add_row().cells
        _cell_text(cells[0], key, bold=True, fill=_HEAD_FILL)
        _cell_text(cells[1], value, bold=key == "审核结论")
    _fixed_widths(table, [3.0, 12.6])
    document.add_paragraph()


def _findings_table(document, findings: list[Finding]) -> None:
    table = document.add_table(rows=1, cols=len(FINDING_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, FINDING_HEADER):
        _cell_text(cell, text, bold=True, fill=_HEAD_FILL, center=True)
    _repeat_as_header(table.rows[0])
    for i, finding in enumerate(findings, 1):
        cells = table.add_row().cells
        _cell_text(cells[0], str(i), center=True)
        _cell_text(cells[1], SEVERITY_TEXT[finding.severity], center=True, fill=SEVERITY_FILL[finding.severity])
        _cell_text(cells[2], "\n".join(_where_lines(finding)))
        message = finding.message + ("（大模型审查意见，请人工复核）" if finding.source == "llm" else "")
        _cell_text(cells[3], message)
        _cell_text(cells[4], finding.basis or "—")
    _fixed_widths(table, FINDING_WIDTHS_CM)


def _grouped_requirements(document, findings: list[Finding], numbers: dict[int, int]) -> None:
    groups: dict[tuple[int, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding_group(finding), []).append(finding)
    for k, ((_, heading), items) in enumerate(sorted(groups.items(), key=lambda item: item[0][0])):
        document.add_heading(_clean(f"（{_ORDINALS[k] if k < len(_ORDINALS) else k + 1}）{heading}"), level=2)
        for i, finding in enumerate(items, 1):
            reference = (f"（问题清单第{numbers[id(finding)]}项）" if id(finding) in numbers
                         else f"（依据：{finding.basis}）" if finding.basis else "")
            _body(document, f"{i}. 【{SEVERITY_TEXT[finding.severity]}】{finding.message}{reference}")


def _closing(document, result: AuditResult) -> None:
    paragraph = document.add_paragraph(style="Normal")
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.first_line_indent = Pt(28)
    paragraph.add_run("审核意见：").bold = True
    paragraph.add_run(CLOSING[result.verdict])
    for line in SIGNATURE:
        signature = document.add_paragraph(line, style="Normal")
        signature.paragraph_format.left_indent = Cm(7.5)  # the space to sign and stamp follows each label
        signature.paragraph_format.space_before = Pt(12)


def _where_lines(finding: Finding) -> list[str]:
    lines = [location(finding)]
    if finding.table and (finding.row or finding.column):
        lines.append(cell_name(finding.table, finding.row, finding.column, short=True))
    return lines


def _where_inline(finding: Finding) -> str:
    return "，".join(_where_lines(finding))


# ---------------------------------------------------------------- document parts


def _clean(text: str) -> str:
    """Text as XML allows it: control characters a PDF text layer may carry are dropped."""
    return _XML_ILLEGAL.sub("", text)


def _body(document, text: str):
    paragraph = document.add_paragraph(_clean(text), style="Normal")
    paragraph.paragraph_format.first_line_indent = Pt(28)
    return paragraph


def _cell_text(cell, text: str, bold: bool = False, fill: str | None = None, center: bool = False) -> None:
    """The text of a table cell in the table style; its lines as line breaks inside the cell's one paragraph."""
    paragraph = cell.paragraphs[0]
    paragraph.style = "Table Text"
    lines = _clean(text).split("\n")
    for k, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.bold = bold or None
        if k < len(lines) - 1:
            run.add_break()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if fill:
        properties = cell._tc.get_or_add_tcPr()
        properties.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def _fixed_widths(table, widths_cm: list[float]) -> None:
    """Column widths Word, WPS and LibreOffice all keep: a fixed layout, the grid and every cell's width."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)


def _repeat_as_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.style = document.styles["Footer"]
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页，共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")


def _field(paragraph, instruction: str) -> None:
    """A field (PAGE, NUMPAGES) as Word writes it: begin, instruction, separate, a placeholder result, end."""
    def char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _set_fonts(r_pr, east_asian: str) -> None:
    """Explicit fonts on a run-properties element: Latin in Times New Roman, East Asian text in `east_asian`."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font wins over an explicit one: drop them
    for attribute, name in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:cs", LATIN_FONT),
                            ("w:eastAsia", east_asian)):
        fonts.set(qn(attribute), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _styles(document) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(defaults, BODY_FONT)
    language = defaults.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "zh-CN")

    def style(name: str, east_asian: str, size: float, bold: bool = False):
        chosen = styles[name]
        _set_fonts(chosen.element.get_or_add_rPr(), east_asian)
        chosen.font.size = Pt(size)
        chosen.font.bold = bold
        chosen.font.color.rgb = RGBColor(0, 0, 0)
        return chosen

    normal = style("Normal", BODY_FONT, 14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.25
    title = style("Title", TITLE_FONT, 20, bold=True)
    borders = title.element.find(qn("w:pPr")).find(qn("w:pBdr"))
    if borders is not None:
        borders.getparent().remove(borders)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    heading1 = style("Heading 1", HEADING_FONT, 16, bold=False)
    heading1.paragraph_format.space_before = Pt(12)
    heading1.paragraph_format.space_after = Pt(6)
    heading2 = style("Heading 2", BODY_FONT, 14, bold=True)
    heading2.paragraph_format.space_before = Pt(6)
    heading2.paragraph_format.space_after = Pt(0)
    style("Footer", TITLE_FONT, 10.5)
    table_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = styles["Normal"]
    _set_fonts(table_text.element.get_or_add_rPr(), TITLE_FONT)
    table_text.font.size = Pt(10.5)
    table_text.paragraph_format.line_spacing = 1.0
    table_text.paragraph_format.space_before = Pt(2)
    table_text.paragraph_format.space_after = Pt(2)


def _font_table(document) -> None:
    """The fonts used, each with its English family name as w:altName, in word/fontTable.xml."""
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for name, (alternative, panose, pitch) in FONT_TABLE.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alternative}"/>'
            f'<w:panose1 w:val="{panose}"/><w:charset w:val="86"/><w:family w:val="modern"/>'
            f'<w:pitch w:val="{pitch}"/></w:font>'))
    # a plain Part, not parsed by python-docx: its bytes are all there is
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
