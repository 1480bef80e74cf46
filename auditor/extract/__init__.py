"""Document → Report: metadata, the six sections and the three standard tables, format-independent."""

from __future__ import annotations

from ..config import Settings
from ..errors import NotAReport
from ..model import Document, Report
from .cells import distrust_uncertain_ocr
from .flattened import unflatten
from .locate import classify, logical_tables
from .rows import grid_rows
from .sections import body_text, find_metadata, find_sections
from .table2 import build_table2
from .table3 import build_table3
from .table4 import build_table4

_BUILDERS = {"table2": build_table2, "table3": build_table3, "table4": build_table4}


def extract_report(document: Document, settings: Settings | None = None) -> Report:
    settings = settings or Settings()
    document = unflatten(document, settings)
    sections, first_section = find_sections(document.blocks, settings)
    title, agency, year, preamble = find_metadata(document.blocks, first_section, document.title)

    grids_by_table: dict[str, list] = {}
    for grids in logical_tables(document):
        name = classify(grids)
        if name is None or (name != "table2" and name in grids_by_table):
            continue  # the first 表三/表四 is the standard one; 表二 comes as up to four sub-tables
        grids_by_table.setdefault(name, []).extend(grids)
    tables = {name: (_BUILDERS[name](grid_rows(grids_by_table[name]), settings) if name in grids_by_table else None)
              for name in _BUILDERS}
    for table in tables.values():
        if table is not None:
            distrust_uncertain_ocr(table, settings.ocr_min_confidence)

    found_sections = sum(1 for s in sections.values() if s.present)
    if not any(tables.values()) and found_sections < 3:
        raise NotAReport(
            f"“{document.path.name}”中未找到政府信息公开工作年度报告的标准表格（表二、表三、表四），"
            f"也只识别到 {found_sections} 个标准章节，看起来不是年度报告；请确认上传的文件是否正确。")
    return Report(document=document, title=title, agency=agency, year=year, sections=sections,
                  tables=tables, preamble=preamble, full_text=body_text(document.blocks))
