"""The channel contract: what every messenger channel must do, checked through a driver.

Each ``check_*`` function takes a *driver* that plays the messenger platform for one channel
(signed/encrypted callbacks into the bot's Flask app, a loopback fake API for what the bot
sends). A channel's test module builds its driver and runs every check::

    from tests.channel_contract import CONTRACT

    @pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
    def test_contract(check, driver):
        check(driver)

Driver protocol (duck-typed; no base class needed)
--------------------------------------------------
``driver.bot``
    The ``bot.core.Bot`` under test (demo data loaded).
``driver.channel``
    The channel's name, e.g. ``"wecom"``; used to enqueue outbox rows.
``driver.user``
    The channel user id bound to the demo person 王海 (role leader) on this channel.
``driver.send_text(user, text, msg_id=None)``
    Deliver a text message from ``user`` through the channel's real inbound path (HTTP
    callback, signature, encryption). ``msg_id`` is the platform's message id; None means a
    fresh unique one. Sending the same ``msg_id`` twice is a retried delivery.
``driver.press(user, action)``
    Deliver a button press / card click from ``user`` whose payload is ``action`` (the
    ``Button.action`` the bot put on a button it sent earlier).
``driver.texts_to(user) -> list[str]``
    Drain the outbox (``Delivery(bot).drain()``), then return the readable text of every
    message the fake platform has shown ``user`` so far, oldest first (cumulative; one string
    per message; a card's title and body joined by newlines).
``driver.buttons_to(user) -> list[dict]``
    Drain the outbox, then return every button the fake platform has shown ``user`` so far,
    oldest first, as ``{"label": ..., "action": ...}`` (``label`` may be shortened by the
    platform; ``action`` must be exact).
"""
from bot.actions import INT
from handlers.policy import Do
from bot.message import Button, Outgoing

CARD_COMMAND = "契约卡片"
CARD_ACTION = "contract_ok"


def _install_card_handlers(bot):
    """A command answering with buttons, and the action one of them runs (idempotent)."""
    router = bot.router
    if router.actions.owner(CARD_ACTION):
        return

    def card(turn, args):
        turn.reply("请确认契约测试\n选择一个按钮", buttons=[Button("确认", f"{CARD_ACTION}:n:42"),
                                                    Button("取消", "contract_cancel:n:42")])

    def confirmed(turn, action):
        turn.reply(f"已确认 {action.args[0]}")

    def cancelled(turn, action):
        turn.reply(f"已取消 {action.args[0]}")

    router.add_command(CARD_COMMAND, card, do=Do.EVERYONE)
    router.add_action(CARD_ACTION, confirmed, {"n": (INT,)}, do=Do.EVERYONE)
    router.add_action("contract_cancel", cancelled, {"n": (INT,)}, do=Do.EVERYONE)


def _new(driver, user, before):
    return driver.texts_to(user)[before:]


def check_parse(driver):
    """A text message is verified, parsed and answered: 帮助 reaches the user as help."""
    before = len(driver.texts_to(driver.user))
    driver.send_text(driver.user, "帮助")
    new = _new(driver, driver.user, before)
    assert len(new) == 1, new
    assert new[0].startswith("王海您好"), new


def check_dedupe(driver):
    """The same platform message id delivered twice has one effect and one reply."""
    before = len(driver.texts_to(driver.user))
    driver.send_text(driver.user, "我是谁", msg_id="contract-dup-1")
    driver.send_text(driver.user, "我是谁", msg_id="contract-dup-1")
    new = _new(driver, driver.user, before)
    assert len(new) == 1, new
    driver.send_text(driver.user, "我是谁", msg_id="contract-dup-2")
    assert len(_new(driver, driver.user, before)) == 2


def check_reply(driver):
    """A command's text reply arrives as written."""
    before = len(driver.texts_to(driver.user))
    driver.send_text(driver.user, "我是谁")
    new = _new(driver, driver.user, before)
    assert len(new) == 1 and new[0].startswith("您是 王海"), new


def check_push(driver):
    """An outbox row written outside any turn (a notice) is delivered to the user."""
    from storage.outbox import enqueue
    before = len(driver.texts_to(driver.user))
    with driver.bot.db.transaction() as session:
        enqueue(session, driver.channel, driver.user, Outgoing(text="契约推送：截止日期临近"))
    assert _new(driver, driver.user, before) == ["契约推送：截止日期临近"]


def check_card_actions(driver):
    """A reply with buttons arrives with its buttons; pressing one runs its action."""
    _install_card_handlers(driver.bot)
    before_buttons = len(driver.buttons_to(driver.user))
    before = len(driver.texts_to(driver.user))
    driver.send_text(driver.user, CARD_COMMAND)
    new = _new(driver, driver.user, before)
    assert new and "请确认契约测试" in new[-1], new
    buttons = driver.buttons_to(driver.user)[before_buttons:]
    assert [b["action"] for b in buttons] == [f"{CARD_ACTION}:n:42", "contract_cancel:n:42"], buttons
    assert [b["label"] for b in buttons] == ["确认", "取消"], buttons
    before = len(driver.texts_to(driver.user))
    driver.press(driver.user, buttons[0]["action"])
    assert _new(driver, driver.user, before) == ["已确认 42"]


CONTRACT = [check_parse, check_dedupe, check_reply, check_push, check_card_actions]
