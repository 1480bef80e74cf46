"""run_batch: the inputs → one audit per file, each stored in the database the moment it finishes → the records.

1. Collect the files (folders recursively, zip members in memory) and hash each one.
2. A file whose (sha256, auditor version, settings) audit is in the database is not audited again.
3. The rest run in worker processes; each outcome is written in its own transaction by this process alone.
4. Reports of the same body for consecutive years are paired; the later one is audited again with the earlier
   one (the cross-year rules), unless that pair's audit is stored too.

Killed at any moment, a run loses only the files in flight: the next run of the same command finds the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import Settings
from ..errors import AuditorError, FileMissing, NoInput, UnreadableFile
from ..model import AuditResult
from ..pipeline import audit_file
from .executors import make_executor
from .fingerprints import AUDITOR_VERSION, body_key, report_key, settings_fingerprint
from .inputs import Item, collect, sha256_of
from .jobs import Job, Outcome, Render
from .pairing import previous_year_pairs
from .progress import Plan, SilentProgress
from .records import BatchRecord, record_of, summary_columns
from .roster import Coverage, RosterEntry, RosterIndex, coverage, read_roster
from .store import AuditRow, Store, now

# errors of the machinery rather than of the file: `retry_failed` audits these files again
RETRYABLE = frozenset({"timeout", "worker_crashed", "out_of_memory", "internal_error", "file_changed"})
DEFAULT_LLM_CONCURRENCY = 4


@dataclass
class BatchOptions:
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    executor: str = "local"  # "local" (process pool) or "dask"
    scheduler: str | None = None  # a Dask scheduler address; None starts a LocalCluster on 127.0.0.1
    retry_failed: bool = False
    roster: Path | None = None


@dataclass
class BatchRun:
    run_id: int
    records: list[BatchRecord]  # one per input file of this run, in input order
    audited: int  # audits run by this run
    reused: int  # files whose audit was already stored
    skipped: list[str]  # files in folders and archives that are not reports
    coverage: Coverage | None = None


def batch_settings(settings: Settings, workers: int = 1) -> Settings:
    """In LLM mode every worker shares a machine-wide limit on requests in flight (and backs off on 429/5xx);
    OCR in each worker uses its share of the cores, so that workers reading scans do not oversubscribe them."""
    if settings.openai_api_key and settings.llm_concurrency is None:
        settings = replace(settings, llm_concurrency=DEFAULT_LLM_CONCURRENCY)
    if settings.ocr_threads == 0:
        settings = replace(settings, ocr_threads=max(1, (os.cpu_count() or 1) // max(1, workers)))
    return settings


class _Run:
    def __init__(self, store: Store, settings: Settings, render: Render, options: BatchOptions, progress,
                 audit: Callable[..., AuditResult], run_id: int, fingerprint: str):
        self.store, self.settings, self.render, self.options = store, settings, render, options
        self.progress, self.audit, self.run_id, self.fingerprint = progress, audit, run_id, fingerprint
        self.sha: dict[str, str] = {}  # file → sha256
        self.items: dict[str, Item] = {}
        self.audited = self.reused = 0

    # ---------------------------------------------------------------- rows

    def file_row(self, item: Item, status: str, audit_json: str | None = None, code: str | None = None,
                 message: str | None = None, seconds: float | None = None, previous: Item | None = None) -> dict:
        row = {"file": item.file, "sha256": self.sha.get(item.file), "source_path": str(item.path.resolve()),
               "member": item.member, "previous_file": previous.file if previous else None,
               "previous_sha256": self.sha[previous.file] if previous else "", "auditor_version": AUDITOR_VERSION,
               "settings": self.fingerprint, "status": status, "error_code": code, "error_message": message,
               "seconds": seconds, "agency": None, "year": None, "body_key": None, "verdict": None, "score": None,
               "n_error": 0, "n_warning": 0, "n_info": 0, "rules": "[]", "rule_counts": "{}", "review_mode": None}
        if audit_json is not None:
            row.update(summary_columns(json.loads(audit_json)))
            row["body_key"] = body_key(row["agency"])
        row["report_key"] = report_key(row["agency"], row["year"], item.file)
        return row

    def stored_row(self, item: Item, stored: AuditRow, previous: Item | None = None) -> dict:
        return self.file_row(item, stored.status, stored.audit_json, stored.error_code, stored.error_message,
                             stored.seconds, previous)

    def reusable(self, sha: str, previous_sha: str) -> AuditRow | None:
        stored = self.store.find_audit(sha, previous_sha, AUDITOR_VERSION, self.fingerprint)
        if stored and self.options.retry_failed and stored.status == "error" and stored.error_code in RETRYABLE:
            return None
        return stored

    # ---------------------------------------------------------------- outcomes

    def on_done(self, job: Job, outcome: Outcome, items: list[Item]) -> None:
        agency = year = None
        if outcome.audit_json is not None:
            report = json.loads(outcome.audit_json).get("report") or {}
            agency, year = report.get("agency"), report.get("year")
        audit = {"sha256": job.sha256, "previous_sha256": self.sha[job.previous.file] if job.previous else "",
                 "auditor_version": AUDITOR_VERSION, "settings": self.fingerprint, "status": outcome.status,
                 "error_code": outcome.code, "error_message": outcome.message, "error_detail": outcome.detail,
                 "audit_json": outcome.audit_json, "agency": agency, "year": year, "seconds": outcome.seconds,
                 "finished_at": now()}
        rows = [self.file_row(item, outcome.status, outcome.audit_json, outcome.code,
                              outcome.message and outcome.message.replace(job.item.file, item.file),
                              outcome.seconds, job.previous) for item in items]
        self.store.save(rows, audit, self.run_id)
        self.audited += 1
        for item in items:
            self.progress.advance(item.file, outcome.status)

    def execute(self, executor, jobs: list[tuple[Job, list[Item]]]) -> None:
        if not jobs:
            return
        waiting = {id(job): items for job, items in jobs}
        executor.run((job for job, _ in jobs), lambda job, outcome: self.on_done(job, outcome, waiting[id(job)]))

    # ---------------------------------------------------------------- the two passes

    def first_pass(self, items: list[Item], skipped: int) -> list[tuple[Job, list[Item]]]:
        """Hash every item; store the refused ones and the ones already audited; the jobs for the rest."""
        refused, reused_rows = [], []
        jobs: dict[str, tuple[Job, list[Item]]] = {}
        for item in items:
            self.items[item.file] = item
            problem = item.problem
            if problem is None:
                try:
                    self.sha[item.file] = sha256_of(item, self.settings)
                except AuditorError as error:
                    problem = error
                except OSError as error:
                    problem = UnreadableFile(f"无法读取文件“{item.file}”（{type(error).__name__}: {error.strerror or error}），"
                                             "请检查文件权限或是否已被移走。")
            if problem is not None:
                refused.append(self.file_row(item, "error", code=problem.code, message=problem.message))
                continue
            sha = self.sha[item.file]
            stored = self.reusable(sha, "")
            if stored is not None:
                reused_rows.append(self.stored_row(item, stored))
            elif sha in jobs:
                jobs[sha][1].append(item)  # the same bytes under another name: audited once
            else:
                jobs[sha] = (Job(item, sha, self.settings, self.render, audit=self.audit), [item])
        self.store.save_files(refused + reused_rows, self.run_id)
        self.reused += len(reused_rows)
        self.store.add_to_run(self.run_id, len(jobs))
        calls = tokens = None
        if self.settings.openai_api_key:
            from ..review.estimate import estimate_llm_review
            calls, tokens = estimate_llm_review(self.settings).for_reports(len(jobs))
        self.progress.plan(Plan(len(items), len(jobs), len(reused_rows), len(refused), skipped, calls, tokens))
        return list(jobs.values())

    def pairs(self, files: Iterable[str]) -> dict[str, str]:
        """file → last year's file, from the stored audit (without a previous report) of every audited file."""
        identities = {}
        for file in files:
            sha = self.sha.get(file)
            stored = self.store.find_audit(sha, "", AUDITOR_VERSION, self.fingerprint) if sha else None
            if stored is not None and stored.status == "audited":
                identities[file] = (stored.agency, stored.year)
        return previous_year_pairs(identities)

    def second_pass(self, pairs: dict[str, str]) -> list[tuple[Job, list[Item]]]:
        reused_rows, jobs = [], []
        for file, previous_file in pairs.items():
            item, previous = self.items[file], self.items[previous_file]
            stored = self.reusable(self.sha[file], self.sha[previous_file])
            if stored is not None:
                reused_rows.append(self.stored_row(item, stored, previous))
            else:
                jobs.append((Job(item, self.sha[file], self.settings, self.render, previous, self.audit), [item]))
        self.store.save_files(reused_rows, self.run_id)
        self.store.add_to_run(self.run_id, len(jobs))
        self.progress.grow(len(jobs))
        return jobs


