"""Demo data: two dealers, six users (password `demo`), twenty customers in Hangzhou, jobs."""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.auth.models import User
from server.dealers.models import Dealer
from server.dealers.policy import load_policy
from server.desk.models import JOB_KINDS, Customer, Job, ServiceRequest, Unit
from server.desk.technicians import TechnicianProfile
from server.extensions import db
from server.warranty.service import refresh as refresh_warranty

DEMO_PASSWORD = "demo"  # noqa: S105 - README says so, and says to change it

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
DISTRICTS = ["西湖区", "上城区", "拱墅区", "滨江区", "余杭区"]
STREETS = ["文三路", "教工路", "莫干山路", "江南大道", "文一西路", "庆春路", "解放路", "湖墅南路"]
MODELS = ["RO-400G", "RO-600G", "UF-2000", "RO-800G Pro"]
DESCRIPTIONS = {
    "installation": "新机安装调试",
    "repair": "机器漏水，接头处渗水",
    "filter_change": "滤芯到期更换",
    "maintenance": "定期保养清洗",
    "water_test": "上门检测水质",
    "remote_support": "电话指导开机冲洗",
    "consultation": "咨询滤芯更换周期",
    "complaint": "对上次服务时间不满意",
    "return_exchange": "机器噪音大，申请换货",
}


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def load(seed: int = 7) -> dict:
    rng = random.Random(seed)
    main = Dealer(name="示例净水", contact_phone="400-800-1234", policy_doc=load_policy({}))
    other = Dealer(name="清泉净水", contact_phone="400-800-5678", policy_doc=load_policy({}))
    db.session.add_all([main, other])
    db.session.flush()

    users = {}
    for username, name, role, dealer in [
        ("admin", "管理员", "admin", None),
        ("dispatcher", "调度员 周敏", "dispatcher", None),
        ("tech1", "师傅 王强", "technician", None),
        ("tech2", "师傅 李军", "technician", None),
        ("dealer1", "示例净水 售后", "dealer", main),
        ("dealer2", "清泉净水 售后", "dealer", other),
    ]:
        user = User(username=username, display_name=name, role=role, dealer=dealer)
        user.set_password(DEMO_PASSWORD)
        users[username] = user
    db.session.add_all(users.values())
    db.session.flush()
    # What dispatch suggestions rank by (server/desk/dispatch.py): overlapping districts.
    db.session.add_all(
        [
            TechnicianProfile(
                user_id=users["tech1"].id, districts=DISTRICTS[:3], skills=list(JOB_KINDS)
            ),
            TechnicianProfile(
                user_id=users["tech2"].id,
                districts=DISTRICTS[2:],
                skills=[k for k in JOB_KINDS if k != "installation"],
            ),
        ]
    )

    zone = ZoneInfo(main.policy["timezone"])
    today = datetime.now(zone).date()
    techs = [users["tech1"], users["tech2"]]
    jobs = []
    for i in range(20):
        customer = Customer(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
            phone=f"13{rng.randint(100000000, 999999999)}",
            city="杭州市",
            district=DISTRICTS[i % len(DISTRICTS)],
            address=f"杭州市{DISTRICTS[i % len(DISTRICTS)]}{rng.choice(STREETS)}"
            f"{rng.randint(1, 300)}号{rng.randint(1, 30)}幢{rng.randint(101, 2402)}室",
        )
        dealer = other if i % 5 == 4 else main
        purchase = today - timedelta(days=rng.randint(0, 700))
        unit = Unit(
            customer=customer,
            dealer=dealer,
            model=rng.choice(MODELS),
            serial=f"SN{today:%y}{i + 1:04d}{rng.randint(1000, 9999)}",
            purchase_date=purchase,
            installed_on=purchase + timedelta(days=3) if i % 9 else None,
            shipped_with_prv=i % 4 == 0,
        )
        db.session.add_all([customer, unit])
        db.session.flush()
        refresh_warranty(unit)
        kind = JOB_KINDS[i % len(JOB_KINDS)]
        day = today + timedelta(days=i % 2)
        start_hour = 9 + (i // 2) % 8
        start = datetime.combine(day, time(start_hour), zone).astimezone(UTC)
        request = ServiceRequest(
            customer_id=customer.id,
            unit_id=unit.id,
            dealer_id=dealer.id,
            kind=kind,
            channel=rng.choice(["phone", "wechat", "web", "sms"]),
            description=DESCRIPTIONS[kind],
            received_at=start - timedelta(days=1),
            status="scheduled",
        )
        db.session.add(request)
        db.session.flush()
        tech = techs[i % 2]
        job = Job(
            request_id=request.id,
            customer_id=customer.id,
            unit_id=unit.id,
            dealer_id=dealer.id,
            kind=kind,
            status="scheduled",
            technician_id=tech.id,
            window_start=start,
            window_end=start + timedelta(hours=2),
            address=customer.address,
            description=DESCRIPTIONS[kind],
        )
        jobs.append(job)
    db.session.add_all(jobs)
    db.session.commit()
    return {"dealers": 2, "users": len(users), "customers": 20, "jobs": len(jobs)}
