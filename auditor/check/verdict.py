"""Findings → verdict and score, for ranking many reports worst-first.

score = 100 × 0.85^errors × 0.95^warnings × 0.99^min(infos, 10), rounded to one decimal.
Each error costs 15 % of what is left, each warning 5 %, each info 1 % (at most ten count), so
the score never reaches 0 and two bad reports still rank against each other.
"""

from __future__ import annotations

from ..model import Finding, Severity

ERROR_FACTOR, WARNING_FACTOR, INFO_FACTOR, INFO_CAP = 0.85, 0.95, 0.99, 10


def verdict_of(findings: list[Finding]) -> str:
    if any(f.severity is Severity.ERROR for f in findings):
        return "fail"
    return "warn" if findings else "pass"


def score_of(findings: list[Finding]) -> float:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    infos = min(INFO_CAP, sum(1 for f in findings if f.severity is Severity.INFO))
    return round(100 * ERROR_FACTOR ** errors * WARNING_FACTOR ** warnings * INFO_FACTOR ** infos, 1)
