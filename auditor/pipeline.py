"""audit_file: the only place where ingest, extract, check, review and the verdict meet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .check import run_checks
from .check.verdict import score_of, verdict_of
from .config import Settings
from .extract import extract_report
from .ingest import REPORT_SUFFIXES, load_document
from .model import AuditResult, Report
from .review import review_report

__all__ = ["REPORT_SUFFIXES", "Progress", "audit_file", "read_report", "warm_up"]

Progress = Callable[[str, float], None]  # (stage label in Chinese, fraction done 0–1)


def _silent(stage: str, fraction: float) -> None:
    pass


def read_report(path: str | Path, settings: Settings) -> Report:
    return extract_report(load_document(path, settings), settings)


def audit_file(path: str | Path, settings: Settings | None = None, previous: str | Path | None = None,
               progress: Progress | None = None) -> AuditResult:
    """Audit one report file; raises AuditorError (with a Chinese message) when it cannot be read."""
    settings = settings or Settings.from_env()
    progress = progress or _silent
    progress("读取文件", 0.0)
    document = load_document(path, settings)
    progress("识别章节与表格", 0.3)
    report = extract_report(document, settings)
    previous_report = None
    if previous:
        progress("读取上一年度报告", 0.45)
        previous_report = read_report(previous, settings)
    progress("规则校验", 0.6)
    findings = run_checks(report, previous_report, settings)
    progress("叙述部分审查", 0.8)
    outcome = review_report(report, findings, settings)  # never changes the deterministic findings
    findings = findings + outcome.findings
    progress("完成", 1.0)
    return AuditResult(report=report, findings=findings, verdict=verdict_of(findings), score=score_of(findings),
                       review=outcome.info, previous=previous_report)


def warm_up(settings: Settings) -> None:
    """Import every reader and load the label, rule and checklist data once, as each audit would on its first
    file: a batch does this in the process its workers are forked from, so none of them pays for it again."""
    from .check.findings import rules
    from .check.narrative import narrative_rules
    from .extract.labels import labels
    from .ingest import docx, html, pdf, text  # noqa: F401  (the readers import pdfplumber, python-docx, lxml)
    from .review.checklist import load_checklist

    for name in ("sections", "table2", "table3", "table4"):
        labels(name, settings)
    rules(settings)
    narrative_rules(settings)
    load_checklist(settings)
