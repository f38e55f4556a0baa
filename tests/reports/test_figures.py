"""Each report's figures for October 2026 (conftest.py's table), worked out by hand."""

import uuid
from datetime import UTC, date, datetime

from server.reports import catalog, months, registry

OCTOBER = date(2026, 10, 1)
SHANGHAI = "Asia/Shanghai"


def run(report_id, month=OCTOBER, tz=SHANGHAI, dealer_id=None):
    return registry.run(catalog.get(report_id), month, tz, dealer_id)


def test_a_month_is_bounded_at_midnight_in_the_time_zone():
    start, end = months.bounds(OCTOBER, SHANGHAI)
    assert start == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert end == datetime(2026, 10, 31, 16, tzinfo=UTC)
    # Across a daylight-saving change the two ends have different offsets.
    start, end = months.bounds(date(2026, 3, 1), "Europe/Berlin")
    assert (start, end) == (
        datetime(2026, 2, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 31, 22, tzinfo=UTC),
    )


def test_months_are_read_only_as_yyyy_mm():
    assert months.parse_month("2026-10") == OCTOBER
    for bad in ("2026-13", "2026-00", "2026-1", "26-10", "1969-12", "2200-01", "2026-10\n", ""):
        assert months.parse_month(bad) is None, bad
    assert months.previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert months.next_month(date(2026, 12, 1)) == date(2027, 1, 1)


def test_first_time_fix_rate_per_dealer(ctx, october):
    result = run("first-time-fix")
    # org1 (示例净水): R1 and R3 fixed first time (R3's no-show visit is the customer's),
    # R2 took two visits, R6 has no visit (left out of the rate): 2 of 3 = 66.7 %.
    # org2 (清泉净水): R5 first time; R4 was followed by a repair of unit D within 30
    # days: 1 of 2 = 50.0 %. R7 completed in November (local time); D1 is deleted.
    assert result.rows == [
        {"dealer": "清泉净水", "repairs": 2, "first_time": 1, "not_first_time": 1,
         "no_visit": 0, "rate_pct": 50.0},
        {"dealer": "示例净水", "repairs": 4, "first_time": 2, "not_first_time": 1,
         "no_visit": 1, "rate_pct": 66.7},
    ]  # fmt: skip
    # 3 of 5 assessed, not the mean of the two rates.
    assert result.total == {"dealer": "合计 Total", "repairs": 6, "first_time": 3,
                            "not_first_time": 2, "no_visit": 1, "rate_pct": 60.0}  # fmt: skip


def test_faults_by_category_with_who_is_liable(ctx, october):
    rows = run("faults").rows

    # R1, R3 joint_loose within a month of the install: L1, the installer. R2 pipe_burst
    # within the month: L2, the dealer. R4 clogged filter inside the wearing parts'
    # 3 months: W2, the dealer. R5 force majeure: W5, nobody. R6's decision was made for
    # seepage before its fault became "other": undecided. 6 jobs; 2/6 = 33.3 %.
    def row(cat, zh, en, jobs, share, **liable):
        base = {"installer": 0, "dealer": 0, "customer": 0, "none": 0, "undecided": 0}
        return {"category": cat, "label_zh": zh, "label_en": en, "jobs": jobs,
                "share_pct": share, **base, **liable}  # fmt: skip

    assert rows == [
        row("joint_loose", "接头脱落", "joint came loose", 2, 33.3, installer=2),
        row("pipe_burst", "爆管", "pipe burst", 1, 16.7, dealer=1),
        row("filter_clogged", "滤芯堵塞", "clogged filter", 1, 16.7, dealer=1),
        row("force_majeure", "不可抗力", "force majeure", 1, 16.7, none=1),
        row("other", "其他", "other fault", 1, 16.7, undecided=1),
    ]
    total = run("faults").total
    assert (total["jobs"], total["installer"], total["dealer"], total["none"]) == (6, 2, 2, 1)
    assert (total["undecided"], total["share_pct"]) == (1, 100.0)