def run_batch(inputs: list[str], store: Store, settings: Settings, render: Render, options: BatchOptions | None = None,
              progress=None, audit: Callable[..., AuditResult] = audit_file) -> BatchRun:
    """Audit every report the inputs name into `store`; the records of this run's files.

    Raises NoInput when no input exists or none holds a report file, RosterError for an unusable roster.
    `render` turns an AuditResult into the audit JSON (it runs in the workers); `audit` is the pipeline's
    audit_file unless a test passes a stand-in.
    """
    options = options or BatchOptions()
    progress = progress or SilentProgress()
    settings = batch_settings(settings, options.workers)
    discovery = collect(inputs, settings)
    if not any(not isinstance(item.problem, FileMissing) for item in discovery.items):
        missing = [i.file for i in discovery.items]
        where = f"找不到：{'、'.join(missing[:5])}" if missing else "所给文件夹和压缩包中没有 PDF、DOCX、HTML、TXT 或 Markdown 文件"
        raise NoInput(f"没有可审核的报告文件（{where}）。请检查路径，或指定包含年度报告的文件夹或 .zip 压缩包。")
    roster = read_roster(options.roster) if options.roster else None
    if roster is not None:
        store.replace_roster([(e.key, e.name, e.region, e.level) for e in roster])
    fingerprint = settings_fingerprint(settings)
    run_id = store.start_run(list(inputs), fingerprint, AUDITOR_VERSION)
    store.update_run(run_id, total=len(discovery.items))
    run = _Run(store, settings, render, options, progress, audit, run_id, fingerprint)
    try:
        with make_executor(options.executor, options.workers, settings, options.scheduler) as executor:
            jobs = run.first_pass(discovery.items, len(discovery.skipped))
            if jobs and settings.openai_api_key:
                from ..review.estimate import prepare_llm_review
                prepare_llm_review(settings)  # the corpus index is built once, then every worker opens it
            run.execute(executor, jobs)
            run.execute(executor, run.second_pass(run.pairs(run.sha)))
    except KeyboardInterrupt:
        store.update_run(run_id, state="interrupted", finished_at=now(), message="用户中断")
        raise
    except BaseException as error:
        store.update_run(run_id, state="failed", finished_at=now(), message=f"{type(error).__name__}: {error}"[:500])
        raise
    finally:
        progress.close()
    store.update_run(run_id, state="finished", finished_at=now())
    return BatchRun(run_id, batch_records(store, [i.file for i in discovery.items]), run.audited, run.reused,
                    discovery.skipped, batch_coverage(store, [i.file for i in discovery.items]) if roster else None)


def batch_records(store: Store, files: list[str] | None = None) -> list[BatchRecord]:
    """The records of `files` (of every file in the database when None), with region and level from the roster
    and each report's review status."""
    roster_rows = store.roster()
    index = RosterIndex([_entry(r) for r in roster_rows]) if roster_rows else None
    statuses = store.report_statuses()
    return [record_of(row, index, statuses) for row in store.file_rows(files)]


def batch_coverage(store: Store, files: list[str] | None = None) -> Coverage | None:
    roster_rows = store.roster()
    if not roster_rows:
        return None
    return coverage([_entry(r) for r in roster_rows], batch_records(store, files))


def _entry(row) -> RosterEntry:
    return RosterEntry(row["name"], row["region"], row["level"])
