"""The six sections (一…六), found by title keywords rather than numerals, and the report's metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..config import Settings
from ..model import Block, Paragraph, Section
from ..textnorm import squash, tidy
from .labels import labels
from .locate import is_furniture

_MAX_HEADING_CHARS = 40
# "二、" "二." "二 " or a numeral run straight into the title ("一总体情况"); the numeral is group 1
_NUMERAL = re.compile(r"^[#*]*([一二三四五六七八九十]+)(?:[、.．,，:：]|(?=[\u4e00-\u9fff]))")
# "(一)" "1." "1、" "（1）": a sub-heading inside a part, never a part's own heading
_SUB_ENUMERATOR = re.compile(r"^[#*]*(?:\([一二三四五六七八九十\d]+\)|\d+[.、．](?!\d))")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_TITLE_MARK = "政府信息公开工作年度报告"
_FUZZY_NUMBERED = 60.0  # title similarity (rapidfuzz ratio) that identifies a heading carrying the part's numeral
_FUZZY_BARE = 85.0  # … and one without a numeral


@dataclass(frozen=True)
class _Candidate:
    key: str
    index: int
    score: float


def _title_core(text: str) -> str:
    """A heading without its numeral, a trailing note such as （有关情况附表） and punctuation."""
    core = _NUMERAL.sub("", text, count=1)
    core = _TRAILING_NOTE.sub("", core)
    return core.strip("#*:：。.，,、 ")


def _candidates(index: int, block: Paragraph, spec: list[dict]) -> list[_Candidate]:
    """The parts a paragraph could be the heading of, each with how sure we are (higher is surer).

    Keywords or a similar title make a candidate; the part's own numeral in front ("二、") makes it a strong one.
    A line numbered as a sub-heading ("（一）主动公开政府信息的情况" inside 一) is never a part's heading.
    """
    squashed = squash(block.text)
    if len(squashed) > _MAX_HEADING_CHARS or _SUB_ENUMERATOR.match(squashed):
        return []
    numeral = _NUMERAL.match(squashed)
    core = _title_core(squashed)
    found = []
    for s in spec:
        keywords = any(all(word in squashed for word in words) for words in s["keywords"])
        similarity = fuzz.ratio(core, _title_core(squash(s["title"])))
        own_numeral = numeral is not None and numeral.group(1) == s["key"]
        if own_numeral and (keywords or similarity >= _FUZZY_NUMBERED):
            found.append(_Candidate(s["key"], index, 3 + similarity / 100))
        elif keywords and (numeral or block.heading or len(squashed) <= 16):
            found.append(_Candidate(s["key"], index, 1 + similarity / 100 + (1 if block.heading else 0)))
        elif similarity >= _FUZZY_BARE and (block.heading or len(squashed) <= 16):
            found.append(_Candidate(s["key"], index, similarity / 100))
    return found


def find_sections(blocks: list[Block], settings: Settings) -> tuple[dict[str, Section], int | None]:
    """Sections keyed 一…六 (absent ones with heading None), and the block index where 一 starts.

    Each part takes its best heading candidate; a paragraph heads at most one part (the surest claim wins).
    """
    spec = labels("sections", settings)["sections"]
    candidates = [c for index, block in enumerate(blocks)
                  if isinstance(block, Paragraph) and not is_furniture(block)
                  for c in _candidates(index, block, spec)]
    found: dict[str, tuple[int, Paragraph]] = {}
    used: set[int] = set()
    for candidate in sorted(candidates, key=lambda c: (-c.score, c.index)):
        if candidate.key in found or candidate.index in used:
            continue
        found[candidate.key] = (candidate.index, blocks[candidate.index])
        used.add(candidate.index)

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


def find_metadata(blocks: list[Block], first_section: int | None, declared: str | None = None
                  ) -> tuple[str | None, str | None, int | None, str]:
    """(title, agency, year, preamble) from the paragraphs before section 一; the title the file declares
    (`declared`: a web page's ArticleTitle, a PDF's metadata) fills in what the text does not say."""
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
    if declared and _TITLE_MARK in squash(declared) and len(squash(declared)) <= 60:
        before = squash(declared).split(_TITLE_MARK)[0]
        match = _YEAR.search(before)
        leading = before[: match.start()] if match else before
        if year is None and match:
            year = int(match.group(1))
        if agency is None and leading:
            agency = leading
        if title is None or (agency == leading and leading not in title):
            title = squash(declared)
    return title, agency, year, preamble


def body_text(blocks: list[Block]) -> str:
    return "\n".join(tidy(b.text) for b in blocks if isinstance(b, Paragraph) and not is_furniture(b))

