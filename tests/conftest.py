"""Shared test hygiene."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _restore_main_module():
    """AppTest runs the app as `sys.modules["__main__"]` and leaves it there; a batch's worker processes (forkserver)
    would then run that script again on start. Each test gets back the main module it started with."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
