"""A month of work to report on: October 2026, in the service center's time zone
(Asia/Shanghai, UTC+8), with a job on each side of both of its boundaries.

Every figure the report tests expect is worked out by hand from this table (see
test_figures.py). Times are UTC; local time = UTC + 8 h.

| job | dealer | tech | kind | unit | fault | visits (working; minutes) | completed (UTC) |
|---|---|---|---|---|---|---|---|
| R1 | org1 | tech1 | repair | A | joint_loose | 1 (60) | 10-05 03:00 |
| R2 | org1 | tech1 | repair | B | pipe_burst | 2 (30, 90) | 10-08 02:30 |
| R3 | org1 | tech1 | repair | C | joint_loose | no-show (fee) + 1 (45) | 10-10 01:45 |
| R6 | org1 | tech1 | repair | F | other (decided: seepage) | none | 09-30 16:30 (10-01 local) |
| I1 | org1 | tech1 | installation | H | — | 1 (120) | 10-15 03:00 |
| D1 | org1 | tech1 | repair (deleted) | A | seepage | none | 10-16 |
| R4 | org2 | tech2 | repair | D | filter_clogged | 1 (20); D again 10-20 | 10-12 02:00 |
| R5 | org2 | tech2 | repair | E | force_majeure | 1 (60) | 10-31 15:30 (23:30 local) |
| R7 | org2 | tech2 | repair | G | joint_loose | 1 (20), 11-01 local | 10-31 16:30 (11-01 local) |

Besides: a later repair job for unit A with another fault (pipe_burst; not a repeat of
R1), dealer1 sends R2's evidence back on 10-07, the dispatcher R1's (an office request,
not counted).
"""

from datetime import UTC, date, datetime

import pytest

from server.audit.models import AuditEntry
from server.desk.models import Customer, Job, Unit
from server.extensions import db
from server.field.models import FeeLine, Visit
from server.warranty import decisions


def at(text: str) -> datetime:
    """A UTC time written "MM-DD HH:MM" in 2026."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


class October:
    def __init__(self, world):
        self.world = world
        self.customer = Customer(name="王芳", phone="13900000000", address="杭州市上城区1号")
        db.session.add(self.customer)
        self.units = {}
        owners = {"A": "org1", "B": "org1", "C": "org1", "D": "org2", "E": "org2"}
        owners.update({"F": "org1", "G": "org2", "H": "org1"})
        for name, org in owners.items():
            self.units[name] = Unit(
                customer=self.customer,
                dealer_id=getattr(world, org).id,
                model="RO-400G",
                serial=f"SN-OCT-{name}",
                purchase_date=date(2026, 9, 15),
                installed_on=date(2026, 9, 20),
            )
        db.session.add_all(self.units.values())
        db.session.flush()
        self.jobs = {}

    def job(self, name, org, tech, unit, fault, created, completed, kind="repair", **extra):
        job = Job(
            customer_id=self.customer.id,
            unit_id=self.units[unit].id,
            dealer_id=getattr(self.world, org).id,
            kind=kind,
            status="completed" if completed else "scheduled",
            technician_id=self.world.users[tech].id,
            fault_category=fault,
            created_at=at(created),
            completed_at=at(completed) if completed else None,
            **extra,
        )
        db.session.add(job)
        db.session.flush()
        self.jobs[name] = job
        return job

    def visit(self, job, arrived, departed, outcome=None):
        visit = Visit(
            job_id=self.jobs[job].id,
            technician_id=self.jobs[job].technician_id,
            arrived_at=at(arrived),
            departed_at=at(departed),
            outcome=outcome,
        )
        db.session.add(visit)
        db.session.flush()
        return visit

    def build(self):
        w = self.world
        self.job("R1", "org1", "tech1", "A", "joint_loose", "10-05 01:00", "10-05 03:00")
        self.visit("R1", "10-05 02:00", "10-05 03:00")
        self.job("R2", "org1", "tech1", "B", "pipe_burst", "10-06 00:00", "10-08 02:30")
        self.visit("R2", "10-06 01:00", "10-06 01:30")
        self.visit("R2", "10-08 01:00", "10-08 02:30")
        self.job("R3", "org1", "tech1", "C", "joint_loose", "10-09 00:00", "10-10 01:45")
        absent = self.visit("R3", "10-09 01:00", "10-09 01:10", outcome="customer_absent")
        db.session.add(
            FeeLine(
                job_id=self.jobs["R3"].id,
                visit_id=absent.id,
                kind="no_show",
                description="顾客不在家",
                amount_fen=3000,
                payer="customer",
                created_at=at("10-09 01:10"),
            )
        )
        self.visit("R3", "10-10 01:00", "10-10 01:45")
        self.job("R6", "org1", "tech1", "F", "seepage", "09-30 10:00", "09-30 16:30")
        self.job("I1", "org1", "tech1", "H", None, "10-14 00:00", "10-15 03:00", "installation")
        self.visit("I1", "10-15 01:00", "10-15 03:00")
        self.job("D1", "org1", "tech1", "A", "seepage", "10-16 00:00", "10-16 05:00",
                 deleted_at=at("10-17 00:00"))  # fmt: skip
        self.job("R4", "org2", "tech2", "D", "filter_clogged", "10-12 00:00", "10-12 02:00")
        self.visit("R4", "10-12 01:00", "10-12 01:20")
        self.job("R5", "org2", "tech2", "E", "force_majeure", "10-31 13:00", "10-31 15:30")
        self.visit("R5", "10-31 14:00", "10-31 15:00")
        self.job("R7", "org2", "tech2", "G", "joint_loose", "10-31 12:00", "10-31 16:30")
        self.visit("R7", "10-31 16:00", "10-31 16:20")
        # Came back: unit D with its fault not yet known (a repeat of R4); unit A with
        # another fault (not a repeat of R1).
        self.job("R4b", "org2", "tech2", "D", None, "10-20 00:00", None)
        self.job("R1b", "org1", "tech1", "A", "pipe_burst", "10-15 00:00", None)
        for name in ("R1", "R2", "R3", "R4", "R5", "R6", "R7"):
            decisions.decide_job(self.jobs[name], None, source="completion")
        # R6's fault was changed after its decision: that decision is about another fault.
        self.jobs["R6"].fault_category = "other"
        sent_back = [("R2", "dealer1", "10-07 05:00"), ("R1", "dispatcher", "10-06 05:00")]
        for job, who, when in sent_back:
            db.session.add(
                AuditEntry(
                    actor_id=w.users[who].id,
                    action="request_evidence",
                    entity="job",
                    entity_id=str(self.jobs[job].id),
                    at=at(when),
                    data={"reason": "更多照片"},
                )
            )
        db.session.commit()
        return {name: str(job.id) for name, job in self.jobs.items()}


@pytest.fixture
def october(app, world):
    with app.app_context():
        ids = October(world).build()
        db.session.remove()
    return ids
