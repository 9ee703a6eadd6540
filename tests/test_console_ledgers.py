"""The console's 台账: the four ledgers per studio and per unit within the viewer's scope, the held
expenses and 专项科研经费 budgets decided through the chat's services (the leader told in chat, the
audit written), a unit union refused another unit's ledgers, the XLSX export read back."""
import io
import re

import openpyxl
import pytest
from sqlalchemy import event, select

from storage import ledgers
from storage.actor import Actor
from storage.models import AuditEntry, LedgerEntry, OutboxMessage, Person, Studio
from storage.people import bind, get_studio, get_unit, upsert_person
from tests.support.console import console_page, csrf_of, signed_in_client as _signed_in_client

OTHER_UNIT = "中交第二示范工程局有限公司"
OTHER_STUDIO = "刘洋桥梁创新工作室"


def signed_in_client(bot, who):
    """Signed in, with the CSRF token of the signed-in session (sign-in starts a new session)."""
    client = _signed_in_client(bot, who)
    client.csrf = csrf_of(client.get("/console/login", follow_redirects=True).get_data(as_text=True))
    return client


def _person(session, name):
    return session.scalar(select(Person).where(Person.name == name))


def seed(bot):
    """The demo studio with an entry in each ledger (one activity typed by the leader as =1+1), a
    held expense and a 立项 whose budget waits; another unit with its studio, leader and union."""
    with bot.db.transaction() as s:
        leader = _person(s, "王海")
        actor = Actor.of_person(leader, "web")
        sid = leader.studio_id
        ledgers.add_entry(s, sid, "activity", {"kind": "技能培训", "topic": "=1+1", "date": "20250510",
                                               "participants": 25, "hours": "4"}, "20250510", actor)
        ledgers.add_entry(s, sid, "achievement", {"kind": "发明专利", "title": "一种盾构管片拼装定位装置",
                                                  "date": "20250312"}, "20250312", actor)
        ledgers.add_entry(s, sid, "member", {"kind": "加入", "name": "赵磊", "date": "20250105"}, "20250105", actor)
        ledgers.add_entry(s, sid, "funding", {"direction": "收入", "amount": "5", "unit": "中交示范工程局",
                                              "date": "20250105"}, "20250105", actor)
        held = ledgers.add_entry(s, sid, "funding", {"direction": "支出", "amount": "0.3", "category": "研究费用",
                                                     "purpose": "技术咨询费", "date": "20250302", "hold": "pending"},
                                 "20250302", actor)
        project = ledgers.add_entry(s, sid, "achievement", {
            "kind": "立项", "title": "富水砂层始发风险控制", "date": "20250201", "plan": "年内完成样机",
            "target": "20251231", "budget": "5", "budget_state": "pending"}, "20250201", actor)
        unit = get_unit(s, OTHER_UNIT, "施工企业")
        other_leader = upsert_person(s, "刘洋", unit, ["leader"], "")
        other_union = upsert_person(s, "周敏", unit, ["union"], "")
        bind(s, other_leader, "web", "leader2")
        bind(s, other_union, "web", "union2")
        studio = get_studio(s, OTHER_STUDIO, unit, other_leader)
        other_leader.studio_id = studio.id
        s.flush()
        other = ledgers.add_entry(s, studio.id, "activity", {"kind": "技术交流", "topic": "桥梁顶推交流",
                                                             "date": "20250601", "participants": 12, "hours": "2"},
                                  "20250601", Actor.of_person(other_leader, "web"))
        return {"held": held.id, "project": project.id, "studio": sid, "other_studio": studio.id,
                "other_unit": unit.id, "other_entry": other.id}


