"""What the narrative review will cost in LLM mode, before a batch starts: calls and tokens per report.

An upper bound on calls (one per narrative section that has requirements; cached answers cost nothing) and a
rough token count from the prompts as they are built: the instructions, each requirement's line and clauses,
and a typical section text. Chinese text is counted at about 1.5 characters per token.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..llm.prompts import load_prompt
from .checklist import load_checklist
from .llm_review import _CLAUSE_CHARS, _CLAUSES_PER_REQUIREMENT

CHARS_PER_TOKEN = 1.5
TYPICAL_SECTION_CHARS = 1500  # section 一 of the seed reports runs 800–2,500 characters
ANSWER_TOKENS_PER_REQUIREMENT = 80  # a judgement: id, status, a quote, a reason
REQUIREMENT_LINE_CHARS = 120


@dataclass(frozen=True)
class LlmEstimate:
    calls_per_report: int
    prompt_tokens_per_report: int
    answer_tokens_per_report: int

    def for_reports(self, reports: int) -> tuple[int, int]:
        """(calls, tokens) for this many reports, before any answer comes from the cache."""
        return reports * self.calls_per_report, reports * (self.prompt_tokens_per_report + self.answer_tokens_per_report)


def estimate_llm_review(settings: Settings) -> LlmEstimate:
    checklist = load_checklist(settings)
    per_section: dict[str, int] = {}
    for requirement in checklist.requirements:
        for section in requirement.sections():
            per_section[section] = per_section.get(section, 0) + 1
    fixed = len(load_prompt("review_system", settings).text) + len(load_prompt("review_section", settings).text)
    prompt_chars = 0
    for count in per_section.values():
        clauses = min(count * (_CLAUSES_PER_REQUIREMENT + 1), 12) * _CLAUSE_CHARS  # shared clauses are sent once
        prompt_chars += fixed + count * REQUIREMENT_LINE_CHARS + clauses + TYPICAL_SECTION_CHARS
    answers = sum(per_section.values()) * ANSWER_TOKENS_PER_REQUIREMENT
    return LlmEstimate(len(per_section), round(prompt_chars / CHARS_PER_TOKEN), answers)


def prepare_llm_review(settings: Settings) -> None:
    """Build the corpus index once (into settings.cache_dir) before worker processes open it from disk."""
    from ..retrieval.corpus_index import CorpusIndex
    CorpusIndex.shared(settings)
