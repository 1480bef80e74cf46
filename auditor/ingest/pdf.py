"""PDF → Document, from words and ruling lines with their coordinates (pdfplumber), not flattened text.

Each page is parsed once: ruled tables become regular Grids (a merged cell is one RawCell at its top-left
position and None elsewhere; which drawings rule a table and which parts of a grid are one: ruling.py), tables
drawn without lines are found from word positions (linefree.py), and the text outside them becomes Paragraphs,
lines joined where they belong to one paragraph (also across a page break). Page numbers in the margins are
dropped. The only importer of pdfplumber/pdfminer in the project.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFTextExtractionNotAllowed
from pdfplumber.utils.exceptions import PdfminerException

from ..config import Settings
from ..errors import CorruptFile, EncryptedPdf, FileTooLarge, NoTextLayer
from ..model import BBox, Document, Grid, Paragraph, RawCell
from ..textnorm import squash
from .linefree import Segment, find_tables, split_segments
from .ocr import align_continued_tables, needs_ocr, read_scanned_page
from .ruling import open_ends, ruling_filter, table_parts

_ENCRYPTION_ERRORS = (PDFPasswordIncorrect, PDFEncryptionError, PDFTextExtractionNotAllowed)
_PAGE_NUMBER = re.compile(r"^(?:[-—–－]*\d{1,4}[-—–－]*|第\d+页(?:共\d+页)?|\d+/\d+)$")
_STARTS_NEW = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．](?!\d)|附件)")
_MIN_CHARS_PER_PAGE = 20  # fewer characters than this on every page: the PDF has no text layer
_MAX_GARBLED_SHARE = 0.3  # more undecodable characters than this: the text layer is unusable
_MARGIN_SHARE = 0.12  # page furniture sits in the top or bottom 12 % of the page

# pdfminer logs every recoverable oddity of a file as a warning; the user gets our errors instead
logging.getLogger("pdfminer").setLevel(logging.ERROR)


@dataclass
class _Line:
    text: str
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    segments: tuple[Segment, ...] = ()  # the line cut at wide gaps (the cells of a table drawn without lines)

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class _Page:
    number: int
    width: float
    height: float
    grids: list[Grid] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    chars: int = 0  # non-blank characters of the text layer
    garbled: int = 0  # of which undecodable: "(cid:123)" (no ToUnicode map) or private-use code points
    images: int = 0
    cjk: int = 0  # of which Chinese
    turn: int = 0  # degrees clockwise the page must turn for its text to read left to right (0: it does)


# ---------------------------------------------------------------- entry point


def read_pdf(path: Path, digest: str, settings: Settings) -> Document:
    pdf = _open(path)
    try:
        pages = _page_list(pdf, path)
        if len(pages) > settings.max_pages:
            raise FileTooLarge(f"“{path.name}”共 {len(pages)} 页，超过上限 {settings.max_pages} 页；"
                               "年度报告通常不超过 30 页，请确认文件是否正确。")
        read = [_read_page(page, path) for page in pages]
        declared = _metadata_title(pdf)
    finally:
        pdf.close()
    read, turned = _turned(read, path)
    read, scanned = _read_scans(read, path, settings)
    _require_text(read, path)
    page_notes = [s.note for s in scanned if s.note is not None]
    return Document(path=path, format="pdf", sha256=digest, pages=len(read), blocks=_blocks(read),
                    notes=turned + [n.message for n in page_notes], title=declared,
                    ocr_pages=[s.number for s in scanned if s.status == "read"], page_notes=page_notes)


def _text_turn(chars: list[dict], share: float = 0.6) -> int:
    """Degrees (90, 180, 270) to turn a page clockwise so that most of its text runs left to right; 0 if it does.

    A page saved sideways or upside down (a /Rotate its content does not expect, as scanners and some merges
    leave) puts its characters in columns or backwards: no line, heading or table would be found on it.
    """
    angles = Counter(round(math.degrees(math.atan2(c["matrix"][1], c["matrix"][0])) / 90) % 4 * 90
                     for c in chars if not c["text"].isspace() and "matrix" in c)
    if not angles:
        return 0
    angle, count = angles.most_common(1)[0]
    return angle if angle and count >= share * sum(angles.values()) else 0


def _turned(pages: list[_Page], path: Path) -> tuple[list[_Page], list[str]]:
    """The pages whose text runs sideways or upside down, read again from a copy turned upright (pypdf), and a
    note for each; page numbers are those of the original file."""
    turns = {page.number: page.turn for page in pages if page.turn}
    if not turns:
        return pages, []
    with _upright_copy(path, turns) as upright:
        again = {number: _read_page(upright.pages[number - 1], path) for number in turns}
    notes = [f"第{number}页的文字方向不正（需顺时针旋转{turn}度），已转正后读取。"
             for number, turn in turns.items()]
    return [again.get(page.number, page) for page in pages], notes


def _upright_copy(source: Path | io.BytesIO, turns: dict[int, int]) -> pdfplumber.PDF:
    """A copy of the PDF with each page `turns` names turned clockwise by its degrees (pypdf), opened."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=source)
    for number, turn in turns.items():
        writer.pages[number - 1].rotate(turn)
    buffer = io.BytesIO()
    writer.write(buffer)
    return pdfplumber.open(buffer)


