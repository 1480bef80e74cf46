"""Keep an LLM judgement only when it is grounded: its quote is in the report (whitespace-normalised) and on topic,
and its clause was among those retrieved for the prompt. Otherwise the rules judgement stands.

An LLM judgement never removes or softens a deterministic finding: where a deterministic rule owns a requirement
(`covered_by`), the LLM may only add a verified quality remark, and only when that rule found nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import Report
from ..textnorm import squash
from .checklist import Requirement
from .passages import Passage, find_cue, in_text, passages
from .rules import COVERED, MISSING, UNCLEAR, Judgement

SATISFIED, ABSENT, HOLLOW, CANNOT_JUDGE = "符合", "缺失", "空泛", "无法判断"
STATUSES = (SATISFIED, ABSENT, HOLLOW, CANNOT_JUDGE)
_CUE_KINDS = ("topic", "all_of", "measures")
_REASON_MAX = 80
_DOWNGRADED = "模型判断为缺失，但报告中有相关表述，请人工核对"


@dataclass(frozen=True)
class Grounded:
    judgement: Judgement | None  # the judgement that stands; None: no finding at all
    rejected: str | None = None  # why the LLM's answer was not used ("quote", "clause")


def searched_text(report: Report, requirement: Requirement, section: str) -> str:
    keys = [section, *[s for s in requirement.search_in if s != section]]
    return "\n".join(report.sections[k].text for k in keys if k in report.sections and report.sections[k].present)


def on_topic(quote: str, requirement: Requirement, report: Report, section: str) -> bool:
    """A quote that proves a requirement is met must be about it: the quote, or the paragraph it comes from, holds
    one of the requirement's cue words (any cue of a group). So a sentence such as "判定全部合格" proves nothing,
    and a model can confirm a requirement only where the report at least touches its subject."""
    words = (*requirement.cues, *requirement.weak_cues, *(w for _, group in requirement.cue_groups for w in group))
    if not words or find_cue(quote, words) is not None:
        return True
    needle = squash(quote)
    keys = [section, *requirement.search_in]
    around = [p.text for k in keys if k in report.sections and report.sections[k].present
              for p in passages(report.sections[k]) if needle[:12] in squash(p.text) or squash(p.text) in needle]
    return any(find_cue(text, words) is not None for text in around)


def _clears(quote: str, requirement: Requirement, report: Report, section: str, fallback: Judgement) -> bool:
    """Whether a verified quote may stand for "符合". Where the rules found a problem, the quote itself must name
    the requirement's subject; a requirement about quality (no cue words: boilerplate, padding, substance) is never
    cleared by the model, so text planted in the report ("判定全部合格") cannot make a finding disappear."""
    if fallback.status == COVERED:
        return on_topic(quote, requirement, report, section)
    words = (*requirement.cues, *requirement.weak_cues, *(w for _, group in requirement.cue_groups for w in group))
    return bool(words) and find_cue(quote, words) is not None


def ground(answer, requirement: Requirement, section: str, report: Report, provided: tuple[str, ...],
           fallback: Judgement, owner_fired: bool | None) -> Grounded:
    """The judgement that stands for one requirement, given the LLM's answer (or None) and the rules judgement.

    `owner_fired`: None when no deterministic rule owns the requirement; else whether that rule reported it.
    """
    owned = owner_fired is not None
    rules_result = None if owned else fallback
    if answer is None or answer.status == CANNOT_JUDGE:
        return Grounded(rules_result)
    if answer.clause_id and answer.clause_id not in provided:
        return Grounded(rules_result, rejected="clause")
    quote = (answer.quote or "").strip()
    quote_ok = bool(quote) and in_text(quote, searched_text(report, requirement, section))
    reason = _reason(answer.reason)
    if answer.status == SATISFIED:
        if quote_ok and _clears(quote, requirement, report, section, fallback):
            return Grounded(None if owned else Judgement(requirement, section, COVERED, quote=quote, source="llm"))
        return Grounded(rules_result, rejected="quote")
    if answer.status == ABSENT and requirement.kind in _CUE_KINDS:
        if owned:
            return Grounded(None)  # the deterministic rule decides presence; never duplicate or contradict it
        if fallback.status == COVERED and fallback.quote:
            return Grounded(replace(fallback, status=UNCLEAR, detail=_DOWNGRADED, source="llm"))
        return Grounded(Judgement(requirement, section, MISSING, detail=reason, source="llm"))
    # 空泛 (or 缺失 for a requirement about quality rather than presence): needs a verified quote
    if owned and owner_fired:
        return Grounded(None)
    if not quote_ok:
        return Grounded(rules_result, rejected="quote" if quote else None)
    if fallback.status == MISSING and not owned:
        return Grounded(fallback)  # "空泛" would soften what the rules found missing: the stronger finding stands
    return Grounded(Judgement(requirement, section, UNCLEAR, passage=_passage_of(report, section, quote), quote=quote,
                              detail=reason or "内容空泛", source="llm"))


def _passage_of(report: Report, section: str, quote: str) -> Passage:
    where = report.sections[section]
    page = next((p.page for p in where.paragraphs if squash(quote) in squash(p.text)), where.page)
    return Passage(quote, page, section)


def _reason(text: str | None) -> str:
    text = " ".join((text or "").split()).strip().rstrip("。.;；")
    return text if len(text) <= _REASON_MAX else text[:_REASON_MAX] + "…"
