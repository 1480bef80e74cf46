"""Typed values passed between the stages: ingest → extract → check → review → present."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

BBox = tuple[float, float, float, float]  # (x0, top, x1, bottom) in PDF points, origin top-left


# ---------------------------------------------------------------- ingest: the document as laid out


@dataclass(frozen=True)
class RawCell:
    """One cell of a table as the source shows it; `text` is kept exactly as extracted.

    `confidence` (0–1) is set only where the text was read by OCR from a page image.
    """

    text: str
    page: int | None = None
    bbox: BBox | None = None
    confidence: float | None = None


@dataclass
class Grid:
    """A table as laid out in the source.

    `rows[i][j]` is a RawCell, or None where a spanning (merged) cell covers the position.
    Loaders of formats with a real table model (PDF, HTML, DOCX) give rectangular grids with
    `regular=True`; text extracted from PDFs gives ragged rows whose cells may have shifted
    (`regular=False`), and `width_cap` is set when every line was cut at the same field count.
    """

    rows: list[list[RawCell | None]]
    page: int | None = None
    regular: bool = True
    width_cap: int | None = None

    @property
    def last_page(self) -> int | None:
        pages = [c.page for row in self.rows for c in row if c is not None and c.page is not None]
        return max(pages) if pages else self.page


@dataclass(frozen=True)
class Paragraph:
    """A run of body text; `heading` is the source's own heading level (h1…h6, '#', Word style) if any."""

    text: str
    page: int | None = None
    bbox: BBox | None = None
    heading: int | None = None


Block = Paragraph | Grid


@dataclass(frozen=True)
class PageNote:
    """A page the reader could not (fully) read: kind "blank_image" or "unreadable_image"; message in Chinese."""

    page: int
    kind: str
    message: str


@dataclass
class Document:
    """What a loader read from a file: blocks in reading order, with where each came from."""

    path: Path
    format: str  # pdf / docx / html / txt / md
    sha256: str
    pages: int | None
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR from their image (1-based)
    page_notes: list[PageNote] = field(default_factory=list)  # pages that could not be read, and why
    title: str | None = None  # the title the file declares: HTML <meta name="ArticleTitle"> or <title>, PDF/DOCX metadata

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def grids(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]


# ---------------------------------------------------------------- extract: the report as understood


class CellState(str, Enum):
    NUMBER = "number"
    BLANK = "blank"
    SLASH = "/"
    UNREADABLE = "unreadable"


@dataclass
class Cell:
    """One value of a standard table with its provenance. `value` is None unless state is NUMBER."""

    value: int | float | None
    state: CellState
    raw: str
    page: int | None = None
    bbox: BBox | None = None
    note: str | None = None  # how the value was read when that was not direct (e.g. a digit split)
    confidence: float | None = None  # OCR confidence (0–1) of a cell read from a page image; None otherwise


@dataclass
class Table:
    """A standard table keyed as in spec/audit-json.md: cells[row_key][column_key].

    For table2 the flat items (licensing, punishment, coercion, fees) use column key "value".
    A row or column the report lacks is absent from `cells`; `missing_columns`/`missing_rows` say so.
    """

    name: str  # table2 / table3 / table4
    cells: dict[str, dict[str, Cell]]
    page: int | None = None
    layout: str = "2021"  # "2021" or "2019" (the superseded trial format)
    missing_columns: list[str] = field(default_factory=list)
    missing_rows: list[str] = field(default_factory=list)
    missing_cells: list[tuple[str, str]] = field(default_factory=list)  # (row, column), table4 only
    label_typos: list[LabelTypo] = field(default_factory=list)
    notes: list[ExtractionNote] = field(default_factory=list)

    def value(self, row: str, column: str) -> int | float | None:
        cell = self.cells.get(row, {}).get(column)
        return cell.value if cell is not None else None


@dataclass(frozen=True)
class LabelTypo:
    """A printed label that differs from the official one but was matched to it."""

    printed: str
    official: str
    row: str | None = None
    column: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class ExtractionNote:
    """Something extraction had to decide or could not read; checks turn these into findings."""

    kind: str  # e.g. "row_short", "digits_split", "row_joined", "unmatched_row", "ambiguous_split"
    message: str  # Chinese, for the reviewer
    row: str | None = None
    column: str | None = None
    page: int | None = None


@dataclass
class Section:
    key: str  # 一 … 六
    heading: str | None
    page: int | None
    text: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    order: int | None = None  # position among the headings found (0-based), to detect misordering

    @property
    def present(self) -> bool:
        return self.heading is not None


@dataclass
class Report:
    """The canonical model of one annual report, whatever the file format was."""

    document: Document
    title: str | None
    agency: str | None
    year: int | None
    sections: dict[str, Section]
    tables: dict[str, Table | None]
    preamble: str = ""
    full_text: str = ""


# ---------------------------------------------------------------- check/review: what is wrong


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass
class Finding:
    rule: str
    severity: Severity
    message: str
    table: str | None = None
    row: str | None = None
    column: str | None = None
    section: str | None = None
    page: int | None = None
    evidence: str | None = None
    expected: int | float | None = None
    actual: int | float | None = None
    basis: str | None = None
    source: str = "rules"


@dataclass
class ReviewInfo:
    mode: str = "rules"  # "rules" or "llm"
    model: str | None = None
    requirements_checked: int = 0
    note: str | None = None


@dataclass
class AuditResult:
    report: Report
    findings: list[Finding]
    verdict: str
    score: float
    review: ReviewInfo
    previous: Report | None = None
