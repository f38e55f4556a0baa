"""The reports there are: each one a `Report` definition registered here (catalog.py
lists them). Adding a report is one definition and its test (docs/reports.md).

A definition names its columns (with zh-CN and English labels and a unit), which column
draws the chart and which one names each bar, and a function

    rows(session, month, dealer_id=None, *, tz) -> list[dict]

returning one dict per row keyed by column id (other keys are ignored). `month` is the
first day of the month, `tz` the time zone its bounds are taken in (months.bounds);
`session` None means db.session. It reads, never writes. `total(rows)`, if given, is the
row shown under them (rates recomputed from the summed counts, never averaged).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from server.extensions import db

KINDS = ("text", "int", "float")


@dataclass(frozen=True)
class Column:
    id: str
    zh: str
    en: str
    unit: str = ""  # "%", "min" … shown beside the label; "" for counts and names
    kind: str = "int"

    def __post_init__(self):
        assert self.kind in KINDS, self.kind


@dataclass(frozen=True)
class Report:
    id: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: Callable[..., list[dict]]
    chart: str  # the column whose values are the bars
    label: str  # the column naming each bar
    # How the figures are defined, one or two sentences each (shown under the table).
    about_zh: str = ""
    about_en: str = ""
    total: Callable[[list[dict]], dict] | None = None
    ids: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self):
        ids = tuple(c.id for c in self.columns)
        assert len(set(ids)) == len(ids), f"{self.id}: duplicate column ids"
        assert self.chart in ids and self.label in ids, f"{self.id}: chart columns"
        object.__setattr__(self, "ids", ids)

    def column(self, column_id: str) -> Column:
        return next(c for c in self.columns if c.id == column_id)


@dataclass(frozen=True)
class Result:
    report: Report
    month: date
    tz: str
    dealer_id: object
    rows: list[dict]
    total: dict | None


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    assert report.id not in REPORTS, f"report {report.id} registered twice"
    REPORTS[report.id] = report
    return report


def run(report: Report, month: date, tz: str, dealer_id=None, session=None) -> Result:
    """The report's rows (only its columns) and total for one month."""
    found = report.rows(session or db.session, month, dealer_id, tz=tz)
    rows = [{c: row.get(c) for c in report.ids} for row in found]
    total = report.total(found) if report.total is not None else None
    if total is not None:
        total = {c: total.get(c) for c in report.ids}
    return Result(report, month, tz, dealer_id, rows, total)


def percent(part: int, whole: int) -> float | None:
    """part/whole in per cent, one decimal; None when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None
