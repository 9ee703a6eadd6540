"""Who may do what, decided in one place (handlers/policy.py) for every command, every button and every service.

The matrix covers every registered command and button namespace: an unbound sender is refused each
of them before any handler runs, and a bound sender holding none of its roles is refused too;
neither changes anything but the inbox and the answer. The services refuse the same actors when
called directly (as the console and the CLI call them)."""
import pytest
from sqlalchemy import func, select

from bot.actions import INT, encode
from handlers.policy import ROLES_FOR, Do, Forbidden
from handlers.services import applications as app_service, documents, ledgers as ledger_service, naming, \
    people as people_service, review, spotchecks
from handlers.services.context import Context
from storage.actor import Actor
from storage.models import (Answer, Application, Attachment, AuditEntry, LedgerEntry, OutboxMessage, Person,
                            ReviewStep, Studio)
from storage.people import bind, get_unit, upsert_person

UNBOUND = "您的账号还没有绑定到人员信息，请联系管理员绑定后再使用。"
STATE_TABLES = (Answer, Application, Attachment, AuditEntry, LedgerEntry, ReviewStep, Studio)


def snapshot(bot):
    with bot.db.session() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in STATE_TABLES}


def payloads(bot):
    """One well-formed press of every verb of every button namespace."""
    found = []
    for ns, (_, verbs) in bot.router.action_declarations().items():
        for verb, kinds in verbs.items():
            found.append((ns, encode(ns, verb, *(1 if kind == INT else "x" for kind in kinds))))
    return found


def test_every_command_and_button_declares_what_it_does(bot):
    for cmd in bot.router.commands:
        assert cmd.do in ROLES_FOR, cmd.words
    declarations = bot.router.action_declarations()
    assert {"review", "form", "ledger", "opinion"} <= set(declarations)
    for ns, (do, verbs) in declarations.items():
        assert do in ROLES_FOR and verbs, ns


def test_an_unbound_sender_is_refused_every_command_and_button(bot, chat):
    stranger = chat("nobody-bound")
    before = snapshot(bot)
    for cmd in bot.router.commands:
        reply = stranger.send(cmd.words[0])
        if cmd.do is not Do.EVERYONE:
            assert reply == UNBOUND, (cmd.words[0], reply)
    for ns, payload in payloads(bot):
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
    before = snapshot(bot)
    for cmd in bot.router.commands:
        if ROLES_FOR[cmd.do]:
            assert "仅限" in roleless.send(cmd.words[0]), cmd.words[0]
    declarations = bot.router.action_declarations()
    for ns, payload in payloads(bot):
        reply = roleless.action(payload)
        if ROLES_FOR[declarations[ns][0]]:
            assert reply.startswith("这个按钮仅限") and "使用" in reply, (payload, reply)
        else:                               # a form's buttons: no form is open, nothing changes
            assert "已经结束" in reply or "已失效" in reply, (payload, reply)
    assert snapshot(bot) == before


@pytest.mark.parametrize("who, allowed", [("leader", True), ("member", True), ("union", True), ("tech", True),
                                          ("party", True), ("group", True), ("admin", True)])
def test_the_review_buttons_by_role(bot, chat, who, allowed):
    """review:* is for reviewers, the studio's own people and admins; each then checks the object."""
    reply = chat(who).action("review:doc:999999")
    assert ("仅限" not in reply) == allowed, reply


def test_a_garbled_button_is_refused_without_a_traceback(bot, chat, caplog):
    leader = chat("leader")
    for payload in ("review:approve:¹:1", "review:approve:1", "review:doc:" + "9" * 1000, "ledger_delete:delete:x",
                    "review:nonsense:1:1", "opinion:ok:1:1:1"):
        reply = leader.action(payload)
        assert "失效" in reply or "结束" in reply, (payload, reply)
    assert "Traceback" not in caplog.text


def _ctx(bot, session, actor):
    return Context(session, actor, bot.clock, bot.config)


def test_every_service_refuses_an_actor_without_the_roles(bot):
    """The same refusals when a service is called directly (the console's and the CLI's way)."""
    with bot.db.transaction() as s:
        person = upsert_person(s, "无角色", get_unit(s, "中交另一工程局有限公司"), [])
        bind(s, person, "web", "roleless2")
    before = snapshot(bot)
    with bot.db.transaction() as s:
        nobody = Actor.of_person(s.get(Person, person.id), "console")
        ctx = _ctx(bot, s, nobody)
        app = s.scalar(select(Application)) or Application(id=0, studio_id=1, year=2025, status="draft", flags={})
        studio = s.scalar(select(Studio))
        calls = [lambda: review.submit(ctx, app), lambda: review.withdraw(ctx, app),
                 lambda: review.decide(ctx, 1, 1, "approve", ""), lambda: review.transfer(ctx, 1, 1, 1),
                 lambda: review.reopen(ctx, app, "理由"), lambda: review.remind(ctx, 1),
                 lambda: naming.name(ctx, app), lambda: spotchecks.draw(ctx, 1),
                 lambda: spotchecks.record_result(ctx, studio.id, "合格"), lambda: spotchecks.reproduce(ctx, 1),
                 lambda: ledger_service.record(ctx, studio.id, "activity", {}),
                 lambda: ledger_service.delete(ctx, 1), lambda: ledger_service.confirm_held(ctx, 1),
                 lambda: ledger_service.refuse_held(ctx, 1, "理由"), lambda: ledger_service.held(ctx),
                 lambda: app_service.add_proofs(ctx, app, "basics.name", []),
                 lambda: app_service.remove_proof(ctx, app, "basics.name", 1),
                 lambda: app_service.seven_haves(ctx, app),
                 lambda: documents.ledgers(ctx, studio, None, recipients=[], dedupe_key="x"),
                 lambda: people_service.unbind(ctx, "web", "leader")]
        for n, call in enumerate(calls):
            with pytest.raises(Forbidden):
                call()
    assert snapshot(bot) == before
