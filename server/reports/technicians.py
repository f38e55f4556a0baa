"""Technician performance per month, one row per technician with anything to count:

- jobs completed: live jobs assigned to them, completed in the month (any kind);
- first-time fix: their repairs by first_fix.py's definition;
- mean on-site time: their working visits (first_fix.working_visit) that arrived in the
  month and have a departure, in minutes;
- no-shows: no-show fees (server/field/service.py) recorded in the month, counted for the
  technician of the visit they name, else of the job;
- evidence sent back: a dealer asked for more evidence (the `request_evidence` move,
  audited) in the month, on a job assigned to them now.
"""

import uuid
from collections import defaultdict

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.auth.models import User
from server.desk.models import Job
from server.field.models import FeeLine, Visit
from server.reports import months
from server.reports.first_fix import completed_jobs, outcomes, tally, working_visit
from server.reports.registry import Column, Report, register

COUNTS = ("jobs_completed", "repairs", "first_time", "visits_timed", "no_shows", "sent_back")


def _in_scope(query, dealer_id):
    return query if dealer_id is None else query.where(Job.dealer_id == dealer_id)


def _visit_minutes(session, start, end, dealer_id) -> dict:
    query = _in_scope(
        sa.select(Visit.technician_id, Visit.arrived_at, Visit.departed_at)
        .join(Job, Job.id == Visit.job_id)
        .where(
            working_visit(),
            Visit.departed_at.is_not(None),
            Visit.arrived_at >= start,
            Visit.arrived_at < end,
        ),
        dealer_id,
    )
    minutes = defaultdict(list)
    for tech, arrived, departed in session.execute(query):
        minutes[tech].append((departed - arrived).total_seconds() / 60)
    return minutes


def _no_shows(session, start, end, dealer_id) -> dict:
    query = _in_scope(
        sa.select(sa.func.coalesce(Visit.technician_id, Job.technician_id), sa.func.count())
        .select_from(FeeLine)
        .join(Job, Job.id == FeeLine.job_id)
        .outerjoin(Visit, Visit.id == FeeLine.visit_id)
        .where(
            FeeLine.kind == "no_show",
            FeeLine.deleted_at.is_(None),
            FeeLine.created_at >= start,
            FeeLine.created_at < end,
        )
        .group_by(sa.func.coalesce(Visit.technician_id, Job.technician_id)),
        dealer_id,
    )
    return dict(session.execute(query).all())


def _uuid(text) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except (TypeError, ValueError):  # not a job's id: nothing to count
        return None


def _sent_back(session, start, end, dealer_id) -> dict:
    """Audit entries hold the job's id as text: read them, then their jobs."""
    query = (
        sa.select(AuditEntry.entity_id)
        .join(User, User.id == AuditEntry.actor_id)
        .where(
            AuditEntry.action == "request_evidence",
            AuditEntry.entity == "job",
            User.role == "dealer",
            AuditEntry.at >= start,
            AuditEntry.at < end,
        )
    )
    job_ids = [job_id for text in session.scalars(query) if (job_id := _uuid(text))]
    counts = defaultdict(int)
    if job_ids:
        jobs = _in_scope(sa.select(Job.id, Job.technician_id).where(Job.id.in_(job_ids)), dealer_id)
        tech_of = dict(session.execute(jobs).all())
        for job_id in job_ids:
            if tech_of.get(job_id) is not None:
                counts[tech_of[job_id]] += 1
    return counts


def _rows(session, month, dealer_id=None, *, tz):
    start, end = months.bounds(month, tz)
    completed = defaultdict(int)
    for job in session.scalars(completed_jobs(start, end, dealer_id)):
        completed[job.technician_id] += 1
    repairs = defaultdict(list)
    for outcome in outcomes(session, start, end, dealer_id):
        repairs[outcome.job.technician_id].append(outcome)
    minutes = _visit_minutes(session, start, end, dealer_id)
    no_shows = _no_shows(session, start, end, dealer_id)
    sent_back = _sent_back(session, start, end, dealer_id)
    techs = ({*completed, *repairs, *minutes, *no_shows, *sent_back}) - {None}
    users = session.scalars(sa.select(User).where(User.id.in_(techs))).all()
    rows = []
    for user in users:
        fix = tally(repairs[user.id])
        spent = minutes.get(user.id, [])
        rows.append(
            {
                "technician": user.display_name,
                "jobs_completed": completed[user.id],
                "repairs": fix["repairs"],
                "first_time": fix["first_time"],
                "first_time_pct": fix["rate_pct"],
                "visits_timed": len(spent),
                "mean_onsite_min": round(sum(spent) / len(spent), 1) if spent else None,
                "no_shows": no_shows.get(user.id, 0),
                "sent_back": sent_back.get(user.id, 0),
                "_outcomes": repairs[user.id],
                "_minutes": spent,
            }
        )
    return sorted(rows, key=lambda row: row["technician"])


def _total(rows):
    total = {"technician": "合计 Total", **{k: sum(r[k] for r in rows) for k in COUNTS}}
    fix = tally([o for r in rows for o in r["_outcomes"]])
    spent = [m for r in rows for m in r["_minutes"]]
    total["first_time_pct"] = fix["rate_pct"]
    total["mean_onsite_min"] = round(sum(spent) / len(spent), 1) if spent else None
    return total


REPORT = register(
    Report(
        id="technicians",
        zh="工程师绩效",
        en="Technician performance",
        columns=(
            Column("technician", "工程师", "Technician", kind="text"),
            Column("jobs_completed", "完成工单", "Jobs completed"),
            Column("repairs", "完成维修", "Repairs"),
            Column("first_time", "一次修复", "Fixed first time"),
            Column("first_time_pct", "一次修复率", "First-time fix rate", "%", "float"),
            Column("visits_timed", "计时上门", "Timed visits"),
            Column("mean_onsite_min", "平均在场时长", "Mean time on site", "min", "float"),
            Column("no_shows", "顾客爽约", "Customer no-shows"),
            Column("sent_back", "经销商退回补证", "Evidence sent back by dealers"),
        ),
        rows=_rows,
        chart="jobs_completed",
        label="technician",
        total=_total,
        about_zh=(
            "完成工单按完成时间计；一次修复率同“一次修复率”报表；平均在场时长取当月到达且"
            "已离开的上门（顾客不在家的除外）；顾客爽约为当月记录的爽约费；经销商退回补证为"
            "经销商当月要求补充证据的次数。"
        ),
        about_en=(
            "Jobs count by completion time; first-time fix as in that report; time on site "
            "from the month's visits with a departure (no-shows excluded); no-shows are the "
            "no-show fees recorded in the month; sent back: a dealer asked for more evidence."
        ),
    )
)
