"""The console's 总览 and application page: counts against the demo data, 未提交名单, scope refusals
(403 and an audit row), a decision taken in the console reaching the leader and the next reviewer in
chat and the audit, 催办 once a day, exports, and statements bounded whatever the number of studios."""
import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from bot import demo
from storage.models import Account, Application, AuditEntry, OutboxMessage, Person, ReviewStep, Studio
from storage.people import bind, get_studio, get_unit, upsert_person
from tests.support.clock import clock
from tests.support.console import console_page, csrf_of, signed_in_client
from tests.support.files import send_file
from tests.support.office import at_group_step

MARCH = datetime(2027, 3, 10, 10, 0)        # the demo's year is 2027 (deadline 31 May)


def full_demo(bot, when=MARCH):
    clock.set_now(when)
    with bot.db.transaction() as s:
        demo.load(s, bot.config)


def counts_of(html):
    return {label: int(n) for label, n in re.findall(r'<div class="card"><span>([^<]+)</span><b>(\d+)</b>', html)}


def studios_in(html):
    return re.findall(r'<tr data-(?:studio|app)="\d+">\s*<td>[^<]*</td>\s*<td>(?:<a [^>]+>)?([^<]+)', html)


def token(client):
    """The CSRF token the client's pages carry now (the session's, renewed at sign-in)."""
    return csrf_of(client.get("/console/").get_data(as_text=True))


def app_id(bot, studio):
    with bot.db.session() as s:
        return s.scalar(select(Application.id).join(Studio).where(Studio.name == studio))


def step_form(html, decision):
    """(step id, version) of the decision form on an application page."""
    form = re.search(r'<form method="post" action="[^"]+/decide" class="' + decision + r'"[^>]*>.*?</form>', html, re.S)
    assert form, f"no {decision} form"
    return (re.search(r'name="step_id" value="(\d+)"', form.group(0)).group(1),
            re.search(r'name="version" value="(\d+)"', form.group(0)).group(1))


# -- the board ---------------------------------------------------------------------------------------

def test_board_counts_the_demo_year_by_step_for_each_scope(bot):
    full_demo(bot)
    group = signed_in_client(bot, "group").get("/console/").get_data(as_text=True)
    assert "2027 年度申报总览" in group and "申报截止：<b>5月31日</b>" in group
    assert re.search(r"还有 <b class=\"big\">\d+</b> 个工作日", group)
    assert counts_of(group) == {"未开始填写": 2, "填写中": 2, "第 1 步 所在单位工会": 2, "第 2 步 所在单位技术部门": 1,
                                "第 3 步 所在单位党委": 1, "第 4 步 集团工会联合会": 2, "已退回修改": 1,
                                "审批通过，待命名": 0, "未通过": 0, "已命名": 2}
    assert len(studios_in(group)) == 1 + len(demo.STUDIOS)
    row = re.search(r'孙波BIM技术创新工作室</a></td>.*?</tr>', group, re.S).group(0)
    assert "已退回修改（第 2 步 所在单位技术部门）" in row and "52/52" in row
    assert "6/52" in re.search(r'褚伟智能建造创新工作室</a></td>.*?</tr>', group, re.S).group(0)
    # the unit union sees its unit only; the technical department the applications with a step of theirs
    union = signed_in_client(bot, "union").get("/console/").get_data(as_text=True)
    assert counts_of(union)["第 1 步 所在单位工会"] == 1 and counts_of(union)["第 4 步 集团工会联合会"] == 0
    assert set(studios_in(union)) == {"王海隧道掘进劳模创新工作室"} | {
        name for name, unit, *_ in demo.STUDIOS if unit == demo.UNIT}
    tech = signed_in_client(bot, "tech").get("/console/").get_data(as_text=True)
    assert "王海隧道掘进劳模创新工作室" not in studios_in(tech) and "韩冰疏浚装备创新工作室" not in tech
    leader = signed_in_client(bot, "leader").get("/console/").get_data(as_text=True)
    assert studios_in(leader) == ["王海隧道掘进劳模创新工作室"] and "催办" not in leader


