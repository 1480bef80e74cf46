"""Imported by the worker pool's fork server, before it forks any worker (multiprocessing's forkserver preload):
the readers and the label, rule and checklist data are loaded there once, so every worker starts warm.

Its import does the work on purpose; nothing else should import it.
"""

from ..config import Settings
from ..pipeline import warm_up

try:
    warm_up(Settings.from_env())
except Exception:  # only a head start: a worker that meets the same problem records it for its file
    pass
