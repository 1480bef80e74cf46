"""How a batch reports its progress: silently (the app reads the database), or a tqdm bar on stderr."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    files: int  # input files of this run
    to_audit: int  # audits to run now
    reused: int  # files whose audit is already in the database
    refused: int  # files known unreadable before any audit (missing, unsafe archive members)
    skipped: int  # files in folders and archives that are not reports
    llm_calls: int | None = None  # LLM mode: upper bound of API calls (before the response cache)
    llm_tokens: int | None = None


class SilentProgress:
    def plan(self, plan: Plan) -> None:
        pass

    def grow(self, audits: int) -> None:
        pass

    def advance(self, file: str, status: str) -> None:
        pass

    def close(self) -> None:
        pass


class TerminalProgress(SilentProgress):
    """A tqdm bar on stderr: files done / to do, rate and time left; the plan is printed before it."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.bar = None
        self.errors = 0

    def plan(self, plan: Plan) -> None:
        line = f"共 {plan.files} 个文件：{plan.reused} 个已有审核结果（不再审核），{plan.to_audit} 个待审核"
        if plan.refused:
            line += f"，{plan.refused} 个无法读取"
        if plan.skipped:
            line += f"；另有 {plan.skipped} 个非报告文件已跳过"
        print(line + "。", file=self.stream)
        if plan.llm_calls is not None:
            print(f"大模型审查预计：至多约 {plan.llm_calls} 次接口调用、约 {plan.llm_tokens:,} 个 token"
                  "（粗略估计；已缓存的回答不再调用）。", file=self.stream)
        self.grow(plan.to_audit)

    def grow(self, audits: int) -> None:
        """More audits to run (the cross-year audits, known once every report's body and year are read)."""
        if not audits:
            return
        if self.bar is None:
            from tqdm import tqdm
            interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
            self.bar = tqdm(total=audits, desc="审核", unit="份", file=self.stream, dynamic_ncols=True,
                            mininterval=0.2 if interactive else 5.0,
                            bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                       "[已用 {elapsed}，剩余 {remaining}，{rate_fmt}{postfix}]")
        else:
            self.bar.total += audits
            self.bar.refresh()

    def advance(self, file: str, status: str) -> None:
        if self.bar is None:
            return
        if status == "error":
            self.errors += 1
            self.bar.set_postfix_str(f"无法审核 {self.errors}", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
