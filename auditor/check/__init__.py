"""Report (+ last year's) → findings. Pure functions: no I/O beyond the rule data, no LLM."""

from __future__ import annotations

from ..config import Settings
from ..model import Finding, Report
from .arithmetic import check_arithmetic
from .extraction import check_extraction
from .structure import check_structure
from .values import check_values

CHECKS = (check_structure, check_extraction, check_values, check_arithmetic)


def run_checks(report: Report, previous: Report | None = None, settings: Settings | None = None) -> list[Finding]:
    settings = settings or Settings()
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(report, settings))
    return findings
