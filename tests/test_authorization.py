"""Who may do what, decided in one place (the router) for every command and every button.

The matrix covers every registered command and action prefix: an unbound sender is refused each
of them before any handler runs, and a bound sender holding none of its roles is refused too;
neither changes anything but the inbox and the answer."""
import pytest
from sqlalchemy import func, select

from storage.models import (Answer, Application, Attachment, LedgerEntry, OutboxMessage, ReviewLog,
                            ReviewStep, Studio)
from storage.people import bind, get_unit, upsert_person

UNBOUND = "您的账号还没有绑定到人员信息，请联系管理员绑定后再使用。"
STATE_TABLES = (Answer, Application, Attachment, LedgerEntry, ReviewLog, ReviewStep, Studio)


def snapshot(bot):
    with bot.db.session() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in STATE_TABLES}


def keys(bot):
    """Every command word and every action prefix the router knows, with its declaration."""
    router = bot.router
    commands = [(cmd.words[0], cmd) for cmd in router.commands]
    actions = [(prefix, action) for prefix, action in router.actions.items()]
    return commands, actions


def test_every_button_declares_who_may_press_it(bot):
    _, actions = keys(bot)
    assert actions
    for prefix, action in actions:
        assert action.needs_person and action.roles, f"button {prefix!r} declares no roles"


def test_an_unbound_sender_is_refused_every_command_and_button(bot, chat):
    commands, actions = keys(bot)
    stranger = chat("nobody-bound")
    before = snapshot(bot)
    for word, cmd in commands:
        reply = stranger.send(word)
        if cmd.needs_person:
            assert reply == UNBOUND, (word, reply)
    for prefix, _ in actions:
        for payload in (f"{prefix}:1", f"{prefix}:doc:1", f"{prefix}:approve:1:1", f"{prefix}:delete:1"):
            assert stranger.action(payload) == UNBOUND, payload
    assert snapshot(bot) == before
    with bot.db.session() as s:            # nothing was pushed to anyone else
        assert s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.recipient != "nobody-bound")) == 0


@pytest.fixture
def roleless(bot, chat):
    """A bound person who holds no role at all."""
    with bot.db.transaction() as s:
        bind(s, upsert_person(s, "无角色", get_unit(s, "中交另一工程局有限公司"), []), "web", "roleless")
    return chat("roleless")


def test_a_sender_without_the_roles_is_refused_every_restricted_command_and_button(bot, roleless):
    commands, actions = keys(bot)
    before = snapshot(bot)
    for word, cmd in commands:
        if cmd.roles:
            assert "仅限" in roleless.send(word), word
    for prefix, _ in actions:
        for payload in (f"{prefix}:1", f"{prefix}:doc:1", f"{prefix}:approve:1:1", f"{prefix}:delete:1"):
            reply = roleless.action(payload)
            assert reply.startswith("这个按钮仅限") and "使用" in reply, (payload, reply)
    assert snapshot(bot) == before


@pytest.mark.parametrize("who, allowed", [("leader", True), ("member", True), ("union", True), ("tech", True),
                                          ("party", True), ("group", True), ("admin", False)])
def test_the_review_buttons_by_role(bot, chat, who, allowed):
    """review:* is for reviewers and the studio's own people; each handler then checks the object."""
    reply = chat(who).action("review:doc:999999")
    assert ("仅限" not in reply) == allowed, reply