def test_unsubmitted_list_and_its_export(bot):
    full_demo(bot)
    client = signed_in_client(bot, "group")
    html = client.get("/console/?show=unsubmitted").get_data(as_text=True)
    assert set(studios_in(html)) == {"王海隧道掘进劳模创新工作室", "冯军焊接工艺创新工作室", "周明港口工程创新工作室",
                                     "褚伟智能建造创新工作室"}      # not the named, not the submitted
    assert "未提交名单（4）" in html
    searched = client.get("/console/?show=unsubmitted&q=周明").get_data(as_text=True)
    assert studios_in(searched) == ["周明港口工程创新工作室"]
    fragment = client.get("/console/?show=unsubmitted&q=冯军", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and studios_in(fragment) == ["冯军焊接工艺创新工作室"]   # htmx: the tab only
    response = client.get("/console/?show=unsubmitted&export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "冯军焊接工艺创新工作室" in names and "郑华桥梁施工劳模创新工作室" not in names
    with bot.db.session() as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "console.export")) == 1


def test_a_unit_union_is_refused_another_units_application_and_it_is_audited(bot):
    full_demo(bot)
    other = app_id(bot, "韩冰疏浚装备创新工作室")
    client = signed_in_client(bot, "union")
    response = client.get(f"/console/applications/{other}")
    assert response.status_code == 403 and "无权" in response.get_data(as_text=True)
    assert client.get(f"/console/applications/{app_id(bot, '李强桥梁焊接创新工作室')}").status_code == 200
    assert signed_in_client(bot, "leader").get(f"/console/applications/{other}").status_code == 403
    with bot.db.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "console.refused")).first()
        assert (row.object_type, row.object_id, row.actor, row.result) == ("application", str(other), "李秀英", "refused")
        assert row.application_id == other and row.ip
    # a decision on it is refused too (and changes nothing)
    page = signed_in_client(bot, "group").get(f"/console/applications/{other}").get_data(as_text=True)
    assert 'class="approve"' not in page            # the group union decides at step 4 only
    response = client.post(f"/console/applications/{other}/decide",
                           data={"csrf_token": token(client), "decision": "approve", "step_id": "1", "version": "1"})
    assert response.status_code == 403


def test_a_return_in_the_console_reaches_the_leader_in_chat_and_the_audit(bot, chat, may_2025, submitted):
    app = app_id(bot, "王海隧道掘进劳模创新工作室")
    union, tech = signed_in_client(bot, "union"), signed_in_client(bot, "tech")
    chat("union").inbox()
    page = union.get(f"/console/applications/{app}").get_data(as_text=True)
    step, version = step_form(page, "approve")
    response = union.post(f"/console/applications/{app}/decide", data={
        "csrf_token": csrf_of(page), "decision": "approve", "step_id": step, "version": version, "opinion": "同意推荐"})
    assert response.status_code == 302
    assert any("【待审批】" in text and "第 2 步" in text for text in chat("tech").inbox())   # the next reviewer
    page = tech.get(f"/console/applications/{app}").get_data(as_text=True)
    step, version = step_form(page, "return")
    response = tech.post(f"/console/applications/{app}/decide", data={
        "csrf_token": csrf_of(page), "decision": "return", "step_id": step, "version": version,
        "opinion": "请按意见修改后再提交", "fields": ["funding.y2.sources"],
        "comment.funding.y2.sources": "请补充每个来源单位的金额"}, follow_redirects=True)
    assert "已退回修改，领衔人已在聊天中收到需修改的内容" in response.get_data(as_text=True)
    news = submitted.inbox()
    assert any("被 所在单位技术部门退回修改" in t and "2024年经费来源：请补充每个来源单位的金额" in t
               and "需修改：2024年经费来源" in t for t in news), news
    assert "需修改：2024年经费来源" in submitted.send("申报")
    with bot.db.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action.in_(["review.approve", "review.return"]))
                         .order_by(AuditEntry.id)).all()
        assert [(r.action, r.actor, r.channel) for r in rows] == [("review.approve", "李秀英", "console"),
                                                                  ("review.return", "张建军", "console")]
        assert "请补充每个来源单位的金额" in rows[1].detail and rows[1].ip
    page = tech.get(f"/console/applications/{app}").get_data(as_text=True)
    assert "（需修改）" in page and "退回修改" in page