def test_technician_performance(ctx, october):
    result = run("technicians")
    # tech1: R1 R2 R3 R6 I1 completed (5); repairs as above, 2 of 3 = 66.7 %; working
    # visits 60, 30, 90, 45, 120 minutes = 345 / 5 = 69.0 (the 10-minute no-show left
    # out); one no-show fee; R2's evidence sent back by its dealer (R1's by the office
    # does not count). tech2: R4 R5 (2); 1 of 2; visits 20 and 60 = 40.0 (R7's arrived
    # in November local time).
    assert result.rows == [
        {"technician": "tech1", "jobs_completed": 5, "repairs": 4, "first_time": 2,
         "first_time_pct": 66.7, "visits_timed": 5, "mean_onsite_min": 69.0,
         "no_shows": 1, "sent_back": 1},
        {"technician": "tech2", "jobs_completed": 2, "repairs": 2, "first_time": 1,
         "first_time_pct": 50.0, "visits_timed": 2, "mean_onsite_min": 40.0,
         "no_shows": 0, "sent_back": 0},
    ]  # fmt: skip
    # (345 + 80) / 7 = 60.71… minutes; 3 of 5 fixed first time.
    assert result.total == {"technician": "合计 Total", "jobs_completed": 7, "repairs": 6,
                            "first_time": 3, "first_time_pct": 60.0, "visits_timed": 7,
                            "mean_onsite_min": 60.7, "no_shows": 1, "sent_back": 1}  # fmt: skip


def test_one_dealer_sees_only_its_own_figures(ctx, october, world):
    org2 = uuid.UUID(world.ids["org2"])
    assert [r["dealer"] for r in run("first-time-fix", dealer_id=org2).rows] == ["清泉净水"]
    techs = run("technicians", dealer_id=org2).rows
    assert [(r["technician"], r["jobs_completed"]) for r in techs] == [("tech2", 2)]
    faults = {r["category"]: r["jobs"] for r in run("faults", dealer_id=org2).rows}
    assert faults == {"filter_clogged": 1, "force_majeure": 1}


def test_the_next_month_has_what_completed_after_local_midnight(ctx, october):
    november = date(2026, 11, 1)
    # R7 completed 10-31 16:30 UTC = 11-01 00:30 in Shanghai: November's, first time.
    assert run("first-time-fix", november).total["repairs"] == 1
    assert run("first-time-fix", november).total["rate_pct"] == 100.0
    # R6, completed 09-30 16:30 UTC = 10-01 00:30 local, is not September's.
    assert run("first-time-fix", date(2026, 9, 1)).rows == []


def test_another_time_zone_moves_the_boundary_jobs(ctx, october):
    # In UTC, R6 (09-30 16:30) is September's and R7 (10-31 16:30) October's.
    result = run("first-time-fix", tz="UTC")
    assert result.total["repairs"] == 6
    by_dealer = {r["dealer"]: r["repairs"] for r in result.rows}
    assert by_dealer == {"清泉净水": 3, "示例净水": 3}


def test_an_empty_month_has_no_rows_and_no_rates(ctx, october):
    result = run("technicians", date(2025, 1, 1))
    assert result.rows == []
    assert result.total["jobs_completed"] == 0 and result.total["first_time_pct"] is None


def test_evidence_sent_back_by_a_dealer_is_counted_from_the_audit_trail(app, client, world):
    """Through the real move, so the report reads what the desk writes."""
    import sqlalchemy as sa

    from server.audit.models import AuditEntry
    from server.extensions import db
    from tests.helpers import set_job

    done = datetime.now(UTC).replace(microsecond=0)
    for job, who in (("job1", "dealer1"), ("job2", "dispatcher")):
        set_job(app, world.ids[job], status="completed", completed_at=done)
        r = client.post(
            f"/api/jobs/{world.ids[job]}/request-evidence",
            json={"reason": "缺少安装照片"},
            headers=world.auth(who),
        )
        assert r.status_code == 200, r.get_json()
    with app.app_context():
        query = sa.select(AuditEntry.at).where(AuditEntry.action == "request_evidence")
        month = months.this_month(SHANGHAI, db.session.scalars(query).first())
        rows = run("technicians", month).rows
        db.session.remove()
    # The dealer's request counts for job1's technician; the office's (job2) does not.
    assert [(r["technician"], r["sent_back"]) for r in rows] == [("tech1", 1)]