def test_the_unit_union_confirms_a_held_expense_and_the_leader_is_told_in_chat(bot, chat):
    ids = seed(bot)
    union = signed_in_client(bot, "union")
    page = union.get("/console/ledgers").get_data(as_text=True)
    assert "待单位工会确认的经费支出（1）" in page and "技术咨询费" in page
    assert f'/console/ledgers/held/{ids["held"]}/confirm' in page
    assert "刘洋桥梁创新工作室" not in page                     # another unit's studio is not listed
    reply = union.post(f'/console/ledgers/held/{ids["held"]}/confirm', data={"csrf_token": union.csrf},
                       headers={"HX-Request": "true"})
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "已确认经费支出" in body and '<section id="held"' in body
    assert "<html" not in body                                # only the section, swapped in place
    with bot.db.session() as s:
        assert s.get(LedgerEntry, ids["held"]).data["hold"] == "confirmed"
        row = s.scalars(select(AuditEntry).where(AuditEntry.object_id == str(ids["held"]))
                        .order_by(AuditEntry.id.desc())).first()
        assert (row.action, row.actor, row.channel, row.detail) == ("ledger.update", "李秀英", "console", "单位工会确认")
    assert any(f"所在单位工会已确认经费支出（编号 {ids['held']}）" in t for t in chat("leader").inbox())
    # a second press: the service's own answer, nothing changes
    again = union.post(f'/console/ledgers/held/{ids["held"]}/confirm', data={"csrf_token": union.csrf},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "不是待确认的经费支出" in again


def test_a_refusal_needs_a_reason_and_deletes_the_expense(bot, chat):
    ids = seed(bot)
    union = signed_in_client(bot, "union")
    url = f'/console/ledgers/held/{ids["held"]}/refuse'
    body = union.post(url, data={"csrf_token": union.csrf}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "请写明驳回理由" in body
    body = union.post(url, data={"csrf_token": union.csrf, "reason": "属于<b>福利</b>"},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "已不认可经费支出" in body and "没有待确认的经费支出" in body
    with bot.db.session() as s:
        assert s.get(LedgerEntry, ids["held"]).deleted_at is not None
    told = [t for t in chat("leader").inbox() if "驳回了经费支出" in t]
    assert told and "属于<b>福利</b>" in told[0]


def test_a_budget_is_approved_in_the_console_by_the_units_union_only(bot, chat):
    ids = seed(bot)
    leader = signed_in_client(bot, "leader")
    page = leader.get("/console/ledgers").get_data(as_text=True)
    assert "富水砂层始发风险控制" in page and "待所在单位工会审批" in page
    assert f'/budget/{ids["project"]}/approve' not in page           # the leader reads, never decides
    assert leader.post(f'/console/ledgers/budget/{ids["project"]}/approve',
                       data={"csrf_token": leader.csrf}).status_code == 403
    other = signed_in_client(bot, "union2")
    body = other.post(f'/console/ledgers/budget/{ids["project"]}/approve', data={"csrf_token": other.csrf},
                      headers={"HX-Request": "true"})
    assert body.status_code == 403 and "不是本单位工作室的立项" in body.get_data(as_text=True)
    union = signed_in_client(bot, "union")
    body = union.post(f'/console/ledgers/budget/{ids["project"]}/approve', data={"csrf_token": union.csrf},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "已批准立项" in body and "没有待审批的预算" in body
    with bot.db.session() as s:
        assert s.get(LedgerEntry, ids["project"]).data["budget_state"] == "approved"
    assert any("已批准立项「富水砂层始发风险控制」" in t for t in chat("leader").inbox())


def test_a_unit_union_cannot_see_another_units_ledgers(bot):
    ids = seed(bot)
    union = signed_in_client(bot, "union")
    for url in (f'/console/ledgers?unit={ids["other_unit"]}', f'/console/ledgers?studio={ids["other_studio"]}&ledger=activity',
                f'/console/ledgers?studio={ids["other_studio"]}&ledger=activity&export=1',
                f'/console/ledgers/studio/{ids["other_studio"]}'):
        response = union.get(url, follow_redirects=True)
        assert response.status_code == 403, url
        assert "无权" in response.get_data(as_text=True) or "只能查看本单位" in response.get_data(as_text=True)
    listing = union.get("/console/ledgers?ledger=activity").get_data(as_text=True)
    assert "桥梁顶推交流" not in listing and "=1+1" in listing
    with bot.db.session() as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.action == "console.refused")).all()
    assert len(refused) == 4 and {r.actor for r in refused} == {"李秀英"} and all(r.ip for r in refused)
    # tech and party keep no ledgers: refused at the door
    assert signed_in_client(bot, "tech").get("/console/ledgers").status_code == 403
    # the group union sees both units, by studio and summed by unit
    group = signed_in_client(bot, "group")
    summary = group.get("/console/ledgers").get_data(as_text=True)
    assert OTHER_STUDIO in summary and "王海隧道掘进劳模创新工作室" in summary
    units = group.get("/console/ledgers?view=units").get_data(as_text=True)
    assert OTHER_UNIT in units and "工作室数" in units


def test_the_leader_reads_the_own_studio_only(bot):
    ids = seed(bot)
    leader = signed_in_client(bot, "leader")
    page = leader.get("/console/ledgers?ledger=funding").get_data(as_text=True)
    assert "待单位工会确认" in page and "收入 5 万元" in page
    assert leader.get(f'/console/ledgers?studio={ids["other_studio"]}').status_code == 403
    summary = leader.get("/console/ledgers").get_data(as_text=True)
    assert OTHER_STUDIO not in summary and "确认</button>" not in summary


def test_filters_search_and_paging(make_bot):
    bot = make_bot(console_page_size=10)
    seed(bot)
    with bot.db.transaction() as s:
        leader = _person(s, "王海")
        for n in range(25):
            ledgers.add_entry(s, leader.studio_id, "activity", {"kind": "学习研讨", "topic": f"第{n}次研讨",
                                                                "date": "20240301", "participants": 5, "hours": "1"},
                              "20240301", Actor.of_person(leader, "web"))
    group = signed_in_client(bot, "group")
    first = group.get("/console/ledgers?ledger=activity").get_data(as_text=True)
    assert "共 27 条" in first and "第 1 / 3 页" in first
    third = group.get("/console/ledgers?ledger=activity&page=3").get_data(as_text=True)
    assert "第 3 / 3 页" in third and len(re.findall(r"<tr><td>\d+</td>", third)) == 7
    assert "共 25 条" in group.get("/console/ledgers?ledger=activity&year=2024").get_data(as_text=True)
    found = group.get("/console/ledgers?ledger=activity&q=第7次").get_data(as_text=True)
    assert "共 1 条" in found and "第7次研讨" in found
    assert "共 1 条" in group.get("/console/ledgers?ledger=activity&q=桥梁").get_data(as_text=True)
    fragment = group.get("/console/ledgers?ledger=activity&q=100%", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "共 0 条" in fragment and "<html" not in fragment


def test_the_export_is_what_is_shown_and_a_formula_stays_text(bot):
    seed(bot)
    leader = signed_in_client(bot, "leader")
    response = leader.get("/console/ledgers?ledger=activity&export=1")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[1]
    assert header[:3] == ["编号", "单位", "工作室"]
    topics = [c for row in sheet.iter_rows(min_row=3) for c in row if isinstance(c.value, str) and "=1+1" in c.value]
    assert topics and all(c.data_type == "s" for c in topics)
    assert not any(isinstance(v, str) and "桥梁" in v for row in values for v in row)
    with bot.db.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "console.export")).one()
    assert row.actor == "王海" and row.object_type == "ledger" and row.object_id == "activity"


def test_a_cell_typed_as_a_formula_is_written_as_text(bot):
    """The leader's =1+1 alone in a cell (the summary by studio carries names; the entry's kind column is typed)."""
    with bot.db.transaction() as s:
        leader = _person(s, "王海")
        ledgers.add_entry(s, leader.studio_id, "activity", {"kind": "其他", "topic": "x", "date": "20250510",
                                                            "participants": 1, "hours": "1", "place": "=1+1"},
                          "20250510", Actor.of_person(leader, "web"))
        s.get(Studio, leader.studio_id).name = "=1+1"
    group = signed_in_client(bot, "group")
    sheet = openpyxl.load_workbook(io.BytesIO(group.get("/console/ledgers?export=1").data)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


@pytest.mark.browser
def test_confirming_in_chromium_swaps_the_section_in_place(bot, browser, chat):
    ids = seed(bot)
    with console_page(bot, browser, "union") as (page, base):
        page.goto(base + "/console/ledgers")
        page.click(f'#held-{ids["held"]} button:has-text("确认")')
        page.wait_for_selector("#held .flash")
        assert "已确认经费支出" in page.inner_text("#held")
        assert page.url.endswith("/console/ledgers")
    assert any("所在单位工会已确认经费支出" in t for t in chat("leader").inbox())


def _add_studios(bot, first, count):
    with bot.db.transaction() as s:
        unit = get_unit(s, f"第{first}工程局", "施工企业")
        for n in range(first, first + count):
            leader = upsert_person(s, f"领衔人{n}", unit, ["leader"], "")
            studio = get_studio(s, f"第{n}创新工作室", unit, leader)
            s.flush()
            actor = Actor.of_person(leader, "web")
            ledgers.add_entry(s, studio.id, "activity", {"kind": "学习研讨", "topic": f"研讨{n}", "date": "20250301",
                                                         "participants": 5, "hours": "1"}, "20250301", actor)
            ledgers.add_entry(s, studio.id, "funding", {"direction": "支出", "amount": "0.1", "category": "研究费用",
                                                        "purpose": "检测", "date": "20250302", "hold": "pending"},
                              "20250302", actor)


def _statements(bot, client, url):
    seen = []

    def count(*args):
        seen.append(1)
    engines = {id(e): e for e in (bot.db.engine, bot.db.read_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_pages_statements_do_not_grow_with_the_studios(bot):
    _add_studios(bot, 1, 3)
    group = signed_in_client(bot, "group")
    urls = ("/console/ledgers", "/console/ledgers?view=units", "/console/ledgers?ledger=funding")
    few = [_statements(bot, group, url) for url in urls]
    _add_studios(bot, 100, 40)
    many = [_statements(bot, group, url) for url in urls]
    assert many == few and max(many) <= 20