def test_a_return_that_reaches_nobody_in_chat_says_so(bot, chat, may_2025, submitted):
    app = app_id(bot, "王海隧道掘进劳模创新工作室")
    with bot.db.transaction() as s:            # the studio's people lose their messenger accounts
        for account in s.scalars(select(Account).join(Person, Person.id == Account.person_id)
                                 .where(Person.studio_id.is_not(None))):
            s.delete(account)
    union = signed_in_client(bot, "union")
    page = union.get(f"/console/applications/{app}").get_data(as_text=True)
    step, version = step_form(page, "return")
    response = union.post(f"/console/applications/{app}/decide", data={
        "csrf_token": csrf_of(page), "decision": "return", "step_id": step, "version": version,
        "opinion": "请补充经费来源", "fields": ["funding.y2.sources"]}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "尚未绑定企业微信或钉钉账号，聊天中未能通知到，请另行告知" in html
    assert "领衔人已在聊天中收到" not in html


def test_a_step_of_another_application_is_refused_and_nothing_changes(bot):
    full_demo(bot)
    mine, other = app_id(bot, "李强桥梁焊接创新工作室"), app_id(bot, "赵刚机电维修工匠创新工作室")
    tech = signed_in_client(bot, "tech")                # 赵刚's step is the technical department's
    union = signed_in_client(bot, "union")
    step, version = step_form(tech.get(f"/console/applications/{other}").get_data(as_text=True), "approve")
    page = union.get(f"/console/applications/{mine}").get_data(as_text=True)
    refused = union.post(f"/console/applications/{mine}/decide", data={
        "csrf_token": csrf_of(page), "decision": "approve", "step_id": step, "version": version})
    assert refused.status_code == 400 and "这一步不属于这份申报表" in refused.get_data(as_text=True)
    with bot.db.session() as s:
        assert s.get(ReviewStep, int(step)).status == "pending"
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "review.approve",
                                                                AuditEntry.channel == "console")) == 0


def test_remind_is_sent_once_a_day_and_the_page_says_so(bot, chat):
    full_demo(bot)                      # the demo's steps were decided on earlier working days
    client = signed_in_client(bot, "union")
    html = client.get("/console/?show=overdue").get_data(as_text=True)
    li = app_id(bot, "李强桥梁焊接创新工作室")
    with bot.db.session() as s:
        step = s.scalar(select(ReviewStep.id).where(ReviewStep.application_id == li, ReviewStep.status == "pending"))
    assert f'data-step="{step}"' in html and "李秀英" in html and "12 个工作日" in html
    hx = {"HX-Request": "true"}
    client.csrf = csrf_of(html)
    first = client.post(f"/console/remind/step/{step}", data={"csrf_token": client.csrf}, headers=hx)
    assert "已催办：李秀英" in first.get_data(as_text=True)
    again = client.post(f"/console/remind/step/{step}", data={"csrf_token": client.csrf}, headers=hx)
    assert "今天已催办过 李秀英" in again.get_data(as_text=True)
    assert f'data-step="{step}"' in (page := client.get("/console/?show=overdue").get_data(as_text=True))
    assert "今天已催办" in re.search(rf'data-step="{step}".*?</tr>', page, re.S).group(0)
    assert [t for t in chat("union").inbox() if t.startswith("【催办】")] != []
    # a studio that has not submitted: its leader is reminded in chat, once
    with bot.db.session() as s:
        studio = s.scalar(select(Studio.id).where(Studio.name == demo.STUDIO))
    first = client.post(f"/console/remind/studio/{studio}", data={"csrf_token": client.csrf}, headers=hx)
    assert "已催办：王海" in first.get_data(as_text=True)
    again = client.post(f"/console/remind/studio/{studio}", data={"csrf_token": client.csrf}, headers=hx)
    assert "今天已催办过 王海" in again.get_data(as_text=True)
    told = [t for t in chat("leader").inbox() if t.startswith("【催办】")]
    assert len(told) == 1 and "还没有开始填写 2027 年度申报表" in told[0] and "李秀英提醒" in told[0]
    with bot.db.session() as s:
        keys = s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.notice.in_(["review_chase", "deadline"]),
                                                               OutboxMessage.dedupe_key.like("%20270310%"))).all()
        assert len(keys) == 2
        assert s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action.in_(["review.remind", "review.remind_applicant"]))) == 2
    # a unit union cannot chase another unit's studio
    with bot.db.session() as s:
        foreign = s.scalar(select(Studio.id).where(Studio.name == "冯军焊接工艺创新工作室"))
    assert client.post(f"/console/remind/studio/{foreign}", data={"csrf_token": client.csrf}).status_code == 403


