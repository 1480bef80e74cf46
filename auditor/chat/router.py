"""Rules mode: what a question is about, from the cue words of data/chat/intents.yaml and the cell vocabulary.

Decided in this order: the audit's findings ("为什么说表三不平？"), the rules ("条例要求年报写哪些内容？"), table
cells ("复议纠正了几件？"), else the report's text ("有没有说明信息处理费？"). A short follow-up ("那法人呢？")
keeps what it does not say from the last question.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..review.checklist import NARRATIVE_SECTIONS
from ..textnorm import squash
from .cells import CellRequest, parse_request
from .vocabulary import Vocabulary, article_number, contains_any

CELL, FINDING, CLAUSE, PASSAGE = "cell", "finding", "clause", "passage"


@dataclass(frozen=True)
class Route:
    intent: str
    question: str  # the question as it is answered (a follow-up completed from the last one)
    request: CellRequest | None = None
    sections: tuple[str, ...] = ()
    article: str | None = None
    follow_up: bool = False
    listing: bool = False  # "提了哪些…": quote more than one sentence


def named_sections(question: str, vocab: Vocabulary) -> tuple[str, ...]:
    text = squash(question)
    found = []
    for key, words in (vocab.intents.get("sections") or {}).items():
        if any(squash(w) in text for w in words):
            found.append(key)
    return tuple(found)


def strip_sections(question: str, vocab: Vocabulary) -> str:
    text = squash(question)
    words = [squash(w) for ws in (vocab.intents.get("sections") or {}).values() for w in ws]
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "")
    return text


def is_follow_up(question: str, vocab: Vocabulary) -> bool:
    text = squash(question).rstrip("？?。.!！")
    limit = int(vocab.intents.get("follow_up", {}).get("max_chars", 14))
    if len(text) > limit:
        return False
    starts = vocab.cues("follow_up", "starts")
    return text.startswith(starts) or squash(question).endswith(vocab.cues("follow_up", "ends"))


def route(question: str, vocab: Vocabulary, settings: Settings, last: Route | None = None) -> Route:
    sections = named_sections(question, vocab)
    text_verb = contains_any(question, vocab.cues("text", "verbs"))
    listing = contains_any(question, vocab.cues("text", "listing")) is not None
    request = parse_request(question, vocab)
    follow = last is not None and is_follow_up(question, vocab)

    if follow and last.intent == CELL and last.request is not None and request is not None:
        return Route(CELL, question, last.request.merged(request), follow_up=True)
    if follow and last.intent == PASSAGE and sections and request is None:  # "那第五部分呢？": same topic, there
        return Route(PASSAGE, last.question, sections=sections, follow_up=True, listing=last.listing)
    if follow and last.intent == FINDING and (request is not None or sections):
        return Route(FINDING, question, request, sections, follow_up=True)

    if contains_any(question, vocab.cues("findings", "cues")):
        about_audit = contains_any(question, vocab.cues("findings", "about_audit")) is not None
        if sections and (text_verb or set(sections) <= set(NARRATIVE_SECTIONS) and not about_audit):
            return Route(PASSAGE, question, sections=sections, listing=listing)
        return Route(FINDING, question, request, sections)
    number = article_number(question, settings)
    if number or contains_any(question, vocab.cues("clauses", "cues")):
        return Route(CLAUSE, question, article=number)
    if request is not None and not text_verb and not contains_any(question, vocab.cues("cells", "text_numbers")):
        return Route(CELL, question, request)
    return Route(PASSAGE, question, sections=sections, listing=listing)

