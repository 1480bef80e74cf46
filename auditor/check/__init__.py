"""Report (+ last year's) → findings. Pure functions: no I/O beyond the rule data, no LLM."""

from __future__ import annotations

from ..config import Settings
from ..model import Finding, Report
from .arithmetic import check_arithmetic
from .content import check_content
from .cross_year import check_cross_year
from .extraction import check_extraction
from .findings import rules
from .narrative import check_narrative
from .structure import check_structure
from .values import check_values

CHECKS = (check_structure, check_extraction, check_values, check_arithmetic, check_narrative, check_content)


def run_checks(report: Report, previous: Report | None = None, settings: Settings | None = None) -> list[Finding]:
    settings = settings or Settings()
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(report, settings))
    findings.extend(check_cross_year(report, previous, settings))
    return [f for f in findings if _binds(f.rule, report.year, settings)]


def _binds(rule: str, year: int | None, settings: Settings) -> bool:
    """Whether a rule binds a report of `year`: a rule whose basis took effect later (from_year) does not."""
    first = rules(settings)[rule].get("from_year")
    return first is None or year is None or year >= first