# -- statements per page -------------------------------------------------------------------------------

def seed(bot, start, n):
    """``n`` more studios over four units: a third with no application, a third at the group step, a
    third drafts; reviewers of the group step bound nowhere."""
    with bot.db.transaction() as s:
        units = [get_unit(s, f"测试单位{u}", "施工企业") for u in range(4)]
        reviewer = upsert_person(s, "测试工会", units[0], ["union"])
        for i in range(start, start + n):
            unit = units[i % 4]
            leader = upsert_person(s, f"测试领衔人{i}", unit, ["leader"])
            studio = get_studio(s, f"测试{i}号创新工作室", unit, leader)
            leader.studio_id = studio.id
            if i % 3 == 1:
                at_group_step(s, studio, 2027, leader, reviewer)
            elif i % 3 == 2:
                app = at_group_step(s, studio, 2027, leader, reviewer)
                app.status = "draft"


def test_statements_per_page_do_not_grow_with_the_studios(bot):
    clock.set_now(MARCH)
    seed(bot, 0, 30)
    client = signed_in_client(bot, "group")
    with bot.db.session() as s:
        one = s.scalar(select(Application.id).where(Application.status == "submitted"))
    pages = ["/console/", "/console/?show=unsubmitted", "/console/?show=overdue", "/console/applications",
             f"/console/applications/{one}"]
    statements = []
    engines = {bot.db.engine, getattr(bot.db, "read_engine", bot.db.engine)}

    def count(*_):
        statements.append(1)

    def measure():
        found = {}
        for path in pages:
            for engine in engines:
                event.listen(engine, "before_cursor_execute", count)
            statements.clear()
            try:
                assert client.get(path).status_code == 200
            finally:
                for engine in engines:
                    event.remove(engine, "before_cursor_execute", count)
            found[path] = len(statements)
        return found

    clock.set_now(datetime(2027, 3, 20, 10, 0))        # the group steps overdue
    small = measure()
    seed(bot, 30, 30)
    clock.set_now(datetime(2027, 3, 31, 10, 0))        # these too
    large = measure()
    assert large == small, (small, large)
    assert max(small.values()) <= 40, small


# -- in Chromium ---------------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_clerk_sees_who_has_not_submitted_reminds_and_returns_in_chromium(bot, browser, chat):
    full_demo(bot)
    with console_page(bot, browser, "union") as (page, base):
        page.goto(base + "/console/?show=unsubmitted")
        row = page.locator("tr", has_text="王海隧道掘进劳模创新工作室")
        row.locator("button", has_text="催办").click()
        page.wait_for_selector("text=已催办：王海")
        page.reload()
        assert "今天已催办" in page.locator("tr", has_text="王海隧道掘进劳模创新工作室").inner_text()
        li = app_id(bot, "李强桥梁焊接创新工作室")
        page.goto(base + f"/console/applications/{li}")
        form = page.locator("form.return")
        form.locator("textarea").fill("请")              # says nothing to revise: refused in place, kept
        form.locator("button", has_text="退回修改").click()
        form.locator(".form-error", has_text="请写明需要修改或补充的内容").wait_for()
        assert form.locator("textarea").input_value() == "请" and page.url.endswith(f"/console/applications/{li}")
        form.locator("summary").click()                 # a comment alone marks its field
        form.locator("input[name='comment.benefit.y2.income']").fill("请附加盖财务章的证明")
        form.locator("button", has_text="退回修改").click()
        # 李强 has no messenger account in the demo: the page says so instead of claiming he was told
        page.wait_for_selector("text=聊天中未能通知到，请另行告知")
        assert "已退回修改。" in page.content() and "（需修改）" in page.content()
    assert any(t.startswith("【催办】") for t in chat("leader").inbox())
    with bot.db.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "review.return",
                                                 AuditEntry.application_id == li)).one()
        assert row.actor == "李秀英" and row.channel == "console" and "请附加盖财务章的证明" in row.detail


