"""A report flattened into one line (a crawler's text of a web page): its headings and tables rebuilt.

Crawlers keep the article's text but not its structure: the whole report arrives as one paragraph, the six part
headings inside it ("……办公室联系。一、总体情况2019年，……") and every table's cells run together with no separator
("一、本年新收政府信息公开申请数量230 000023二、上年结转……"). This module cuts such a paragraph at the part
headings and rebuilds each table as ragged rows (label, then the run of digits after it) from the standard labels
of data/labels. Splitting the digits is left to the row reader (extract/rows.py), which accepts a split only when
the table's identities allow exactly one; a run that allows more stays unreadable.

Real example: shared/real/平潭综合实验区2019年度政府信息公开工作年度报告.txt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..config import Settings
from ..model import Block, Document, Grid, Paragraph, RawCell
from ..textnorm import fold, nfkc
from .labels import labels

_MIN_CHARS = 400  # a paragraph at least this long that holds two or more part headings is a flattened report
_HEADING_WINDOW = 45  # a part heading's keywords lie this close after its numeral
_WINDOW_END = re.compile(r"[。;；\d]|(?<=.)[一二三四五六七八九十]\s*、")
_HEADING_TAIL = re.compile(r"^(?:的)?(?:情况|事项|措施)?(?:\s*[(][^()]{0,12}[)])?")
_ITEM = re.compile(r"第二十条第\s*\(\s*[一二三四五六七八九十]+\s*\)\s*项")
_VALUES = re.compile(r"^[\d\s.,+/\-—–]+(?:万?元)?$")
_LEADING_VALUES = re.compile(r"^([\d\s.,+\-]+)(?=\D)")
_MAX_UNKNOWN_LABEL = 40  # text between a table's labels longer than this ends the table
_SUBHEADING = re.compile(r"(?<=[。；;!！?？])\s*(?=\((?:[一二三四五六七八九十]+)\))")
_TITLE_MARK = "政府信息公开工作年度报告"
# 2019 trial-format column labels (表二) that the label data does not list as columns
_EXTRA_HEADERS = ("本年新公开数量", "上一年项目数量", "本年增/减", "处理决定数量", "采购项目数量", "采购总金额")


@dataclass(frozen=True)
class _Token:
    role: str  # item / header / group / row / values / text
    text: str
    start: int
    end: int


def unflatten(document: Document, settings: Settings) -> Document:
    """The document with each flattened paragraph cut into headings, paragraphs and table grids (derived, not
    modified); unchanged when no paragraph is flattened."""
    sections = labels("sections", settings)["sections"]
    blocks: list[Block] = []
    rebuilt = False
    for block in document.blocks:
        parts = _split(block, sections, settings) if isinstance(block, Paragraph) else None
        if parts is None:
            blocks.append(block)
        else:
            blocks += parts
            rebuilt = True
    if not rebuilt:
        return document
    note = "原文为不分段的网页文本（章节与表格连成一行），已按章节标题和表格标准行列标签重建段落与表格。"
    return replace(document, blocks=blocks, notes=[*document.notes, note])


# ---------------------------------------------------------------- parts


def _split(paragraph: Paragraph, sections: list[dict], settings: Settings) -> list[Block] | None:
    text = nfkc(paragraph.text)
    if len(text) < _MIN_CHARS:
        return None
    headings = _headings(text, sections)
    if len(headings) < 2:
        return None
    page = paragraph.page
    blocks: list[Block] = _paragraphs(text[: headings[0][1]], page, title_first=True)
    for (key, start, end), following in zip(headings, [*headings[1:], None]):
        blocks.append(Paragraph(text[start:end].strip(), page=page))
        body = text[end: following[1] if following else len(text)]
        blocks += _body(body, key, page, settings)
    return blocks


def _headings(text: str, sections: list[dict]) -> list[tuple[str, int, int]]:
    """(part key, start, end) of each part heading found inside the text, in order."""
    found = []
    position = 0
    for section in sections:
        key = section["key"]  # the part's numeral, 一…六
        for match in re.finditer(rf"{key}\s*[、.]", text[position:]):
            start = position + match.start()
            # a heading holds no digits and ends before the next sentence or numbered item
            window = _WINDOW_END.split(text[start: start + _HEADING_WINDOW], maxsplit=1)[0]
            squeezed = re.sub(r"\s+", "", window)
            words = next((w for w in section["keywords"] if all(word in squeezed for word in w)), None)
            if words is None:
                continue
            end = start + max(_position_after(window, word) for word in words)
            end += _HEADING_TAIL.match(text[end:]).end()
            found.append((key, start, end))
            position = end
            break
    return found


def _position_after(window: str, word: str) -> int:
    """Index in `window` just after `word`, allowing whitespace between its characters."""
    match = re.search(r"\s*".join(map(re.escape, word)), window)
    return match.end()


def _paragraphs(text: str, page: int | None, title_first: bool = False) -> list[Paragraph]:
    """Narrative text cut before its inline sub-headings ("。（二）主要做法…"); a leading report title on its own."""
    text = text.strip()
    if not text:
        return []
    blocks = []
    if title_first and _TITLE_MARK in text[:80]:
        cut = text.index(_TITLE_MARK) + len(_TITLE_MARK)
        blocks.append(Paragraph(text[:cut].strip(), page=page))
        text = text[cut:].strip()
    blocks += [Paragraph(part.strip(), page=page) for part in _SUBHEADING.split(text) if part.strip()]
    return blocks


# ---------------------------------------------------------------- tables


def _body(body: str, key: str, page: int | None, settings: Settings) -> list[Block]:
    """A part's text: its table (二、三、四) rebuilt as a grid between the narrative before and after it."""
    vocabulary = _vocabulary(key, settings)
    if vocabulary is None:
        return _paragraphs(body, page)
    tokens = _tokens(body, vocabulary)
    table = _table_tokens(tokens)
    if not table:
        return _paragraphs(body, page)
    rows = _rows(table)
    start, end = table[0].start, table[-1].end
    grid = Grid(rows=[[RawCell(text, page) for text in row] for row in rows], page=page, regular=False)
    return [*_paragraphs(body[:start], page), grid, *_paragraphs(body[end:], page)]


