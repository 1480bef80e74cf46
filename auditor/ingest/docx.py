"""DOCX → Document, with python-docx for the package and the styles, and the body XML read directly.

Body paragraphs and tables come in document order (w:p / w:tbl, content controls opened). A table
becomes a rectangular Grid(regular=True): a merged cell (gridSpan across, vMerge down) keeps its
text at its top-left position and None covers the rest, as pdfplumber does. A table that only
lays out other tables is unwrapped; a table nested in a data cell adds its text to that cell.
DOCX has no pages, so page and bbox are None.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import CorruptFile
from ..model import Block, Document, Grid, Paragraph, RawCell

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_SKIPPED = {W + "del", W + "moveFrom", W + "txbxContent", MC + "Fallback", W + "instrText",
            W + "rPr", W + "pPr", W + "fldData"}
_LAYOUT_MAX_CELLS = 6  # a table of at most this many cells that holds tables is a layout frame


def read_docx(path: Path, digest: str, settings: Settings | None = None) -> Document:
    body, styles, title = _open(path)
    blocks = _Reader(styles).blocks(body)
    return Document(path=path, format="docx", sha256=digest, pages=None, blocks=blocks, title=title)


# ---------------------------------------------------------------- package


def _open(path: Path):
    """The body element and the heading level of each paragraph style, or CorruptFile."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            if "word/document.xml" not in archive.namelist():
                raise CorruptFile(f"“{name}”不是有效的 Word（DOCX）文档：压缩包中缺少正文部分（word/document.xml），文件可能已损坏或不完整。")
            bad = archive.testzip()
            if bad is not None:
                raise CorruptFile(f"“{name}”已损坏：压缩包中的“{bad}”校验失败，请重新下载或导出后再上传。")
        document = docx.Document(str(path))
        body = document.element.body
        styles = _heading_styles(document)
        title = (document.core_properties.title or "").strip() or None
    except CorruptFile:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, PackageNotFoundError, EOFError) as exc:
        raise CorruptFile(f"“{name}”不是完整的 Word（DOCX）文件（压缩包无法打开：{exc}），文件可能已损坏或下载不完整。") from exc
    except XMLSyntaxError as exc:
        raise CorruptFile(f"“{name}”的正文内容（XML）格式错误，文件可能已损坏：{exc}") from exc
    except (KeyError, ValueError, AttributeError, TypeError, OSError) as exc:
        raise CorruptFile(f"无法读取 Word 文档“{name}”，文件可能已损坏或不是 Word 生成的 DOCX：{exc}") from exc
    if body is None:
        raise CorruptFile(f"“{name}”中没有正文（缺少 w:body），文件可能已损坏。")
    return body, styles, title


def _heading_styles(document) -> dict[str, int]:
    """styleId → heading level, from the style name (Heading 2, 标题 2) or its outline level, inherited."""
    root = document.styles.element
    own: dict[str, int | None] = {}
    based_on: dict[str, str] = {}
    for style in root.iter(W + "style"):
        if style.get(W + "type") != "paragraph":
            continue
        style_id = style.get(W + "styleId") or ""
        name = style.find(W + "name")
        match = _HEADING_NAME.match((name.get(W + "val") if name is not None else "") or "")
        level = int(match.group(1)) if match else _outline_level(style.find(W + "pPr"))
        own[style_id] = level
        parent = style.find(W + "basedOn")
        if parent is not None:
            based_on[style_id] = parent.get(W + "val") or ""
    levels: dict[str, int] = {}
    for style_id in own:
        seen, current = set(), style_id
        while current in own and current not in seen:
            if own[current] is not None:
                levels[style_id] = own[current]
                break
            seen.add(current)
            current = based_on.get(current, "")
    return levels


def _outline_level(ppr) -> int | None:
    """w:outlineLvl 0…8 is heading 1…9; 9 means body text."""
    if ppr is None:
        return None
    element = ppr.find(W + "outlineLvl")
    if element is None:
        return None
    try:
        value = int(element.get(W + "val"))
    except (TypeError, ValueError):
        return None
    return value + 1 if 0 <= value < 9 else None


# ---------------------------------------------------------------- text


def join_fragments(parts: list[str]) -> str:
    """Fragments of one cell or line joined as printed: directly, a space only between Latin words."""
    text = ""
    for part in parts:
        part = normalise_space(part)
        if not part:
            continue
        if text and text[-1].isascii() and text[-1].isalpha() and part[0].isascii() and part[0].isalpha():
            text += " "
        text += part
    return text


_SPACES = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u2009\u200b]+")


def normalise_space(text: str) -> str:
    """Runs of spaces (non-breaking and full-width included) → one space, trimmed."""
    return _SPACES.sub(" ", text).strip()


def _lines(p) -> list[str]:
    """The text of one w:p as lines: a w:br or w:cr ends a line; tracked deletions are left out."""
    lines: list[list[str]] = [[]]

    def visit(element):
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag == W + "t":
                lines[-1].append(child.text or "")
            elif tag in (W + "tab", W + "ptab"):
                lines[-1].append(" ")
            elif tag in (W + "br", W + "cr"):
                lines.append([])
            elif tag == W + "noBreakHyphen":
                lines[-1].append("-")
            elif tag == W + "sym":
                lines[-1].append(chr(int(child.get(W + "char", "20"), 16)) if _is_hex(child.get(W + "char")) else "")
            else:
                visit(child)

    visit(p)
    return ["".join(line) for line in lines]


