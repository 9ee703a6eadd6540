"""Form answers planned outside the write lock, and applied by the writer (see storage.planning).

``plan_turn`` runs in the request's thread: it reads, runs the handler and records the writes.
``apply_plan`` runs in the writer's group transaction: it replays the writes with their guards.
"""
from bot.turns import claim_message, dispatch, read_conversation, save_conversation, send_replies
from storage import planning
from storage.fast import raw

_SAME_STATE = "UPDATE conversations SET version = version WHERE id = ? AND version = ?"


def plan_turn(bot, incoming):
    """Plan a form answer outside the write lock (see storage.planning).

    Returns the Plan, or None when this turn must run under the lock: it is not a form answer,
    the sender has no conversation yet, or it writes what a plan cannot record.
    """
    plan = planning.Plan()
    try:
        with bot.db.reading() as session, planning.recording(session, plan):
            return _plan(bot, session, incoming, plan)
    except planning.NeedsLock:
        return None


def _plan(bot, session, incoming, plan):
    from bot.router import Turn
    conv = read_conversation(session, incoming.channel, incoming.user)
    if conv is None:
        return None
    original = conv.state or {}
    if original.get("flow") != "form" or incoming.attachments:
        return None                         # only form answers are planned; the rest runs locked
    if incoming.message_id and not claim_message(session, incoming.channel, incoming.message_id):
        plan.duplicate = True
        return plan
    mark = len(plan.writes)
    turn = Turn(bot=bot, session=session, incoming=incoming, state=conv.working_state())
    failed = dispatch(bot, turn)            # NeedsLock propagates: plan_turn gives up the plan
    if plan.spoiled or planning.orm_changed(session):
        return None
    if failed is not None:
        del plan.writes[mark:]                # a refused or failed handler leaves nothing behind
        replies, handler = failed
        plan.record(_SAME_STATE, (conv.id, conv.version), "one")
    else:
        replies, handler = turn.replies, turn.handler or "none"
        if turn.state != original:
            save_conversation(session, conv, turn.state)
        else:
            plan.record(_SAME_STATE, (conv.id, conv.version), "one")
    send_replies(bot, session, incoming, replies)
    if plan.spoiled or planning.orm_changed(session):
        return None
    plan.replies, plan.handler = replies, handler
    return plan


STALE, DUPLICATE = planning.STALE, planning.DUPLICATE


def apply_plan(session, plan):
    """Apply a plan's writes under the lock, in a savepoint: its replies, or STALE or DUPLICATE.

    A failed guard or an error rolls the plan's writes back; the error is raised."""
    outcome = planning.apply_writes(raw(session).execute, plan.writes)
    return plan.replies if outcome == planning.OK else outcome
