"""Stable identities: what an audit depends on (to resume), a body's name (to pair years), a finding (to keep
a reviewer's decision).

- `settings_fingerprint`: the settings that change an audit's result (review mode, model, endpoint, limits that
  make a file unreadable, label tolerance) and the contents of the rule, label, checklist, corpus and prompt
  files, with the rule packs. The API key, timeouts and cache folders change nothing and are left out.
- `body_key`: an agency name as compared between years and with a roster: NFKC, no spaces or punctuation.
- `finding_fingerprint`: rule, table/row/column, section and the values involved (expected, actual, evidence).
  `finding_location` is the same without the values: a decision whose location holds but whose values changed is
  reopened.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .. import __version__
from ..config import Settings
from ..textnorm import squash

AUDITOR_VERSION = __version__
_DATA_FOLDERS = ("labels", "rules", "requirements", "corpus")
_NOT_A_NAME_CHARACTER = re.compile(r"[^\w]", re.UNICODE)


def _files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _tree(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def settings_fingerprint(settings: Settings) -> str:
    """A short hex digest of everything in `settings` (and its data files) that can change an audit."""
    llm = bool(settings.openai_api_key)
    files = [p for name in _DATA_FOLDERS for p in _tree(settings.data_dir / name)]
    if llm:
        files += _tree(settings.prompts_dir)
    described = {
        "review": "llm" if llm else "rules",
        "model": settings.model if llm else None,
        "base_url": settings.openai_base_url if llm else None,
        "max_file_bytes": settings.max_file_bytes,
        "max_pages": settings.max_pages,
        "label_match_threshold": settings.label_match_threshold,
        "ocr": [settings.ocr_dpi, settings.ocr_max_skew, settings.ocr_min_confidence, settings.ocr_confident],
        "data": _files_digest(files),
        "rule_packs": _files_digest([p for pack in settings.rule_packs for p in _tree(pack)]),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def body_key(agency: str | None) -> str | None:
    """The agency name reduced for comparison (None for no name)."""
    if not agency:
        return None
    key = _NOT_A_NAME_CHARACTER.sub("", squash(agency))
    return key or None


def report_key(agency: str | None, year: int | None, file: str) -> str:
    """What a reviewer's decisions and a report's status belong to: the body and year, else the file."""
    body = body_key(agency)
    return f"{body}|{year}" if body and year else f"file:{file}"


def _value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)


def finding_location(finding: dict) -> str:
    parts = [finding.get("rule"), finding.get("table"), finding.get("row"), finding.get("column"), finding.get("section")]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


def finding_fingerprint(finding: dict) -> str:
    evidence = " ".join((finding.get("evidence") or "").split()) or None
    parts = [finding_location(finding), _value(finding.get("expected")), _value(finding.get("actual")), evidence]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]
