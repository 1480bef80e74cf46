"""Command line: a thin layer over pipeline.audit_file (and chat.ReportChat for ask/chat). Errors become one
Chinese line and exit code 1."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import click

from .config import Settings
from .errors import AuditorError

EXIT_INPUT_ERROR = 1
EXIT_INTERNAL_ERROR = 3


@click.group(help="政府信息公开工作年度报告审核工具")
@click.version_option(package_name="gov-report-auditor")
def main() -> None:
    pass


@main.command(help="审核一份年度报告（PDF、DOCX、HTML、TXT 或 Markdown），输出审核结果。")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "docx"]), default="text", show_default=True,
              help="输出格式：text 终端摘要，json 机器可读结果，md 可直接发送的审核意见，docx Word 格式的审核意见（需要 -o）")
@click.option("--previous", type=click.Path(path_type=Path), default=None, help="同一单位上一年度的报告，用于跨年度核对")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="写入文件而不是标准输出")
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def audit(file: Path, fmt: str, previous: Path | None, output: Path | None, debug: bool) -> None:
    from .present.json_report import render_json
    from .present.markdown_report import render_markdown, render_text

    if fmt == "docx" and output is None:
        raise click.UsageError("Word 格式（--format docx）需要用 -o 指定输出文件，例如 -o 审核意见.docx")
    if output is not None:
        _check_folder(output, json_errors=fmt == "json")
    result = _audit(file, previous, debug, json_errors=fmt == "json")
    if fmt == "docx":
        from .present.docx_report import render_docx
        _write(output, render_docx(result))
        return
    text = {"json": render_json, "md": render_markdown, "text": render_text}[fmt](result)
    if output is not None:
        _write(output, (text if text.endswith("\n") else text + "\n").encode("utf-8"), json_errors=fmt == "json")
    else:
        click.echo(text.rstrip("\n"))


@main.command(help="在原 PDF 上以批注标出审核发现的问题，另存为新的 PDF（原文页面和文字不变）。")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="标注后的 PDF；默认为原文件旁的“文件名.annotated.pdf”")
@click.option("--previous", type=click.Path(path_type=Path), default=None, help="同一单位上一年度的报告，用于跨年度核对")
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def annotate(file: Path, output: Path | None, previous: Path | None, debug: bool) -> None:
    from .present.annotate import annotate_pdf

    output = output or file.with_name(f"{file.stem}.annotated.pdf")
    if output.resolve() == file.resolve():
        _fail(f"输出文件“{output}”与原文件相同；请用 -o 指定另一个文件名，原文件不会被覆盖。", None, EXIT_INPUT_ERROR)
    _check_folder(output)
    result = _audit(file, previous, debug, json_errors=False)
    if result.report.document.format != "pdf":
        _fail(f"“{file.name}”是 {result.report.document.format.upper()} 文件，只能在 PDF 上标注；"
              "Word 格式的审核意见请用 audit --format docx -o 审核意见.docx 生成。", None, EXIT_INPUT_ERROR)
    annotated = annotate_pdf(result, file.read_bytes())
    _write(output, annotated.data, f"：标注 {len(annotated.placed)} 项问题" + (
        f"，另有 {len(annotated.unplaced)} 项无法在页面上定位，已列入第1页的审核结论批注" if annotated.unplaced else ""))


_MODE_OPTION = click.option("--mode", type=click.Choice(["auto", "rules", "llm"]), default="auto", show_default=True,
                            help="auto：配置了大模型接口（OPENAI_API_KEY）时用大模型，否则用规则模式；rules：只用规则；llm：必须用大模型")


@main.command(help="就一份年度报告提一个问题：数字取自表格，引文取自报告原文或条款，每个回答都给出引用。")
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("question")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 回答与引用，json 机器可读的回答（shared/spec/chat-json.md）")
@_MODE_OPTION
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def ask(file: Path, question: str, fmt: str, mode: str, debug: bool) -> None:
    from .present.chat_text import render_answer_json, render_answer_text

    result = _audit(file, None, debug, json_errors=fmt == "json")
    session = _chat_session(result, mode, json_errors=fmt == "json")
    answer = _answer(session.conversation(), question, file, debug, json_errors=fmt == "json")
    click.echo(render_answer_json(answer) if fmt == "json" else render_answer_text(answer))


@main.command(help="与一份年度报告多轮问答（可以追问，如“那法人呢？”）；输入“退出”或按 Ctrl-D 结束。")
@click.argument("file", type=click.Path(path_type=Path))
@_MODE_OPTION
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def chat(file: Path, mode: str, debug: bool) -> None:
    from .present.chat_text import render_answer_text

    click.echo(f"正在审核“{file}”…", err=True)
    result = _audit(file, None, debug, json_errors=False)
    session = _chat_session(result, mode, json_errors=False)
    report = result.report
    click.echo(f"已读取：{report.title or file.name}（审核问题 {len(result.findings)} 项）。{session.mode_text}。")
    click.echo("请输入问题，例如：本年新收申请多少件？这份报告有什么问题？输入“退出”结束。")
    conversation = session.conversation()
    stdin = click.get_text_stream("stdin")
    while True:
        click.echo("问：", nl=False)
        line = stdin.readline()
        if not line:  # end of input (Ctrl-D)
            click.echo("")
            break
        question = line.strip()
        if question in _QUIT:
            break
        if question:
            click.echo("答：" + render_answer_text(_answer(conversation, question, file, debug, False)) + "\n")


_QUIT = {"退出", "结束", "exit", "quit", "q", ":q"}


def _chat_session(result, mode: str, json_errors: bool):
    """The ReportChat of an audited report, or a Chinese message (e.g. --mode llm without an endpoint)."""
    from .chat import ReportChat
    from .present.json_report import error_json

    try:
        return ReportChat(result, Settings.from_env(), mode=mode)
    except AuditorError as error:
        _fail(error.message, error_json(error) if json_errors else None, EXIT_INPUT_ERROR)


def _answer(conversation, question: str, file: Path, debug: bool, json_errors: bool):
    """One answer; a bug ends the command with a Chinese message (the trace with --debug)."""
    try:
        return conversation.ask(question)
    except Exception as error:
        if debug:
            raise
        _fail_internal(f"回答关于“{file}”的问题", "问题", error, json_errors)


def _audit(file: Path, previous: Path | None, debug: bool, json_errors: bool):
    """The AuditResult of `file`; an unreadable input or a bug ends the command with a Chinese message."""
    from .pipeline import audit_file
    from .present.json_report import error_json

    try:
        return audit_file(file, Settings.from_env(), previous=previous)
    except AuditorError as error:
        _fail(error.message, error_json(error) if json_errors else None, EXIT_INPUT_ERROR)
    except Exception as error:  # a bug: keep the user's terminal readable, keep the trace one flag away
        if debug:
            raise
        _fail_internal(f"审核“{file}”", "输出", error, json_errors)


def _check_folder(output: Path, json_errors: bool = False) -> None:
    """Before a long audit: the folder the output goes to must exist."""
    if not output.parent.is_dir():
        _cannot_write(output, "文件夹不存在", json_errors)


def _write(output: Path, data: bytes, detail: str = "", json_errors: bool = False) -> None:
    try:
        output.write_bytes(data)
    except OSError as error:
        why = {FileNotFoundError: "文件夹不存在", PermissionError: "没有写入权限，或文件正被其他程序打开",
               IsADirectoryError: "这是一个文件夹"}.get(type(error), error.strerror or str(error))
        _cannot_write(output, why, json_errors)
    click.echo(f"已写入 {output}{detail}", err=True)


def _cannot_write(output: Path, why: str, json_errors: bool) -> NoReturn:
    from .present.json_report import error_json

    error = AuditorError(f"无法写入“{output}”：{why}。")
    error.code = "output_not_writable"
    _fail(error.message, error_json(error) if json_errors else None, EXIT_INPUT_ERROR)


def _fail(message: str, json_text: str | None, code: int) -> NoReturn:
    if json_text is not None:
        click.echo(json_text)
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def _fail_internal(doing: str, send: str, error: Exception, json_errors: bool) -> NoReturn:
    """A bug while `doing`: a Chinese message (and the JSON error) that asks for `send` and the file."""
    from .present.json_report import error_json

    wrapped = AuditorError(f"{doing}时发生内部错误（{type(error).__name__}: {error}）；"
                           f"请使用 --debug 重试并将{send}与文件一并反馈给开发者。")
    wrapped.code = "internal_error"
    _fail(wrapped.message, error_json(wrapped) if json_errors else None, EXIT_INTERNAL_ERROR)


# ---------------------------------------------------------------- batch: triage many reports (spec/batch.md)

EXIT_INTERRUPTED = 130
DEFAULT_DB = Path("triage.sqlite")
LLM_BATCH_TIMEOUT_S = 600.0
_db_option = click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True,
                          help="保存批量审核结果和复核结论的 SQLite 数据库")


@main.command(help="批量审核：文件、文件夹（含子文件夹）和 .zip 压缩包可以混合；结果逐份保存，中断后再次运行同一命令即可继续。")
@click.argument("inputs", nargs=-1, required=True)
@_db_option
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="另存结果：.jsonl（每份一行）、.csv（汇总表）或 .xlsx（汇总、问题清单、规则统计、覆盖情况）")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="CPU 核数",
              help="并行审核的进程数")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help=f"每份文件的审核时间上限（秒），PDF 每页另加 {Settings.batch_page_timeout_s:g} 秒（扫描页需 OCR）；"
                   "超时记为错误并继续  [默认：120；大模型模式 600]")
@click.option("--max-memory", type=click.IntRange(min=64), default=None,
              help="每个审核进程的内存上限（MB），超出记为错误并继续  [默认：3072]")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="应报单位名单 CSV（单位名称,地区,层级），用于统计缺报和名单外报告")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local：本机进程池；dask：Dask distributed 集群")
@click.option("--scheduler", default=None, help="--executor dask 时的调度器地址（如 tcp://10.0.0.5:8786）；不填则在本机启动")
@click.option("--retry-failed", is_flag=True, help="重新审核上次因超时、进程崩溃或内存超限而失败的文件")
@click.option("--llm-concurrency", type=click.IntRange(min=1), default=None,
              help="大模型模式下本机同时进行的接口请求数上限  [默认：4]")
@click.option("--docx-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="为每份审核不通过的报告在此文件夹写一份审核意见（Word）")
@click.option("--debug", is_flag=True, help="出现内部错误时显示完整的错误堆栈")
def batch(inputs: tuple[str, ...], db: Path, out: Path | None, workers: int, timeout: float | None,
          max_memory: int | None, roster: Path | None, executor: str, scheduler: str | None, retry_failed: bool,
          llm_concurrency: int | None, docx_dir: Path | None, debug: bool) -> None:
    from .batch import BatchOptions, Store, run_batch, writer_lock
    from .batch.progress import TerminalProgress
    from .present.batch_export import EXPORT_SUFFIXES, export_batch
    from .present.batch_export import write_reviews
    from .present.batch_report import render_batch_summary
    from .present.json_report import result_to_dict

    if out is not None and out.suffix.lower() not in EXPORT_SUFFIXES:
        raise click.BadParameter(f"不支持的格式“{out.suffix}”，请使用 {'、'.join(EXPORT_SUFFIXES)}。", param_hint="--out")
    settings = Settings.from_env(batch_max_memory_mb=max_memory, llm_concurrency=llm_concurrency)
    if timeout is None and settings.openai_api_key:
        timeout = LLM_BATCH_TIMEOUT_S  # three model calls per report, each allowed llm_timeout_s and its retries
    settings = replace(settings, batch_timeout_s=timeout or settings.batch_timeout_s)
    options = BatchOptions(workers=workers, executor=executor, scheduler=scheduler, retry_failed=retry_failed,
                           roster=roster)
    click.echo(f"审核方式：{'大模型辅助审查（模型：' + (settings.model or '默认') + '）' if settings.openai_api_key else '规则模式（未配置大模型）'}"
               f"；数据库：{db}", err=True)
    try:
        with writer_lock(db), Store(db) as store:
            run = run_batch(list(inputs), store, settings, result_to_dict, options, TerminalProgress())
            click.echo(render_batch_summary(run).rstrip("\n"))
            if out is not None:
                export_batch(out, store, run.records, run.coverage)
                click.echo(f"已写入 {out}", err=True)
            if docx_dir is not None:
                written = write_reviews(docx_dir, store, run.records)
                click.echo(f"已为 {written} 份不通过的报告写入审核意见：{docx_dir}", err=True)
    except AuditorError as error:
        _fail(error.message, None, EXIT_INPUT_ERROR)
    except KeyboardInterrupt:
        click.echo("已中断：已完成的结果都已保存，再次运行同一命令即可继续。", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:
        if debug:
            raise
        _fail(f"批量审核时发生内部错误（{type(error).__name__}: {error}）；已完成的结果都已保存。"
              "请使用 --debug 重试并将输出反馈给开发者。", None, EXIT_INTERNAL_ERROR)


@main.group(help="查看和记录复核结论（确认/排除某个问题）以及报告状态（待审/已退回整改/已通过）。")
def decisions() -> None:
    pass


@decisions.command("list", help="列出报告中的问题及其复核结论；FILE 为批量审核记录中的文件名，不填则列出全部。")
@click.argument("file", required=False)
@_db_option
@click.option("--state", type=click.Choice(["open", "confirmed", "dismissed", "reopened"]), default=None,
              help="只列出某种复核状态的问题")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def decisions_list(file: str | None, db: Path, state: str | None, fmt: str) -> None:
    import json

    from .batch import Store, batch_records, finding_states
    from .present.batch_report import DECISION_TEXT, STATUS_TEXT

    if not db.exists():
        _fail(f"找不到数据库“{db}”；请先运行 auditor batch，或用 --db 指定数据库。", None, EXIT_INPUT_ERROR)
    with Store(db) as store:
        records = [r for r in batch_records(store) if file is None or r.file == file]
        if file is not None and not records:
            _fail(f"数据库中没有文件“{file}”的审核记录。", None, EXIT_INPUT_ERROR)
        rows = []
        for record in records:
            audit = store.audit_json(record.file) if record.status == "audited" else None
            for s in finding_states(store, record.report_key, audit["findings"] if audit else []):
                if state is None or s.state == state:
                    decision = dict(s.decision) if s.decision is not None else None
                    rows.append({"file": record.file, "agency": record.agency, "year": record.year,
                                 "report_status": record.report_status, "fingerprint": s.fingerprint, "state": s.state,
                                 "rule": s.finding["rule"], "severity": s.finding["severity"],
                                 "message": s.finding["message"],
                                 "decision": None if decision is None else {
                                     k: decision[k] for k in ("decision", "note", "decided_by", "decided_at")}})
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        who = f"（{row['decision']['decided_by']}，{row['decision']['decided_at']}" + (
            f"：{row['decision']['note']}" if row["decision"]["note"] else "") + "）" if row["decision"] else ""
        click.echo(f"{row['fingerprint']}  {DECISION_TEXT[row['state']]}{who}  {row['rule']}  {row['message']}  "
                   f"[{row['file']}，报告状态：{STATUS_TEXT.get(row['report_status'], row['report_status'])}]")
    if not rows:
        click.echo("没有符合条件的问题。", err=True)


@decisions.command("set", help="记录对一个问题的复核结论：confirmed（确认）或 dismissed（排除）。FINGERPRINT 可只写开头几位。")
@click.argument("file")
@click.argument("fingerprint")
@click.argument("decision", type=click.Choice(["confirmed", "dismissed"]))
@click.option("--note", default="", help="复核说明")
@click.option("--by", "by", required=True, help="复核人")
@_db_option
def decisions_set(file: str, fingerprint: str, decision: str, note: str, by: str, db: Path) -> None:
    from .batch import Store, decide
    from .present.batch_report import DECISION_TEXT

    try:
        with Store(db) as store:
            state = decide(store, file, fingerprint, decision, note, by)
    except AuditorError as error:
        _fail(error.message, None, EXIT_INPUT_ERROR)
    click.echo(f"已记录：{state.fingerprint} {DECISION_TEXT[state.state]}（{state.finding['rule']}）")


@decisions.command("status", help="设置报告状态：pending（待审）、returned（已退回整改）或 approved（已通过）。")
@click.argument("file")
@click.argument("status", type=click.Choice(["pending", "returned", "approved"]))
@click.option("--note", default="", help="说明")
@click.option("--by", "by", required=True, help="复核人")
@_db_option
def decisions_status(file: str, status: str, note: str, by: str, db: Path) -> None:
    from .batch import Store, set_report_status
    from .present.batch_report import STATUS_TEXT

    try:
        with Store(db) as store:
            set_report_status(store, file, status, note, by)
    except AuditorError as error:
        _fail(error.message, None, EXIT_INPUT_ERROR)
    click.echo(f"已记录：“{file}” {STATUS_TEXT[status]}")
