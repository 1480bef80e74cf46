"""audit_file: the only place where ingest, extract, check, review and the verdict meet."""

from __future__ import annotations

from pathlib import Path

from .check import run_checks
from .check.verdict import score_of, verdict_of
from .config import Settings
from .extract import extract_report
from .ingest import load_document
from .model import AuditResult, Report, ReviewInfo


def read_report(path: str | Path, settings: Settings) -> Report:
    return extract_report(load_document(path, settings), settings)


def audit_file(path: str | Path, settings: Settings | None = None, previous: str | Path | None = None) -> AuditResult:
    """Audit one report file; raises AuditorError (with a Chinese message) when it cannot be read."""
    settings = settings or Settings.from_env()
    report = read_report(path, settings)
    previous_report = read_report(previous, settings) if previous else None
    findings = run_checks(report, previous_report, settings)
    review = ReviewInfo(mode="rules", model=None, requirements_checked=0)
    return AuditResult(report=report, findings=findings, verdict=verdict_of(findings), score=score_of(findings),
                       review=review, previous=previous_report)