def _metadata_title(pdf: pdfplumber.PDF) -> str | None:
    title = pdf.metadata.get("Title") if isinstance(pdf.metadata, dict) else None
    return title.strip() if isinstance(title, str) and title.strip() else None


# ---------------------------------------------------------------- opening, errors


def _open(path: Path) -> pdfplumber.PDF:
    try:
        return pdfplumber.open(path)
    except Exception as error:  # pdfminer raises many kinds of error on malformed input
        raise _translate(error, path) from None


def _translate(error: Exception, path: Path) -> Exception:
    cause = error.args[0] if isinstance(error, PdfminerException) and error.args else error
    if isinstance(cause, _ENCRYPTION_ERRORS) or "encrypt" in type(cause).__name__.lower():
        return EncryptedPdf(f"PDF 已加密（设置了打开密码或禁止提取文字），无法读取“{path.name}”的内容；"
                            "请提供未加密版本。")
    return CorruptFile(f"“{path.name}”无法解析，PDF 文件可能已损坏或不完整（例如下载中断）；"
                       "请重新下载或重新导出后再上传。")


def _page_list(pdf: pdfplumber.PDF, path: Path) -> list:
    try:
        pages = pdf.pages
    except Exception as error:
        raise _translate(error, path) from None
    if not pages:
        raise CorruptFile(f"“{path.name}”中没有任何页面，PDF 文件可能已损坏或不完整；请重新下载或重新导出后再上传。")
    return pages


def _require_text(pages: list[_Page], path: Path) -> None:
    chars, garbled = sum(p.chars for p in pages), sum(p.garbled for p in pages)
    if chars and garbled > _MAX_GARBLED_SHARE * chars:
        raise NoTextLayer(f"“{path.name}”的文字层无法解码（字体缺少编码映射，提取出的是乱码），"
                          "与扫描件一样需要OCR 识别，暂不支持；请提供可复制文字的 PDF 或 Word 版本。")
    if any(p.chars >= _MIN_CHARS_PER_PAGE for p in pages):
        return
    if any(p.images for p in pages):
        raise NoTextLayer(f"“{path.name}”的页面只有图片，OCR 也未能从中识别出文字（空白页，或图片过于模糊、过暗）："
                          "请提供清晰的扫描件（建议 200 dpi 以上），或带文字层的 PDF、Word 版本。")
    raise NoTextLayer(f"“{path.name}”没有可提取的文字，也没有可供 OCR 识别的图片（文字可能已转为图形）；"
                      "请提供带文字层的 PDF，或 Word 等可复制文字的版本。")


# ---------------------------------------------------------------- one page


def _read_page(page, path: Path) -> _Page:
    """Tables and text lines of one page, from a single layout pass."""
    number = page.page_number
    try:
        turn = _text_turn(page.chars)
        if turn:  # sideways or upside down: read again once the page is turned (see _turned)
            return _Page(number, float(page.width), float(page.height), turn=turn,
                         chars=sum(1 for c in page.chars if not c["text"].isspace()))
        view = page.dedupe_chars() if _overprinted(page.chars) else page
        # only ruling a reader can see makes a table: WPS paints every line of prose on a white box
        ruled = view.filter(ruling_filter(float(page.width) * float(page.height)))
        settings = {"explicit_horizontal_lines": open_ends(ruled.edges)}
        tables = [table for table in ruled.find_tables(settings) if len(table.cells) > 1]  # one cell: a box
        cells = [part for table in tables for part in table_parts(table.rows, table.extract())]
        chars = view.chars
        images = len(page.images)
        width, height = float(page.width), float(page.height)
        if page.rotation % 180 == 90:  # pdfminer gives coordinates as displayed: the page is turned
            width, height = height, width
    except Exception as error:  # a page that pdfminer cannot parse
        raise _translate(error, path) from None
    finally:
        page.close()
    result = _Page(number, width, height, images=images)
    result.chars = sum(1 for c in chars if not c["text"].isspace())
    result.garbled = sum(1 for c in chars if _undecodable(c["text"]))
    result.cjk = sum(1 for c in chars if any("\u3400" <= ch <= "\u9fff" for ch in c["text"]))
    boxes = [bbox for bbox, _, _ in cells]
    result.grids = [_grid(rows, texts, number) for _, rows, texts in cells]
    outside = [c for c in chars if not c["text"].isspace() and not _inside_any(c, boxes)]
    lines = [line for line in _lines(outside, number) if not _is_furniture(line, height)]
    line_free, result.lines = find_tables(lines)  # tables laid out with tab stops, no ruling
    result.grids += line_free
    return result


