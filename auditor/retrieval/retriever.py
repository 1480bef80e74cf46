"""The corpus index as a LangChain retriever (for chains and the chat page)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class CorpusRetriever(BaseRetriever):
    index: Any
    k: int = 3

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=hit.chunk.text, id=hit.chunk.id,
                         metadata={"id": hit.chunk.id, "source": hit.chunk.source, "clause": hit.chunk.clause,
                                   "title": hit.chunk.title, "score": hit.score})
                for hit in self.index.search(query, self.k)]
