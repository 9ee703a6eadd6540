"""Studio ledgers (台账) in chat: the commands, the conversation flow and the buttons, registered here.

Recording: a one-line quick entry (活动/成果/成员/经费 …, grammar in handlers/ledgers/quick.py)
shown back with [确认] [修改] [取消], or a guided mini-form (记活动/记成果/记成员/记经费) run by
the form walker. The pending entry lives in ``state["ledger"]`` until confirmed; files sent while
confirming, or soon after saving, attach to that entry. Leaders and members write to their own
studio; the unit union reads its unit's studios, the group union reads all.

Recording and confirming: handlers/ledgers/entry.py; correcting, deleting and the audit history:
handlers/ledgers/edit.py; queries: handlers/ledgers/queries.py; exports:
handlers/ledgers/export.py (the XLSX, rendered by the worker); who may do
what: handlers/ledgers/access.py; the funding balance rule: handlers/ledgers/funding.py.
"""
from bot.errors import UserError
from handlers.application import document_tasks
from handlers.ledgers import quick, schema
from handlers.ledgers.access import READERS, WRITERS, studio_for_reading
from handlers.ledgers.edit import answer_delete, delete_confirmed, delete_entry, edit_entry, history, keep_entry
from handlers.ledgers.entry import (answer_kind, answer_pending, attach_to_last, cancel_pending, confirm, edit_pending,
                                    guided, quick_entry, resume_waiting)
from handlers.ledgers.queries import balance, grammar, parse_query, query, this_year
from storage import clock


def export(turn, args):
    """导出台账 [年份] [工作室]: the XLSX is rendered by the worker and sent when ready."""
    _, year, name = parse_query(args)
    studio = studio_for_reading(turn, name, f"导出台账 {year or ''}".strip())
    if studio is None:
        return
    document_tasks.send_ledgers(turn, studio, year)


# --- the conversation flow and the buttons ------------------------------------------------------

def flow(turn):
    """Confirming a pending entry, and files sent right after saving one."""
    state = turn.state.get("ledger") or {}
    text = (turn.incoming.text or "").strip()
    attachments = turn.incoming.attachments and not text
    if state.get("pending"):
        return answer_pending(turn, state, text, attachments)
    if state.get("choose"):
        return answer_kind(turn, state, text)
    if state.get("delete"):
        return answer_delete(turn, state, text)
    last = state.get("last")
    if last and last.get("until", "") >= clock.utcnow().isoformat():
        if attachments:
            attach_to_last(turn, last)
            return True
        return _back_to_form(turn)
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    return _back_to_form(turn)


def _back_to_form(turn):
    """A ledger line typed in the middle of a form was saved: the next message goes back to the form
    (as it would have without the ledger line: the form answers 提交, 进度 … itself)."""
    if not turn.state.get("form"):
        return False
    turn.state["flow"] = "form"
    return turn.bot.router.flows["form"](turn)


def on_action(turn, arg):
    name, _, rest = arg.partition(":")
    if name == "confirm":
        confirm(turn)
    elif name == "edit":
        edit_pending(turn)
    elif name == "cancel":
        cancel_pending(turn)
    elif name == "delete":
        if not (rest.isascii() and rest.isdigit() and len(rest) <= 9):
            # typed or forged "#act ledger:delete:abc": say so instead of a traceback
            raise UserError("这个删除按钮的台账编号无效，没有删除任何内容。请发送「删除台账 编号」，如：删除台账 12")
        delete_confirmed(turn, int(rest))
    elif name == "keep":
        keep_entry(turn)
    else:
        turn.reply("这个按钮已失效，请发送「台账帮助」查看可用功能。")


# --- registration -------------------------------------------------------------------------------------

def register(router):
    router.add_action("ledger", on_action, roles=WRITERS)
    router.add_flow("ledger", flow)
    for ledger in schema.TITLES:
        short = schema.SHORT[ledger]
        router.add_command(short, quick_entry(ledger), roles=WRITERS, preempt=True,
                           help=f"快速记{schema.NOUN[ledger]}，如：{quick.EXAMPLES[ledger]}")
    for ledger in schema.TITLES:
        router.add_command(f"记{schema.SHORT[ledger]}", guided(ledger), roles=WRITERS,
                           help=f"逐项填写一条{schema.NOUN[ledger]}台账", preempt=True)
    router.add_command(("台账", "查看台账"), query, roles=READERS, help="查看台账，如：台账 成果 2024",
                       preempt=True)
    router.add_command("本年成果", this_year, roles=READERS, help="今年的创新成果和立项情况", preempt=True)
    router.add_command("经费余额", balance, roles=READERS, help="查看经费余额", preempt=True)
    router.add_command("修改台账", edit_entry, roles=WRITERS, help="修改一条台账，如：修改台账 12")
    router.add_command("删除台账", delete_entry, roles=WRITERS, help="删除一条台账，如：删除台账 12")
    router.add_command("台账记录", history, roles=READERS, help="查看一条台账的修改记录，如：台账记录 12")
    router.add_command("导出台账", export, roles=READERS, help="导出台账（Excel 文件），如：导出台账 2024",
                       preempt=True)
    router.add_command("台账帮助", grammar, roles=READERS, help="台账快速记录的写法")
    router.add_command("待确认台账", resume_waiting, roles=WRITERS, help="继续确认还没保存的台账",
                       preempt=True)
