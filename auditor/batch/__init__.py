"""Triage many reports (spec/batch.md): a batch of files, folders and .zip archives audited in worker processes,
every result stored in SQLite as it finishes, resumable after any crash, with reviewers' decisions kept.

Uses pipeline (audit_file) and never present: the audit JSON is rendered by a function the caller passes in.
"""

from .decisions import FindingState, decide, finding_states, set_report_status
from .engine import BatchOptions, BatchRun, batch_coverage, batch_records, run_batch
from .executors import EXECUTORS
from .records import DECISIONS, REPORT_STATUSES, BatchRecord, ranked, rule_totals
from .store import Store, batch_running, writer_lock

__all__ = ["DECISIONS", "EXECUTORS", "REPORT_STATUSES", "BatchOptions", "BatchRecord", "BatchRun", "FindingState",
           "Store", "batch_coverage", "batch_records", "batch_running", "decide", "finding_states", "ranked",
           "rule_totals", "run_batch", "set_report_status", "writer_lock"]
