"""The console's 管理 for admins: roles and bindings changed through the people service (the person's
console sessions end, the change counts from the next request), the CLI's people import with its
preview, group robots, resending a failed message as the CLI does, notice pauses; others refused."""
import io
import re

import pytest
from sqlalchemy import select

from bot.message import Outgoing
from handlers.notices.ops import paused_types
from storage import deliveries
from storage.models import Account, AuditEntry, OutboxMessage, Person, RobotGroup
from storage.outbox import enqueue
from tests.support.console import console_page, csrf_of, signed_in_client as _signed_in_client

WECOM_HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123"


def signed_in_client(bot, who):
    """Signed in, with the CSRF token of the signed-in session (sign-in starts a new session)."""
    client = _signed_in_client(bot, who)
    client.csrf = csrf_of(client.get("/console/login", follow_redirects=True).get_data(as_text=True))
    return client


def person_id(bot, name):
    with bot.db.session() as s:
        return s.scalar(select(Person.id).where(Person.name == name))


def audit_rows(bot, action):
    with bot.db.session() as s:
        return s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


@pytest.mark.parametrize("who", ["union", "group", "leader"])
def test_only_admins_open_manage(bot, who):
    client = signed_in_client(bot, who)
    for url in ("/console/manage", "/console/manage/outbox", "/console/manage/import"):
        response = client.get(url)
        assert response.status_code == 403 and "仅限管理员使用" in response.get_data(as_text=True)
    pid = person_id(bot, "王海")
    assert client.post(f"/console/manage/person/{pid}/roles", data={"csrf_token": client.csrf,
                                                                    "roles": ["admin"]}).status_code == 403
    assert len(audit_rows(bot, "console.refused")) == 4
    with bot.db.session() as s:
        assert "admin" not in s.get(Person, pid).role_names
    assert "/console/manage" not in client.get("/console/ledgers" if who != "group" else "/console/").get_data(as_text=True)


def test_people_are_listed_searched_and_exported_with_the_mobile_audited(bot):
    admin = signed_in_client(bot, "admin")
    page = admin.get("/console/manage").get_data(as_text=True)
    assert "共 10 人" in page and "李秀英" in page and "试用 union" in page
    found = admin.get("/console/manage?q=13800000003").get_data(as_text=True)
    assert "共 1 人" in found and "李秀英" in found
    assert "共 1 人" in admin.get("/console/manage?role=group").get_data(as_text=True)
    response = admin.get("/console/manage?export=1&q=王")
    assert response.status_code == 200
    row = audit_rows(bot, "console.export")[-1]
    assert row.key == "手机" and row.actor == "赵敏" and row.object_type == "people"


