"""The six sections (一…六), found by title keywords rather than numerals, and the report's metadata."""

from __future__ import annotations

import re

from ..config import Settings
from ..model import Block, Paragraph, Section
from ..textnorm import squash, tidy
from .labels import labels
from .locate import is_furniture

_MAX_HEADING_CHARS = 40
_NUMERAL_PREFIX = re.compile(r"^[#*\s]*[一二三四五六七八九十]+[、.．]")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_TITLE_MARK = "政府信息公开工作年度报告"


def _section_keys(text: str, spec: list[dict]) -> list[str]:
    squashed = squash(text)
    if len(squashed) > _MAX_HEADING_CHARS:
        return []
    return [s["key"] for s in spec if any(all(word in squashed for word in words) for words in s["keywords"])]


def find_sections(blocks: list[Block], settings: Settings) -> tuple[dict[str, Section], int | None]:
    """Sections keyed 一…六 (absent ones with heading None), and the block index where 一 starts."""
    spec = labels("sections", settings)["sections"]
    found: dict[str, tuple[int, Paragraph]] = {}
    for index, block in enumerate(blocks):
        if not isinstance(block, Paragraph):
            continue
        keys = [k for k in _section_keys(block.text, spec) if k not in found]
        if not keys:
            continue
        # a heading carries its numeral or is marked as a heading; a bare keyword line may be a sub-heading
        squashed = squash(block.text)
        if not (_NUMERAL_PREFIX.match(squashed) or block.heading or len(squashed) <= 16):
            continue
        found[keys[0]] = (index, block)

    ordered = sorted(found.items(), key=lambda item: item[1][0])
    starts = [index for _, (index, _) in ordered]
    sections: dict[str, Section] = {}
    for order, (key, (index, paragraph)) in enumerate(ordered):
        end = next((s for s in starts if s > index), len(blocks))
        body = [b for b in blocks[index + 1:end] if isinstance(b, Paragraph) and not is_furniture(b)]
        sections[key] = Section(key=key, heading=tidy(paragraph.text), page=paragraph.page,
                                text="\n".join(tidy(p.text) for p in body), paragraphs=body, order=order)
    for s in spec:
        sections.setdefault(s["key"], Section(key=s["key"], heading=None, page=None))
    first = min(starts) if starts else None
    return {s["key"]: sections[s["key"]] for s in spec}, first


def find_metadata(blocks: list[Block], first_section: int | None) -> tuple[str | None, str | None, int | None, str]:
    """(title, agency, year, preamble) from the paragraphs before section 一."""
    head = [b for b in blocks[: first_section if first_section is not None else 12] if isinstance(b, Paragraph)]
    title = agency = None
    year = None
    preamble_start = 0
    for i, paragraph in enumerate(head[:6]):
        text = tidy(paragraph.text)
        if _TITLE_MARK not in squash(text) or len(squash(text)) > 60:
            continue
        before = squash(text).split(_TITLE_MARK)[0]
        match = _YEAR.search(before)
        year = int(match.group(1)) if match else None
        leading = before[: match.start()] if match else before
        if leading:
            agency = leading
            title = squash(text)
        elif i > 0 and len(squash(head[i - 1].text)) <= 40 and not _YEAR.search(squash(head[i - 1].text)):
            agency = squash(head[i - 1].text)
            title = agency + squash(text)
        else:
            title = squash(text)
        preamble_start = i + 1
        break
    preamble = "\n".join(tidy(p.text) for p in head[preamble_start:])
    return title, agency, year, preamble


def body_text(blocks: list[Block]) -> str:
    return "\n".join(tidy(b.text) for b in blocks if isinstance(b, Paragraph) and not is_furniture(b))

