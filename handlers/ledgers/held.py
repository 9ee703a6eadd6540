"""The unit union's side of held expenses in chat: 待确认经费 / 经费确认 N / 经费驳回 N 理由."""
from bot.errors import UserError
from handlers.ledgers import schema
from handlers.policy import Do
from handlers.services import ledgers as ledger_service


def _ref(args, verb):
    ref, _, reason = (args or "").strip().partition(" ")
    if not (ref.isascii() and ref.isdigit() and len(ref) <= 9):
        raise UserError(f"请写上台账编号，例如「{verb} 12」。发送「待确认经费」查看编号。")
    return int(ref), reason.strip()


def confirm(turn, args):
    entry_id, _ = _ref(args, "经费确认")
    outcome = ledger_service.confirm_held(turn.ctx, entry_id)
    turn.reply(f"已确认编号 {entry_id} 的支出：{schema.describe('funding', outcome['data'])}。")


def refuse(turn, args):
    entry_id, reason = _ref(args, "经费驳回")
    ledger_service.refuse_held(turn.ctx, entry_id, reason)
    turn.reply(f"已驳回编号 {entry_id} 的支出（理由：{reason}），该条已从经费台账删除，修改记录保留。")


def pending_list(turn, args):
    held = ledger_service.held(turn.ctx)
    if not held:
        turn.reply("目前没有待确认的经费支出。")
        return
    turn.reply("待确认的经费支出：\n" + "\n".join(
        f"编号 {e.id} {s.name}：{schema.describe('funding', e.data)}；{e.data.get('hold_reason', '')}" for e, s in held)
        + "\n发送「经费确认 编号」或「经费驳回 编号 理由」。")


def register(router):
    router.add_command("held", pending_list, do=Do.FUNDING_CONFIRM, help="查看待单位工会确认的经费支出")
    router.add_command("held_confirm", confirm, do=Do.FUNDING_CONFIRM, help="确认一笔待确认的经费支出：经费确认 编号")
    router.add_command("held_refuse", refuse, do=Do.FUNDING_CONFIRM, help="驳回一笔待确认的经费支出：经费驳回 编号 理由")