def _vocabulary(key: str, settings: Settings) -> list[tuple[str, str]] | None:
    """(label, role) of the table that belongs to part `key`, longest first; None for parts without a table."""
    words: list[tuple[str, str]] = []
    if key == "二":
        spec = labels("table2", settings)
        words += [(h, "header") for s in spec["subtables"] for h in s["header"]]
        words += [(c["label"], "header") for c in spec["legacy_2019"]["columns"]]
        words += [(h, "header") for h in _EXTRA_HEADERS]
        words += [(r["label"], "row") for s in spec["subtables"] for r in s["rows"]]
        words += [(a, "row") for s in spec["subtables"] for r in s["rows"] for a in r.get("aliases", [])]
        words += [(label, "row") for label in spec["legacy_2019"].get("rows", [])]
    elif key == "三":
        spec = labels("table3", settings)
        words += [(spec["note"], "header"), ("申请人情况", "header")]
        words += [(c["label"], "header") for c in spec["columns"] + spec["column_groups"]]
        # the 2019 format's single （六）其他处理 row is the 2021 group label with values of its own (see _rows)
        words += [(g["label"], "group") for g in spec["groups"]]
        words += [(r["label"], "row") for r in spec["rows"]]
        # a row printed without its enumerator; short cores (其他, 总计) would also match column labels
        words += [(r["core"], "row") for r in spec["rows"] if len(r["core"]) >= 5]
    elif key == "四":
        spec = labels("table4", settings)
        words += [(g["label"], "header") for g in spec["groups"]] + [("行政诉讼", "header")]
        words += [(c["label"], "header") for c in spec["columns"]]
    else:
        return None
    unique = {nfkc(label): role for label, role in words}
    return sorted(unique.items(), key=lambda item: -len(item[0]))