def _undecodable(text: str) -> bool:
    return text.startswith("(cid:") or any("\ue000" <= ch <= "\uf8ff" or ch == "\ufffd" for ch in text)


def _read_scans(pages: list[_Page], path: Path, settings: Settings) -> tuple[list[_Page], list]:
    """The OCR hook: pages without a usable text layer (a scan, a garbled layer) read again from their image.

    Returns the pages, those read by OCR replaced by what OCR found (in the same shape: grids and lines
    in PDF points; a table continued over scanned pages already laid on one set of columns), and the
    ScannedPage of each page OCR read.
    """
    scanned = {page.number: read_scanned_page(path, page.number, settings) for page in pages
               if needs_ocr(page.chars, page.garbled, page.cjk, page.images)}
    align_continued_tables(list(scanned.values()))
    result = []
    for page in pages:
        read = scanned.get(page.number)
        if read is None:
            result.append(page)
            continue
        ocr = _Page(page.number, page.width, page.height, grids=read.grids, chars=read.chars, images=page.images)
        lines = (_Line(x.text, page.number, x.x0, x.top, x.x1, x.bottom, x.size) for x in read.lines)
        ocr.lines = [line for line in lines if not _is_furniture(line, page.height)]
        result.append(ocr)
    return result, list(scanned.values())


