"""Rules mode: each requirement decided from cue words over the report's own passages (no model, no index).

Outcomes: COVERED (no finding), MISSING, UNCLEAR (something is there but weak or hollow).
Each judgement keeps the passage it rests on, so a finding can quote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Report
from ..textnorm import squash
from .agency import GOVERNMENT, foreign_self_reference, split_name
from .checklist import Checklist, Requirement
from .passages import Passage, content_after_heading, cue_pattern, find_cue, passages, quote_around, strip_excluded

COVERED = "covered"
MISSING = "missing"
UNCLEAR = "unclear"

_MIN_CONTENT_CHARS = 8  # a topic paragraph with less than this after its heading is hollow ("（五）监督保障。无。")
_QUANTITY = re.compile(r"\d+(?:\.\d+)?(?:余|多)?(?:条|件|次|个|项|篇|场|期|人|名|家|份|场次|人次|万|%)")
_YEAR_OR_DATE = re.compile(r"(?:19|20)\d{2}年(?:度)?|\d{1,2}月\d{1,2}日|\d{1,2}月")
_SPECIFIC = re.compile(r"“[^”]{2,}”|《[^》]{2,}》|\d")
_ITEM_SPLIT = re.compile(r"(?:[一二三四五六七八九十]是|[（(][一二三四五六七八九十\d][）)]|\d[.、]|；|;)")
_OFF_TOPIC_SHARE = 0.4  # G-02: off-topic text above this share of a section …
_OFF_TOPIC_MIN_CHARS = 120  # … and at least this long
_MIN_STOCK_PHRASES = 2


@dataclass(frozen=True)
class Judgement:
    requirement: Requirement
    section: str
    status: str
    passage: Passage | None = None
    quote: str | None = None
    detail: str | None = None
    source: str = "rules"  # "rules" or "llm"


def applicable(requirement: Requirement, body: str | None, year: int | None = None) -> bool:
    """Whether the requirement binds this body (applies_to) in this report year (from_year)."""
    if requirement.from_year is not None and year is not None and year < requirement.from_year:
        return False
    return requirement.applies_to == "all" or (requirement.applies_to == "government" and body == GOVERNMENT)


def judge(report: Report, requirement: Requirement, section: str, checklist: Checklist) -> Judgement:
    """Decide one requirement for one present section of the report."""
    sections = [section, *[s for s in requirement.search_in if s != section]]
    found = [p for key in sections if report.sections.get(key) and report.sections[key].present
             for p in passages(report.sections[key])]
    own = [p for p in found if p.section == section]
    decide = {"topic": _topic, "all_of": _all_of, "measures": _measures, "specific": _specific,
              "substance": _substance, "focus": _focus}[requirement.kind]
    return decide(requirement, section, own, found, report, checklist)


def _topic(requirement, section, own, found, report, checklist) -> Judgement:
    strong = [(p, cue) for p in found if (cue := find_cue(p.text, requirement.cues, requirement.exclude))]
    if strong:
        passage, cue = strong[0]
        substantial = [(p, c) for p, c in strong if len(_content(p.text, c)) >= _MIN_CONTENT_CHARS]
        if substantial:
            return Judgement(requirement, section, COVERED, *_cited(substantial[0]))
        return Judgement(requirement, section, UNCLEAR, *_cited((passage, cue)),
                         detail=f"仅有标题“{quote_around(passage.text, cue)}”，没有具体内容")
    weak = [(p, cue) for p in found if (cue := find_cue(p.text, requirement.weak_cues, requirement.exclude))]
    if weak:
        passage, cue = weak[0]
        return Judgement(requirement, section, UNCLEAR, *_cited(weak[0]),
                         detail=f"仅在“{quote_around(passage.text, cue)}”中间接提及")
    return Judgement(requirement, section, MISSING)


def _content(text: str, cue: str) -> str:
    """What the passage says beyond its heading and the cue itself."""
    return content_after_heading(text).replace(cue, "", 1)


def _cited(hit: tuple[Passage, str]) -> tuple[Passage, str]:
    passage, cue = hit
    return passage, quote_around(passage.text, cue)


def _all_of(requirement, section, own, found, report, checklist) -> Judgement:
    hits = {name: next(((p, c) for p in found if (c := find_cue(p.text, words))), None)
            for name, words in requirement.cue_groups}
    absent = [name for name, hit in hits.items() if hit is None]
    present = [hit for hit in hits.values() if hit is not None]
    if not absent:
        return Judgement(requirement, section, COVERED, *_cited(present[0]))
    if not present:
        return Judgement(requirement, section, MISSING, detail="、".join(absent))
    return Judgement(requirement, section, UNCLEAR, *_cited(present[0]), detail="、".join(absent))


def _measures(requirement, section, own, found, report, checklist) -> Judgement:
    text = "\n".join(p.text for p in own)
    squashed = strip_excluded(text, requirement.exclude)
    first = min((m.start() for cue in requirement.cues
                 for m in [_search(cue, squashed)] if m is not None), default=None)
    if first is None:
        return Judgement(requirement, section, MISSING)
    problems, measures = squashed[:first], squashed[first:]
    hit = next(((p, c) for p in own if (c := find_cue(p.text, requirement.cues, requirement.exclude))), None)
    items = [i for i in _ITEM_SPLIT.split(problems) if len(i) >= 6]
    generic = set(checklist.generic_terms)
    if len(items) >= 2 and not any(_shared_terms(item, measures, generic) for item in items):
        return Judgement(requirement, section, UNCLEAR, *_cited(hit),
                         detail="所列问题在改进措施中均无对应内容")
    return Judgement(requirement, section, COVERED, *_cited(hit))


def _search(cue: str, squashed: str) -> re.Match | None:
    return cue_pattern(cue).search(squashed)


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def _shared_terms(problem: str, measures: str, generic: set[str]) -> set[str]:
    stop = {g for term in generic for g in _bigrams(term)}
    return (_bigrams(problem) & _bigrams(measures)) - stop


def _specific(requirement, section, own, found, report, checklist) -> Judgement:
    text = "\n".join(p.text for p in own)
    foreign = foreign_self_reference(text, report.agency)
    if foreign:
        passage = next((p for p in own if foreign in squash(p.text)), own[0] if own else None)
        quote = quote_around(passage.text, foreign) if passage else None
        return Judgement(requirement, section, MISSING, passage, quote, detail=foreign)
    without_dates = _YEAR_OR_DATE.sub("", text)
    concrete = any(term in squash(text) for term in checklist.specific_terms)
    if own and not concrete and not _SPECIFIC.search(without_dates) and not _names_own_business(text, report.agency):
        stock = [phrase for phrase in checklist.stock_phrases if phrase in squash(text)]
        if len(stock) >= _MIN_STOCK_PHRASES:
            passage = next((p for p in own if stock[0] in squash(p.text)), own[0])
            return Judgement(requirement, section, UNCLEAR, passage, quote_around(passage.text, stock[0]),
                             detail="、".join(f"“{s}”" for s in stock[:3]))
    return Judgement(requirement, section, COVERED)


def _names_own_business(text: str, agency: str | None) -> bool:
    """Whether the text names the body or its field (科学技术局 → 科技、科学技术), a sign it is the body's own."""
    if not agency:
        return True
    own = split_name(agency)
    if own is None or len(own.core) < 2:
        return True
    core = own.core
    abbreviations = {core, core[:2]} | ({core[0] + core[2]} if len(core) == 4 else set())
    squashed = squash(text)
    return any(a in squashed for a in abbreviations if len(a) >= 2)


def _substance(requirement, section, own, found, report, checklist) -> Judgement:
    text = "\n".join(p.text for p in own)
    if not own or _QUANTITY.search(_YEAR_OR_DATE.sub("", squash(text))):
        return Judgement(requirement, section, COVERED)
    return Judgement(requirement, section, UNCLEAR, own[0], quote_around(own[0].text, None),
                     detail="没有具体数据")


def _focus(requirement, section, own, found, report, checklist) -> Judgement:
    terms = checklist.on_topic_terms
    off = [p for p in own if not any(t in squash(p.text) for t in terms)]
    off_chars = sum(len(squash(p.text)) for p in off)
    total = sum(len(squash(p.text)) for p in own) or 1
    if off and off_chars >= _OFF_TOPIC_MIN_CHARS and off_chars / total >= _OFF_TOPIC_SHARE:
        return Judgement(requirement, section, UNCLEAR, off[0], quote_around(off[0].text, None),
                         detail=f"约{round(100 * off_chars / total)}%的篇幅未涉及信息公开")
    return Judgement(requirement, section, COVERED)

