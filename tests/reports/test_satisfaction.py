"""The satisfaction report for October 2026, worked out by hand.

Surveys (times UTC; Shanghai = UTC + 8 h). org1 (示例净水) keeps the default low-rating
threshold (2), org2 (清泉净水) has 3. A complaint from a survey is opened when it is
answered with a low rating.

| survey | dealer | sent (created) | answered | rating | complaint |
|---|---|---|---|---|---|
| S1 | org1 | 10-02 02:00 | 10-03 02:00 | 5 | |
| S2 | org1 | 10-05 02:00 | 10-06 02:00 | 4 | |
| S3 | org1 | 10-08 02:00 | 10-08 03:00 | 1 | yes |
| S4 | org1 | 10-20 02:00 | — | | |
| S5 | org1 | 09-28 02:00 | 09-30 16:30 (10-01 00:30 local) | 2 | yes |
| S6 | org1 | 10-31 10:00 (18:00 local) | 10-31 16:30 (11-01 00:30 local) | 3 | |
| S7 | org2 | 10-10 02:00 | 10-11 02:00 | 3 | yes |
| S8 | org2 | 10-12 02:00 | 10-12 05:00 | 5 | |
| S9 | org2 | 10-30 02:00 | 10-31 15:00 (23:00 local) | 4 | |
| S10 | org2 | 09-30 15:00 (23:00 local) | 10-02 02:00 | 5 | |
| S12 | org2 | 10-16 02:00 | 10-17 02:00 | 4 | |
| S11 | org1 | 10-03 02:00, its job deleted | 10-04 02:00 | 1 | |

Besides: a complaint the office opened for org1 on 10-09 (not from a survey).
"""

import re
import uuid
from datetime import date, timedelta

import pytest

from server.care.models import Complaint, Survey
from server.dealers.models import Dealer
from server.dealers.policy import load_policy
from server.desk.models import Customer, Job
from server.extensions import db
from server.reports import catalog, months, registry
from tests.reports.conftest import at

OCTOBER = date(2026, 10, 1)
SHANGHAI = "Asia/Shanghai"

SURVEYS = [
    # name, dealer, created, answered, rating, complaint
    ("S1", "org1", "10-02 02:00", "10-03 02:00", 5, False),
    ("S2", "org1", "10-05 02:00", "10-06 02:00", 4, False),
    ("S3", "org1", "10-08 02:00", "10-08 03:00", 1, True),
    ("S4", "org1", "10-20 02:00", None, None, False),
    ("S5", "org1", "09-28 02:00", "09-30 16:30", 2, True),
    ("S6", "org1", "10-31 10:00", "10-31 16:30", 3, False),
    ("S7", "org2", "10-10 02:00", "10-11 02:00", 3, True),
    ("S8", "org2", "10-12 02:00", "10-12 05:00", 5, False),
    ("S9", "org2", "10-30 02:00", "10-31 15:00", 4, False),
    ("S10", "org2", "09-30 15:00", "10-02 02:00", 5, False),
    ("S12", "org2", "10-16 02:00", "10-17 02:00", 4, False),
    ("S11", "org1", "10-03 02:00", "10-04 02:00", 1, False),
]


def run(month=OCTOBER, dealer_id=None, tz=SHANGHAI):
    return registry.run(catalog.get("satisfaction"), month, tz, dealer_id)


