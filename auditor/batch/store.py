"""The batch database (SQLite): the single source of truth for audits, files, runs, decisions and the roster.

- `audits`: one row per audit actually run, keyed by (content sha256, last year's sha256 or "", auditor version,
  settings fingerprint), holding the full audit JSON (spec/audit-json.md) or the error. Resuming looks here.
- `files`: one row per input file (`file` as given): which audit is its current one, with the summary columns the
  triage page filters on. A re-run replaces a file's row, never adds a second.
- `runs` and `run_files`: each invocation, its progress (for the page) and the files it covered.
- `decisions` (+ `decision_log`, append-only) and `report_status`: the reviewers' work, keyed by report
  (body and year) and finding fingerprint; never touched by a re-run.
- `roster`: the expected bodies (name, region, level).

WAL mode, synchronous=FULL (a committed result survives a power cut), one writer per batch (the process that
collects the workers' outcomes), one short transaction per result.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
    sha256 TEXT NOT NULL, previous_sha256 TEXT NOT NULL, auditor_version TEXT NOT NULL, settings TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('audited', 'error')),
    error_code TEXT, error_message TEXT, error_detail TEXT, audit_json TEXT, agency TEXT, year INTEGER,
    seconds REAL NOT NULL, finished_at TEXT NOT NULL,
    PRIMARY KEY (sha256, previous_sha256, auditor_version, settings));
CREATE TABLE IF NOT EXISTS files (
    file TEXT PRIMARY KEY, sha256 TEXT, source_path TEXT NOT NULL, member TEXT,
    previous_file TEXT, previous_sha256 TEXT NOT NULL DEFAULT '', auditor_version TEXT, settings TEXT,
    status TEXT NOT NULL CHECK (status IN ('audited', 'error')), error_code TEXT, error_message TEXT,
    agency TEXT, year INTEGER, body_key TEXT, report_key TEXT NOT NULL,
    verdict TEXT, score REAL, n_error INTEGER NOT NULL DEFAULT 0, n_warning INTEGER NOT NULL DEFAULT 0,
    n_info INTEGER NOT NULL DEFAULT 0, rules TEXT NOT NULL DEFAULT '[]', rule_counts TEXT NOT NULL DEFAULT '{}',
    review_mode TEXT, seconds REAL, run_id INTEGER, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS files_report ON files (report_key);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, state TEXT NOT NULL, pid INTEGER,
    inputs TEXT NOT NULL, cwd TEXT, total INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0,
    to_audit INTEGER NOT NULL DEFAULT 0, audited INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
    settings TEXT, auditor_version TEXT, heartbeat_at TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS run_files (run_id INTEGER NOT NULL, file TEXT NOT NULL, PRIMARY KEY (run_id, file));
CREATE TABLE IF NOT EXISTS decisions (
    report_key TEXT NOT NULL, fingerprint TEXT NOT NULL, location TEXT NOT NULL, rule TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')), note TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, finding TEXT NOT NULL,
    PRIMARY KEY (report_key, fingerprint));
CREATE INDEX IF NOT EXISTS decisions_location ON decisions (report_key, location);
CREATE TABLE IF NOT EXISTS decision_log (
    id INTEGER PRIMARY KEY, report_key TEXT NOT NULL, fingerprint TEXT NOT NULL, decision TEXT NOT NULL,
    note TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_status (
    report_key TEXT PRIMARY KEY, status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roster (
    body_key TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT, level TEXT, position INTEGER NOT NULL);
"""


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class AuditRow:
    sha256: str
    previous_sha256: str
    status: str
    audit_json: str | None
    error_code: str | None
    error_message: str | None
    seconds: float
    agency: str | None
    year: int | None


