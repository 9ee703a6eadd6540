"""Recording an entry: guided mini-forms, quick entry and its confirmation, saving, attachments."""
import re

from bot import files
from bot.errors import UserError
from bot.forms.host import Host, StateStore
from bot.forms.parsers import format_wan
from handlers import form_flow as forms
from handlers.ledgers import funding_review, quick, schema, waiting as ledger_waiting
from handlers.ledgers.access import check_write, own_studio
from handlers.ledgers.funding import over_balance_note
from storage import clock, ledgers

CONFIRM_BUTTONS = [("确认", "ledger:confirm"), ("修改", "ledger:edit"), ("取消", "ledger:cancel")]


# --- the guided mini-forms ---------------------------------------------------------------------

class LedgerHost(Host):
    """A ledger entry being filled by the walker; answers stay in the state until saved.

    Its state: ``ledger`` (which), ``answers`` and ``skipped`` (StateStore), ``ref`` (the entry
    being corrected, or None), ``files`` (ids of files sent meanwhile)."""
    name = "ledger"

    def form(self, turn, state):
        ledger = state["ledger"]
        return schema.form_for(ledger, state.get("answers", {}).get(schema.kind_key(ledger)))

    def store(self, turn, state):
        return StateStore(state)

    def commands(self):
        return {"保存": lambda turn, walker, args: walker.submit(), "取消": self.cancel, "放弃": self.cancel}

    @staticmethod
    def cancel(turn, walker, args):
        """Nothing is saved yet, so cancelling needs no confirmation (a typed 确认 would be read as an answer)."""
        turn.state.pop("form", None)
        turn.state.pop("flow", None)
        word = f"记{schema.SHORT[walker.host_state['ledger']]}"
        turn.reply(f"已取消，这条台账没有保存。需要时再发送「{word}」。")
        show_next(turn)

    def submit_label(self):
        return "保存"

    def on_answer(self, turn, walker, item, value):
        ledger = walker.host_state["ledger"]
        if item.key == schema.kind_key(ledger):
            walker.reload_form()      # another kind asks other fields
        if ledger == "funding" and item.key == "amount" and walker.answers.get("direction") == "支出":
            return over_balance_note(turn, value, walker.host_state.get("ref"))
        return ""

    def preview_extra(self, turn, walker):
        if walker.host_state["ledger"] == "funding":
            return f"当前经费余额：{format_wan(ledgers.balance(turn.session, own_studio(turn).id))} 万元"
        return ""

    def submit(self, turn, walker):
        state = walker.host_state
        turn.state.pop("form", None)
        turn.state.pop("flow", None)
        save(turn, state["ledger"], walker.answers, state.get("ref"), state.get("files", []))

    def on_attachment(self, turn, walker, key, attachments):
        ids = _file_ids(turn, attachments)
        walker.host_state["files"] = list(walker.host_state.get("files", [])) + ids
        turn.reply(f"已收到 {len(ids)} 个文件，保存这条台账时一并附上。")


HOST = LedgerHost()


def begin_form(turn, ledger, answers, *, ref=None, file_ids=(), header=None):
    """Enter a mini-form; with answers beyond the kind (an entry being corrected or completed) only the
    required fields still empty are asked, optional ones left empty count as skipped."""
    if ledger_waiting.current(turn) is not None and ledger_waiting.current(turn).get("data") != answers:
        ledger_waiting.park_current(turn)           # kept, shown again after this one
    turn.state.pop("ledger", None)
    skipped = []
    if set(answers) - {schema.kind_key(ledger)}:
        form = schema.form_for(ledger, answers.get(schema.kind_key(ledger)))
        skipped = sorted(i.key for i in form.items if i.optional and answers.get(i.key) in (None, ""))
    state = {"ledger": ledger, "answers": dict(answers), "skipped": skipped, "ref": ref, "files": list(file_ids)}
    header = header or f"好的，记一条{schema.NOUN[ledger]}台账"
    return forms.begin(turn, HOST, state, header)