def test_an_admin_changes_a_role_and_it_counts_from_the_next_request(bot):
    union = signed_in_client(bot, "union")
    assert union.get("/console/ledgers").status_code == 200
    admin = signed_in_client(bot, "admin")
    pid = person_id(bot, "李秀英")
    page = admin.get(f"/console/manage/person/{pid}").get_data(as_text=True)
    assert 'value="union" checked' in page
    response = admin.post(f"/console/manage/person/{pid}/roles", data={"csrf_token": admin.csrf, "roles": ["tech"]},
                          follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "已调整李秀英的角色：技术部门" in body and 'value="tech" checked' in body
    with bot.db.session() as s:
        assert s.get(Person, pid).role_names == {"tech"}
    row = audit_rows(bot, "people.roles")[-1]
    assert (row.before, row.after, row.actor, row.channel) == (["union"], ["tech"], "赵敏", "console")
    # the next request: the session is over; signed in again, the new role counts (tech keeps no ledgers)
    response = union.get("/console/ledgers")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    union = signed_in_client(bot, "union")
    assert union.get("/console/ledgers").status_code == 403
    # the last admin keeps the admin role: the service's own refusal
    me = person_id(bot, "赵敏")
    body = admin.post(f"/console/manage/person/{me}/roles", data={"csrf_token": admin.csrf, "roles": ["group"]},
                      follow_redirects=True).get_data(as_text=True)
    assert "是唯一的管理员" in body


def test_unbinding_an_account_ends_its_console_session(bot):
    leader = signed_in_client(bot, "leader")
    assert leader.get("/console/ledgers").status_code == 200
    admin = signed_in_client(bot, "admin")
    pid = person_id(bot, "王海")
    body = admin.post(f"/console/manage/person/{pid}/unbind",
                      data={"csrf_token": admin.csrf, "channel": "web", "account": "leader"},
                      follow_redirects=True).get_data(as_text=True)
    assert "已解绑试用账号 leader" in body
    assert leader.get("/console/ledgers").status_code == 302
    body = admin.post(f"/console/manage/person/{pid}/bind",
                      data={"csrf_token": admin.csrf, "channel": "wecom", "account": "wanghai"},
                      follow_redirects=True).get_data(as_text=True)
    assert "已将企业微信账号 wanghai 绑定到王海" in body
    body = admin.post(f"/console/manage/person/{pid}/bind",
                      data={"csrf_token": admin.csrf, "channel": "web", "account": "union"},
                      follow_redirects=True).get_data(as_text=True)
    assert "已绑定到李秀英" in body
    with bot.db.session() as s:
        assert {(a.channel, a.external_id) for a in s.scalars(select(Account).where(Account.person_id == pid))} == \
            {("wecom", "wanghai")}
    assert [r.action for r in audit_rows(bot, "people.unbind")] == ["people.unbind"]


def test_the_import_previews_then_applies_as_the_cli_does(bot):
    admin = signed_in_client(bot, "admin")
    bad = "姓名,单位,角色,企业微信账号\n张三,中交示范工程局有限公司,领衔人,zs\n李四,,会计,ls\n".encode()
    body = admin.post("/console/manage/import", data={"csrf_token": admin.csrf, "file": (_file(bad), "people.csv")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert "导入失败：1 行有问题" in body and "第 3 行：单位为空" in body and "确认导入" not in body
    good = "姓名,单位,角色,企业微信账号,手机\n张三,中交示范工程局有限公司,成员,zs,13900000000\n".encode()
    body = admin.post("/console/manage/import", data={"csrf_token": admin.csrf, "file": (_file(good), "people.csv")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert "检查通过：共 1 行" in body and "确认导入" in body and "张三" in body
    assert person_id(bot, "张三") is None                      # the preview writes nothing
    data = re.search(r'name="data" value="([^"]+)"', body).group(1)
    body = admin.post("/console/manage/import", data={"csrf_token": admin.csrf, "apply": "1", "data": data,
                                                      "filename": "people.csv"}).get_data(as_text=True)
    assert "导入完成：新增 1 人" in body
    assert person_id(bot, "张三") is not None
    assert audit_rows(bot, "people.import")[-1].actor == "赵敏"


def _file(data):
    return io.BytesIO(data)


def test_group_robots_are_saved_listed_masked_and_removed(bot):
    admin = signed_in_client(bot, "admin")
    body = admin.post("/console/manage/groups", data={"csrf_token": admin.csrf, "name": "集团通知群", "channel": "wecom",
                                                      "webhook": WECOM_HOOK}, follow_redirects=True).get_data(as_text=True)
    assert "已添加群机器人「集团通知群」" in body and "…-123" in body and "abc-123" not in body
    body = admin.post("/console/manage/groups", data={"csrf_token": admin.csrf, "name": "钉钉群", "channel": "dingtalk",
                                                      "webhook": "https://oapi.dingtalk.com/robot/send?access_token=x"},
                      follow_redirects=True).get_data(as_text=True)
    assert "加签密钥" in body
    with bot.db.session() as s:
        gid = s.scalar(select(RobotGroup.id).where(RobotGroup.name == "集团通知群"))
    admin.post(f"/console/manage/groups/{gid}/unsubscribe", data={"csrf_token": admin.csrf})
    with bot.db.session() as s:
        assert s.get(RobotGroup, gid).subscribed is False
    admin.post(f"/console/manage/groups/{gid}/remove", data={"csrf_token": admin.csrf})
    with bot.db.session() as s:
        assert s.get(RobotGroup, gid) is None
    assert [r.action for r in audit_rows(bot, "group.remove")] == ["group.remove"]


def failed_row(bot, text="您的申报已退回"):
    with bot.db.transaction() as s:
        enqueue(s, "web", "leader", Outgoing(text=text), dedupe_key="notice:x", notice="review_result")
        row_id = s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "notice:x"))
        deliveries.failed(s, [row_id], "接收人不存在")
    return row_id


def test_a_failed_message_is_resent_as_the_cli_does(bot, chat):
    row_id = failed_row(bot)
    admin = signed_in_client(bot, "admin")
    page = admin.get("/console/manage/outbox").get_data(as_text=True)
    assert "发送失败（1）" in page and "接收人不存在" in page and "王海" in page and "审批结果" in page
    body = admin.post("/console/manage/outbox/resend", data={"csrf_token": admin.csrf, "ids": [str(row_id)]},
                      follow_redirects=True).get_data(as_text=True)
    assert "已将 1 条失败的消息重新排队" in body and "没有发送失败的消息" in body
    with bot.db.session() as s:
        row = s.get(OutboxMessage, row_id)
        assert (row.status, row.attempts, row.last_error, row.dedupe_key) == ("pending", 0, "", "notice:x")
    assert "您的申报已退回" in chat("leader").inbox()
    row = audit_rows(bot, "outbox.resend")[-1]
    assert row.object_id == str(row_id) and row.after == {"count": 1}
    body = admin.post("/console/manage/outbox/resend", data={"csrf_token": admin.csrf},
                      follow_redirects=True).get_data(as_text=True)
    assert "请勾选要重发的消息" in body


def test_notice_pauses_as_the_chat_commands(bot, chat):
    admin = signed_in_client(bot, "admin")
    page = admin.get("/console/manage/notices").get_data(as_text=True)
    assert "季度自查" in page and "已暂停" not in page
    admin.post("/console/manage/notices/selfcheck/pause", data={"csrf_token": admin.csrf})
    with bot.db.session() as s:
        assert paused_types(s) == ["selfcheck"]
    assert "季度自查" in chat("admin").send("暂停通知")
    assert "已暂停" in admin.get("/console/manage/notices").get_data(as_text=True)
    assert "已恢复「季度自查」" in chat("admin").send("恢复通知 季度自查")
    assert [r.action for r in audit_rows(bot, "notice.pause") + audit_rows(bot, "notice.resume")] == \
        ["notice.pause", "notice.resume"]
    assert [r.channel for r in audit_rows(bot, "notice.pause") + audit_rows(bot, "notice.resume")] == ["console", "web"]


@pytest.mark.browser
def test_an_admin_resends_in_chromium(bot, browser):
    failed_row(bot)
    with console_page(bot, browser, "admin") as (page, base):
        page.goto(base + "/console/manage/outbox")
        page.check("input[name=ids]")
        page.click("text=重发所选")
        page.wait_for_selector(".flash")
        assert "已将 1 条失败的消息重新排队" in page.inner_text("main")
