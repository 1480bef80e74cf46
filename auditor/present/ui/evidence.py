"""Where a finding's evidence is in the source: boxes on a PDF page, or the passage of a text report.

For a PDF the boxes come from the cells the finding names (each Cell keeps its page and bbox), else
from the printed text of the evidence found on the page, else from the paragraphs of the section, else
the whole table. For HTML, DOCX, TXT and Markdown (no page geometry) the passage is located in the
report's text and returned as HTML with the matched text in <mark>.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from dataclasses import dataclass, field

from ...model import BBox, Finding, Paragraph, Report, Table
from .form import table_form
from .highlight import finding_targets

_LIST_SEPARATORS = re.compile(r"[；;\n]")
_QUOTED = re.compile(r"「([^」]+)」")
_CONTEXT = 60  # characters shown either side of a matched passage
_CROP_ABOVE, _CROP_BELOW = 150, 80  # PDF points of page kept around the boxed evidence (headers sit above)


@dataclass
class Location:
    page: int | None
    boxes: list[BBox] = field(default_factory=list)
    search: list[str] = field(default_factory=list)  # texts to look for on the page when there are no boxes
    what: str = ""  # what the box shows, in Chinese
    prefer_search: bool = False  # a printed label: its text on the page beats the box of its cells


def _union(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _by_x(boxes: list[BBox]) -> list[BBox]:
    """One box per printed column: cells that share an x range are boxed together (表四 repeats its columns)."""
    groups: list[list[BBox]] = []
    for box in sorted(boxes):
        for group in groups:
            if abs(group[0][0] - box[0]) < 2 and abs(group[0][2] - box[2]) < 2:
                group.append(box)
                break
        else:
            groups.append([box])
    return [_union(group) for group in groups]


def _table_cells(table: Table) -> list:
    return [cell for columns in table.cells.values() for cell in columns.values() if cell.bbox and cell.page]


def _evidence_texts(finding: Finding) -> list[str]:
    """Pieces of the evidence worth searching for: whole, then list items, then labels of “label=value”."""
    evidence = (finding.evidence or "").strip()
    if not evidence:
        return []
    pieces = [evidence]
    for part in _QUOTED.findall(evidence) + _LIST_SEPARATORS.split(evidence):
        part = part.strip().strip("「」“”")
        label = part.split("=", 1)[0].strip() if "=" in part else part
        if len(label) >= 2 and label not in pieces:
            pieces.append(label)
    return pieces


def locate(finding: Finding, report: Report) -> Location:
    """Where on the page to box the evidence of `finding` (page numbers are 1-based)."""
    table = report.tables.get(finding.table) if finding.table else None
    if table is not None:
        boxes: list[tuple[int, BBox]] = []
        for target in finding_targets(finding):
            if target.is_cell:
                cell = table.cells.get(target.row, {}).get(target.column)
                if cell is not None and cell.bbox and cell.page:
                    boxes.append((cell.page, cell.bbox))
            elif target.column is not None:  # a whole column: box its cells together
                column = [c for c in _table_cells(table)
                          if any(c is cells.get(target.column) for cells in table.cells.values())]
                if column:
                    page = finding.page or column[0].page
                    boxes += [(page, b) for b in _by_x([c.bbox for c in column if c.page == page])]
            elif target.row is not None:
                row = [c for c in table.cells.get(target.row, {}).values() if c.bbox and c.page]
                if row:
                    boxes.append((row[0].page, _union([c.bbox for c in row if c.page == row[0].page])))
        if boxes:
            page = finding.page if finding.page in {p for p, _ in boxes} else boxes[0][0]
            labels_only = not any(t.is_cell for t in finding_targets(finding))
            return Location(page, [b for p, b in boxes if p == page], _evidence_texts(finding),
                            "表头或行标签" if labels_only else "单元格", prefer_search=labels_only)
        texts = _evidence_texts(finding)
        cells = _table_cells(table)
        page = finding.page or table.page or (cells[0].page if cells else None)
        on_page = [c.bbox for c in cells if c.page == page]
        # the quoted text where it can be found on the page, else the whole table
        return Location(page, [_union(on_page)] if on_page else [], texts, "表格", prefer_search=bool(texts))
    section = report.sections.get(finding.section) if finding.section else None
    texts = _evidence_texts(finding)
    if section is not None and section.present:
        page = finding.page or section.page
        wanted = [_fold(t) for t in texts]
        matched = [p for p in section.paragraphs if p.bbox and p.page
                   and any(w and w in _fold(p.text) for w in wanted)]
        if matched:
            page = matched[0].page
            return Location(page, [p.bbox for p in matched if p.page == page], texts, "段落")
        return Location(page, [], texts or [section.heading or ""], "段落")
    return Location(finding.page, [], texts, "原文")


# ---------------------------------------------------------------- PDF: the page image with boxes


def page_image(pdf_bytes: bytes, location: Location, resolution: int = 144, crop: bool = True) -> tuple[bytes, int]:
    """PNG of the located page with its evidence boxed, and how many boxes were drawn.

    With `crop`, only the band of the page around the boxes (full width, so row labels stay in view).
    """
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        number = location.page if location.page and 1 <= location.page <= len(pdf.pages) else 1
        page = pdf.pages[number - 1]
        boxes = list(location.boxes)
        if not boxes or location.prefer_search:
            for text in location.search:
                found = _search(page, text)
                if found:
                    boxes = found
                    break
        x0, top, x1, bottom = page.bbox
        if crop and boxes:
            band = _union(boxes)
            objects = page.chars + page.rects + page.lines
            if objects:  # drop the empty page margins left and right, keep every printed column
                x0 = max(x0, min([o["x0"] for o in objects] + [band[0]]) - 8)
                x1 = min(x1, max([o["x1"] for o in objects] + [band[2]]) + 8)
            page = page.crop((x0, max(top, band[1] - _CROP_ABOVE), x1, min(bottom, band[3] + _CROP_BELOW)))
        image = page.to_image(resolution=resolution)
        for bx0, btop, bx1, bbottom in boxes:
            pad = 2
            image.draw_rect((bx0 - pad, btop - pad, bx1 + pad, bbottom + pad), fill=(255, 0, 0, 40),
                            stroke=(220, 0, 0), stroke_width=3)
        buffer = io.BytesIO()
        image.annotated.save(buffer, format="PNG")
        return buffer.getvalue(), len(boxes)


def _search(page, text: str) -> list[BBox]:
    """Boxes of `text` on the page, matched across the spaces and line breaks PDF text has."""
    text = text.strip()
    if len(text) < 2:
        return []
    pattern = r"\s*".join(re.escape(ch) for ch in text[:40])
    matches = page.search(pattern, regex=True, case=True)
    return [(m["x0"], m["top"], m["x1"], m["bottom"]) for m in matches[:3]]


# ---------------------------------------------------------------- text formats: the passage highlighted


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def _folded_with_index(text: str) -> tuple[str, list[int]]:
    """`text` folded (NFKC, no whitespace), and for each folded character its index in `text`."""
    folded, index = [], []
    for i, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch):
            if not out.isspace():
                folded.append(out)
                index.append(i)
    return "".join(folded), index


def source_text(report: Report, tables_only: bool = False) -> str:
    """The document as read, one line per paragraph and per table row (cells joined by ｜)."""
    lines = []
    for block in report.document.blocks:
        if isinstance(block, Paragraph):
            if not tables_only:
                lines.append(block.text)
        else:
            for row in block.rows:
                cells = [c.text.strip() for c in row if c is not None]
                if any(cells):
                    lines.append(" ｜ ".join(cells))
    return "\n".join(lines)


def passages(finding: Finding, report: Report, limit: int = 4) -> list[str]:
    """HTML snippets of the report's text with the finding's evidence in <mark>, at most `limit`.

    A table finding is looked for in the table rows first (its labels also occur in headings).
    """
    candidates = _evidence_texts(finding)
    table = report.tables.get(finding.table) if finding.table else None
    if table is not None:
        form = table_form(table, table.name)
        labels = {(c.row, c.column): c.text for line in form.rows for c in line if c.kind in ("label", "head")}
        for target in finding_targets(finding):
            label = labels.get((target.row, None)) if target.row else labels.get((None, target.column))
            if label and label not in candidates:
                candidates.append(label)
    texts = ([source_text(report, tables_only=True)] if table is not None else []) + [source_text(report)]
    for text in texts:
        found = _mark(text, candidates, limit)
        if found:
            return found
    return []


def _mark(text: str, candidates: list[str], limit: int) -> list[str]:
    folded, index = _folded_with_index(text)
    spans: list[tuple[int, int]] = []
    for candidate in candidates:
        needle = _fold(candidate)
        if len(needle) < 2:
            continue
        at = folded.find(needle)
        if at < 0:
            continue
        span = (index[at], index[at + len(needle) - 1] + 1)
        if not any(s[0] <= span[0] < s[1] for s in spans):
            spans.append(span)
        if len(spans) >= limit:
            break
    return [_snippet(text, start, end) for start, end in sorted(spans)]


def _snippet(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    left = max(line_start, start - _CONTEXT)
    right = min(line_end, end + _CONTEXT)
    before = ("…" if left > line_start else "") + html.escape(text[left:start])
    after = html.escape(text[end:right]) + ("…" if right < line_end else "")
    return f"{before}<mark>{html.escape(text[start:end])}</mark>{after}"
