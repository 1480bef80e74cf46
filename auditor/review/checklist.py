"""The requirement checklist: data/requirements/*.yaml plus local rule packs, validated at load."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import Settings
from ..errors import AuditorError
from ..model import Severity

NARRATIVE_SECTIONS = ("一", "五", "六")
SECTION_KEYS = ("一", "二", "三", "四", "五", "六")
KINDS = ("topic", "all_of", "measures", "specific", "substance", "focus")
APPLIES_TO = ("all", "government")
DEFAULT_MESSAGES = {
    "missing": "{section_name}未报告{name}，不符合{basis}的要求。",
    "unclear": "{section_name}关于{name}的表述不够充分（{detail}），建议对照{basis}补充完善。",
    # an LLM judgement of 空泛 with a verified quote; {detail} is the model's reason
    "llm_unclear": "{section_name}关于{name}的表述不够充分：{detail}，建议对照{basis}补充完善。",
}


class ChecklistError(AuditorError):
    code = "invalid_checklist"


@dataclass(frozen=True)
class Requirement:
    id: str
    section: str  # 一…六, or "*" for every narrative section
    name: str
    requirement: str
    basis: str
    clauses: tuple[str, ...]
    severity: Severity
    kind: str
    cues: tuple[str, ...] = ()
    weak_cues: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    cue_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    applies_to: str = "all"
    from_year: int | None = None  # first report year the requirement applies to (its basis took effect)
    covered_by: str | None = None
    search_in: tuple[str, ...] = ()
    messages: tuple[tuple[str, str], ...] = ()
    origin: str = ""  # the file it came from

    def sections(self) -> tuple[str, ...]:
        return NARRATIVE_SECTIONS if self.section == "*" else (self.section,)

    def message(self, outcome: str) -> str:
        return dict(self.messages).get(outcome, DEFAULT_MESSAGES[outcome])

    @property
    def query(self) -> str:
        """The retrieval query: what is required, in the words of the requirement."""
        return self.requirement


@dataclass(frozen=True)
class Checklist:
    requirements: tuple[Requirement, ...]
    on_topic_terms: tuple[str, ...] = ()
    stock_phrases: tuple[str, ...] = ()
    generic_terms: tuple[str, ...] = ()
    specific_terms: tuple[str, ...] = ()
    rules: dict = field(default_factory=dict, hash=False, compare=False)
    sources: tuple[str, ...] = ()

    def by_id(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)


def load_checklist(settings: Settings) -> Checklist:
    """The bundled checklist, then each rule pack in order (a pack row with a known id replaces it)."""
    return _load(settings.data_dir / "requirements", tuple(settings.rule_packs))


@lru_cache(maxsize=8)
def _load(bundled: Path, packs: tuple[Path, ...]) -> Checklist:
    files = sorted(bundled.glob("*.yaml"))
    for pack in packs:
        if pack.is_dir():
            files.extend(sorted([*pack.glob("*.yaml"), *pack.glob("*.yml")]))
        elif pack.is_file():
            files.append(pack)
        else:
            raise ChecklistError(f"规则包“{pack}”不存在（请检查 AUDITOR_RULE_PACKS 或命令行参数）。")
    rows: dict[str, Requirement] = {}
    vocab: dict[str, list[str]] = {"on_topic_terms": [], "stock_phrases": [], "generic_terms": [], "specific_terms": []}
    rules: dict = {}
    for path in files:
        data = _read(path)
        for raw in data.get("requirements") or []:
            if raw.get("disabled"):
                rows.pop(str(raw.get("id")), None)
                continue
            requirement = _requirement(raw, path)
            rows[requirement.id] = requirement
        for key in vocab:
            vocab[key].extend(w for w in data.get(key) or [] if w not in vocab[key])
        rules.update(data.get("rules") or {})
    return Checklist(requirements=tuple(rows.values()), rules=rules, sources=tuple(str(f) for f in files),
                     **{k: tuple(v) for k, v in vocab.items()})


def _read(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ChecklistError(f"无法读取审查要求清单“{path}”：{error}") from error
    if not isinstance(data, dict):
        raise ChecklistError(f"审查要求清单“{path}”的格式不正确：顶层应为包含 requirements 列表的映射。")
    return data


def _year(value, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or not 1990 <= value <= 2100:
        raise ChecklistError(f"{where}的 from_year 应为年份（如 2021），而不是“{value}”。")
    return value


def _requirement(raw: dict, path: Path) -> Requirement:
    where = f"“{path.name}”中的要求“{raw.get('id', '?')}”"
    missing = [k for k in ("id", "section", "name", "requirement", "basis", "severity", "kind") if not raw.get(k)]
    if missing:
        raise ChecklistError(f"{where}缺少字段：{'、'.join(missing)}。")
    section = str(raw["section"])
    if section != "*" and section not in SECTION_KEYS:
        raise ChecklistError(f"{where}的 section 应为 一…六 或 *，而不是“{section}”。")
    if raw["kind"] not in KINDS:
        raise ChecklistError(f"{where}的 kind 应为 {'/'.join(KINDS)} 之一。")
    try:
        severity = Severity(raw["severity"])
    except ValueError as error:
        raise ChecklistError(f"{where}的 severity 应为 error/warning/info。") from error
    applies_to = raw.get("applies_to", "all")
    if applies_to not in APPLIES_TO:
        raise ChecklistError(f"{where}的 applies_to 应为 all 或 government。")
    groups = raw.get("cue_groups") or {}
    if raw["kind"] in ("topic", "measures") and not raw.get("cues"):
        raise ChecklistError(f"{where}（kind: {raw['kind']}）需要 cues。")
    if raw["kind"] == "all_of" and not groups:
        raise ChecklistError(f"{where}（kind: all_of）需要 cue_groups。")
    messages = raw.get("messages") or {}
    unknown = set(messages) - set(DEFAULT_MESSAGES)
    if unknown:
        raise ChecklistError(f"{where}的 messages 只能包含 missing、unclear。")
    return Requirement(
        id=str(raw["id"]), section=section, name=raw["name"], requirement=raw["requirement"], basis=raw["basis"],
        clauses=tuple(raw.get("clauses") or ()), severity=severity, kind=raw["kind"],
        cues=tuple(raw.get("cues") or ()), weak_cues=tuple(raw.get("weak_cues") or ()),
        exclude=tuple(raw.get("exclude") or ()),
        cue_groups=tuple((name, tuple(words)) for name, words in groups.items()),
        applies_to=applies_to, from_year=_year(raw.get("from_year"), where), covered_by=raw.get("covered_by"),
        search_in=tuple(raw.get("search_in") or ()), messages=tuple(messages.items()), origin=str(path))