def _overprinted(chars: list[dict]) -> bool:
    """Whether some characters are drawn twice at (almost) the same place, as some tools fake bold."""
    seen: set[tuple[str, int, int]] = set()
    for char in chars:
        x, y = round(char["x0"]), round(char["top"])
        if any((char["text"], x + dx, y + dy) in seen for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            if not char["text"].isspace():
                return True
        seen.add((char["text"], x, y))
    return False


def _grid(rows, texts: list[list[str | None]], page: int) -> Grid:
    grid_rows = []
    for row, row_texts in zip(rows, texts):
        grid_rows.append([None if bbox is None or text is None else RawCell(text, page, _box(bbox))
                          for bbox, text in zip(row.cells, row_texts)])
    return Grid(rows=grid_rows, page=page, regular=True)


def _box(bbox) -> BBox:
    x0, top, x1, bottom = bbox
    return (round(float(x0), 2), round(float(top), 2), round(float(x1), 2), round(float(bottom), 2))


def _inside_any(char: dict, boxes: list) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return any(x0 - 1 <= x <= x1 + 1 and top - 1 <= y <= bottom + 1 for x0, top, x1, bottom in boxes)


def _lines(chars: list[dict], page: int) -> list[_Line]:
    """Characters → text lines: grouped by vertical overlap, ordered left to right."""
    groups: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if groups:
            current = groups[-1]
            top = min(c["top"] for c in current[-3:])
            bottom = max(c["bottom"] for c in current[-3:])
            middle = (char["top"] + char["bottom"]) / 2
            if top <= middle <= bottom:
                current.append(char)
                continue
        groups.append([char])
    return [_line(sorted(group, key=lambda c: c["x0"]), page) for group in groups]


def _line(chars: list[dict], page: int) -> _Line:
    size = max(c["size"] for c in chars)
    parts = [chars[0]["text"]]
    for previous, char in zip(chars, chars[1:]):
        if char["x0"] - previous["x1"] > 0.5 * size:
            parts.append(" ")  # a visible gap is a space
        parts.append(char["text"])
    return _Line("".join(parts), page, min(c["x0"] for c in chars), min(c["top"] for c in chars),
                 max(c["x1"] for c in chars), max(c["bottom"] for c in chars), size,
                 tuple(split_segments(chars, size)))


def _is_furniture(line: _Line, height: float) -> bool:
    """A page number in the top or bottom margin ("- 3 -", "第3页", "3/12")."""
    in_margin = line.bottom < height * _MARGIN_SHARE or line.top > height * (1 - _MARGIN_SHARE)
    return in_margin and bool(_PAGE_NUMBER.match(squash(line.text)))


# ---------------------------------------------------------------- paragraphs and blocks


@dataclass
class _Frame:
    """The text column of pages of one size: where lines start and where full lines end."""

    left: float
    right: float


def _frames(pages: list[_Page]) -> dict[tuple[int, int], _Frame]:
    frames: dict[tuple[int, int], _Frame] = {}
    for page in pages:
        key = _size_key(page)
        for line in page.lines:
            frame = frames.get(key)
            if frame is None:
                frames[key] = _Frame(line.x0, line.x1)
            else:
                frame.left, frame.right = min(frame.left, line.x0), max(frame.right, line.x1)
    return frames


def _size_key(page: _Page) -> tuple[int, int]:
    return (round(page.width), round(page.height))


def _continues(previous: _Line, line: _Line, frame: _Frame, same_page: bool) -> bool:
    """True when `line` carries on the paragraph whose last line is `previous`."""
    full = previous.x1 >= frame.right - 1.5 * previous.size
    flush_left = line.x0 <= frame.left + 0.8 * line.size
    same_size = abs(previous.size - line.size) < 0.5
    close = not same_page or line.top - previous.bottom < 1.2 * max(previous.size, line.size)
    return full and flush_left and same_size and close and not _STARTS_NEW.match(squash(line.text))


def _blocks(pages: list[_Page]) -> list:
    """Grids and paragraphs of every page, top to bottom; a paragraph cut by a page break is rejoined."""
    frames = _frames(pages)
    blocks: list = []
    open_lines: list[_Line] | None = None  # lines of the paragraph being built
    open_frame: _Frame | None = None
    for page in pages:
        frame = frames.get(_size_key(page))
        items = [(_grid_top(g), 0, g) for g in page.grids] + [(line.top, 1, line) for line in page.lines]
        for _, kind, item in sorted(items, key=lambda entry: (entry[0], entry[1])):
            if kind == 0:
                _flush(blocks, open_lines)
                open_lines = None
                blocks.append(item)
                continue
            if open_lines and _continues(open_lines[-1], item, frame, open_lines[-1].page == item.page) \
                    and open_frame is frame:
                open_lines.append(item)
                continue
            _flush(blocks, open_lines)
            open_lines, open_frame = [item], frame
    _flush(blocks, open_lines)
    return _align_continuations(blocks)


def _grid_top(grid: Grid) -> float:
    tops = [c.bbox[1] for row in grid.rows for c in row if c is not None and c.bbox is not None]
    return min(tops) if tops else 0.0


def _flush(blocks: list, lines: list[_Line] | None) -> None:
    if not lines:
        return
    text = lines[0].text
    for line in lines[1:]:
        text += (" " if _is_word_char(text[-1:]) and _is_word_char(line.text[:1]) else "") + line.text
    boxes = [line.bbox for line in lines if line.page == lines[0].page]  # the paragraph's part on its first page
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    blocks.append(Paragraph(text, page=lines[0].page, bbox=bbox))


def _is_word_char(char: str) -> bool:
    """Latin letters and digits: two lines ending and starting with them are joined with a space."""
    return char.isascii() and char.isalnum()


# ---------------------------------------------------------------- a table continued on the next page


def align_columns(grids: list[Grid], tolerance: float = 2.0) -> list[Grid]:
    """The parts of one table split by page breaks, laid on the same columns.

    A part whose rows all span some columns lacks those column lines, so pdfplumber finds fewer
    columns there, and the extraction reads regular grids by column index. The parts with the same
    outer edges as the part with most columns are laid on the column lines of all of them together.
    """
    own = [_column_edges(grid) for grid in grids]
    widest = max(own, key=len)
    if len(widest) < 2:
        return grids
    same = [len(e) >= 2 and abs(e[0] - widest[0]) <= tolerance and abs(e[-1] - widest[-1]) <= tolerance
            for e in own]
    edges = _merge_edges([x for e, keep in zip(own, same) if keep for x in e], tolerance)
    return [_lay_on(grid, edges, tolerance) if keep else grid for grid, keep in zip(grids, same)]


def _lay_on(grid: Grid, edges: list[float], tolerance: float) -> Grid:
    own = _column_edges(grid)
    if len(own) >= len(edges) or len(own) < 2:
        return grid
    index = [_edge_index(x, edges, tolerance) for x in own]
    if None in index or index[0] != 0 or index[-1] != len(edges) - 1:
        return grid
    width = len(edges) - 1
    rows = []
    for row in grid.rows:
        placed: list[RawCell | None] = [None] * width
        for cell in row:
            if cell is not None and cell.bbox is not None:
                column = _edge_index(cell.bbox[0], edges, tolerance)
                if column is None or column >= width:
                    return grid
                placed[column] = cell
        rows.append(placed)
    return Grid(rows=rows, page=grid.page, regular=True)


def _column_edges(grid: Grid) -> list[float]:
    """x positions of a grid's column lines, left to right, from its cells' boxes."""
    boxes = [c.bbox for row in grid.rows for c in row if c is not None and c.bbox is not None]
    return _merge_edges([b[0] for b in boxes] + [b[2] for b in boxes], 2.0)


def _merge_edges(xs: list[float], tolerance: float) -> list[float]:
    edges: list[float] = []
    for x in sorted(xs):
        if not edges or x - edges[-1] > tolerance:
            edges.append(x)
    return edges


def _edge_index(x: float, edges: list[float], tolerance: float) -> int | None:
    best = min(range(len(edges)), key=lambda i: abs(edges[i] - x))
    return best if abs(edges[best] - x) <= tolerance else None


def _align_continuations(blocks: list) -> list:
    """Grids that follow each other across page breaks, with nothing between, are laid on the same columns."""
    result: list = []
    run: list[Grid] = []
    for block in [*blocks, None]:
        continues = (isinstance(block, Grid) and run and run[-1].last_page is not None
                     and block.page == run[-1].last_page + 1)
        if continues:
            run.append(block)
            continue
        scanned = any(c is not None and c.confidence is not None for g in run for row in g.rows for c in row)
        result += align_columns(run) if len(run) > 1 and not scanned else run  # scans: aligned by the OCR reader
        run = [block] if isinstance(block, Grid) else []
        if block is not None and not isinstance(block, Grid):
            result.append(block)
    return result


# ---------------------------------------------------------------- text on a page, for the views of a finding


def find_text(page, text: str, limit: int = 3) -> list[BBox]:
    """Boxes of `text` on a pdfplumber page (at most `limit`), matched across the spaces and line breaks PDF text has."""
    text = text.strip()
    if len(text) < 2:
        return []
    pattern = r"\s*".join(re.escape(ch) for ch in text[:40])
    matches = page.search(pattern, regex=True, case=True)
    return [(m["x0"], m["top"], m["x1"], m["bottom"]) for m in matches[:limit]]


class PageText:
    """The pages of one PDF as the Document read them, opened once and read page by page as asked (1-based).

    Boxes are in the coordinates of the Document: PDF points, origin at the top left of the page as displayed;
    a page whose text runs sideways or upside down is the page of a copy turned upright (`turn` degrees
    clockwise), as load_document read it, so the Document's boxes and the text found here agree.
    """

    def __init__(self, data: bytes):
        self._data = data
        self._pdf = pdfplumber.open(io.BytesIO(data))
        self._turns: dict[int, int] = {}
        self._upright: dict[int, pdfplumber.PDF] = {}  # page number → a copy with that page turned upright
        self.page_count = len(self._pdf.pages)

    def turn(self, number: int) -> int:
        """Degrees the page was turned clockwise to be read (0: it was read as it is)."""
        if number not in self._turns:
            self._turns[number] = _text_turn(self._pdf.pages[number - 1].chars)
        return self._turns[number]

    def page(self, number: int):
        """The pdfplumber page `number` as it was read (turned upright where its text needed it)."""
        turn = self.turn(number)
        if not turn:
            return self._pdf.pages[number - 1]
        if number not in self._upright:
            self._upright[number] = _upright_copy(io.BytesIO(self._data), {number: turn})
        return self._upright[number].pages[number - 1]

    def find(self, page: int, text: str) -> list[BBox]:
        if not 1 <= page <= self.page_count:
            return []
        return find_text(self.page(page), text)

    def close(self) -> None:
        for copy in self._upright.values():
            copy.close()
        self._pdf.close()

    def __enter__(self) -> PageText:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
