"""TXT / Markdown → Document.

These are usually texts extracted from PDFs (see the seeds): tables arrive as tab-separated lines
whose cells shift around page breaks, and paragraphs are cut by blank lines at page breaks. Markdown
pipe tables are read as well. There are no pages, so every page is None.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..errors import CorruptFile, UnsupportedFormat
from ..model import Document, Grid, Paragraph, RawCell

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_EMPHASIS = re.compile(r"\*\*|__")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_SENTENCE_END = tuple("。！？；：:;!?”」）)")
_STARTS_NEW = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、]|#|\*\*[（(一二三四五六七八九十])")
_NUMBERS_ONLY = re.compile(r"^[\d\s.,/／—-]+$")
_JOIN_MIN_CHARS = 20  # a line shorter than this is a heading or title, never joined to the next


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030, as Chinese government sites publish."""
    if b"\x00" in data[:4096]:
        raise UnsupportedFormat(f"“{name}”看起来是二进制文件，不是文本格式的年度报告。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorruptFile(f"无法识别“{name}”的文字编码（既不是 UTF-8 也不是 GB18030），请另存为 UTF-8 编码后再上传。")


def _table_fields(line: str, in_table: bool) -> list[str] | None:
    if "\t" in line:
        return line.split("\t")
    if in_table and _NUMBERS_ONLY.match(line):
        return line.split()  # 表四's data row, numbers run together or separated by spaces
    if _PIPE_ROW.match(line):
        return [field.strip() for field in line.strip().strip("|").split("|")]
    return None


def _grid(rows: list[list[str]], pipes: bool) -> Grid:
    widths = Counter(len(r) for r in rows)
    widest = max(widths)
    cells = [[RawCell(text) for text in r] for r in rows]
    if pipes and len(widths) == 1:
        return Grid(rows=cells, page=None, regular=True)  # a Markdown table states every cell boundary
    # every line cut at the same field count (seed 西工区: 8 fields) means cells beyond it were lost
    cap = widest if widths[widest] * 2 >= len(rows) else None
    return Grid(rows=cells, page=None, regular=False, width_cap=cap)


# a web crawler's header before the article: "标题: …", "发布时间: …", then "===== 正文 =====" (real: 平潭 2019)
_CRAWLER_BODY = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)
_CRAWLER_FIELD = re.compile(r"^([^\s:：]{1,8})\s*[:：]\s*(.*)$")


def crawler_header(text: str) -> tuple[dict[str, str], str]:
    """(the header's fields, the article) of a crawler's text; ({}, text) when there is no such header."""
    marker = _CRAWLER_BODY.search(text)
    if marker is None:
        return {}, text
    fields = {}
    for line in text[: marker.start()].splitlines():
        match = _CRAWLER_FIELD.match(line.strip())
        if match:
            fields[match.group(1)] = match.group(2).strip()
    return fields, text[marker.end():]


def read_text(path: Path, data: bytes, digest: str, fmt: str) -> Document:
    text = decode(data, path.name).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    header, text = crawler_header(text)
    blocks: list = []
    table_rows: list[list[str]] = []
    paragraph: str | None = None
    paragraph_heading: int | None = None
    pipes = True  # every row of the table being collected is a Markdown pipe row

    def flush_paragraph():
        nonlocal paragraph, paragraph_heading
        if paragraph is not None and paragraph.strip():
            blocks.append(Paragraph(paragraph.strip(), heading=paragraph_heading))
        paragraph, paragraph_heading = None, None

    def flush_table():
        nonlocal pipes
        if table_rows:
            blocks.append(_grid(list(table_rows), pipes))
            table_rows.clear()
        pipes = True

    for line in text.split("\n"):
        if not line.strip():
            continue  # blank lines separate paragraphs only where the text says so (see below)
        if _PIPE_SEPARATOR.match(line) and table_rows:
            continue
        fields = _table_fields(line, bool(table_rows))
        if fields is not None:
            flush_paragraph()
            pipes = pipes and bool(_PIPE_ROW.match(line))
            table_rows.append([_EMPHASIS.sub("", f) for f in fields])
            continue
        flush_table()
        heading = None
        match = _HEADING.match(line)
        if match:
            heading, line = len(match.group(1)), match.group(2)
        line = _EMPHASIS.sub("", line).strip()
        if not line:
            continue
        if (paragraph is not None and heading is None and paragraph_heading is None
                and len(paragraph) >= _JOIN_MIN_CHARS and not paragraph.endswith(_SENTENCE_END)
                and not _STARTS_NEW.match(line)):
            paragraph += line  # a paragraph cut by a page break ("…平台公开科" + "技政策文件…")
            continue
        flush_paragraph()
        paragraph, paragraph_heading = line, heading
    flush_paragraph()
    flush_table()
    return Document(path=path, format=fmt, sha256=digest, pages=None, blocks=blocks, title=header.get("标题") or None)
