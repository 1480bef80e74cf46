"""Settings: every limit and tolerance in one place, and the only reader of the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "gov-report-auditor"


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
    # review/: the corpus index, query embeddings and LLM responses are cached here
    cache_dir: Path = field(default_factory=_default_cache_dir)
    llm_timeout_s: float = 60.0  # per request to the OpenAI-compatible endpoint
    llm_max_retries: int = 1  # retries per request; after that the review falls back to rules mode
    rule_packs: tuple[Path, ...] = ()  # extra requirement checklists (YAML files or folders of them)
    # ingest/ocr/: pages without a usable text layer are rendered at this resolution and read by OCR
    ocr_dpi: int = 200
    ocr_max_skew: float = 2.0  # degrees of rotation a scanned page is straightened by, at most
    ocr_threads: int = 0  # onnxruntime threads for OCR; 0 = as many as cores (set 1 per worker in a pool)
    # an OCR'd cell read with less confidence than this is unreadable (its text kept as `raw`)
    ocr_min_confidence: float = 0.8
    # an identity that fails on OCR'd cells is an error only when every cell was read at least this surely
    ocr_confident: float = 0.97
    # chat/: earlier turns the model sees, and tool-calling rounds per answer before the rules answer stands in
    chat_history_turns: int = 4
    chat_max_tool_rounds: int = 4
    # LLM calls made by many processes at once (batch): at most this many requests in flight on this machine,
    # None for no limit and no extra back-off (a single audit); 429 and 5xx answers are retried with
    # exponential back-off (base × 2^attempt, at most `llm_backoff_max_s`, or the server's Retry-After)
    llm_concurrency: int | None = None
    llm_backoff_retries: int = 5
    llm_backoff_base_s: float = 1.0
    llm_backoff_max_s: float = 60.0
    # batch/: limits for one file, and for the members of a .zip archive (read in memory, never extracted)
    batch_timeout_s: float = 120.0  # wall-clock seconds a worker may spend on one file, plus for a PDF:
    batch_page_timeout_s: float = 15.0  # more seconds per page (a scanned page is read by OCR, seconds each)
    batch_max_memory_mb: int = 3072  # address space of one worker process (RLIMIT_AS), in MiB
    batch_max_tasks_per_worker: int = 100  # a worker process is replaced after this many files (flat memory)
    zip_max_members: int = 10_000  # members of one archive
    zip_max_ratio: float = 200.0  # uncompressed ÷ compressed size of one member
    zip_max_total_bytes: int = 4 * 1024 ** 3  # uncompressed size of all members of one archive

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
        if env.get("AUDITOR_CACHE_DIR"):
            values["cache_dir"] = Path(env["AUDITOR_CACHE_DIR"])
        if env.get("AUDITOR_LLM_TIMEOUT"):
            values["llm_timeout_s"] = float(env["AUDITOR_LLM_TIMEOUT"])
        if env.get("AUDITOR_LLM_RETRIES"):
            values["llm_max_retries"] = int(env["AUDITOR_LLM_RETRIES"])
        if env.get("AUDITOR_OCR_THREADS"):
            values["ocr_threads"] = int(env["AUDITOR_OCR_THREADS"])
        if env.get("AUDITOR_LLM_CONCURRENCY"):
            values["llm_concurrency"] = int(env["AUDITOR_LLM_CONCURRENCY"])
        if env.get("AUDITOR_LLM_BACKOFF"):
            values["llm_backoff_base_s"] = float(env["AUDITOR_LLM_BACKOFF"])
        if env.get("AUDITOR_RULE_PACKS"):
            values["rule_packs"] = tuple(Path(p) for p in env["AUDITOR_RULE_PACKS"].split(os.pathsep) if p)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
