"""Which studio a ledger command is about: the writer's own, or one the reader names within their reach."""
from bot.errors import UserError
from handlers import policy, studios
from storage.models import Studio


def own_studio(turn):
    """The studio a leader or member writes to."""
    studio = turn.session.get(Studio, turn.actor.studio_id) if turn.actor.studio_id else None
    if studio is None:
        raise UserError("您还没有关联到任何工作室，暂不能记录台账。请联系管理员绑定工作室。")
    return studio


def studio_for_reading(turn, name, command):
    """The studio named (within the reader's reach), the user's own, or the only one they oversee;
    None after a pick list."""
    scope = policy.ledger_scope(turn.actor)
    if name:
        return studios.find(turn.session, turn.actor, name, scope=scope)
    if turn.actor.has(*policy.STUDIO_PEOPLE) and turn.actor.studio_id:
        return turn.session.get(Studio, turn.actor.studio_id)
    readable = studios.visible(turn.session, turn.actor, scope=scope)
    if not readable:
        raise UserError("您管理的范围内还没有工作室。")
    if len(readable) == 1:
        return readable[0]
    listing = "\n".join(f"{n}. {s.name}" for n, s in enumerate(readable[:20], 1))
    turn.reply(f"请选择要查看的工作室（也可以在命令后写工作室名称）：\n{listing}",
               [(s.name, f"{command} {s.name}") for s in readable[:8]])
    return None
