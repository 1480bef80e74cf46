"""AuditResult + the report's PDF → the same PDF with the findings as annotations (pypdf), for a reviewer to send back.

The document is copied object by object (pypdf's clone) and only the pages' annotation lists change: content
streams, fonts and text stay as they were. (Not an incremental update: WPS numbers its cross-reference stream
past the trailer's /Size, and an update that reuses that number is misread by pypdf and poppler.)

Each finding that can be placed gets one annotation on its page: a highlight over the cells or the text it is
about (a square around a whole table), with the finding's number, message and clause as the note, coloured by
severity; a finding with a page but no place on it gets a note icon in the top left corner of that page. A note
on the first page gives the verdict and lists the findings that could not be placed on any page (a missing
section, for example), so that nothing is lost.

Where a finding is comes from locate.py, the same place the app draws its boxes; text is searched on the page
through ingest (PageText). Boxes there are in display coordinates (origin top left, the page as shown, /Rotate
applied; a page whose text ran sideways was read turned upright, by `turn` more degrees); they are turned into
PDF user space here, so a mark lands on its text whichever way the page is stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pypdf import PdfWriter
from pypdf.annotations import Highlight, Rectangle, Text
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

from ..ingest.pdf import PageText
from ..model import AuditResult, BBox, Finding, Severity
from .locate import locate
from .markdown_report import SEVERITY_TEXT, VERDICT_TEXT, counts, review_mode_text, sorted_findings

AUTHOR = "年报审核"
# stroke colours (RGB 0–1) by severity; highlights use the lighter fill so the text stays readable
SEVERITY_STROKE = {Severity.ERROR: (0.86, 0.12, 0.12), Severity.WARNING: (0.93, 0.55, 0.0),
                   Severity.INFO: (0.12, 0.42, 0.85)}
SEVERITY_FILL = {Severity.ERROR: (1.0, 0.55, 0.55), Severity.WARNING: (1.0, 0.8, 0.25),
                 Severity.INFO: (0.55, 0.75, 1.0)}
VERDICT_STROKE = {"fail": SEVERITY_STROKE[Severity.ERROR], "warn": SEVERITY_STROKE[Severity.WARNING],
                  "pass": (0.1, 0.6, 0.25)}
_PAD = 1.5  # points around a highlighted box
_SQUARE_PAD = 3.0  # a square sits just outside the ruling lines of the table it frames
_ICON = 18.0  # size of a note icon
_MARGIN = 6.0  # distance of note icons from the page edge


@dataclass
class Placement:
    """Where one finding went: its number in the findings list, the page and the boxes (display coordinates)."""

    number: int
    finding: Finding
    page: int
    boxes: list[BBox]
    kind: str  # "highlight" (cells or text), "square" (a whole table) or "note" (an icon: the page, no place on it)


@dataclass
class AnnotatedPdf:
    data: bytes
    placed: list[Placement] = field(default_factory=list)
    unplaced: list[tuple[int, Finding]] = field(default_factory=list)  # (number, finding), listed in the first note


def annotate_pdf(result: AuditResult, pdf: bytes) -> AnnotatedPdf:
    """The PDF `pdf` (the audited report) with one annotation per placed finding and the verdict note on page 1."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    with PageText(pdf) as text:
        placed, unplaced = place_findings(result, text)
        turns = {number: text.turn(number) for number in {1, *(p.page for p in placed)}}
    notes_on_page: dict[int, int] = {}
    for placement in placed:
        page, turn = writer.pages[placement.page - 1], turns[placement.page]
        if placement.kind == "note":
            slot = notes_on_page.get(placement.page, 0) + 1  # slot 0 of page 1 is the verdict note
            notes_on_page[placement.page] = slot
            annotation = _note(page, turn, slot, _finding_note(placement.number, placement.finding),
                               SEVERITY_STROKE[placement.finding.severity])
        elif placement.kind == "square":
            annotation = _square(page, turn, placement)
        else:
            annotation = _highlight(page, turn, placement)
        _mark(annotation, placement.finding.severity, f"auditor-{placement.number}")
        writer.add_annotation(placement.page - 1, annotation)
    verdict = _note(writer.pages[0], turns[1], 0, _verdict_note(result, len(placed), unplaced),
                    VERDICT_STROKE[result.verdict])
    _mark(verdict, None, "auditor-verdict")
    writer.add_annotation(0, verdict)
    buffer = io.BytesIO()
    writer.write(buffer)
    return AnnotatedPdf(buffer.getvalue(), placed, unplaced)


def place_findings(result: AuditResult, text: PageText) -> tuple[list[Placement], list[tuple[int, Finding]]]:
    """Each finding, numbered as listed (errors, warnings, infos), placed on its page or left for the first note."""
    placed: list[Placement] = []
    unplaced: list[tuple[int, Finding]] = []
    for number, finding in enumerate(sorted_findings(result.findings), 1):
        location = locate(finding, result.report)
        if location.page is None or not 1 <= location.page <= text.page_count:
            unplaced.append((number, finding))
            continue
        boxes, searched = location.resolve(lambda wanted: text.find(location.page, wanted))
        if not boxes:
            kind = "note"
        elif location.what == "表格" and not searched:
            kind = "square"
        else:
            kind = "highlight"
        placed.append(Placement(number, finding, location.page, boxes, kind))
    return placed, unplaced


# ---------------------------------------------------------------- what the notes say


def _finding_note(number: int, finding: Finding) -> str:
    lines = [f"{number}.【{SEVERITY_TEXT[finding.severity]}】{finding.message}"]
    if finding.basis:
        lines.append(f"依据：{finding.basis}")
    if finding.source == "llm":
        lines.append("（大模型审查意见，请人工复核）")
    return "\n".join(lines)