def guided(ledger):
    def command(turn, args):
        own_studio(turn)
        word = f"记{schema.SHORT[ledger]}"
        if not args and ledger != "activity":
            noun = "收支" if ledger == "funding" else f"{schema.NOUN[ledger]}类型"
            turn.state["ledger"] = {"choose": ledger}
            turn.state["flow"] = "ledger"
            turn.reply(f"请选择{noun}：", [(k, f"{word} {k}") for k in schema.KINDS[ledger]])
            return
        if len(args.split()) > 1:          # 记经费 支出 2000元 …: the rest of the line is a quick entry
            return quick_entry(ledger)(turn, args)
        answers = {schema.kind_key(ledger): schema.parse_kind(ledger, args)} if args else {}
        begin_form(turn, ledger, answers)
    command.__name__ = f"guided_{ledger}"
    return command


# --- quick entry and its confirmation ------------------------------------------------------------

def _not_an_entry(ledger, args):
    """True when the words after 活动/成果/成员/经费 do not start with one of the ledger's kinds."""
    words = (args or "").split()
    if not words:
        return True
    try:
        schema.parse_kind(ledger, words[0])
    except UserError:
        return True
    return False


def quick_entry(ledger):
    """A one-line entry; registered ``preempt`` so it wins over a form's pending question, yet a
    line that is no entry (「成果」 alone, 「成员 管理」) stays the form's answer."""
    def command(turn, args):
        flow_name = turn.state.get("flow")
        if flow_name and flow_name != "ledger" and _not_an_entry(ledger, args):
            flow = turn.bot.router.flows.get(flow_name)
            if flow is not None and flow(turn):
                return
        own_studio(turn)
        data = quick.parse_line(ledger, args)
        waiting = ledger_waiting.current(turn)
        if waiting is not None and not schema.missing(ledger, data):
            ledger_waiting.park(turn, {"ledger": ledger, "data": data, "ref": None, "files": []})
            show_pending(turn, waiting["ledger"], waiting["data"], waiting.get("ref"), waiting.get("files", []),
                         lead=f"已收到新的一条（{schema.describe(ledger, data)}），排在后面。请先确认上一条：")
            return
        if waiting is not None:
            ledger_waiting.park_current(turn)
        missing = schema.missing(ledger, data)
        if missing:
            form = schema.form_for(ledger, data.get(schema.kind_key(ledger)))
            known = "，".join(f"{i.qualified} {i.display(data[i.key])}" for i in form.items if i.key in data)
            turn.reply(f"已识别：{known}。还缺少：{'、'.join(missing)}，请逐项补充。")
            begin_form(turn, ledger, data, header=f"继续记这条{schema.NOUN[ledger]}台账")
            return
        show_pending(turn, ledger, data)
    command.__name__ = f"quick_{ledger}"
    return command


def show_pending(turn, ledger, data, ref=None, file_ids=(), lead=""):
    turn.state["ledger"] = {"pending": {"ledger": ledger, "data": data, "ref": ref, "files": list(file_ids)}}
    turn.state["flow"] = "ledger"
    verb = f"修改台账（编号 {ref}）为" if ref else f"记一条{schema.NOUN[ledger]}"
    lines = [f"{lead}{verb}：{schema.describe(ledger, data)}。"]
    note = schema.later_note(ledger, data)
    if ledger == "funding":
        if data.get("direction") == "支出":
            note = over_balance_note(turn, data["amount"], ref) or note
            doubt = funding_review.doubt(data)
            if doubt:
                lines.append(f"注意：{doubt}；确认后会记入台账并交所在单位工会核实。")
        note = note or f"当前经费余额 {format_wan(ledgers.balance(turn.session, own_studio(turn).id))} 万元。"
    if note:
        lines.append(note if note.endswith("。") else note + "。")
    lines.append("可以附上照片或文件作为证明材料。")
    turn.reply("\n".join(lines), CONFIRM_BUTTONS)


