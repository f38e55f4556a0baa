"""The dispatch board and assignment suggestions. Pure service: no Flask, reads only.

A day is a local day in the service center's time zone (server/common/zone.py, passed
in by the views); a job belongs to the local day its window starts
in, so a window at 23:30 local is on that day, whatever its UTC date.

Suggestion score (docs/service-desk.md, "Dispatch"), higher first:

    SKILL_POINTS     if the technician's skills list the job's kind
  + DISTRICT_POINTS  if they serve the customer's district
  - the number of jobs already booked for them that day (at most MAX_LOAD_PENALTY)

so a technician with the skill always ranks above one without it, a local technician
above an outside one until they carry DISTRICT_POINTS more jobs that day. Ties go to
fewer booked hours, then display name, then id (deterministic). Inactive technicians
and the job's current technician are never suggested. Assigning someone without the
skill is allowed (the office may know better: a trainee sent with a mentor); the
suggestion and the console say so.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.access import rules
from server.auth.models import User
from server.desk import lifecycle
from server.desk import technicians as profiles
from server.desk.models import Job
from server.extensions import db

SKILL_POINTS = 100
DISTRICT_POINTS = 5
MAX_LOAD_PENALTY = 99  # below SKILL_POINTS: load never outweighs the skill


def today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(zone).date()


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends at (DST-safe: midnight to midnight)."""
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def local_day(job: Job, zone: ZoneInfo) -> date | None:
    return job.window_start.astimezone(zone).date() if job.window_start else None


def hours(job: Job) -> float:
    if job.window_start is None or job.window_end is None:
        return 0.0
    return (job.window_end - job.window_start).total_seconds() / 3600


@dataclass
class Load:
    jobs: int = 0
    hours: float = 0.0

    def add(self, job: Job) -> None:
        self.jobs += 1
        self.hours = round(self.hours + hours(job), 2)


@dataclass
class Column:
    technician: dict
    jobs: list = field(default_factory=list)
    load: Load = field(default_factory=Load)


def _booked(user: User, day: date, zone: ZoneInfo) -> list[Job]:
    """Jobs with a technician and a window starting that local day, not cancelled."""
    start, end = day_bounds(day, zone)
    query = (
        rules.jobs(user)
        .where(
            Job.technician_id.is_not(None),
            Job.window_start >= start,
            Job.window_start < end,
            Job.status != lifecycle.CANCELLED,
        )
        .options(selectinload(Job.customer))
        .order_by(Job.window_start, Job.window_end, Job.id)
    )
    return list(db.session.scalars(query))


def unassigned(user: User, day: date, zone: ZoneInfo) -> list[Job]:
    """Open jobs without a technician to dispatch by the end of that day: those without
    a window, and those whose window starts before the day ends (overdue ones too)."""
    _, end = day_bounds(day, zone)
    query = (
        rules.jobs(user)
        .where(
            Job.technician_id.is_(None),
            Job.status.in_(lifecycle.OPEN),
            sa.or_(Job.window_start.is_(None), Job.window_start < end),
        )
        .options(selectinload(Job.customer))
        .order_by(Job.window_start.is_(None), Job.window_start, Job.created_at, Job.id)
    )
    return list(db.session.scalars(query))


def board(user: User, day: date, zone: ZoneInfo) -> dict:
    """Every active technician (and an inactive one still holding jobs that day) with
    their jobs that day by window and their load; then the jobs waiting for dispatch."""
    known = profiles.profiles()
    columns = {
        tech.id: Column(profiles.view(tech, known.get(tech.id))) for tech in profiles.technicians()
    }
    for job in _booked(user, day, zone):
        column = columns.get(job.technician_id)
        if column is not None:
            column.jobs.append(job)
            column.load.add(job)
    shown = [c for c in columns.values() if c.technician["active"] or c.jobs]
    return {
        "day": day,
        "timezone": zone.key,
        "technicians": shown,
        "unassigned": unassigned(user, day, zone),
    }


def suggestion_day(job: Job, zone: ZoneInfo, day: date | None) -> date:
    """The job's own local day when it has a window; else the asked day, else today."""
    return local_day(job, zone) or day or today(zone)


def booked(user: User, day: date, zone: ZoneInfo) -> dict:
    """What suggestions for that day need, read once: the day's booked jobs, every
    technician and their profiles (a page ranking many jobs passes it to `suggest`)."""
    return {
        "day": day,
        "jobs": _booked(user, day, zone),
        "technicians": profiles.technicians(),
        "profiles": profiles.profiles(),
    }


def suggest(user: User, job: Job, day: date, zone: ZoneInfo, known: dict | None = None):
    """Active technicians other than the job's own, ranked for it (see the module doc).

    Refused like the assignment itself where the lifecycle would refuse it (an ended,
    locked or deleted job), so the office is never offered what it cannot do. `known`:
    `booked(user, day, zone)` when the caller already read it.
    """
    lifecycle.check(job, "assign", user)
    if known is None or known["day"] != day:
        known = booked(user, day, zone)
    district = job.customer.district if job.customer else None
    loads: dict = {}
    for other in known["jobs"]:
        if other.id != job.id:
            loads.setdefault(other.technician_id, Load()).add(other)
    ranked = []
    for tech in known["technicians"]:
        if not tech.active or tech.id == job.technician_id:
            continue
        profile = profiles.view(tech, known["profiles"].get(tech.id))
        load = loads.get(tech.id, Load())
        skill = job.kind in profile["skills"]
        serves = district is not None and district in profile["districts"]
        score = SKILL_POINTS * skill + DISTRICT_POINTS * serves - min(load.jobs, MAX_LOAD_PENALTY)
        reasons = ["skill" if skill else "no_skill"]
        reasons.append(
            "district_unknown" if district is None else "district" if serves else "other_district"
        )
        ranked.append(
            {
                "technician": profile,
                "score": score,
                "skill": skill,
                "district": serves,
                "load": load,
                "reasons": reasons,
            }
        )
    ranked.sort(
        key=lambda s: (
            -s["score"],
            s["load"].hours,
            s["technician"]["display_name"],
            str(s["technician"]["id"]),
        )
    )
    return ranked


def lacks_skill(job: Job, technician_id) -> bool:
    """Would assigning `technician_id` send someone not listed for the job's kind?"""
    row = db.session.get(profiles.TechnicianProfile, technician_id)
    return job.kind not in (row.skills if row else [])
