"""Prompts live in prompts/<name>.md (Chinese). Each starts with a header comment that declares its placeholders;
load_prompt checks the body uses exactly those, and render checks every one is given.

Placeholders are written {{name}}, so JSON or braces in the prompt text need no escaping, and substituted values
(the report's text) are never scanned for placeholders again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..config import Settings
from ..errors import AuditorError

_HEADER = re.compile(r"^\s*<!--(.*?)-->\s*", re.S)
_DECLARED = re.compile(r"^\s*placeholders:[ \t]*(.*)$", re.M)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


class PromptError(AuditorError):
    code = "invalid_prompt"


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    placeholders: frozenset[str]

    def render(self, **values) -> str:
        missing = self.placeholders - set(values)
        extra = set(values) - self.placeholders
        if missing or extra:
            raise ValueError(f"prompt {self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.text)


def load_prompt(name: str, settings: Settings) -> Prompt:
    return _load(settings.prompts_dir / f"{name}.md", name)


@lru_cache(maxsize=16)
def _load(path: Path, name: str) -> Prompt:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PromptError(f"找不到提示词文件“{path}”。") from error
    header = _HEADER.match(raw)
    declared_line = _DECLARED.search(header.group(1)) if header else None
    if declared_line is None:
        raise PromptError(f"提示词“{path.name}”开头缺少声明占位符的注释（<!-- placeholders: … -->）。")
    declared = frozenset(p.strip() for p in declared_line.group(1).split(",") if p.strip())
    body = raw[header.end():].strip() + "\n"
    used = frozenset(_PLACEHOLDER.findall(body))
    if used != declared:
        raise PromptError(f"提示词“{path.name}”的占位符与声明不一致：未声明 {sorted(used - declared)}，"
                          f"未使用 {sorted(declared - used)}。")
    return Prompt(name=name, text=body, placeholders=declared)