def _is_hex(value: str | None) -> bool:
    return bool(value) and all(c in "0123456789abcdefABCDEF" for c in value)


# ---------------------------------------------------------------- body


@dataclass
class _Reader:
    styles: dict[str, int]
    blocks_out: list[Block] = field(default_factory=list)

    def blocks(self, body) -> list[Block]:
        self._container(body)
        return self.blocks_out

    def _container(self, element) -> None:
        """Paragraphs and tables of a body, a content control or a layout cell, in order."""
        for child in _blocks_in(element):
            if child.tag == W + "p":
                self._paragraph(child)
            else:
                self._table(child)

    def _paragraph(self, p) -> None:
        heading = self._heading(p)
        for line in _lines(p):
            text = normalise_space(line)
            if text:
                self.blocks_out.append(Paragraph(text, heading=heading))

    def _heading(self, p) -> int | None:
        ppr = p.find(W + "pPr")
        own = _outline_level(ppr)
        if own is not None:
            return own
        style = ppr.find(W + "pStyle") if ppr is not None else None
        return self.styles.get(style.get(W + "val")) if style is not None else None

    def _table(self, tbl) -> None:
        if _is_layout_frame(tbl):
            for tc in _iter_cells(tbl):
                self._container(tc)
            return
        grid = table_grid(tbl)
        if grid.rows:
            self.blocks_out.append(grid)


def _direct(element, tag: str):
    """Direct children with this tag, looking through content controls (w:sdt) and custom XML."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if content is not None:
                yield from _direct(content, tag)


def _iter_cells(tbl):
    for tr in _direct(tbl, W + "tr"):
        yield from _direct(tr, W + "tc")


def _is_layout_frame(tbl) -> bool:
    """A table used to lay out other tables (a frame around the report), not a table of data."""
    cells = list(_iter_cells(tbl))
    nested = [tc for tc in cells if any(b.tag == W + "tbl" for b in _blocks_in(tc))]
    if not nested:
        return False
    if len(cells) <= _LAYOUT_MAX_CELLS:
        return True
    nested_chars = sum(len(_cell_text(inner)) for tc in nested for t in _blocks_in(tc) if t.tag == W + "tbl"
                       for inner in _iter_cells(t))
    total = sum(len(_cell_text(tc)) for tc in cells)
    return nested_chars * 2 >= total


def _cell_text(tc) -> str:
    """A cell's text: its paragraphs (and any nested table's cells) joined as one piece."""
    parts: list[str] = []
    for child in _blocks_in(tc):
        if child.tag == W + "p":
            parts.extend(_lines(child))
        else:
            parts.extend(_cell_text(inner) for inner in _iter_cells(child))
    return join_fragments(parts)


def _blocks_in(element):
    """w:p and w:tbl children of a body or cell, looking through content controls and tracked insertions."""
    for child in element:
        if child.tag in (W + "p", W + "tbl"):
            yield child
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "smartTag"):
            yield from _blocks_in(child)


def _int_attr(element, child_tag: str, default: int) -> int:
    if element is None:
        return default
    child = element.find(W + child_tag)
    if child is None:
        return default
    try:
        return max(int(child.get(W + "val", default)), 0)
    except (TypeError, ValueError):
        return default


def table_grid(tbl) -> Grid:
    """A w:tbl as a rectangular grid; merged cells expanded (text top-left, None where covered)."""
    rows: list[list[RawCell | None]] = []
    owner: dict[int, tuple[int, int]] = {}  # grid column → (row, column) of the cell a vMerge continues
    for tr in _direct(tbl, W + "tr"):
        trpr = tr.find(W + "trPr")
        row: list[RawCell | None] = [None] * _int_attr(trpr, "gridBefore", 0)
        for tc in _direct(tr, W + "tc"):
            tcpr = tc.find(W + "tcPr")
            span = max(_int_attr(tcpr, "gridSpan", 1), 1)
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            column = len(row)
            continues = vmerge is not None and vmerge.get(W + "val", "continue") != "restart" and column in owner
            if continues:
                row.extend([None] * span)
                _append_to_owner(rows, owner[column], _cell_text(tc))
            elif _continues_left(tcpr, row):
                start = max(j for j, cell in enumerate(row) if cell is not None)
                row.extend([None] * span)
                _append_to_owner(rows + [row], (len(rows), start), _cell_text(tc))
            else:
                row.append(RawCell(_cell_text(tc)))
                row.extend([None] * (span - 1))
                for j in range(column, column + span):
                    owner.pop(j, None)
                if vmerge is not None:
                    owner[column] = (len(rows), column)
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return Grid(rows=rows, page=None, regular=True)


def _continues_left(tcpr, row: list[RawCell | None]) -> bool:
    """w:hMerge (Word 97 style horizontal merge): a cell that continues the one on its left."""
    hmerge = tcpr.find(W + "hMerge") if tcpr is not None else None
    return (hmerge is not None and hmerge.get(W + "val", "continue") != "restart"
            and any(cell is not None for cell in row))


def _append_to_owner(rows: list[list[RawCell | None]], at: tuple[int, int], text: str) -> None:
    """Text typed into a continued vMerge cell belongs to the merged cell (Word shows it there)."""
    if not text:
        return
    r, c = at
    cell = rows[r][c]
    rows[r][c] = RawCell(join_fragments([cell.text if cell else "", text]))
