"""One file's audit inside a worker process: read the item, audit it (with last year's report), render its JSON.

A worker holds no database and writes nothing but temporary copies of archive members; it returns an Outcome
to the one process that writes. The audit JSON is rendered by the function the caller passes in (`render`,
present.json_report.result_to_dict for the CLI and the app), so the batch never imports present/.
"""

from __future__ import annotations

import ctypes
import json
import resource
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import AuditorError
from ..model import AuditResult
from ..pipeline import audit_file
from .inputs import Item, pdf_pages, read_item

Render = Callable[[AuditResult], dict]
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Job:
    item: Item
    sha256: str
    settings: Settings
    render: Render
    previous: Item | None = None  # the same body's report for the year before
    audit: Callable[..., AuditResult] = audit_file


def time_limit(job: Job) -> float:
    """Seconds the job may take before its worker is killed: the per-file limit, and more per PDF page (of the
    report and of last year's). Counted where the job is handed out, while the workers are busy."""
    pages = sum(pdf_pages(item, job.settings) for item in (job.item, job.previous) if item is not None)
    return job.settings.batch_timeout_s + job.settings.batch_page_timeout_s * pages


@dataclass(frozen=True)
class Outcome:
    status: str  # "audited" or "error"
    seconds: float
    audit_json: str | None = None
    code: str | None = None
    message: str | None = None
    detail: str | None = None  # the traceback of an internal error, for the developers

    @classmethod
    def failed(cls, code: str, message: str, seconds: float, detail: str | None = None) -> "Outcome":
        return cls("error", seconds, None, code, message, detail)


def worker_init(max_memory_mb: int | None) -> None:
    """In each worker process: a hard cap on its address space, death with its parent, Ctrl-C left to the parent."""
    if max_memory_mb:
        limit = max_memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: a worker whose parent is killed (kill -9) goes too, instead of finishing a file nobody will store
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


@contextmanager
def _on_disk(item: Item | None, settings: Settings) -> Iterator[Path | None]:
    """The item as a file the readers can open: itself, or an archive member copied into a private temp folder."""
    if item is None or item.member is None:
        yield None if item is None else item.path
        return
    data = read_item(item, settings)
    with tempfile.TemporaryDirectory(prefix="auditor-batch-") as folder:
        path = Path(folder) / f"report{item.suffix}"
        path.write_bytes(data)
        yield path


def _as_given(message: str, item: Item, path: Path | None) -> str:
    """An error message naming the file as the user knows it, not its temporary copy."""
    if path is not None and path != item.path:
        message = message.replace(str(path), item.file).replace(f"“{path.name}”", f"“{item.file}”")
    return message


def run_job(job: Job) -> Outcome:
    """Audit one item; every way it can fail becomes an Outcome, so the batch goes on."""
    start = time.perf_counter()
    path = None
    try:
        with _on_disk(job.item, job.settings) as path, _on_disk(job.previous, job.settings) as previous:
            result = job.audit(path, job.settings, previous=previous)
        result.report.document.path = Path(job.item.file)
        if result.previous is not None and job.previous is not None:
            result.previous.document.path = Path(job.previous.file)
        data = job.render(result)
    except AuditorError as error:
        return Outcome.failed(error.code, _as_given(error.message, job.item, path), time.perf_counter() - start)
    except MemoryError:
        return Outcome.failed("out_of_memory", f"审核“{job.item.file}”所需内存超过每个进程的上限"
                              f"（{job.settings.batch_max_memory_mb} MB），已中止；其他文件不受影响。",
                              time.perf_counter() - start)
    except Exception as error:  # a bug: one file's record says so; the traceback is kept for the developers
        return Outcome.failed("internal_error", f"审核“{job.item.file}”时发生内部错误（{type(error).__name__}: "
                              f"{error}）；请将该文件反馈给开发者。", time.perf_counter() - start, traceback.format_exc())
    seconds = time.perf_counter() - start
    if data["source"]["sha256"] != job.sha256:
        return Outcome.failed("file_changed", f"“{job.item.file}”在审核过程中被修改，请在文件不再变化后重新运行。", seconds)
    return Outcome("audited", seconds, json.dumps(data, ensure_ascii=False))
