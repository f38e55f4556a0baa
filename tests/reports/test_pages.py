"""The reports in the console (table, chart, CSV) and the JSON API: who may read them,
what a bad month or dealer gets, and the bytes a spreadsheet receives."""

import re

import pytest

from server.reports import catalog, months, registry
from server.reports.registry import Column, Report
from tests.helpers import assert_problem, sign_in_page
from tests.web.test_security_headers import Inventory

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def office(client, world):
    sign_in_page(client, "admin", "dispatcher")
    return client


def test_the_reports_page_lists_every_report_for_the_month(office, october, world):
    page = office.get("/admin/reports?month=2026-10&dealer_id=" + world.ids["org1"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for report_id, zh in (("first-time-fix", "一次修复率"), ("faults", "故障分类统计")):
        assert zh in html
        assert f"/admin/reports/{report_id}?month=2026-10&amp;dealer_id={world.ids['org1']}" in html
    assert 'href="/admin/reports"' in office.get("/admin/").get_data(as_text=True)
    # No month: the current one in the service center's time zone.
    this_month = months.label(months.this_month("Asia/Shanghai"))
    assert f'name="month" value="{this_month}"' in office.get("/admin/reports").get_data(True)


def test_a_report_page_shows_the_table_the_total_and_a_chart(office, october):
    page = office.get("/admin/reports/first-time-fix?month=2026-10")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    # Nothing the CSP forbids: no inline script, style element or attribute, handler.
    inventory = Inventory()
    inventory.feed(html)
    assert inventory.inline == [] and "<svg" in html
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    assert ["清泉净水", "2", "1", "1", "0", "50.0"] in cells
    assert ["示例净水", "4", "2", "1", "1", "66.7"] in cells
    assert ["合计 Total", "6", "3", "2", "1", "60.0"] in cells
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    # One bar per dealer; the longest (66.7 %) fills the room, the other is 50/66.7 of it.
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths == [round(390 * 50.0 / 66.7, 1), 390.0]
    assert "66.7%" in svg and "50.0%" in svg


def test_an_empty_month_says_so(office, october):
    html = office.get("/admin/reports/faults?month=2025-01").get_data(as_text=True)
    assert "Nothing to report" in html and "<svg" not in html


def test_the_csv_opens_in_excel_with_a_bilingual_header(office, october):
    r = office.get("/admin/reports/technicians.csv?month=2026-10")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="technicians-2026-10.csv"'
    body = r.get_data()
    assert body.startswith(BOM)
    assert body[3:].decode("utf-8").split("\r\n") == [
        "工程师 Technician,完成工单 Jobs completed,完成维修 Repairs,一次修复 Fixed first time,"
        "一次修复率 First-time fix rate (%),计时上门 Timed visits,"
        "平均在场时长 Mean time on site (min),顾客爽约 Customer no-shows,"
        "经销商退回补证 Evidence sent back by dealers",
        "tech1,5,4,2,66.7,5,69.0,1,1",
        "tech2,2,2,1,50.0,2,40.0,0,0",
        "合计 Total,7,6,3,60.0,7,60.7,1,1",
        "",
    ]


def test_a_name_a_spreadsheet_would_run_stays_text(app, office, october, world):
    from server.auth.models import User
    from server.extensions import db

    with app.app_context():
        db.session.get(User, world.users["tech2"].id).display_name = "=HYPERLINK(1)"
        db.session.commit()
    lines = office.get("/admin/reports/technicians.csv?month=2026-10").get_data().decode()
    assert "\r\n'=HYPERLINK(1),2,2,1,50.0" in lines


def test_the_api_answers_the_office_with_the_same_figures(client, october, world):
    r = client.get(
        "/api/reports/faults",
        query_string={"month": "2026-10", "dealer_id": world.ids["org2"]},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    body = r.get_json()
    assert (body["id"], body["month"], body["timezone"]) == ("faults", "2026-10", "Asia/Shanghai")
    assert body["dealer_id"] == world.ids["org2"]
    assert body["title"] == {"zh-CN": "故障分类统计", "en": "Faults by category"}
    assert body["columns"][4] == {
        "id": "share_pct", "zh-CN": "占比", "en": "Share", "unit": "%", "kind": "float"
    }  # fmt: skip
    assert [(row["category"], row["jobs"], row["share_pct"]) for row in body["rows"]] == [
        ("filter_clogged", 1, 50.0),
        ("force_majeure", 1, 50.0),
    ]
    assert body["total"]["jobs"] == 2
    listed = client.get("/api/reports", headers=world.auth("dispatcher")).get_json()
    assert [r["id"] for r in listed] == [
        "sla", "first-time-fix", "satisfaction", "faults", "technicians"
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["tech1", "dealer1"])
def test_a_technician_or_dealer_may_not_read_reports(client, world, who):
    for path in ("/api/reports", "/api/reports/faults?month=2026-10"):
        assert_problem(client.get(path, headers=world.auth(who)), 403)
    assert_problem(client.get("/api/reports"), 401)


def test_the_pages_need_the_console_sign_in(client, world):
    for path in ("/admin/reports", "/admin/reports/faults", "/admin/reports/faults.csv"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/admin/login")


@pytest.mark.parametrize(
    "query",
    ["month=2026-13", "month=2026-1", "month=1969-12", "month=2026-10%0A", "month=Oct",
     "month=2026-10&dealer_id=nope", "month=2026-10&dealer=x"],
)  # fmt: skip
def test_a_bad_month_or_filter_is_refused(office, world, query):
    for path in ("/admin/reports", "/admin/reports/faults", "/admin/reports/faults.csv"):
        assert_problem(office.get(f"{path}?{query}"), 400)
    api = office.get(f"/api/reports/faults?{query}", headers=world.auth("admin"))
    assert_problem(api, 422)


def test_an_unknown_report_or_dealer_is_not_found(office, world):
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_problem(office.get("/admin/reports/nps?month=2026-10"), 404)
    assert_problem(office.get("/admin/reports/nps.csv?month=2026-10"), 404)
    assert_problem(office.get(f"/admin/reports/faults?month=2026-10&dealer_id={unknown}"), 404)
    headers = world.auth("admin")
    assert_problem(office.get("/api/reports/nps?month=2026-10", headers=headers), 404)
    path = f"/api/reports/faults?month=2026-10&dealer_id={unknown}"
    assert_problem(office.get(path, headers=headers), 404)


def test_the_month_follows_the_configured_time_zone(app, office, october):
    # In UTC, R7 (completed 10-31 16:30 UTC) is October's and R6 (09-30 16:30) is not.
    app.config["SERVICE_TIMEZONE"] = "UTC"
    html = office.get("/admin/reports/first-time-fix?month=2026-10").get_data(as_text=True)
    assert "Months are counted in UTC" in html
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", html)]
    assert ["清泉净水", "3", "2", "1", "0", "66.7"] in cells


@pytest.fixture
def extra_report():
    """A report added the way docs/reports.md says; removed again after the test."""

    def rows(session, month, dealer_id=None, *, tz):
        return [{"name": "=x", "value": 2.5}, {"name": "b", "value": None}]

    report = registry.register(
        Report(
            id="example",
            zh="示例",
            en="Example",
            columns=(
                Column("name", "名称", "Name", kind="text"),
                Column("value", "数值", "Value", "min", "float"),
            ),
            rows=rows,
            chart="value",
            label="name",
        )
    )
    yield report
    del registry.REPORTS["example"]


def test_a_new_definition_is_listed_shown_and_exported(office, world, extra_report):
    assert "示例" in office.get("/admin/reports").get_data(as_text=True)
    html = office.get("/admin/reports/example?month=2026-10").get_data(as_text=True)
    assert html.count("<rect") == 1 and "<tfoot>" not in html  # no value, no bar; no total
    csv = office.get("/admin/reports/example.csv?month=2026-10").get_data()
    assert csv == BOM + "名称 Name,数值 Value (min)\r\n'=x,2.5\r\nb,\r\n".encode()
    body = office.get("/api/reports/example?month=2026-10", headers=world.auth("admin")).get_json()
    assert body["rows"] == [{"name": "=x", "value": 2.5}, {"name": "b", "value": None}]
    assert body["total"] is None


@pytest.mark.parametrize("month", ["1970-01", "2199-12"])
def test_every_report_answers_for_the_first_and_last_months(office, world, month):
    for report in catalog.listed():
        for path in (f"/admin/reports/{report.id}", f"/admin/reports/{report.id}.csv"):
            assert office.get(f"{path}?month={month}").status_code == 200, path
        api = office.get(f"/api/reports/{report.id}?month={month}", headers=world.auth("admin"))
        assert api.status_code == 200 and api.get_json()["rows"] == []
