"""Many processes calling one endpoint (a batch): a machine-wide cap on requests in flight, and back-off on 429/5xx.

`Slots` is a counting semaphore across processes made of lock files (fcntl): a process that dies, even by
kill -9, releases its slot with its file descriptors. `ThrottledTransport` is the HTTP transport under the
openai client: each request holds a slot while it is sent and answered, and an answer 429 or 5xx is retried
after base × 2^attempt seconds (with jitter, at most the cap), or after the server's Retry-After.
"""

from __future__ import annotations

import contextlib
import email.utils
import fcntl
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_POLL_S = 0.02  # how often a waiting process looks for a free slot
_log = logging.getLogger(__name__)


class Slots:
    """At most `count` holders at once among all processes that use the same folder."""

    def __init__(self, folder: Path, count: int):
        if count < 1:
            raise ValueError("count must be at least 1")
        self.folder, self.count = folder, count
        folder.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def hold(self) -> Iterator[int]:
        """Wait for a free slot and hold it for the duration of the block; yields its number."""
        start = os.getpid() % self.count  # spread first attempts over the slots
        while True:
            for i in range(self.count):
                slot = (start + i) % self.count
                fd = os.open(self.folder / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                try:
                    yield slot
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
                return
            time.sleep(_POLL_S)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (a number or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        return max(0.0, email.utils.mktime_tz(parsed) - time.time()) if parsed else None


def backoff_seconds(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """The wait before retry number `attempt` (0-based): the server's Retry-After if given, else exponential
    with full jitter between half and all of base × 2^attempt; never more than `cap`."""
    if retry_after is not None:
        return min(retry_after, cap)
    ceiling = min(cap, base * 2 ** attempt)
    return random.uniform(ceiling / 2, ceiling)


class ThrottledTransport(httpx2.BaseTransport):
    """Holds a slot for each request; retries 429 and 5xx answers with back-off, then returns the last answer."""

    def __init__(self, slots: Slots | None, retries: int, base_s: float, cap_s: float,
                 inner: httpx2.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep):
        self.slots, self.retries, self.base_s, self.cap_s = slots, retries, base_s, cap_s
        self.inner = inner or httpx2.HTTPTransport()
        self.sleep = sleep
        self.retried = 0  # answers retried by this transport, for the record

    def _send(self, request: httpx2.Request) -> httpx2.Response:
        with self.slots.hold() if self.slots is not None else contextlib.nullcontext():
            response = self.inner.handle_request(request)
            response.read()  # the answer is received while the slot is held
        return response

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        for attempt in range(self.retries + 1):
            response = self._send(request)
            if response.status_code not in RETRY_STATUSES:
                return response
            if attempt == self.retries:
                response.headers["x-should-retry"] = "false"  # the openai client must not start a second round
                return response
            delay = backoff_seconds(attempt, self.base_s, self.cap_s, retry_after_seconds(response.headers.get("retry-after")))
            _log.info("endpoint answered %s; retrying in %.2f s", response.status_code, delay)
            response.close()
            self.retried += 1
            self.sleep(delay)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()
