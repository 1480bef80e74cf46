"""The words of the chat, as data: how people name tables, rows and columns (data/chat/cells.yaml plus the official
labels of data/labels) and the cue words that route a question (data/chat/intents.yaml).

`find_terms(question)` returns the table/row/column phrases in a question, the longest match winning where two
overlap, so "复议后起诉" is one term and not "复议" + "起诉".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import Settings
from ..extract.labels import core_of, labels
from ..textnorm import squash

TABLES = ("table2", "table3", "table4")
ONE, SUM, EACH = "one", "sum", "each"


@dataclass(frozen=True)
class Term:
    """A phrase of the question that names a table, or a row or column (or a group of them) of one table."""

    table: str
    axis: str  # table / row / column
    keys: tuple[str, ...] = ()
    combine: str = ONE  # one / sum / each
    name: str = ""  # how to call a group in an answer (不予公开, 法人或其他组织)
    start: int = 0  # where it was found in the squashed question
    end: int = 0

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Vocabulary:
    aliases: tuple[tuple[str, tuple[Term, ...]], ...]  # (squashed alias, its meaning in each table), longest first
    tables: dict  # the per-table part of cells.yaml (units, defaults, result rows…)
    intents: dict  # intents.yaml

    def find_terms(self, question: str) -> list[list[Term]]:
        """The phrases of the question that name tables, rows or columns, in question order; each as the list of
        what it means in each table ("总计" is a column of 表三 and of 表四). Where phrases overlap the longest wins."""
        text = squash(question)
        taken = [False] * len(text)
        found: list[list[Term]] = []
        for alias, terms in self.aliases:
            start = text.find(alias)
            while start >= 0:
                end = start + len(alias)
                if not any(taken[start:end]):
                    found.append([Term(t.table, t.axis, t.keys, t.combine, t.name, start, end) for t in terms])
                    for i in range(start, end):
                        taken[i] = True
                start = text.find(alias, end)
        return sorted(found, key=lambda ts: ts[0].start)

    def unit(self, table: str, row: str) -> str:
        spec = self.tables[table]
        return (spec.get("units") or {}).get(row, spec.get("unit", ""))

    def cues(self, *path: str) -> tuple[str, ...]:
        node = self.intents
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        return tuple(squash(str(w)) for w in node) if isinstance(node, list) else ()


def vocabulary(settings: Settings) -> Vocabulary:
    return _load(settings.data_dir)


@lru_cache(maxsize=4)
def _load(data_dir: Path) -> Vocabulary:
    folder = data_dir / "chat"
    cells = _read(folder / "cells.yaml")
    intents = _read(folder / "intents.yaml")
    settings = Settings(data_dir=data_dir)
    entries: dict[str, list[Term]] = {}

    def add(alias: str, term: Term) -> None:
        key = squash(alias)
        if len(key) < 2:  # one character says too little ("共", "几")
            return
        meanings = entries.setdefault(key, [])
        if all(t.table != term.table for t in meanings):  # within a table the first meaning listed wins
            meanings.append(term)

    for table, words in (cells.get("tables") or {}).items():
        for word in words:
            add(word, Term(table, "table", name=word))
    for table in TABLES:
        spec = cells.get(table) or {}
        for axis in ("row", "column"):
            for key, words in (spec.get(f"{axis}s") or {}).items():
                for word in words:
                    add(word, Term(table, axis, (key,), ONE, word))
            for name, group in (spec.get(f"{axis}_groups") or {}).items():
                members = tuple(group[f"{axis}s"])
                for word in group["aliases"]:
                    add(word, Term(table, axis, members, group.get("combine", SUM), group["aliases"][0]))
        for axis, key, label in _official_labels(table, settings):
            add(label, Term(table, axis, (key,), ONE, label))
            add(core_of(label), Term(table, axis, (key,), ONE, label))
            add(key, Term(table, axis, (key,), ONE, label))  # a model may name cells by their contract keys
        add(table, Term(table, "table", name=table))
    ordered = tuple((alias, tuple(terms)) for alias, terms in sorted(entries.items(), key=lambda item: -len(item[0])))
    return Vocabulary(aliases=ordered, tables={t: cells.get(t) or {} for t in TABLES}, intents=intents)


def _official_labels(table: str, settings: Settings) -> list[tuple[str, str, str]]:
    spec = labels(table, settings)
    out = []
    if table == "table2":
        for sub in spec["subtables"]:
            out += [("row", r["key"], r["label"]) for r in sub["rows"]]
            out += [("column", c["key"], c["label"]) for c in sub.get("columns", [])]
    elif table == "table3":
        out += [("row", r["key"], r["label"]) for r in spec["rows"] if r["key"] != "other_other"]
        out += [("column", c["key"], c["label"]) for c in spec["columns"] if c["key"] != "other_org"]
    else:
        out += [("row", g["key"], g["label"]) for g in spec["groups"]]
        out += [("column", c["key"], c["label"]) for c in spec["columns"]]
    return out


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def contains_any(text: str, words: tuple[str, ...]) -> str | None:
    """The first of `words` found in the squashed text."""
    squashed = squash(text)
    return next((w for w in words if w and w in squashed), None)


def article_number(question: str, settings: Settings) -> str | None:
    """"第五十条" / "第50条" in the question, as the Chinese numeral the corpus uses (五十)."""
    pattern = vocabulary(settings).intents.get("clauses", {}).get("article")
    match = re.search(pattern, squash(question)) if pattern else None
    if not match:
        return None
    number = match.group(1)
    return to_chinese_numeral(int(number)) if number.isdigit() else number


def to_chinese_numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)