class Store:
    def __init__(self, path: str | Path, timeout_s: float = 30.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
        self.db.executescript(_SCHEMA)  # idempotent; executescript manages its own transaction
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ---------------------------------------------------------------- audits and files

    def find_audit(self, sha256: str, previous_sha256: str, version: str, settings: str) -> AuditRow | None:
        row = self.db.execute(
            "SELECT sha256, previous_sha256, status, audit_json, error_code, error_message, seconds, agency, year "
            "FROM audits "
            "WHERE sha256=? AND previous_sha256=? AND auditor_version=? AND settings=?",
            (sha256, previous_sha256, version, settings)).fetchone()
        return AuditRow(*row) if row else None

    def save(self, file_rows: list[dict], audit: dict | None, run_id: int | None) -> None:
        """One result in one transaction: the audit (when one ran), the rows of the files it is the audit of (files
        with the same bytes share one audit), and the run's progress."""
        with self.transaction() as db:
            if audit is not None:
                db.execute(f"INSERT OR REPLACE INTO audits ({', '.join(audit)}) VALUES ({', '.join('?' * len(audit))})",
                           tuple(audit.values()))
            for file_row in file_rows:
                self._upsert_file(db, file_row, run_id)
            if run_id is not None and audit is not None:
                db.execute("UPDATE runs SET done = done + 1, audited = audited + (? = 'audited'), "
                           "errors = errors + (? = 'error'), heartbeat_at = ? WHERE id = ?",
                           (audit["status"], audit["status"], now(), run_id))

    def save_files(self, file_rows: list[dict], run_id: int | None) -> None:
        """Rows of files whose audits are already stored (a resumed run), in one transaction."""
        with self.transaction() as db:
            for file_row in file_rows:
                self._upsert_file(db, file_row, run_id)

    def _upsert_file(self, db: sqlite3.Connection, file_row: dict, run_id: int | None) -> None:
        file_row = {**file_row, "run_id": run_id, "updated_at": now()}
        updates = ", ".join(f"{k} = excluded.{k}" for k in file_row if k != "file")
        db.execute(f"INSERT INTO files ({', '.join(file_row)}) VALUES ({', '.join('?' * len(file_row))}) "
                   f"ON CONFLICT (file) DO UPDATE SET {updates}", tuple(file_row.values()))
        if run_id is not None:
            db.execute("INSERT OR IGNORE INTO run_files VALUES (?, ?)", (run_id, file_row["file"]))

    def file_rows(self, files: list[str] | None = None) -> list[sqlite3.Row]:
        """The rows of `files` in that order (of every file, in the order first seen, when None)."""
        rows = self.db.execute("SELECT * FROM files ORDER BY rowid").fetchall()
        if files is None:
            return rows
        by_file = {r["file"]: r for r in rows}
        return [by_file[f] for f in files if f in by_file]

    def file_row(self, file: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM files WHERE file = ?", (file,)).fetchone()

    def audit_json(self, file: str) -> dict | None:
        """The stored audit JSON of a file's current audit."""
        row = self.db.execute(
            "SELECT a.audit_json FROM files f JOIN audits a ON a.sha256 = f.sha256 AND "
            "a.previous_sha256 = f.previous_sha256 AND a.auditor_version = f.auditor_version AND a.settings = f.settings "
            "WHERE f.file = ?", (file,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def audits_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM audits").fetchone()[0]

    # ---------------------------------------------------------------- runs

    def start_run(self, inputs: list[str], settings: str, version: str) -> int:
        with self.transaction() as db:
            db.execute("UPDATE runs SET state = 'interrupted' WHERE state = 'running'")
            cursor = db.execute(
                "INSERT INTO runs (started_at, state, pid, inputs, cwd, settings, auditor_version, heartbeat_at) "
                "VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
                (now(), os.getpid(), json.dumps(inputs, ensure_ascii=False), os.getcwd(), settings, version, now()))
            return cursor.lastrowid

    def update_run(self, run_id: int, **values) -> None:
        values["heartbeat_at"] = now()
        with self.transaction() as db:
            db.execute(f"UPDATE runs SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                       (*values.values(), run_id))

    def add_to_run(self, run_id: int, to_audit: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET to_audit = to_audit + ?, heartbeat_at = ? WHERE id = ?", (to_audit, now(), run_id))

    def run(self, run_id: int | None = None) -> sqlite3.Row | None:
        if run_id is None:
            return self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()

    def run_files(self, run_id: int) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT file FROM run_files WHERE run_id = ? ORDER BY rowid", (run_id,))]

    # ---------------------------------------------------------------- decisions and statuses

    def decisions(self, report_key: str) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM decisions WHERE report_key = ?", (report_key,)).fetchall()

    def all_decisions(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM decisions").fetchall()

    def save_decision(self, report_key: str, fingerprint: str, location: str, rule: str, decision: str, note: str,
                      by: str, finding: dict) -> None:
        at = now()
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (report_key, fingerprint, location, rule, decision, note, by, at,
                        json.dumps(finding, ensure_ascii=False)))
            db.execute("INSERT INTO decision_log (report_key, fingerprint, decision, note, decided_by, decided_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (report_key, fingerprint, decision, note, by, at))

    def report_statuses(self) -> dict[str, sqlite3.Row]:
        return {r["report_key"]: r for r in self.db.execute("SELECT * FROM report_status")}

    def save_report_status(self, report_key: str, status: str, note: str, by: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO report_status VALUES (?, ?, ?, ?, ?)", (report_key, status, note, by, now()))

    # ---------------------------------------------------------------- roster

    def replace_roster(self, entries: list[tuple[str, str, str | None, str | None]]) -> None:
        """(body_key, name, region, level) in the roster's order; the previous roster is replaced."""
        with self.transaction() as db:
            db.execute("DELETE FROM roster")
            db.executemany("INSERT OR IGNORE INTO roster VALUES (?, ?, ?, ?, ?)",
                           [(*entry, i) for i, entry in enumerate(entries)])

    def roster(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM roster ORDER BY position").fetchall()



@contextlib.contextmanager
def writer_lock(db_path: str | Path) -> Iterator[None]:
    """Hold the batch's write lock (a lock file beside the database) for the duration of a run.

    Raises BatchBusy when another batch process holds it. The lock goes with the process, kill -9 included.
    """
    import fcntl

    from ..errors import BatchBusy
    path = Path(f"{db_path}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchBusy(f"数据库“{db_path}”正由另一个批量审核进程使用；请等它结束后再运行，或用 --db 指定另一个数据库。")
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def batch_running(db_path: str | Path) -> bool:
    """Whether a batch process holds the database's write lock now."""
    import fcntl
    path = Path(f"{db_path}.lock")
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
