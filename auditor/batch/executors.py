"""Where the jobs run: a local process pool (the default) or a Dask distributed cluster (`--executor dask`).

Both give every file the same isolation: a worker process with a hard memory cap (jobs.worker_init), a per-file
time limit after which the worker is killed and replaced, and a crash of the worker turned into an error record
for that file alone. The local pool is pebble's ProcessPool (per-task timeouts, crash detection, a worker
replaced after `batch_max_tasks_per_worker` files so memory stays flat). On Dask each worker process keeps one
such pool of its own and runs its tasks through it; the results come back to the one process that writes the
database.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout

from ..config import Settings
from ..errors import AuditorError
from .jobs import Job, Outcome, run_job, time_limit, worker_init

OnDone = Callable[[Job, Outcome], None]
EXECUTORS = ("local", "dask")
_PRELOAD = ["auditor.batch.jobs", "auditor.batch.warmup"]
_PRELOAD_LLM = ["auditor.review.preload"]


def _context(settings: Settings):
    # forkserver: workers fork from a clean single-threaded server that has the pipeline imported and its data
    # loaded (batch/warmup.py; in LLM mode also review/preload.py), never from a parent that runs threads
    # (the progress bar, pebble's own, Dask's event loop)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD + (_PRELOAD_LLM if settings.openai_api_key else []))
    return context


def outcome_of(future: Future, job: Job, limit: float) -> Outcome:
    """The job's Outcome, or the record of how its worker failed: timeout (after `limit` seconds), crash, memory."""
    from pebble import ProcessExpired
    settings = job.settings
    try:
        return future.result()
    except (FutureTimeout, TimeoutError):
        return Outcome.failed("timeout", f"审核“{job.item.file}”超过时间上限（{limit:g} 秒）已中止；"
                              "文件可能过大或结构异常，可单独审核，或用 --timeout 放宽上限。", limit)
    except ProcessExpired as error:
        if error.exitcode == -9:
            message = (f"审核“{job.item.file}”的进程被系统强行终止（可能内存不足，每个进程上限 "
                       f"{settings.batch_max_memory_mb} MB）；其他文件不受影响。")
            return Outcome.failed("out_of_memory", message, 0.0)
        return Outcome.failed("worker_crashed", f"审核“{job.item.file}”的进程意外退出（退出码 {error.exitcode}），"
                              "该文件可能触发了解析组件的缺陷；其他文件不受影响。", 0.0)


class LocalPool:
    """`workers` processes on this machine, started on the first run; at most twice that many jobs handed out."""

    def __init__(self, workers: int, settings: Settings):
        self.workers, self.settings = max(1, workers), settings
        self.pool = None

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.stop()
            self.pool.join()

    def run(self, jobs: Iterable[Job], on_done: OnDone) -> None:
        from pebble import ProcessPool
        settings = self.settings
        if self.pool is None:
            self.pool = ProcessPool(max_workers=self.workers, max_tasks=settings.batch_max_tasks_per_worker,
                                    initializer=worker_init, initargs=(settings.batch_max_memory_mb,),
                                    context=_context(settings))
        pending: dict[Future, tuple[Job, float]] = {}
        queue = iter(jobs)
        while True:
            for job in queue:
                limit = time_limit(job)
                pending[self.pool.schedule(run_job, args=(job,), timeout=limit)] = (job, limit)
                if len(pending) >= 2 * self.workers:
                    break
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job, limit = pending.pop(future)
                on_done(job, outcome_of(future, job, limit))


# ---------------------------------------------------------------- Dask distributed

_pools: dict[tuple, object] = {}
_pools_lock = threading.Lock()


def _worker_pool(settings: Settings, workers: int):
    """This Dask worker's own isolation pool (one per process, made on its first task)."""
    from pebble import ProcessPool
    key = (settings.batch_max_memory_mb, settings.batch_max_tasks_per_worker, workers)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None or not pool.active:
            pool = ProcessPool(max_workers=workers, max_tasks=settings.batch_max_tasks_per_worker,
                               initializer=worker_init, initargs=(settings.batch_max_memory_mb,), context=_context(settings))
            _pools[key] = pool
            atexit.register(pool.stop)
    return pool


def run_on_dask_worker(job: Job) -> Outcome:
    """A Dask task: the job through this worker's isolation pool, its failure turned into an Outcome here."""
    from distributed import get_worker
    pool = _worker_pool(job.settings, get_worker().state.nthreads)
    limit = time_limit(job)
    future = pool.schedule(run_job, args=(job,), timeout=limit)
    return outcome_of(future, job, limit)


class DaskPool:
    """A Dask cluster: the scheduler at `address`, or a LocalCluster of `workers` processes on 127.0.0.1."""

    def __init__(self, workers: int, settings: Settings, address: str | None = None):
        self.workers, self.settings, self.address = max(1, workers), settings, address
        self.client = self.cluster = None

    def _client(self):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as error:
            raise AuditorError("使用 --executor dask 需要安装 Dask distributed："
                               "pip install 'gov-report-auditor[cluster]'。") from error
        # the workers start processes of their own (the isolation pool): Dask must not make them daemons
        dask.config.set({"distributed.worker.daemon": False, "distributed.scheduler.allowed-failures": 0})
        if self.address:
            return Client(self.address, timeout="30s"), None
        cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, worker_dashboard_address=None)
        return Client(cluster), cluster

    def __enter__(self) -> "DaskPool":
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def run(self, jobs: Iterable[Job], on_done: OnDone) -> None:
        from distributed import as_completed
        if self.client is None:
            self.client, self.cluster = self._client()
        jobs = list(jobs)
        futures = self.client.map(run_on_dask_worker, jobs, pure=False)
        by_key = {future.key: job for future, job in zip(futures, jobs)}
        for future in as_completed(futures):
            job = by_key[future.key]
            try:
                outcome = future.result()
            except Exception as error:  # the Dask worker itself died (KilledWorker) or lost the task
                outcome = Outcome.failed("worker_crashed", f"审核“{job.item.file}”的分布式工作进程失败"
                                         f"（{type(error).__name__}），其他文件不受影响。", 0.0)
            on_done(job, outcome)
            future.release()


def make_executor(kind: str, workers: int, settings: Settings, address: str | None = None):
    if kind == "dask":
        return DaskPool(workers, settings, address)
    return LocalPool(workers, settings)