def build(world):
    db.session.get(Dealer, world.org2.id).policy_doc = load_policy({"care": {"low_rating_max": 3}})
    customer = Customer(name="孙丽", phone="13900000002", address="杭州市滨江区3号")
    db.session.add(customer)
    db.session.flush()

    def complaint(org, job, survey, opened, source="survey"):
        db.session.add(
            Complaint(
                customer_id=customer.id,
                dealer_id=getattr(world, org).id,
                job_id=job.id if job else None,
                survey_id=survey.id if survey else None,
                source=source,
                summary="评分低",
                opened_at=at(opened),
                due_at=at(opened) + timedelta(hours=48),
            )
        )

    for name, org, created, answered, rating, complained in SURVEYS:
        job = Job(
            customer_id=customer.id,
            dealer_id=getattr(world, org).id,
            kind="repair",
            status="completed",
            completed_at=at(created) - timedelta(hours=1),
            deleted_at=at("10-05 00:00") if name == "S11" else None,
        )
        db.session.add(job)
        db.session.flush()
        survey = Survey(
            job_id=job.id,
            rating=rating,
            answered_at=at(answered) if answered else None,
            created_at=at(created),
            expires_at=at(created) + timedelta(days=14),
        )
        db.session.add(survey)
        db.session.flush()
        if complained:
            complaint(org, job, survey, answered)
    complaint("org1", None, None, "10-09 02:00", source="office")
    db.session.commit()


@pytest.fixture
def surveys(app, world):
    with app.app_context():
        build(world)
        db.session.remove()


def counts(r1, r2, r3, r4, r5):
    return {"rating_1": r1, "rating_2": r2, "rating_3": r3, "rating_4": r4, "rating_5": r5}


def test_satisfaction_per_dealer(ctx, surveys):
    result = run()
    # org1: sent in October (local) S1 S2 S3 S4 S6 = 5, of which S1 S2 S3 S6 answered by
    # now (S6 in November): 80.0 %. Answered in October: S1 5, S2 4, S3 1, S5 2 (10-01
    # local) = 4, mean 12/4 = 3.0; low (≤ 2) S3 S5: 50.0 %; complaints from S3 and S5.
    # S11's job is deleted; the office's complaint is not from a survey.
    # org2: sent S7 S8 S9 S12 (S10 was sent on 09-30 local), all answered: 100.0 %.
    # Answered S7 3, S8 5, S9 4 (23:00 on the 31st), S10 5, S12 4 = 21/5 = 4.2; low
    # (≤ 3 by its policy) S7: 20.0 %; one complaint.
    assert result.rows == [
        {"dealer": "清泉净水", "sent": 4, "sent_answered": 4, "response_pct": 100.0,
         "answered": 5, **counts(0, 0, 1, 2, 2), "mean_rating": 4.2, "low": 1,
         "low_pct": 20.0, "complaints": 1},
        {"dealer": "示例净水", "sent": 5, "sent_answered": 4, "response_pct": 80.0,
         "answered": 4, **counts(1, 1, 0, 1, 1), "mean_rating": 3.0, "low": 2,
         "low_pct": 50.0, "complaints": 2},
    ]  # fmt: skip
    # From the summed counts: 8 of 9 = 88.9 %; (1 + 2 + 3 + 12 + 15) / 9 = 3.67; 3 of 9.
    assert result.total == {
        "dealer": "合计 Total", "sent": 9, "sent_answered": 8, "response_pct": 88.9,
        "answered": 9, **counts(1, 1, 1, 3, 3), "mean_rating": 3.7, "low": 3,
        "low_pct": 33.3, "complaints": 3,
    }  # fmt: skip


def test_one_dealers_satisfaction(ctx, surveys, world):
    rows = run(dealer_id=world.org1.id).rows
    assert [(r["dealer"], r["answered"], r["mean_rating"]) for r in rows] == [("示例净水", 4, 3.0)]


def test_the_month_of_an_answer_is_its_local_day(ctx, surveys):
    # November: S6 (answered 11-01 00:30 local), nothing sent. September: S10 sent on the
    # 30th at 23:00 local, not yet answered then (answered in October, so counted as
    # answered by now); S5 sent on 09-28.
    (november,) = run(date(2026, 11, 1)).rows
    assert (november["dealer"], november["answered"], november["rating_3"]) == ("示例净水", 1, 1)
    assert (november["sent"], november["response_pct"], november["low"]) == (0, None, 0)
    september = {r["dealer"]: (r["sent"], r["sent_answered"], r["answered"])
                 for r in run(date(2026, 9, 1)).rows}  # fmt: skip
    assert september == {"示例净水": (1, 1, 0), "清泉净水": (1, 1, 0)}
    # In UTC S5 is answered in September and S6 in October.
    utc = {r["dealer"]: r["answered"] for r in run(tz="UTC").rows}
    assert utc == {"示例净水": 4, "清泉净水": 5}


