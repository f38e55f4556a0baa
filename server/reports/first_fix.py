"""First-time fix rate: of the repairs completed in the month, how many were fixed by the
first visit.

A **repair** is a live job of kind `repair`, completed (status completed or closed) with
`completed_at` in the month. It was **fixed first time** when
- it had exactly one working visit: a live visit not recorded as the customer absent (a
  no-show is the customer's wasted trip, not a failed fix), and
- no **repeat** followed: another live, not cancelled repair job for the same unit,
  created after this one was completed and at most REPEAT_DAYS days later, whose fault
  category is the same or not known (on either job).
A repair with no working visit (completed by the office without a visit on record) is
counted apart and left out of the rate. A repeat can arrive after the month ends, so a
month's figure is final REPEAT_DAYS days after it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from server.dealers.models import Dealer
from server.desk import lifecycle
from server.desk.models import Job
from server.field.models import Visit
from server.reports import months
from server.reports.registry import Column, Report, percent, register

REPEAT_DAYS = 30
DONE = (lifecycle.COMPLETED, lifecycle.CLOSED)
NO_SHOW_OUTCOME = "customer_absent"


def completed_jobs(start, end, dealer_id=None, kind: str | None = None) -> sa.Select:
    """Live jobs completed in [start, end) (one dealer's, one kind's if given)."""
    query = sa.select(Job).where(
        Job.deleted_at.is_(None),
        Job.status.in_(DONE),
        Job.completed_at >= start,
        Job.completed_at < end,
    )
    if dealer_id is not None:
        query = query.where(Job.dealer_id == dealer_id)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return query


def working_visit():
    """Visits where work was done: live, and not the customer's no-show."""
    return sa.and_(
        Visit.deleted_at.is_(None),
        sa.or_(Visit.outcome.is_(None), Visit.outcome != NO_SHOW_OUTCOME),
    )


@dataclass(frozen=True)
class Outcome:
    job: Job
    visits: int
    repeated: bool

    @property
    def assessed(self) -> bool:
        return self.visits > 0

    @property
    def first_time(self) -> bool:
        return self.visits == 1 and not self.repeated


def _same_fault(first, second) -> bool:
    return first is None or second is None or first == second


def outcomes(session, start, end, dealer_id=None) -> list[Outcome]:
    """Each repair completed in [start, end), with its working visits and whether a repeat
    followed."""
    repairs = completed_jobs(start, end, dealer_id, "repair")
    jobs = session.scalars(repairs).all()
    if not jobs:
        return []
    # Subqueries rather than lists of ids: a busy month must not pass a driver's limit
    # on parameters.
    visits = dict(
        session.execute(
            sa.select(Visit.job_id, sa.func.count())
            .where(Visit.job_id.in_(repairs.with_only_columns(Job.id)), working_visit())
            .group_by(Visit.job_id)
        ).all()
    )
    other = sa.orm.aliased(Job)
    query = sa.select(other.id, other.unit_id, other.created_at, other.fault_category).where(
        other.unit_id.in_(repairs.with_only_columns(Job.unit_id)),
        other.kind == "repair",
        other.deleted_at.is_(None),
        other.status != lifecycle.CANCELLED,
        other.created_at >= start,
    )
    later = defaultdict(list)
    for row in session.execute(query):
        later[row.unit_id].append(row)
    window = timedelta(days=REPEAT_DAYS)

    def repeated(job) -> bool:
        return any(
            other.id != job.id
            and job.completed_at < other.created_at <= job.completed_at + window
            and _same_fault(job.fault_category, other.fault_category)
            for other in later.get(job.unit_id, ())
        )

    return [Outcome(job, visits.get(job.id, 0), repeated(job)) for job in jobs]


def tally(found: list[Outcome]) -> dict:
    """The counts and rate of some outcomes."""
    first = sum(o.first_time for o in found)
    assessed = sum(o.assessed for o in found)
    return {
        "repairs": len(found),
        "first_time": first,
        "not_first_time": assessed - first,
        "no_visit": len(found) - assessed,
        "rate_pct": percent(first, assessed),
    }


def _rows(session, month, dealer_id=None, *, tz):
    start, end = months.bounds(month, tz)
    by_dealer = defaultdict(list)
    for outcome in outcomes(session, start, end, dealer_id):
        by_dealer[outcome.job.dealer_id].append(outcome)
    names = dict(
        session.execute(sa.select(Dealer.id, Dealer.name).where(Dealer.id.in_(by_dealer))).all()
    )
    rows = [{"dealer": names[d], **tally(found)} for d, found in by_dealer.items()]
    return sorted(rows, key=lambda row: row["dealer"])


def _total(rows):
    counts = {k: sum(r[k] for r in rows) for k in ("repairs", "first_time", "not_first_time")}
    counts["no_visit"] = sum(r["no_visit"] for r in rows)
    assessed = counts["first_time"] + counts["not_first_time"]
    return {"dealer": "合计 Total", **counts, "rate_pct": percent(counts["first_time"], assessed)}


REPORT = register(
    Report(
        id="first-time-fix",
        zh="一次修复率",
        en="First-time fix rate",
        columns=(
            Column("dealer", "经销商", "Dealer", kind="text"),
            Column("repairs", "完成维修", "Repairs completed"),
            Column("first_time", "一次修复", "Fixed first time"),
            Column("not_first_time", "多次上门或返修", "Revisited or repeated"),
            Column("no_visit", "无上门记录", "No visit on record"),
            Column("rate_pct", "一次修复率", "First-time fix rate", "%", "float"),
        ),
        rows=_rows,
        chart="rate_pct",
        label="dealer",
        total=_total,
        about_zh=(
            f"当月完成的维修工单中，仅上门一次（顾客不在家的上门不计）且{REPEAT_DAYS}天内"
            "同一机器未因同一故障（或故障未明）再报修的比例；无上门记录的工单不计入比率。"
        ),
        about_en=(
            "Of the repair jobs completed in the month: the share with exactly one working "
            "visit (a customer no-show does not count) and no repair job for the same unit "
            f"and the same (or an unknown) fault within {REPEAT_DAYS} days; jobs with no "
            "visit on record are left out of the rate."
        ),
    )
)
