"""Judgements → Findings: the rule id, severity and Chinese message of each narrative outcome."""

from __future__ import annotations

from ..config import Settings
from ..extract.labels import labels
from ..model import Finding, Severity
from .checklist import Requirement
from .rules import COVERED, MISSING, UNCLEAR, Judgement

MISSING_RULE = "NARR.requirement_missing"
UNCLEAR_RULE = "NARR.requirement_unclear"
BOILERPLATE_RULE = "NARR.boilerplate"
OFF_TOPIC_RULE = "NARR.off_topic"
RULE_IDS = (MISSING_RULE, UNCLEAR_RULE, BOILERPLATE_RULE, OFF_TOPIC_RULE)
_LOWER = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}


def section_name(key: str, settings: Settings) -> str:
    """第五部分「存在的主要问题及改进情况」, as the other findings name a section."""
    title = next((s["title"] for s in labels("sections", settings)["sections"] if s["key"] == key), key)
    return f"第{key}部分「{title.split('、', 1)[-1]}」"


def rule_of(requirement: Requirement, status: str) -> str:
    if requirement.kind == "specific":
        return BOILERPLATE_RULE
    if requirement.kind == "focus":
        return OFF_TOPIC_RULE
    return MISSING_RULE if status == MISSING else UNCLEAR_RULE


def severity_of(requirement: Requirement, status: str) -> Severity:
    if requirement.kind == "specific" and status == MISSING:  # another body's name: a copied section
        return requirement.severity
    return requirement.severity if status == MISSING else _LOWER[requirement.severity]


def to_finding(judgement: Judgement, settings: Settings, section_page: int | None = None) -> Finding | None:
    """The finding for a judgement that is not COVERED; `section_page` places one that quotes nothing."""
    if judgement.status == COVERED:
        return None
    requirement = judgement.requirement
    if judgement.status == MISSING:
        outcome = "missing"
    else:
        outcome = "llm_unclear" if judgement.source == "llm" else "unclear"
    message = requirement.message(outcome).format(
        section_name=section_name(judgement.section, settings), name=requirement.name, basis=requirement.basis,
        detail=judgement.detail or "")
    return Finding(rule=rule_of(requirement, judgement.status), severity=severity_of(requirement, judgement.status),
                   message=message, section=judgement.section,
                   page=judgement.passage.page if judgement.passage and judgement.passage.page else section_page,
                   evidence=judgement.quote, basis=requirement.basis, source=judgement.source)


__all__ = ["MISSING", "UNCLEAR", "RULE_IDS", "section_name", "to_finding"]
