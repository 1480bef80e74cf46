"""A finding's evidence as the app shows it: the PDF page image with the located boxes drawn, or the passage
of a text report.

Where the evidence is comes from present/locate.py. For HTML, DOCX, TXT and Markdown (no page geometry)
the passage is located in the report's text and returned as HTML with the matched text in <mark>.
"""

from __future__ import annotations

import html
import io

from ...ingest.pdf import PageText
from ...model import Finding, Paragraph, Report
from ...textnorm import fold, squash
from ..highlight import finding_targets
from ..locate import Location, evidence_texts, union
from .form import table_form

_CONTEXT = 60  # characters shown either side of a matched passage
_CROP_ABOVE, _CROP_BELOW = 150, 80  # PDF points of page kept around the boxed evidence (headers sit above)


# ---------------------------------------------------------------- PDF: the page image with boxes


def page_image(pdf_bytes: bytes, location: Location, resolution: int = 144, crop: bool = True) -> tuple[bytes, int]:
    """PNG of the located page with its evidence boxed, and how many boxes were drawn.

    With `crop`, only the band of the page around the boxes (full width, so row labels stay in view).
    """
    with PageText(pdf_bytes) as pages:
        number = location.page if location.page and 1 <= location.page <= pages.page_count else 1
        page = pages.page(number)  # turned upright where it was read so: the boxes are in its coordinates
        boxes, _ = location.resolve(lambda text: pages.find(number, text))
        x0, top, x1, bottom = page.bbox
        if crop and boxes:
            band = union(boxes)
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


# ---------------------------------------------------------------- text formats: the passage highlighted


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
    candidates = evidence_texts(finding)
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
    folded, index = fold(text)
    spans: list[tuple[int, int]] = []
    for candidate in candidates:
        needle = squash(candidate)
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