def test_a_month_without_surveys_has_no_rows(ctx, surveys):
    result = run(date(2025, 1, 1))
    assert result.rows == []
    assert result.total["answered"] == 0 and result.total["mean_rating"] is None


def test_the_satisfaction_page_csv_and_api(client, world, surveys):
    from tests.helpers import sign_in_page

    sign_in_page(client, "admin", "dispatcher")
    html = client.get("/admin/reports/satisfaction?month=2026-10").get_data(as_text=True)
    assert "满意度" in html and "<svg" in html
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", html)]
    assert ["示例净水", "5", "4", "80.0", "4", "1", "1", "0", "1", "1", "3.0", "2", "50.0",
            "2"] in cells  # fmt: skip
    # The bars are the mean ratings, the longer one 4.2.
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths == [390.0, round(390 * 3.0 / 4.2, 1)]
    csv = client.get("/admin/reports/satisfaction.csv?month=2026-10").get_data()[3:].decode()
    lines = csv.split("\r\n")
    assert lines[0] == (
        "经销商 Dealer,当月发出调查 Surveys sent,其中已答复 Answered of those sent,"
        "答复率 Response rate (%),当月答复 Answered in the month,1分 Rated 1,2分 Rated 2,"
        "3分 Rated 3,4分 Rated 4,5分 Rated 5,平均评分 Mean rating (/5),低分 Low ratings,"
        "低分占比 Low ratings share (%),评分引发投诉 Complaints from ratings"
    )
    assert lines[1:] == [
        "清泉净水,4,4,100.0,5,0,0,1,2,2,4.2,1,20.0,1",
        "示例净水,5,4,80.0,4,1,1,0,1,1,3.0,2,50.0,2",
        "合计 Total,9,8,88.9,9,1,1,1,3,3,3.7,3,33.3,3",
        "",
    ]
    body = client.get(
        "/api/reports/satisfaction",
        query_string={"month": "2026-10", "dealer_id": world.ids["org2"]},
        headers=world.auth("dispatcher"),
    ).get_json()
    assert [(r["dealer"], r["mean_rating"], r["low_pct"]) for r in body["rows"]] == [
        ("清泉净水", 4.2, 20.0)
    ]
    assert body["columns"][10] == {
        "id": "mean_rating", "zh-CN": "平均评分", "en": "Mean rating", "unit": "/5",
        "kind": "float",
    }  # fmt: skip


def test_a_survey_answered_through_its_link_is_counted(app, client, world):
    """Through the care pages, so the report reads what a customer's answer writes."""
    from tests.care.conftest import completed, path_of
    from tests.helpers import form_token

    job_id = completed(app, world.ids["job1"])
    link = client.post(f"/api/jobs/{job_id}/survey", headers=world.auth("dispatcher"))
    path = path_of(link.get_json()["url"])
    answered = client.post(path, data={"csrf": form_token(client, path), "rating": "2"})
    assert answered.status_code == 200
    with app.app_context():
        survey = db.session.query(Survey).filter_by(job_id=uuid.UUID(job_id)).one()
        rows = run(months.this_month(SHANGHAI, survey.answered_at)).rows
        db.session.remove()
    # A 2 is low by the default policy, and it opened a complaint.
    assert [(r["dealer"], r["answered"], r["rating_2"], r["low"], r["complaints"])
            for r in rows] == [("示例净水", 1, 1, 1, 1)]  # fmt: skip
