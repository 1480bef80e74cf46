"""What the chat answers: the answer text and its citations, as spec/chat-json.md shapes them.

A Citation is one of four kinds (cell, passage, clause, finding); `to_dict` writes the contract's keys for its
kind and a few added keys (a readable `label`, the cell's `state`, where a passage sits on the page).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import BBox

SCHEMA_VERSION = "1"
CELL, PASSAGE, CLAUSE, FINDING = "cell", "passage", "clause", "finding"


@dataclass(frozen=True)
class Citation:
    kind: str  # cell / passage / clause / finding
    label: str = ""  # how the UI and the terminal name it: 表三「一、本年新收…」×「总计」, 第五部分, 条例第五十条
    # cell
    table: str | None = None
    row: str | None = None
    column: str | None = None  # None for a one-value row of 表二 (licensing, punishment, coercion, fees)
    value: int | float | None = None
    raw: str | None = None
    state: str | None = None  # number / blank / "/" / unreadable
    # cell and passage
    page: int | None = None
    bbox: BBox | None = None
    # passage and clause
    section: str | None = None
    quote: str | None = None
    source: str | None = None  # 条例 / 格式通知
    id: str | None = None  # 第五十条, 一（一）, 附件表三
    # finding
    rule: str | None = None
    severity: str | None = None
    message: str | None = None

    def key(self) -> tuple:
        return (self.kind, self.table, self.row, self.column, self.section, self.quote, self.source, self.id,
                self.rule, self.message)

    def to_dict(self) -> dict:
        if self.kind == CELL:
            data = {"kind": CELL, "table": self.table, "row": self.row, "column": self.column, "page": self.page,
                    "value": self.value, "raw": self.raw, "state": self.state}
        elif self.kind == PASSAGE:
            data = {"kind": PASSAGE, "section": self.section, "page": self.page, "quote": self.quote}
            if self.bbox is not None:
                data["bbox"] = [round(x, 2) for x in self.bbox]
        elif self.kind == CLAUSE:
            data = {"kind": CLAUSE, "source": self.source, "id": self.id, "quote": self.quote}
        else:
            data = {"kind": FINDING, "rule": self.rule, "severity": self.severity, "message": self.message}
        data["label"] = self.label
        return data


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    mode: str = "rules"  # rules / llm
    model: str | None = None
    intent: str = ""  # cell / finding / passage / clause / none: how the question was read
    note: str | None = None  # how the answer came about when that needs saying (e.g. the model fell back)

    def to_dict(self) -> dict:
        data = {"schema_version": SCHEMA_VERSION, "question": self.question, "answer": self.text,
                "mode": self.mode, "model": self.model, "citations": [c.to_dict() for c in self.citations],
                "intent": self.intent}
        if self.note:
            data["note"] = self.note
        return data


def unique(citations: list[Citation]) -> list[Citation]:
    """The citations in order, each once."""
    seen: set[tuple] = set()
    out = []
    for citation in citations:
        if citation.key() not in seen:
            seen.add(citation.key())
            out.append(citation)
    return out
