"""A stand-in for pipeline.audit_file that misbehaves on purpose, for the batch's isolation tests (the pool, the
timeouts, the memory cap and the crash handling are real; only the work a file asks for is scripted).

By the name of the file it is given: `hang*` never returns, `crash*` kills its process with SIGSEGV, `hog*`
allocates far more memory than the worker may have, `slow*` takes SLOW_S seconds more (a long scan); any other
file is audited for real.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from auditor.pipeline import audit_file

HOG_BYTES = 8 * 1024 ** 3
SLOW_S = 2.5


def misbehaving_audit(path, settings=None, previous=None, progress=None):
    stem = Path(path).stem
    if stem.startswith("hang"):
        threading.Event().wait()
    if stem.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if stem.startswith("hog"):
        bytearray(HOG_BYTES)
    if stem.startswith("slow"):
        threading.Event().wait(SLOW_S)
    return audit_file(path, settings, previous=previous, progress=progress)
