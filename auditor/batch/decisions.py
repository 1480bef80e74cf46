"""Reviewers' decisions on findings and the review status of a report, kept across re-runs and new versions.

A decision (confirmed / dismissed, a note, who, when) belongs to a report (its body and year, else its file) and a
finding fingerprint (rule, cells, values). When the report is audited again, or a new version of it arrives, a
finding with the same fingerprint carries the decision; a finding at the same place (rule, table, row, column,
section) with other values is *reopened*: the earlier decision is shown, but it no longer counts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..errors import AuditorError
from .fingerprints import finding_fingerprint, finding_location
from .records import DECISIONS, REPORT_STATUSES
from .store import Store

OPEN, REOPENED = "open", "reopened"


class DecisionError(AuditorError):
    code = "invalid_decision"


@dataclass(frozen=True)
class FindingState:
    finding: dict  # as in the audit JSON
    fingerprint: str
    state: str  # "open", "confirmed", "dismissed" or "reopened"
    decision: sqlite3.Row | None = None  # the decision that holds (confirmed/dismissed) or the one reopened

    @property
    def decided(self) -> bool:
        return self.state in DECISIONS


def finding_states(store: Store, report_key: str, findings: list[dict]) -> list[FindingState]:
    """Each finding of a report with its decision: carried (same fingerprint), reopened (same place, new values)
    or open."""
    decisions = store.decisions(report_key)
    exact = {d["fingerprint"]: d for d in decisions}
    by_location: dict[str, sqlite3.Row] = {}
    for d in sorted(decisions, key=lambda d: d["decided_at"]):
        by_location[d["location"]] = d
    states = []
    for finding in findings:
        fingerprint = finding_fingerprint(finding)
        if fingerprint in exact:
            states.append(FindingState(finding, fingerprint, exact[fingerprint]["decision"], exact[fingerprint]))
        elif finding_location(finding) in by_location:
            states.append(FindingState(finding, fingerprint, REOPENED, by_location[finding_location(finding)]))
        else:
            states.append(FindingState(finding, fingerprint, OPEN))
    return states


def _findings_of(store: Store, file: str) -> tuple[str, list[dict]]:
    row = store.file_row(file)
    if row is None:
        raise DecisionError(f"数据库中没有文件“{file}”的审核记录。")
    audit = store.audit_json(file)
    if audit is None:
        raise DecisionError(f"“{file}”未能审核（{row['error_message']}），没有可以复核的问题。")
    return row["report_key"], audit["findings"]


def decide(store: Store, file: str, fingerprint: str, decision: str, note: str, by: str) -> FindingState:
    """Record a reviewer's decision on the finding of `file` whose fingerprint starts with `fingerprint`."""
    if decision not in DECISIONS:
        raise DecisionError(f"复核结论应为 {' 或 '.join(DECISIONS)}，而不是“{decision}”。")
    if not by.strip():
        raise DecisionError("请注明复核人。")
    report_key, findings = _findings_of(store, file)
    matches = [f for f in findings if finding_fingerprint(f).startswith(fingerprint)] if fingerprint else []
    if len(matches) != 1:
        raise DecisionError(f"“{file}”中{'没有' if not matches else '有多个'}指纹以“{fingerprint}”开头的问题；"
                            "请用 auditor decisions list 查看完整指纹。")
    finding = matches[0]
    store.save_decision(report_key, finding_fingerprint(finding), finding_location(finding), finding["rule"],
                        decision, note.strip(), by.strip(), finding)
    return finding_states(store, report_key, [finding])[0]


def set_report_status(store: Store, file: str, status: str, note: str, by: str) -> None:
    if status not in REPORT_STATUSES:
        raise DecisionError(f"报告状态应为 {'、'.join(REPORT_STATUSES)} 之一，而不是“{status}”。")
    if not by.strip():
        raise DecisionError("请注明复核人。")
    row = store.file_row(file)
    if row is None:
        raise DecisionError(f"数据库中没有文件“{file}”的审核记录。")
    store.save_report_status(row["report_key"], status, note.strip(), by.strip())
