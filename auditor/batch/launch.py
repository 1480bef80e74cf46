"""A batch started in the background (for the app): `python -m auditor batch …` as a process of its own session,
so closing the browser tab, or the Streamlit script rerunning, loses nothing; its progress is read from the
database (runs table) and its liveness from the database's write lock (store.batch_running).

It must be a process of its own, not a pool started inside the app: Streamlit installs the page script as
`__main__`, which worker processes would run again when they start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..config import Settings

_ENDPOINT_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUDITOR_MODEL")


def start_batch(inputs: list[str], db: Path, cwd: Path, settings: Settings, workers: int | None = None,
                roster: Path | None = None, log: Path | None = None) -> int:
    """Start the batch process; its process id. The endpoint of `settings` (the app's sidebar) reaches it through
    its environment only, never its command line or a file."""
    command = [sys.executable, "-m", "auditor", "batch", *inputs, "--db", str(db)]
    if workers:
        command += ["--workers", str(workers)]
    if roster is not None:
        command += ["--roster", str(roster)]
    env = {k: v for k, v in os.environ.items() if k not in _ENDPOINT_VARIABLES}
    env["AUDITOR_CACHE_DIR"] = str(settings.cache_dir)
    for name, value in zip(_ENDPOINT_VARIABLES, (settings.openai_api_key, settings.openai_base_url, settings.model)):
        if value:
            env[name] = value
    log = log or db.with_suffix(".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return process.pid
