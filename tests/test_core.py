"""The channel-neutral core through the router: help by role, hints, the error boundary, duplicates."""
import logging

from handlers.policy import Do
from bot.message import Incoming
from bot.turn import APOLOGY


def test_help_lists_what_this_user_can_do(chat):
    leader = chat("leader")
    reply = leader.send("帮助")
    assert reply.startswith("王海您好（领衔人）")
    assert "我是谁" in reply


def test_unbound_user_is_told_to_ask_an_admin(chat):
    stranger = chat("nobody")
    assert "还没有绑定" in stranger.send("帮助")
    assert "还没有绑定" in stranger.send("我是谁")


def test_unknown_input_gets_a_hint_never_silence(chat):
    reply = chat("leader").send("今天天气怎么样")
    assert "帮助" in reply and reply.strip()


def test_unexpected_exception_is_logged_and_answered_with_the_apology(bot, chat, caplog):
    def boom(turn, args):
        turn.state["half"] = "written"
        raise RuntimeError("kaboom")
    bot.router.add_command("爆炸", boom)
    leader = chat("leader")
    with caplog.at_level(logging.ERROR, logger="bot.turn"):
        assert leader.send("爆炸") == APOLOGY
    assert "kaboom" in caplog.text and "Traceback" in caplog.text
    from storage.models import Conversation
    with bot.db.session() as s:
        conv = s.query(Conversation).filter_by(user_id="leader").one_or_none()
        # the failed turn's state change was not kept (nor the row it would have created)
        assert conv is None or "half" not in conv.state


def test_one_log_line_per_turn(chat, caplog):
    with caplog.at_level(logging.INFO, logger="bot.turn"):
        chat("leader").send("我是谁")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.turn"]
    assert len(lines) == 1
    assert "channel=web user=leader handler=whoami ms=" in lines[0]


def test_duplicate_delivery_has_one_effect(bot):
    calls = []
    bot.router.add_command("计数", lambda turn, args: (calls.append(1), turn.reply("好")))
    msg = Incoming(channel="web", user="leader", text="计数", message_id="m-1")
    assert [r.text for r in bot.handle(msg)] == ["好"]
    assert bot.handle(Incoming(channel="web", user="leader", text="计数", message_id="m-1")) is None
    assert len(calls) == 1


def test_role_restricted_command_refuses_clearly(bot, chat):
    bot.router.add_command("管理", lambda turn, args: turn.reply("ok"), do=Do.PEOPLE, help="管理")
    assert "仅限管理员使用" in chat("leader").send("管理")
    assert chat("admin").send("管理") == "ok"
    assert "管理" in chat("admin").send("帮助").split("\n· 管理：")[1]
    assert "「管理」：管理" == chat("admin").send("帮助 管理")
    assert "· 管理：" not in chat("leader").send("帮助")


def test_push_reaches_the_try_out_inbox(bot, chat):
    from storage.models import Person
    def notify(turn, args):
        union = turn.session.query(Person).filter_by(name="李秀英").one()
        turn.push(union, __import__("bot.message", fromlist=["Outgoing"]).Outgoing(text="有新的申报待审批"))
        turn.reply("已通知")
    bot.router.add_command("通知工会", notify)
    assert chat("leader").send("通知工会") == "已通知"
    assert chat("union").inbox() == ["有新的申报待审批"]
    assert chat("union").inbox() == []