def _pending(turn):
    return (turn.state.get("ledger") or {}).get("pending")


def confirm(turn):
    pending = _pending(turn)
    if pending is None:
        turn.reply("没有待确认的台账。")
        return
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    save(turn, pending["ledger"], pending["data"], pending.get("ref"), pending.get("files", []))


def edit_pending(turn, label=""):
    pending = _pending(turn)
    if pending is None:
        turn.reply("没有待确认的台账。")
        return
    header = f"修改这条{schema.NOUN[pending['ledger']]}台账"
    walker = begin_form(turn, pending["ledger"], pending["data"], ref=pending.get("ref"),
                        file_ids=pending.get("files", []), header=header)
    if label:
        walker.edit(label)          # the walker's position is the one begin_form stored in the state
    else:
        turn.reply("要改哪一项？可以说「修改 日期」，或直接写「日期：2024年3月15日」。")


def cancel_pending(turn):
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    turn.reply("已取消，这条台账没有保存。")
    show_next(turn)


def apply_labelled(ledger, data, text):
    """``字段：值`` applied to an entry's data (parsed by that field); returns the new data."""
    match = re.match(r"^\s*([^:：]{1,24}?)\s*[:：]\s*(.+)$", text, re.S)
    form = schema.form_for(ledger, data.get(schema.kind_key(ledger)))
    items = form.lookup(match.group(1)) if match else []
    if not items:
        names = "、".join(i.qualified for i in form.items)
        raise UserError(f"请用「字段：值」的写法，例如「日期：2024年3月15日」。可改的字段：{names}。")
    item = items[0]
    new = dict(data)
    new[item.key] = item.parse(match.group(2).strip(), new)
    return new


# --- saving, attachments -------------------------------------------------------------------------

def _file_ids(turn, attachments):
    ids = []
    for att in attachments:
        stored = files.lookup_in(turn.session, att.ref)
        if stored is not None:
            ids.append(stored.id)
    return ids


def save(turn, ledger, answers, ref=None, file_ids=()):
    """Create or correct an entry from confirmed answers, attach files, and say what was saved."""
    studio = own_studio(turn)
    data = schema.clean(ledger, answers)
    missing = schema.missing(ledger, data)
    if missing:
        raise UserError(f"这条台账还缺少：{'、'.join(missing)}，暂不能保存。")
    hold = None
    if ledger == "funding" and data.get("direction") == "支出":
        hold = funding_review.check(data)            # refuses a payment to people; holds a doubtful use
        if over_balance_note(turn, data["amount"], ref):
            data["over_balance"] = True
    on_date = schema.entry_date(ledger, data)
    person_id = turn.person_id
    if ref:
        entry = ledgers.get_entry(turn.session, ref)
        if entry is None:
            raise UserError(f"编号 {ref} 的台账已不存在（可能已删除）。")
        check_write(turn, entry)
        keep = {k: v for k, v in (entry.data or {}).items()
                if k not in schema.form_keys(ledger) and k not in ("over_balance", "hold", "hold_reason")}
        data = {**keep, **data}
        before = ledgers.update_entry(turn.session, entry, data, on_date, person_id)
        diff = schema.changes(ledger, before, data)
        text = f"✓ 已修改台账（编号 {entry.id}）：" + ("；".join(diff) if diff else "内容没有变化") + "。"
    else:
        entry = ledgers.add_entry(turn.session, studio.id, ledger, data, on_date, person_id)
        text = f"✓ 已记入{schema.TITLES[ledger]}（编号 {entry.id}）：{schema.describe(ledger, data)}。"
    if hold:
        text += "\n" + funding_review.hold_for_union(turn, studio, entry, hold)
    for file_id in file_ids:
        ledgers.attach(turn.session, entry.id, file_id, person_id)
    if file_ids:
        text += f"\n已附证明材料 {len(file_ids)} 份。"
    if ledger == "funding":
        balance = ledgers.balance(turn.session, studio.id)
        text += f"\n当前经费余额：{format_wan(balance)} 万元" + ("（支出已超过收入，请核对）。" if balance < 0 else "。")
    note = schema.later_note(ledger, data)
    if note:
        text += f"\n{note}"
    text += "\n如有照片或文件，现在直接发送即可附在这条台账下。"
    if (turn.state.get("form") or {}).get("host") == "application":
        text += "\n申报表还没填完，直接回答刚才的问题即可继续，或发送「继续」。"
    until = (clock.utcnow() + ledgers.recent_window()).isoformat()
    turn.state["ledger"] = {"last": {"id": entry.id, "until": until}}
    turn.state["flow"] = "ledger"
    short = schema.SHORT[ledger]
    turn.reply(text, [(f"再记一条{short}", f"记{short}"), ("查看台账", f"台账 {short}")])
    show_next(turn)