def _tokens(text: str, vocabulary: list[tuple[str, str]]) -> list[_Token]:
    """The text as a sequence of known labels, runs of values and other text, with their positions.

    Labels are tried at every position, longest first, so an enumerator stuck to the digits before it
    ("…00000002.其他法律…") goes with its label, and whitespace inside a label is allowed.
    """
    squeezed, where = fold(text)
    tokens: list[_Token] = []
    i, gap = 0, 0
    while i < len(squeezed):
        found = _ITEM.match(squeezed, i)
        label = (found.group(0), "item") if found else next(
            ((w, role) for w, role in vocabulary if squeezed.startswith(w, i)), None)
        if label is None:
            i += 1
            continue
        if gap < i:
            tokens.append(_chunk(text, where[gap], where[i]))
        end = i + len(label[0])
        tokens.append(_Token(label[1], label[0], where[i], where[end - 1] + 1))
        i = gap = end
    if gap < len(squeezed):
        tokens.append(_chunk(text, where[gap], len(text)))
    return [t for t in tokens if t.text.strip()]


def _chunk(text: str, start: int, end: int) -> _Token:
    part = text[start:end]
    return _Token("values" if _VALUES.match(part) else "text", part, start, end)


def _table_tokens(tokens: list[_Token]) -> list[_Token]:
    """The run of tokens that forms the table: from its first label to the last values before long prose."""
    first = next((i for i, t in enumerate(tokens) if t.role != "text" and t.role != "values"), None)
    if first is None:
        return []
    last = first
    for i in range(first, len(tokens)):
        token = tokens[i]
        if token.role == "text" and len(_label_part(token.text)) > _MAX_UNKNOWN_LABEL:
            break
        if token.role in ("values", "text") or token.role == "header" and i > first:
            last = i
        elif token.role in ("row", "group", "item"):
            last = i
    table = tokens[first:last + 1]
    return table if any(t.role == "values" or _LEADING_VALUES.match(t.text) for t in table) else []


def _label_part(text: str) -> str:
    leading = _LEADING_VALUES.match(text)
    return text[leading.end():] if leading else text


def _rows(tokens: list[_Token]) -> list[list[str]]:
    """Table rows: header labels gathered on one row; a row label (after its group label) with its values."""
    rows: list[list[str]] = []
    header: list[str] = []
    group: str | None = None
    open_row: list[str] | None = None  # the last label row, until its values arrive

    def flush_header():
        if header:
            rows.append(list(header))
            header.clear()

    def label_row(label: str):
        nonlocal group, open_row
        flush_header()
        open_row = [group, label] if group and group != label else [label]
        group = None
        rows.append(open_row)

    def values(text: str):
        nonlocal open_row
        cells = text.split()
        if open_row is None and group:
            label_row(group)  # a group label with values of its own: the 2019 （六）其他处理 row
        if open_row is not None:
            open_row += cells
            open_row = None
        else:
            flush_header()
            rows.append(cells)

    for token in tokens:
        if token.role == "item":
            flush_header()
            rows.append([token.text])
            open_row = None
        elif token.role == "header":
            header.append(token.text)
        elif token.role == "group":
            if group:
                label_row(group)
            group = token.text
            open_row = None
        elif token.role == "row":
            label_row(token.text)
        elif token.role == "values":
            values(token.text)
        elif header and not _LEADING_VALUES.match(token.text):  # a misprinted header label ("本年度止件数")
            header.append(token.text.strip())
        else:  # text: values of the open row, then a label the data does not know (a misprint), then its values
            leading = _LEADING_VALUES.match(token.text)
            if leading:
                values(leading.group(1))
            rest = _label_part(token.text).strip()
            trailing = re.search(r"[\d\s.,+\-]+$", rest)
            label = rest[: trailing.start()] if trailing else rest
            if label.strip():
                label_row(label.strip())
            if trailing:
                values(trailing.group(0))
    flush_header()
    return [[cell for cell in row if cell is not None] for row in rows]
