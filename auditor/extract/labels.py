"""Printed labels → contract keys, using data/labels/*.yaml (official labels, aliases, 2019 layout)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from ..config import Settings
from ..textnorm import squash, strip_enumerator, strip_parenthetical


@dataclass(frozen=True)
class Match:
    key: str
    score: float  # rapidfuzz ratio, 0–100
    official: str  # the official label of the key
    printed: str  # the label as printed (squashed)

    @property
    def exact(self) -> bool:
        return self.score >= 100.0


@lru_cache(maxsize=8)
def load_labels(data_dir: Path, name: str) -> dict:
    with open(data_dir / "labels" / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def labels(name: str, settings: Settings | None = None) -> dict:
    return load_labels((settings or Settings()).data_dir, name)


_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")


def core_of(label: str) -> str:
    """The comparable core of a printed label: squashed; enumerators, quotes and bracketed notes removed."""
    return strip_parenthetical(strip_enumerator(squash(label))).translate(_QUOTES)


def best_match(printed: str, candidates: list[tuple[str, str, str]], threshold: float) -> Match | None:
    """Best of (key, core, official) candidates for a printed label, if it scores at least `threshold`."""
    core = core_of(printed)
    if not core:
        return None
    best: Match | None = None
    for key, candidate_core, official in candidates:
        target = core_of(candidate_core)
        score = fuzz.ratio(core, target)
        if best is None or score > best.score or (score == best.score and len(target) > len(core_of(best.official))):
            best = Match(key, score, official, squash(printed))
    if best is None or best.score < threshold:
        return None
    return best


def contains_label(text: str, label: str, threshold: float = 80.0) -> bool:
    """True when `label` occurs in `text`, allowing a typo or two (partial ratio on squashed text)."""
    a, b = squash(label), squash(text)
    if not a or not b:
        return False
    if a in b:
        return True
    return len(b) >= len(a) and fuzz.partial_ratio(a, b) >= threshold
