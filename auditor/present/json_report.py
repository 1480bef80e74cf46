"""AuditResult → the public JSON contract of spec/audit-json.md (schema_version "1")."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..model import AuditResult, Cell, Document, Finding, Report, ReviewInfo, Section, Severity, Table

SCHEMA_VERSION = "1"
_FLAT_TABLE2 = ("licensing", "punishment", "coercion", "fees")


def table_to_contract(table: Table | None) -> dict | None:
    """Values only, keyed as the contract says; table2's flat items become plain numbers."""
    if table is None:
        return None
    result: dict = {}
    for row, columns in table.cells.items():
        if table.name == "table2" and row in _FLAT_TABLE2:
            if "value" in columns:
                result[row] = columns["value"].value
            continue
        result[row] = {column: cell.value for column, cell in columns.items()}
    return result


def _cell_detail(cell: Cell) -> dict:
    detail = {"page": cell.page, "bbox": list(cell.bbox) if cell.bbox else None, "raw": cell.raw,
              "state": cell.state.value, "confidence": cell.confidence}
    if cell.note:
        detail["note"] = cell.note
    return detail


def table_detail(table: Table | None) -> dict | None:
    """Per-cell provenance, extraction notes and the table's layout: the keys added beside `tables`."""
    if table is None:
        return None
    cells = {row: {col: _cell_detail(cell) for col, cell in columns.items()} for row, columns in table.cells.items()}
    return {"page": table.page, "layout": table.layout, "missing_columns": table.missing_columns,
            "missing_rows": table.missing_rows, "missing_cells": [list(c) for c in table.missing_cells],
            "label_typos": [asdict(t) for t in table.label_typos], "notes": [asdict(n) for n in table.notes],
            "cells": cells}


def finding_to_dict(finding: Finding) -> dict:
    data = asdict(finding)
    data["severity"] = finding.severity.value
    return data


def report_header(report: Report) -> dict:
    document = report.document
    return {
        "source": {"path": str(document.path), "sha256": document.sha256, "format": document.format,
                   "pages": document.pages, "ocr_pages": list(document.ocr_pages),
                   "page_notes": [asdict(note) for note in document.page_notes]},
        "report": {"agency": report.agency, "year": report.year, "title": report.title},
        "sections": {key: {"present": s.present, "heading": s.heading, "page": s.page,
                           "chars": sum(1 for ch in s.text if not ch.isspace())}
                     for key, s in report.sections.items()},
        "tables": {name: table_to_contract(t) for name, t in report.tables.items()},
    }


def result_to_dict(result: AuditResult) -> dict:
    data = {"schema_version": SCHEMA_VERSION}
    data.update(report_header(result.report))
    data["findings"] = [finding_to_dict(f) for f in result.findings]
    data["verdict"] = result.verdict
    data["score"] = result.score
    data["review"] = {"mode": result.review.mode, "model": result.review.model,
                      "requirements_checked": result.review.requirements_checked}
    if result.review.note:
        data["review"]["note"] = result.review.note
    data["tables_detail"] = {name: table_detail(t) for name, t in result.report.tables.items()}
    return data


def render_json(result: AuditResult, indent: int | None = 2) -> str:
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=indent)


def error_json(error) -> str:
    return json.dumps(error.to_dict(), ensure_ascii=False, indent=2)


_FINDING_FIELDS = frozenset(Finding.__dataclass_fields__)


def finding_from_dict(data: dict) -> Finding:
    """A finding of a stored audit JSON back as a Finding (keys beyond the dataclass are ignored)."""
    values = {k: v for k, v in data.items() if k in _FINDING_FIELDS}
    values["severity"] = Severity(values["severity"])
    return Finding(**values)


def result_from_dict(data: dict, report: Report) -> AuditResult:
    """A stored audit JSON over the report read again from its file: the findings, verdict, score and review
    come from the JSON (the record of what was audited), the tables and text from `report` (to show them)."""
    review = data.get("review") or {}
    return AuditResult(report=report, findings=[finding_from_dict(f) for f in data.get("findings", [])],
                       verdict=data["verdict"], score=data["score"],
                       review=ReviewInfo(mode=review.get("mode", "rules"), model=review.get("model"),
                                         requirements_checked=review.get("requirements_checked", 0),
                                         note=review.get("note")))


def report_from_dict(data: dict) -> Report:
    """The report's identity and parts as a stored audit JSON records them, without its text or tables: enough
    for the documents that present findings (the Word 审核意见) when the file itself is not at hand."""
    source, header = data.get("source") or {}, data.get("report") or {}
    document = Document(path=Path(source.get("path") or "报告"), format=source.get("format") or "",
                        sha256=source.get("sha256") or "", pages=source.get("pages"), blocks=[],
                        ocr_pages=list(source.get("ocr_pages") or []))
    sections = {key: Section(key=key, heading=part.get("heading"), page=part.get("page"))
                for key, part in (data.get("sections") or {}).items()}
    return Report(document=document, title=header.get("title"), agency=header.get("agency"), year=header.get("year"),
                  sections=sections, tables={name: None for name in ("table2", "table3", "table4")})
