"""Building findings: rule metadata from data/rules/rules.yaml and labels as printed in the format."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from ..config import Settings
from ..extract.labels import labels
from ..model import Finding, Severity

TABLE_NAMES = {"table2": "表二", "table3": "表三", "table4": "表四"}
UNVERIFIABLE = "无法校验"


@lru_cache(maxsize=4)
def _load_rules(data_dir: Path) -> dict:
    with open(data_dir / "rules" / "rules.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def rules(settings: Settings | None = None) -> dict:
    return _load_rules((settings or Settings()).data_dir)


def finding(rule: str, message: str, *, severity: Severity | None = None, settings: Settings | None = None,
            **fields) -> Finding:
    """A Finding for a rule id of rules.yaml; its severity and basis come from there unless given."""
    meta = rules(settings)[rule]
    return Finding(rule=rule, severity=severity or Severity(meta["severity"]), message=message,
                   basis=fields.pop("basis", meta.get("basis")), **fields)


@lru_cache(maxsize=4)
def _label_maps(data_dir: Path) -> dict:
    settings = Settings(data_dir=data_dir)
    t2, t3, t4 = (labels(n, settings) for n in ("table2", "table3", "table4"))
    rows = {
        "table3": {r["key"]: r["label"] for r in t3["rows"]},
        "table4": {g["key"]: g["label"] for g in t4["groups"]},
        "table2": {r["key"]: r["label"] for s in t2["subtables"] for r in s["rows"]},
    }
    columns = {
        "table3": {c["key"]: c["label"] for c in t3["columns"]},
        "table4": {c["key"]: c["label"] for c in t4["columns"]},
        "table2": {c["key"]: c["label"] for s in t2["subtables"] for c in s.get("columns", [])},
    }
    return {"rows": rows, "columns": columns}


def row_label(table: str, row: str, settings: Settings | None = None) -> str:
    return _label_maps((settings or Settings()).data_dir)["rows"][table].get(row, row)


def column_label(table: str, column: str, settings: Settings | None = None) -> str:
    if table == "table4" and column == "total":
        return "总计"
    return _label_maps((settings or Settings()).data_dir)["columns"][table].get(column, column)


def cell_name(table: str, row: str | None, column: str | None, settings: Settings | None = None,
              short: bool = False) -> str:
    """表三「四、结转下年度继续办理」×「总计」, as a reviewer reads it in the printed table (short: no 表三)."""
    parts = [] if short else [TABLE_NAMES[table]]
    if row is not None:
        parts.append(f"「{row_label(table, row, settings)}」")
    if column is not None and column != "value":
        parts.append(("×" if row is not None else "") + f"「{column_label(table, column, settings)}」")
    return "".join(parts)


def number(value) -> str:
    if value is None:
        return "空白"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
