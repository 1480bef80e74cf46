"""Settings: every limit and tolerance in one place, and the only reader of the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path = REPO_ROOT / "data"
    prompts_dir: Path = REPO_ROOT / "prompts"
    max_file_bytes: int = 50 * 1024 * 1024  # 50 MB
    max_pages: int = 300
    # a printed label within this rapidfuzz ratio (0-100) of an official one is matched to it
    label_match_threshold: float = 70.0
    # with `label_match_threshold` ≤ ratio < 100 the label is a typo worth a finding
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    model: str | None = None

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        values: dict = {
            "openai_api_key": env.get("OPENAI_API_KEY") or None,
            "openai_base_url": env.get("OPENAI_BASE_URL") or None,
            "model": env.get("AUDITOR_MODEL") or None,
        }
        if env.get("AUDITOR_DATA_DIR"):
            values["data_dir"] = Path(env["AUDITOR_DATA_DIR"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
