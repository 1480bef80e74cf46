"""Retrieval quality: for each checklist requirement, is its own clause among the top 3 chunks of the corpus index?

Prints one row per requirement (rank of its own clause in the hybrid, dense-only and BM25-only rankings) and the
hit rate of each, then the same for probe queries that map 表三's rows to 条例 articles (spec/requirements.md) and for a few
paraphrased questions.
The index is built into the cache dir on first use (and the time that took is printed).
Usage: python benchmarks/retrieval_hit_rate.py [--k 3] [--cache-dir DIR] [--rule-pack PATH ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# 表三 row → the 条例 article it rests on (spec/requirements.md, "Row-to-条例 mapping"); query = the row's label
ROW_PROBES = [
    ("部分公开 区分处理 不应当公开的内容", "条例第三十七条"),
    ("不予公开 属于国家秘密 法律行政法规禁止公开 危及三安全一稳定", "条例第十四条"),
    ("不予公开 商业秘密 个人隐私 保护第三方合法权益", "条例第十五条"),
    ("不予公开 三类内部事务信息 人事管理 后勤管理 内部工作流程", "条例第十六条"),
    ("没有现成信息需要另行制作 加工分析", "条例第三十八条"),
    ("补正后申请内容仍不明确 逾期不补正 视为放弃申请", "条例第三十条"),
    ("信访举报投诉类申请 不作为政府信息公开申请处理", "条例第三十九条"),
    ("无正当理由大量反复申请 数量频次明显超过合理范围", "条例第三十五条"),
    ("逾期未按收费通知要求缴纳费用 信息处理费", "条例第四十二条"),
    ("年度报告发布时限 1月31日前 向社会公布", "条例第四十九条"),
    # paraphrases, in a reviewer's words rather than the clause's
    ("向申请人收钱有什么规定", "条例第四十二条"),
    ("年报里必须写哪些内容", "条例第五十条"),
    ("年报写得敷衍、和往年一样要追究谁", "年报格式二(四)"),
    ("政府网站要能搜索、查阅和下载", "条例第二十四条"),
    ("申请写得不清楚时机关该怎么办", "条例第三十条"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--rule-pack", type=Path, action="append", default=[])
    args = parser.parse_args()

    from auditor.config import Settings
    from auditor.review.checklist import load_checklist
    from auditor.retrieval.corpus_index import CorpusIndex, own_clause_ranks

    settings = Settings.from_env(cache_dir=args.cache_dir, rule_packs=tuple(args.rule_pack) or None)
    start = time.perf_counter()
    index = CorpusIndex.open(settings)
    opened = time.perf_counter() - start
    print(f"corpus index: {len(index.chunks)} chunks, opened in {opened:.2f} s "
          f"({'dense + BM25' if index.dense else index.note}); cache {settings.cache_dir}")

    ranks = own_clause_ranks(index, load_checklist(settings).requirements, args.k)
    print(f"\n{'requirement':<12} {'own clause':<16} {'hybrid':>6} {'dense':>6} {'bm25':>6}  top {args.k}")
    for r in ranks:
        print(f"{r.requirement_id:<12} {r.clause:<16} {_rank(r.fused):>6} {_rank(r.dense):>6} {_rank(r.lexical):>6}"
              f"  {', '.join(r.top)}")
    _summary("checklist", [(r.fused, r.dense, r.lexical) for r in ranks], args.k)

    probes = []
    for query, clause in ROW_PROBES:
        hits = index.rank(query)
        position = next((i for i, h in enumerate(hits, 1) if h.chunk.id == clause), None)
        hit = hits[position - 1] if position else None
        probes.append((position, hit.dense_rank if hit else None, hit.lexical_rank if hit else None))
        print(f"  probe {clause:<16} {_rank(position):>6} {_rank(probes[-1][1]):>6} {_rank(probes[-1][2]):>6}  {query}")
    _summary("表三 row + paraphrase probes", probes, args.k)
    start = time.perf_counter()
    for requirement in load_checklist(settings).requirements:
        index.search(requirement.query, args.k)
    print(f"\nwarm search: {(time.perf_counter() - start) / len(ranks) * 1000:.1f} ms per query")


def _rank(value) -> str:
    return "-" if value is None else str(value)


def _summary(name: str, rows: list[tuple], k: int) -> None:
    n = len(rows)
    rates = [sum(1 for row in rows if row[i] is not None and row[i] <= k) / n for i in range(3)]
    print(f"{name}: top-{k} hit rate  hybrid {rates[0]:.0%} ({round(rates[0] * n)}/{n})   "
          f"dense only {rates[1]:.0%}   BM25 only {rates[2]:.0%}")


if __name__ == "__main__":
    main()
