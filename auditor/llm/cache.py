"""LLM responses cached by (model, prompt hash): one JSON file each under settings.cache_dir/llm/."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

SCHEMA_VERSION = "1"  # bump when the response schema changes


def response_key(model: str, *messages: str) -> str:
    digest = hashlib.sha256(f"schema:{SCHEMA_VERSION}\0model:{model}".encode())
    for message in messages:
        digest.update(b"\0" + message.encode("utf-8"))
    return digest.hexdigest()


class ResponseCache:
    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
