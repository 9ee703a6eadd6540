"""The console's 审计: each viewer's reach (admin and group all, a unit union its unit's rows and its
own, a leader refused), the filters, the console's own rows (sign-ins, refusals with the address,
exports naming personal columns), values shown as text, the export read back."""
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from storage import ledgers
from storage.actor import Actor
from storage.models import AuditEntry, Person
from storage.people import bind, get_studio, get_unit, upsert_person
from tests.support.console import console_page, csrf_of, signed_in_client as _signed_in_client


def signed_in_client(bot, who):
    client = _signed_in_client(bot, who)
    client.csrf = csrf_of(client.get("/console/login", follow_redirects=True).get_data(as_text=True))
    return client


def seed(bot):
    """A ledger entry in the demo studio (with markup typed in it) and one in another unit's studio."""
    with bot.db.transaction() as s:
        leader = s.scalar(select(Person).where(Person.name == "王海"))
        ledgers.add_entry(s, leader.studio_id, "activity", {"kind": "技能培训", "topic": "<script>alert(1)</script>",
                                                            "date": "20250510", "participants": 3, "hours": "1"},
                          "20250510", Actor.of_person(leader, "web"))
        unit = get_unit(s, "中交第二示范工程局有限公司", "施工企业")
        other_leader = upsert_person(s, "刘洋", unit, ["leader"], "")
        other_union = upsert_person(s, "周敏", unit, ["union"], "")
        bind(s, other_leader, "web", "leader2")
        bind(s, other_union, "web", "union2")
        studio = get_studio(s, "刘洋桥梁创新工作室", unit, other_leader)
        other_leader.studio_id = studio.id
        s.flush()
        ledgers.add_entry(s, studio.id, "activity", {"kind": "技术交流", "topic": "桥梁顶推交流", "date": "20250601",
                                                     "participants": 12, "hours": "2"}, "20250601",
                          Actor.of_person(other_leader, "web"))


def texts(client, url):
    return client.get(url).get_data(as_text=True)


def test_each_viewer_sees_what_the_scope_covers(bot):
    seed(bot)
    signed_in_client(bot, "union2")                     # 周敏 signs in: a row of the other unit's union
    union = signed_in_client(bot, "union")
    assert union.get("/console/manage").status_code == 403          # a refusal of its own, with the address
    page = texts(union, "/console/audit")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "桥梁顶推交流" not in page and "周敏" not in page
    assert "李秀英" in page and "拒绝访问" in page and "127.0.0.1" in page
    group = signed_in_client(bot, "group")
    page = texts(group, "/console/audit")
    assert "桥梁顶推交流" in page and "周敏" in page and "李秀英" in page
    # a leader keeps no audit view: refused and audited
    leader = signed_in_client(bot, "leader")
    assert leader.get("/console/audit").status_code == 403
    with bot.db.session() as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.action == "console.refused")
                            .order_by(AuditEntry.id)).all()
    assert [(r.actor, r.key) for r in refused] == [("李秀英", "/console/manage"), ("王海", "/console/audit")]


def test_the_filters_return_the_right_rows(bot):
    seed(bot)
    union = signed_in_client(bot, "union")
    union.get("/console/manage")
    union.get("/console/ledgers?ledger=activity&export=1")
    admin = signed_in_client(bot, "admin")
    admin.get("/console/manage?export=1")
    refused = texts(admin, "/console/audit?result=refused")
    assert "共 1 条" in refused and "李秀英" in refused and "/console/manage" in refused
    exports = texts(admin, "/console/audit?action=console.export")
    assert "共 2 条" in exports and "<td>个人信息：手机</td>" in exports
    by_actor = texts(admin, "/console/audit?actor=刘洋&action=ledger.create")
    assert "共 1 条" in by_actor and "桥梁顶推交流" in by_actor
    grouped = texts(admin, "/console/audit?action=ledger")          # a family of actions
    assert "共 2 条" in grouped
    assert "共 1 条" in texts(admin, "/console/audit?q=桥梁")         # free text: the values, detail, key, IP …
    assert "共 1 条" in texts(admin, "/console/audit?q=手机")
    today = bot.clock.local(bot.clock.utcnow()).date()
    assert "共 0 条" in texts(admin, f"/console/audit?until={today - timedelta(days=1)}")
    assert "共 0 条" not in texts(admin, f"/console/audit?since={today}&until={today}")
    with bot.db.session() as s:
        unit_id = s.scalar(select(Person.unit_id).where(Person.name == "刘洋"))
    by_unit = texts(admin, f"/console/audit?unit={unit_id}&action=ledger.create")
    assert "共 1 条" in by_unit and "刘洋桥梁创新工作室" in by_unit
    # the union's own filters stay inside its reach
    assert "共 0 条" in texts(union, "/console/audit?actor=刘洋")
    assert admin.get("/console/audit?since=2025-13-01").status_code == 400


def test_the_audit_export_is_read_back_and_is_audited_itself(bot):
    seed(bot)
    union = signed_in_client(bot, "union")
    response = union.get("/console/audit?action=ledger.create&export=1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["编号", "时间", "操作人"]
    assert len(values) == 3 and values[2][2] == "王海" and "<script>alert(1)</script>" in values[2][11]
    with bot.db.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "console.export")).one()
    assert row.actor == "李秀英" and row.object_type == "audit_log"


@pytest.mark.browser
def test_the_audit_filters_in_chromium(bot, browser):
    seed(bot)
    with console_page(bot, browser, "admin") as (page, base):
        page.goto(base + "/console/audit")
        page.select_option("select[name=result]", "ok")
        page.fill("input[name=actor]", "刘洋")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**actor=*")
        assert "共 1 条" in page.inner_text("#list") and "桥梁顶推交流" in page.inner_text("#list")
