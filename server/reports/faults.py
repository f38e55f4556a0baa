"""Faults by category: the jobs completed in the month that have a fault category, per
category, with who is liable by each job's stored liability decision
(server/warranty/decisions.py). A job with no current decision, or one made for another
category than the job's now, counts as undecided."""

from collections import Counter, defaultdict

import sqlalchemy as sa

from server.desk.models import Job
from server.field.vocab import FAULT_CATEGORIES
from server.reports import months
from server.reports.first_fix import completed_jobs
from server.reports.registry import Column, Report, percent, register
from server.warranty.models import LiabilityDecision
from server.warranty.texts import CATEGORY_LABELS

# The liable parties (server/warranty/liability.py's LIABLE) as columns, then undecided.
PARTIES = (
    ("installer", "服务商", "Installer"),
    ("dealer", "经销商", "Dealer"),
    ("customer", "顾客", "Customer"),
    ("none", "无责任方", "Nobody"),
)
UNDECIDED = "undecided"


def _rows(session, month, dealer_id=None, *, tz):
    start, end = months.bounds(month, tz)
    jobs = completed_jobs(start, end, dealer_id).where(Job.fault_category.is_not(None)).subquery()
    query = sa.select(
        jobs.c.fault_category, LiabilityDecision.fault_category, LiabilityDecision.liable
    )
    query = query.select_from(jobs).outerjoin(
        LiabilityDecision,
        sa.and_(LiabilityDecision.job_id == jobs.c.id, LiabilityDecision.deleted_at.is_(None)),
    )
    counts = defaultdict(Counter)
    for category, decided_for, liable in session.execute(query):
        counts[category][liable if decided_for == category else UNDECIDED] += 1
    whole = sum(sum(c.values()) for c in counts.values())
    order = {c: i for i, c in enumerate(FAULT_CATEGORIES)}
    rows = []
    for category, by_party in counts.items():
        zh, en = CATEGORY_LABELS.get(category, (category, category))
        jobs_n = sum(by_party.values())
        row = {"category": category, "label_zh": zh, "label_en": en, "jobs": jobs_n}
        row["share_pct"] = percent(jobs_n, whole)
        row.update({party: by_party[party] for party, _, _ in PARTIES})
        row[UNDECIDED] = by_party[UNDECIDED]
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["jobs"], order.get(r["category"], len(order))))


def _total(rows):
    total = {"category": "total", "label_zh": "合计", "label_en": "Total"}
    for key in ("jobs", *(p for p, _, _ in PARTIES), UNDECIDED):
        total[key] = sum(r[key] for r in rows)
    total["share_pct"] = 100.0 if total["jobs"] else None
    return total


REPORT = register(
    Report(
        id="faults",
        zh="故障分类统计",
        en="Faults by category",
        columns=(
            Column("category", "故障代码", "Category id", kind="text"),
            Column("label_zh", "故障类别", "Category (zh-CN)", kind="text"),
            Column("label_en", "类别（英文）", "Category", kind="text"),
            Column("jobs", "工单数", "Jobs"),
            Column("share_pct", "占比", "Share", "%", "float"),
            *(Column(p, f"责任：{zh}", f"Liable: {en}") for p, zh, en in PARTIES),
            Column(UNDECIDED, "未判定", "Undecided"),
        ),
        rows=_rows,
        chart="jobs",
        label="label_zh",
        total=_total,
        about_zh="当月完成且有故障类别的工单，按类别统计；责任方取自该工单现行的责任判定。",
        about_en=(
            "Jobs completed in the month that have a fault category, by category; the liable "
            "party is the job's current liability decision (undecided: none, or one made "
            "for another category)."
        ),
    )
)