def attach_to_last(turn, last):
    ids = _file_ids(turn, turn.incoming.attachments)
    for file_id in ids:
        ledgers.attach(turn.session, last["id"], file_id, turn.person.id)
    turn.reply(f"已将 {len(ids)} 个文件附在台账（编号 {last['id']}）下。")


# --- answers while an entry waits (the ledger flow, handlers/ledgers/commands.py) ---------------------------

def answer_pending(turn, state, text, attachments):
    """A message while an entry waits for [确认] [修改] [取消]: True when handled here."""
    if attachments:
        pending = dict(state["pending"])
        ids = _file_ids(turn, turn.incoming.attachments)
        pending["files"] = list(pending.get("files", [])) + ids
        turn.state["ledger"] = {"pending": pending}
        turn.reply(f"已收到 {len(ids)} 个文件，确认后附在这条台账下。", CONFIRM_BUTTONS)
        return True
    if text in ("确认", "确定", "是", "保存"):
        confirm(turn)
        return True
    if text in ("取消", "不要", "算了"):
        cancel_pending(turn)
        return True
    if text == "修改" or text.startswith("修改 "):
        edit_pending(turn, text[2:].strip())
        return True
    if re.match(r"^[^:：\s]{1,12}[:：]", text):
        pending = dict(state["pending"])
        data = apply_labelled(pending["ledger"], pending["data"], text)
        show_pending(turn, pending["ledger"], data, pending.get("ref"), pending.get("files", []))
        return True
    if text and turn.bot.router.match(text)[0] is None:
        turn.reply("请先确认刚才这条台账：确认保存、修改，或取消。", CONFIRM_BUTTONS)
        return True
    return False


def answer_kind(turn, state, text):
    """The kind sent after a guided command asked for one: True when its mini-form began."""
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    if text and turn.bot.router.match(text)[0] is None:
        ledger = state["choose"]
        begin_form(turn, ledger, {schema.kind_key(ledger): schema.parse_kind(ledger, text)})
        return True
    return False


def show_next(turn):
    """After an entry was saved or cancelled: show the next waiting one, if any."""
    waiting = list(turn.state.get(ledger_waiting.KEY) or [])
    if not waiting or ledger_waiting.current(turn) is not None:
        return False
    first, rest = waiting[0], waiting[1:]
    if rest:
        turn.state[ledger_waiting.KEY] = rest
    else:
        turn.state.pop(ledger_waiting.KEY, None)
    left = f"（之后还有 {len(rest)} 条）" if rest else ""
    show_pending(turn, first["ledger"], first["data"], first.get("ref"), first.get("files", []),
                 lead=f"还有一条台账未确认{left}：")
    return True


def resume_waiting(turn, args):
    """待确认台账: show the entry waiting for confirmation again."""
    pending = ledger_waiting.current(turn)
    if pending is not None:
        show_pending(turn, pending["ledger"], pending["data"], pending.get("ref"), pending.get("files", []))
        return
    if not show_next(turn):
        turn.reply("没有待确认的台账。")