def _verdict_note(result: AuditResult, placed: int, unplaced: list[tuple[int, Finding]]) -> str:
    n = counts(result.findings)
    lines = [
        f"审核结论：{VERDICT_TEXT[result.verdict]}（评分 {result.score:g}/100）",
        f"错误 {n[Severity.ERROR]} 项，警告 {n[Severity.WARNING]} 项，提示 {n[Severity.INFO]} 项；"
        f"已在页面上标注 {placed} 项。",
        f"叙述部分审查：{review_mode_text(result.review)}",
    ]
    if unplaced:
        lines.append("未能在页面上标注的问题：")
        lines += [_finding_note(number, finding) for number, finding in unplaced]
    return "\n".join(lines)


# ---------------------------------------------------------------- annotations


def _highlight(page, turn: int, placement: Placement):
    quads: list[float] = []
    rects = []
    for box in placement.boxes:
        x0, top, x1, bottom = box[0] - _PAD, box[1] - _PAD, box[2] + _PAD, box[3] + _PAD
        corners = [_to_user(page, turn, x, y) for x, y in ((x0, top), (x1, top), (x0, bottom), (x1, bottom))]
        quads += [value for corner in corners for value in corner]  # upper left, upper right, lower left, lower right
        rects.append(_rect(corners))
    annotation = Highlight(rect=_union_rect(rects), quad_points=ArrayObject(FloatObject(v) for v in quads),
                           highlight_color=_hex(SEVERITY_FILL[placement.finding.severity]))
    annotation[NameObject("/Contents")] = TextStringObject(_finding_note(placement.number, placement.finding))
    return annotation


def _square(page, turn: int, placement: Placement):
    rects = []
    for box in placement.boxes:
        corners = [_to_user(page, turn, x, y) for x, y in ((box[0] - _SQUARE_PAD, box[1] - _SQUARE_PAD),
                                                   (box[2] + _SQUARE_PAD, box[3] + _SQUARE_PAD))]
        rects.append(_rect(corners))
    annotation = Rectangle(rect=_union_rect(rects))
    annotation[NameObject("/Contents")] = TextStringObject(_finding_note(placement.number, placement.finding))
    annotation[NameObject("/C")] = _colour(SEVERITY_STROKE[placement.finding.severity])
    annotation[NameObject("/BS")] = _border(2)
    return annotation


def _note(page, turn: int, slot: int, contents: str, colour: tuple[float, float, float]):
    """A note icon in the top left corner of the page (as read), the `slot`-th from the top."""
    left, top = _top_left(page, turn)
    left, top = left + _MARGIN, top + _MARGIN + slot * (_ICON + 4)
    corners = [_to_user(page, turn, left, top), _to_user(page, turn, left + _ICON, top + _ICON)]
    annotation = Text(rect=_rect(corners), text=contents)
    annotation[NameObject("/Name")] = NameObject("/Comment")
    annotation[NameObject("/C")] = _colour(colour)
    return annotation


def _mark(annotation, severity: Severity | None, name: str) -> None:
    """Who wrote it and what it is, as PDF viewers list annotations: author, subject, a unique name, printable."""
    annotation[NameObject("/T")] = TextStringObject(AUTHOR)
    annotation[NameObject("/Subj")] = TextStringObject(SEVERITY_TEXT[severity] if severity else "审核结论")
    annotation[NameObject("/NM")] = TextStringObject(name)
    annotation[NameObject("/F")] = NumberObject(4)


def _colour(rgb: tuple[float, float, float]) -> ArrayObject:
    return ArrayObject(FloatObject(round(v, 3)) for v in rgb)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "".join(f"{round(v * 255):02x}" for v in rgb)


def _border(width: float) -> DictionaryObject:
    return DictionaryObject({NameObject("/W"): FloatObject(width), NameObject("/S"): NameObject("/S")})


# ---------------------------------------------------------------- coordinates


def _frame(page, turn: int) -> tuple[tuple[float, float, float, float], int, float, float, float]:
    """The MediaBox (x0, y0, x1, y1), the rotation as read (/Rotate and `turn`), and the box's x0, y0 and y1 as
    pdfplumber sees them (turned)."""
    box = page.mediabox
    x0, x1 = sorted((float(box[0]), float(box[2])))
    y0, y1 = sorted((float(box[1]), float(box[3])))
    rotation = (page.rotation + turn) % 360
    nx0, ny0, ny1 = (x0, y0, y1) if rotation in (0, 180) else (y0, x0, x1)
    return (x0, y0, x1, y1), rotation, nx0, ny0, ny1


def _top_left(page, turn: int) -> tuple[float, float]:
    """The top left corner of the page as read, in display coordinates (not (0, 0) when the MediaBox is moved)."""
    _, _, nx0, ny0, _ = _frame(page, turn)
    return nx0, -ny0


def _to_user(page, turn: int, x: float, top: float) -> tuple[float, float]:
    """A point in display coordinates (as pdfplumber gives them, /Rotate and `turn` applied) → PDF user space.

    pdfminer lays a page out with the rotation of its /Rotate applied and the MediaBox origin moved to 0, and
    pdfplumber measures `top` down from the MediaBox's top; this undoes both (pdfminer's PDFPageInterpreter).
    """
    (x0, y0, x1, y1), rotation, nx0, ny0, ny1 = _frame(page, turn)
    xp, yp = x - nx0, (ny1 - ny0) - ny0 - top
    if rotation == 90:
        return x1 - yp, xp + y0
    if rotation == 180:
        return x1 - xp, y1 - yp
    if rotation == 270:
        return yp + x0, y1 - xp
    return xp + x0, yp + y0


def _rect(corners: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _union_rect(rects: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))