def test_the_application_docx_is_prepared_then_offered(bot, chat):
    full_demo(bot)
    app = app_id(bot, "钱进精密测量创新工作室")
    client = signed_in_client(bot, "party")
    page = client.get(f"/console/applications/{app}").get_data(as_text=True)
    assert "下载申报表（DOCX）" not in page and 'class="approve"' in page       # step 3 is the party's
    response = client.post(f"/console/applications/{app}/docx", data={"csrf_token": csrf_of(page)},
                           follow_redirects=True)
    assert "申报表正在生成" in response.get_data(as_text=True)
    chat("party").worker_round()
    page = client.get(f"/console/applications/{app}").get_data(as_text=True)
    assert "下载申报表（DOCX）" in page and "/files/" not in page.split("下载申报表（DOCX）")[0][-400:]
    download = client.post(f"/console/applications/{app}/docx", data={"csrf_token": csrf_of(page)})
    assert download.status_code == 302 and download.headers["Location"].startswith("/files/")
    assert client.get(download.headers["Location"]).data[:2] == b"PK"
    with bot.db.session() as s:                     # asked, then downloaded: each is an audit row
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "document.application",
                                                                AuditEntry.actor == "刘志强")) == 2


def test_proofs_are_shown_inline_or_linked_with_signed_links(bot, chat, may_2025):
    leader = chat("leader")
    leader.send("申报")
    leader.send("证明 创新成果")
    send_file(bot, name="成果照片.jpg")
    leader.send("证明 创新成果")
    send_file(bot, name="成果鉴定.pdf", data=b"%PDF-1.4 proof")
    page = signed_in_client(bot, "union").get(
        f"/console/applications/{app_id(bot, demo.STUDIO)}").get_data(as_text=True)
    image = re.search(r'<img src="(/files/[^"]+)" alt="成果照片.jpg"', page)
    assert image and "sig=" in image.group(1)
    assert re.search(r'<a href="/files/[^"]+">成果鉴定.pdf</a>', page)
    assert "填写中" in page and 'class="approve"' not in page


def test_a_transfer_in_the_console_prompts_the_colleague_in_chat(bot, chat):
    full_demo(bot)
    with bot.db.transaction() as s:
        bind(s, upsert_person(s, "王芳", get_unit(s, demo.UNIT), ["union"]), "web", "union-2")
    client = signed_in_client(bot, "union")
    app = app_id(bot, "李强桥梁焊接创新工作室")
    page = client.get(f"/console/applications/{app}").get_data(as_text=True)
    step, version = step_form(page, "transfer")
    colleague = re.search(r'<option value="(\d+)">王芳</option>', page).group(1)
    response = client.post(f"/console/applications/{app}/decide", data={
        "csrf_token": csrf_of(page), "decision": "transfer", "step_id": step, "version": version,
        "person_id": colleague}, follow_redirects=True)
    assert "已转交，同事已收到待审批消息" in response.get_data(as_text=True)
    assert 'class="approve"' not in response.get_data(as_text=True)      # now the colleague's to decide
    assert any(t.startswith("【待审批】李强桥梁焊接创新工作室") for t in chat("union-2").inbox())
    with bot.db.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "review.transfer")).one()
        assert (row.actor, row.channel, row.detail) == ("李秀英", "console", "转交给 王芳")


def test_the_application_list_filters_pages_and_exports(bot):
    full_demo(bot)
    client = signed_in_client(bot, "group")
    waiting = client.get("/console/applications?step=4").get_data(as_text=True)
    assert set(studios_in(waiting)) == {"吴磊路面养护劳模创新工作室", "陈亮水工结构创新工作室"}
    returned = client.get("/console/applications?status=returned").get_data(as_text=True)
    assert studios_in(returned) == ["孙波BIM技术创新工作室"]
    drafts = client.get("/console/applications?status=draft&q=褚伟").get_data(as_text=True)
    assert studios_in(drafts) == ["褚伟智能建造创新工作室"] and "共 1 份" in drafts
    sheet = load_workbook(io.BytesIO(client.get("/console/applications?step=1&export=xlsx").data)).active
    assert {row[1] for row in sheet.iter_rows(values_only=True)} >= {"李强桥梁焊接创新工作室", "韩冰疏浚装备创新工作室"}
    union = signed_in_client(bot, "union").get("/console/applications").get_data(as_text=True)
    assert "韩冰疏浚装备创新工作室" not in union and "李强桥梁焊接创新工作室" in union
