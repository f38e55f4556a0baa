"""A report result as people read it: formatted cells, a bar chart's geometry (drawn as
inline SVG by the template: presentation attributes only, nothing the CSP forbids), and
CSV bytes for Excel."""

import csv
import io

from server.reports.registry import Column, Report, Result

# Excel reads a CSV as the system's code page unless it starts with a UTF-8 BOM.
BOM = "\ufeff"
# A cell starting with these is a formula to a spreadsheet: text from people (a
# technician's display name) is kept text by a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHART = {"width": 640, "label_width": 180, "bar_height": 22, "gap": 8, "value_width": 70}


def cell(column: Column, value) -> str:
    """A value as the table and the CSV show it: "" when there is none."""
    if value is None:
        return ""
    if column.kind == "float":
        return f"{value:.1f}"
    return str(value)


def heading(column: Column) -> str:
    """The CSV's header cell: zh-CN, then English, then the unit."""
    unit = f" ({column.unit})" if column.unit else ""
    return f"{column.zh} {column.en}{unit}"


def chart(result: Result) -> dict | None:
    """Horizontal bars, one per row with a value: label, value text, y and bar width."""
    report = result.report
    column = report.column(report.chart)
    values = [(r[report.label], r[report.chart]) for r in result.rows]
    values = [(str(label), v) for label, v in values if v is not None]
    if not values:
        return None
    top = max(v for _, v in values) or 1
    room = CHART["width"] - CHART["label_width"] - CHART["value_width"]
    step = CHART["bar_height"] + CHART["gap"]
    bars = [
        {
            "label": label,
            "value": cell(column, value) + (column.unit if column.unit == "%" else ""),
            "y": i * step,
            "text_y": round(i * step + CHART["bar_height"] * 0.7, 1),
            "width": max(round(room * value / top, 1), 1 if value else 0),
        }
        for i, (label, value) in enumerate(values)
    ]
    return {**CHART, "bars": bars, "height": len(bars) * step, "column": column}


def csv_bytes(result: Result) -> bytes:
    """UTF-8 with a BOM; a bilingual header row, the rows, then the total row if any."""
    report = result.report
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(c) for c in report.columns])
    for row in [*result.rows, *([result.total] if result.total else [])]:
        writer.writerow([_safe(c, cell(c, row[c.id])) for c in report.columns])
    return (BOM + out.getvalue()).encode("utf-8")


def _safe(column: Column, text: str) -> str:
    return "'" + text if column.kind == "text" and text.startswith(FORMULA_START) else text


def info(report: Report) -> dict:
    """What a report is: its id, titles and columns (JSON keys as the API answers)."""
    return {
        "id": report.id,
        "title": {"zh_cn": report.zh, "en": report.en},
        "columns": [
            {"id": c.id, "zh_cn": c.zh, "en": c.en, "unit": c.unit, "kind": c.kind}
            for c in report.columns
        ],
    }


def as_json(result: Result) -> dict:
    """The result for the API's schema (which writes zh_cn as "zh-CN")."""
    return {
        **info(result.report),
        "month": f"{result.month:%Y-%m}",
        "timezone": result.tz,
        "dealer_id": result.dealer_id,
        "rows": result.rows,
        "total": result.total,
    }
