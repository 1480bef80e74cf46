"""One record per input file (spec/batch.md), read from the database, and the worst-first ranking."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from .roster import RosterIndex

REPORT_STATUSES = ("pending", "returned", "approved")  # 待审 / 已退回整改 / 已通过
# a finding's decision: carried over while its fingerprint holds, reopened when its values change
DECISIONS = ("confirmed", "dismissed")


@dataclass
class BatchRecord:
    file: str
    sha256: str | None
    status: str  # "audited" or "error"
    error: dict | None
    agency: str | None
    year: int | None
    verdict: str | None
    score: float | None
    counts: dict[str, int]
    rules: list[str]
    previous: str | None
    seconds: float | None
    # beyond the contract: for the triage page and the exports
    report_key: str = ""
    rule_counts: dict[str, int] = field(default_factory=dict)
    review_mode: str | None = None
    region: str | None = None
    level: str | None = None
    report_status: str = "pending"

    def to_json(self) -> dict:
        """The JSON Lines record of spec/batch.md (plus region, level and the report's review status)."""
        return {"file": self.file, "sha256": self.sha256, "status": self.status, "error": self.error,
                "agency": self.agency, "year": self.year, "verdict": self.verdict, "score": self.score,
                "counts": self.counts, "rules": self.rules, "previous": self.previous, "seconds": self.seconds,
                "region": self.region, "level": self.level, "report_status": self.report_status}


def record_of(row: sqlite3.Row, roster: RosterIndex | None = None, statuses: dict | None = None) -> BatchRecord:
    audited = row["status"] == "audited"
    entry = roster.match(row["agency"]) if roster is not None and audited else None
    status_row = (statuses or {}).get(row["report_key"])
    return BatchRecord(
        file=row["file"], sha256=row["sha256"], status=row["status"],
        error=None if audited else {"code": row["error_code"], "message": row["error_message"]},
        agency=row["agency"], year=row["year"], verdict=row["verdict"], score=row["score"],
        counts={"error": row["n_error"], "warning": row["n_warning"], "info": row["n_info"]},
        rules=json.loads(row["rules"]), previous=row["previous_file"],
        seconds=None if row["seconds"] is None else round(row["seconds"], 3),
        report_key=row["report_key"], rule_counts=json.loads(row["rule_counts"]), review_mode=row["review_mode"],
        region=entry.region if entry else None, level=entry.level if entry else None,
        report_status=status_row["status"] if status_row is not None else "pending")


def rank_key(record: BatchRecord) -> tuple:
    """Worst first: files that could not be read (nothing usable was submitted), then by score, errors, warnings."""
    score = record.score if record.status == "audited" and record.score is not None else -1.0
    return (score, -record.counts["error"], -record.counts["warning"], record.file)


def ranked(records: list[BatchRecord]) -> list[BatchRecord]:
    return sorted(records, key=rank_key)


def rule_totals(records: list[BatchRecord]) -> Counter:
    """Findings per rule id over the records."""
    totals: Counter = Counter()
    for record in records:
        totals.update(record.rule_counts)
    return totals


def summary_columns(audit: dict) -> dict:
    """The columns of a file's row that come from its audit JSON."""
    findings = audit.get("findings", [])
    severities = Counter(f["severity"] for f in findings)
    rules = list(dict.fromkeys(f["rule"] for f in findings))
    report = audit.get("report") or {}
    return {"agency": report.get("agency"), "year": report.get("year"), "verdict": audit.get("verdict"),
            "score": audit.get("score"), "n_error": severities["error"], "n_warning": severities["warning"],
            "n_info": severities["info"], "rules": json.dumps(rules, ensure_ascii=False),
            "rule_counts": json.dumps(Counter(f["rule"] for f in findings), ensure_ascii=False),
            "review_mode": (audit.get("review") or {}).get("mode")}
