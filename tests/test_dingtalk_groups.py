"""A question asked in a DingTalk group is answered in that group; links and buttons stay private."""
from tests.support.dingtalk import USER, buttons_in, dbot, drain, fake, http, post, robot_message  # noqa: F401

CID = "cidGROUP0001=="


def test_after_the_group_webhook_expired_the_answer_still_goes_to_the_group(dbot, fake, http):
    data = robot_message(fake, "我是谁", group=True)
    fake.expire_session(data["sessionWebhook"])
    data["sessionWebhookExpiredTime"] = 1        # DingTalk says it is dead: not remembered
    post(http, data)
    drain(dbot)
    assert fake.group_messages_to(CID) == [{"msgKey": "sampleText",
                                            "content": "您是 王海，中交示范工程局有限公司，角色：领衔人。"}]
    assert fake.texts_to(USER) == []


def test_replies_with_buttons_or_files_stay_private(dbot, fake, http):
    dbot.router.add_command("群里审批", lambda turn, args: (
        turn.reply("请选择", [("同意", "approve:1")]),
        turn.reply("申报表", file={"name": "a.docx", "url": "https://bot/files/t?exp=1&sig=s"}),
        turn.reply("详情已私信发给您")))
    data = robot_message(fake, "群里审批", group=True)
    post(http, data)
    drain(dbot)
    assert fake.session_messages(data["sessionWebhook"]) == [{"msgtype": "text", "text": {"content": "详情已私信发给您"}}]
    private = fake.messages_to(USER)
    assert buttons_in(private) == [{"label": "同意", "action": "approve:1"}]
    assert any("https://bot/files/t" in m.get("text", "") for m in private)
    assert not any("files" in str(m) for m in fake.session_messages(data["sessionWebhook"]))
