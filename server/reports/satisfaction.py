"""Satisfaction: the survey answers of the month, per dealer (server/care/).

One row per dealer (the chart compares their mean ratings; the total row is the whole
service center), each with
- surveys sent: surveys created in the month (the link first sent), and how many of
  those are answered by now: the response rate, final once their links have expired;
- answered: surveys answered in the month (`answered_at`), the number of each rating
  1–5, the mean rating, and the low ratings: at or below the dealer's policy
  `care.low_rating_max` (the rating that opens a complaint by itself);
- complaints from ratings: complaints opened from a survey in the month.
A survey is the dealer's of its job; surveys of deleted jobs are not counted.
"""

from collections import defaultdict

import sqlalchemy as sa

from server.care.models import Complaint, Survey
from server.dealers import service as dealers
from server.dealers.models import Dealer
from server.desk.models import Job
from server.reports import months
from server.reports.registry import Column, Report, percent, register

RATINGS = (1, 2, 3, 4, 5)
COUNTS = ("sent", "sent_answered", "answered", *(f"rating_{r}" for r in RATINGS))
COUNTS = (*COUNTS, "low", "complaints")


def _surveys(dealer_id):
    """Surveys of live jobs, with the job's dealer (one dealer's if given)."""
    query = (
        sa.select(Job.dealer_id, Survey.rating, Survey.answered_at, Survey.created_at)
        .join(Job, Job.id == Survey.job_id)
        .where(Job.deleted_at.is_(None))
    )
    return query if dealer_id is None else query.where(Job.dealer_id == dealer_id)


def _rows(session, month, dealer_id=None, *, tz):
    start, end = months.bounds(month, tz)
    counts = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    sent = _surveys(dealer_id).where(Survey.created_at >= start, Survey.created_at < end)
    for dealer, _, answered_at, _ in session.execute(sent):
        counts[dealer]["sent"] += 1
        counts[dealer]["sent_answered"] += answered_at is not None
    answered = _surveys(dealer_id).where(
        Survey.rating.is_not(None), Survey.answered_at >= start, Survey.answered_at < end
    )
    for dealer, rating, _, _ in session.execute(answered):
        low_max = dealers.policy_of(dealer)["care"]["low_rating_max"]
        counts[dealer]["answered"] += 1
        counts[dealer][f"rating_{rating}"] += 1
        counts[dealer]["low"] += rating <= low_max
    complaints = sa.select(Complaint.dealer_id).where(
        Complaint.deleted_at.is_(None),
        Complaint.source == "survey",
        Complaint.opened_at >= start,
        Complaint.opened_at < end,
    )
    if dealer_id is not None:
        complaints = complaints.where(Complaint.dealer_id == dealer_id)
    for (dealer,) in session.execute(complaints):
        counts[dealer]["complaints"] += 1
    names = dict(
        session.execute(sa.select(Dealer.id, Dealer.name).where(Dealer.id.in_(counts))).all()
    )
    rows = [{"dealer": names[d], **_rates(c)} for d, c in counts.items()]
    return sorted(rows, key=lambda row: row["dealer"])


def _rates(counts: dict) -> dict:
    """The counts with the response rate, mean rating and low share computed from them."""
    points = sum(r * counts[f"rating_{r}"] for r in RATINGS)
    answered = counts["answered"]
    return {
        **counts,
        "response_pct": percent(counts["sent_answered"], counts["sent"]),
        "mean_rating": round(points / answered, 1) if answered else None,
        "low_pct": percent(counts["low"], answered),
    }


def _total(rows):
    return {"dealer": "合计 Total", **_rates({k: sum(r[k] for r in rows) for k in COUNTS})}


REPORT = register(
    Report(
        id="satisfaction",
        zh="满意度",
        en="Satisfaction",
        columns=(
            Column("dealer", "经销商", "Dealer", kind="text"),
            Column("sent", "当月发出调查", "Surveys sent"),
            Column("sent_answered", "其中已答复", "Answered of those sent"),
            Column("response_pct", "答复率", "Response rate", "%", "float"),
            Column("answered", "当月答复", "Answered in the month"),
            *(Column(f"rating_{r}", f"{r}分", f"Rated {r}") for r in RATINGS),
            Column("mean_rating", "平均评分", "Mean rating", "/5", "float"),
            Column("low", "低分", "Low ratings"),
            Column("low_pct", "低分占比", "Low ratings share", "%", "float"),
            Column("complaints", "评分引发投诉", "Complaints from ratings"),
        ),
        rows=_rows,
        chart="mean_rating",
        label="dealer",
        total=_total,
        about_zh=(
            "按经销商：当月发出的满意度调查及其中至今已答复的比例（链接过期后为最终值）；"
            "当月答复的调查的各评分数、平均分、低分（不高于该经销商政策中自动引发投诉的"
            "评分，默认2分）及其占比；当月由评分引发的投诉数。"
        ),
        about_en=(
            "Per dealer: surveys first sent in the month and the share of them answered so "
            "far (final once their links expire); of the surveys answered in the month, the "
            "count of each rating, the mean, the low ratings (at or below the dealer "
            "policy's rating that opens a complaint, 2 by default) and their share; "
            "complaints opened from ratings in the month."
        ),
    )
)
