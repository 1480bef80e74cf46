"""Chat: the share of the question set (tests/fixtures/chat/questions.yaml) answered right in rules mode and in LLM
mode (the scripted tool-calling server of the tests, on 127.0.0.1), and the rules-mode time per answer once the
report is loaded — audited once, its passage vectors and the corpus index ready.

Usage: python benchmarks/chat.py
The corpus index and the vectors are built into a fresh temporary cache first (that time is printed as loading).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from tests.test_chat_support import ChatServer, ScriptedModel, audited, question_set, run_set
    from tests.test_review_support import shared_index

    start = time.perf_counter()
    shared_index()
    index_s = time.perf_counter() - start
    start = time.perf_counter()
    for key in question_set()["reports"]:
        audited(key)
    audit_s = time.perf_counter() - start
    start = time.perf_counter()
    rules = run_set("rules", prepare=True)
    rules_s = time.perf_counter() - start - sum(o.seconds for o in rules)
    with ChatServer(ScriptedModel()) as server:
        llm = run_set("llm", server)

    print(f"loading: corpus index {index_s:.1f} s; {len(question_set()['reports'])} reports audited in {audit_s:.1f} s; "
          f"passage vectors and chats prepared in {rules_s:.1f} s\n")
    intents = ["cell", "finding", "passage", "clause"]
    print(f"{'questions':<10} {'n':>4} {'rules right':>12} {'llm right':>10} {'rules median s':>15} {'p95 s':>7} {'max s':>7}")
    for intent in [*intents, "all"]:
        chosen = [i for i, o in enumerate(rules) if intent == "all" or o.entry["intent"] == intent]
        seconds = sorted(rules[i].seconds for i in chosen)
        right_rules = sum(1 for i in chosen if not rules[i].wrong)
        right_llm = sum(1 for i in chosen if not llm[i].wrong)
        p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
        print(f"{intent:<10} {len(chosen):>4} {right_rules / len(chosen):>11.0%} {right_llm / len(chosen):>10.0%} "
              f"{statistics.median(seconds):>15.3f} {p95:>7.3f} {seconds[-1]:>7.3f}")
    slow = ", ".join(f"{o.entry['id']} {o.seconds:.2f} s" for o in rules if o.seconds > 0.2)
    within = sum(1 for o in rules if o.seconds <= 0.2)
    print(f"\nrules mode: {within}/{len(rules)} answers within 0.2 s after loading" + (f"; slower: {slow}" if slow else ""))
    wrong = [(mode, o) for mode, run in (("rules", rules), ("llm", llm)) for o in run if o.wrong]
    for mode, outcome in wrong:
        print(f"  wrong ({mode}) {outcome.entry['id']}: {'; '.join(outcome.wrong)}")
    fallbacks = [o.entry["id"] for o in llm if o.answer["mode"] == "rules"]
    print(f"llm mode: {len(llm) - len(fallbacks)} answers written by the model and checked; "
          f"{len(fallbacks)} replaced by the rules answer ({', '.join(fallbacks)}); "
          f"{len(server.chat_requests)} requests to the scripted server")


if __name__ == "__main__":
    main()
