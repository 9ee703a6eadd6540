"""Recording a ledger entry in chat: the guided mini-form, the one-line entry and its confirmation, files.

Frames on the flow stack, none lost when another task comes in between:

* ``form`` with the ``ledger`` host: a mini-form asking what a line did not say;
* ``ledger``: an entry shown back, waiting for [确认] [修改] [取消] (typing 确认 / 确认保存 does what the
  button does); another line typed meanwhile waits on top of it, and when that one is saved this
  one comes back (「继续刚才的立项登记：请确认保存」). An expense whose 收款方 or 受益方 decides the funding
  rule and is not said is asked first, with buttons ([供应商或其他第三方] [成员或其他个人] …, or 不清楚:
  then it is held for the unit union); the answer is kept in the entry (``payee`` / ``beneficiary``)
  and the expense judged again — refused, with the 意见's sentence, when the answer says so;
* ``ledger_kind``: the kind asked after a bare 记成果; ``ledger_saved``: files sent within half an
  hour of saving attach to the entry just saved.

Saving, holding an expense for the unit union and attaching go through the ledger service.
"""
import re
import uuid

from bot import files
from bot.actions import TEXT, encode
from bot.conversation import words as W
from bot.conversation.flow import Flow
from bot.errors import InvalidInput, UserError
from bot.forms.host import Host, StateStore
from bot.forms.parsers import format_wan
from handlers import form_flow as forms
from handlers.ledgers import funding_review, funding_rule, quick, schema
from handlers.ledgers.access import own_studio
from handlers.ledgers.funding import over_balance_note
from handlers.policy import Do
from handlers.services import budgets, ledgers as ledger_service
from storage import ledgers

CONFIRM, KIND, SAVED = "ledger", "ledger_kind", "ledger_saved"


def confirm_buttons(key):
    return [("确认保存", encode(CONFIRM, "confirm", key)), ("修改", encode(CONFIRM, "edit", key)),
            ("取消", encode(CONFIRM, "cancel", key))]


# --- the guided mini-form ----------------------------------------------------------------------

class LedgerHost(Host):
    """A ledger entry being filled by the walker; answers stay in the frame until saved.

    Its state: ``ledger`` (which), ``answers`` and ``skipped`` (StateStore), ``ref`` (the entry
    being corrected, or None), ``files`` (ids of files sent meanwhile)."""
    name = "ledger"
    title = "记台账"

    def form(self, turn, state):
        ledger = state["ledger"]
        return schema.form_for(ledger, state.get("answers", {}).get(schema.kind_key(ledger)))

    def store(self, turn, state):
        return StateStore(state)

    def key(self, state):
        return f"{state['ledger']}:{state.get('ref') or state.get('new', '')}"

    def describe(self, data):
        what = "修改" if data.get("ref") else "记"
        return f"{what}一条{schema.NOUN[data['ledger']]}台账（逐项填写中）"

    def commands(self):
        return {"保存": lambda turn, walker, args: walker.submit(), "取消": self.cancel, "放弃": self.cancel}

    @staticmethod
    def cancel(turn, walker, args):
        """Nothing is saved yet, so cancelling needs no confirmation."""
        walker.end()
        word = f"记{schema.SHORT[walker.host_state['ledger']]}"
        turn.reply(f"已取消，这条台账没有保存。需要时再发送「{word}」。")

    def submit_label(self):
        return "保存"

    def on_answer(self, turn, walker, item, value):
        ledger = walker.host_state["ledger"]
        if item.key == schema.kind_key(ledger):
            walker.reload_form()      # another kind asks other fields
        if ledger == "funding" and item.key == "amount" and walker.answers.get("direction") == "支出":
            return over_balance_note(turn.session, own_studio(turn).id, value, walker.host_state.get("ref"))
        return ""

    def preview_extra(self, turn, walker):
        if walker.host_state["ledger"] == "funding":
            return f"当前经费余额：{format_wan(ledgers.balance(turn.session, own_studio(turn).id))} 万元"
        return ""

    def submit(self, turn, walker):
        state = walker.host_state
        if state["ledger"] == "funding" and question(walker.answers, ()) is not None:
            walker.end()            # who is paid or for whom decides the rule: asked before saving
            begin_confirm(turn, "funding", dict(walker.answers), ref=state.get("ref"), file_ids=state.get("files", []))
            return
        outcome = ledger_service.record(turn.ctx, own_studio(turn).id, state["ledger"], walker.answers,
                                        file_ids=state.get("files", []), ref=state.get("ref"))
        walker.end()
        say_saved(turn, outcome)

    def on_attachment(self, turn, walker, key, attachments):
        ids = file_ids(turn, attachments)
        walker.host_state["files"] = list(walker.host_state.get("files", [])) + ids
        turn.reply(f"已收到 {len(ids)} 个文件，保存这条台账时一并附上。")


HOST = LedgerHost()


def begin_form(turn, ledger, answers, *, ref=None, file_ids=(), header=None):
    """Enter a mini-form; with answers beyond the kind (an entry being corrected or completed) only the
    required fields still empty are asked, optional ones left empty count as skipped."""
    skipped = []
    if set(answers) - {schema.kind_key(ledger)}:
        form = schema.form_for(ledger, answers.get(schema.kind_key(ledger)))
        skipped = sorted(i.key for i in form.items if i.optional and answers.get(i.key) in (None, ""))
    state = {"ledger": ledger, "answers": dict(answers), "skipped": skipped, "ref": ref, "files": list(file_ids),
             "new": "" if ref else uuid.uuid4().hex[:8]}
    header = header or f"好的，记一条{schema.NOUN[ledger]}台账"
    return forms.begin(turn, HOST, state, header)


# --- an entry shown back, waiting for 确认 ------------------------------------------------------

def _noun(pending):
    if pending["ledger"] == "achievement" and pending["data"].get("kind") == "立项":
        return "立项登记"
    return f"{schema.NOUN[pending['ledger']]}登记"


# the funding rule's questions (funding_rule.ASK_PAYEE / ASK_BENEFICIARY): the data key and its answers
ASKED = {funding_rule.ASK_PAYEE: ("payee", schema.PAYEES), funding_rule.ASK_BENEFICIARY: ("beneficiary", schema.BENEFICIARIES)}
UNSURE = "unknown"
UNSURE_WORDS = ("不清楚", "不知道", "不确定", "说不清")


def question(data, unsure):
    """The funding rule's verdict asking who is paid or for whom (``funding_rule.ASK``) about an expense,
    or None: not an expense, the rule decides, or the leader said they do not know (``unsure``)."""
    if data.get("direction") != "支出":
        return None
    verdict = funding_rule.verdict_of(data)
    return verdict if verdict.kind == funding_rule.ASK and verdict.ask not in unsure else None


class LedgerConfirm(Flow):
    name = CONFIRM
    actions = {"confirm": (TEXT,), "edit": (TEXT,), "cancel": (TEXT,), "who": (TEXT, TEXT, TEXT)}

    def frame_for(self, stack, action):
        return stack.find(CONFIRM, action.args[0])

    def claims(self, turn, frame, text, command):
        return text == "修改" or text.startswith("修改 ")

    def on_message(self, turn, frame):
        pending = frame.data
        text = turn.incoming.text.strip()
        if turn.incoming.attachments and not text:
            ids = file_ids(turn, turn.incoming.attachments)
            pending["files"] = list(pending.get("files", [])) + ids
            turn.reply(f"已收到 {len(ids)} 个文件，确认后附在这条台账下。", confirm_buttons(frame.key))
            return True
        if pending.get("asking") and text and not text.startswith("修改"):
            key = pending["asking"]
            try:
                value = UNSURE if text in UNSURE_WORDS else schema.parse_data(key, text)
            except InvalidInput as exc:
                turn.reply(f"{exc}也可以回复「不清楚」，交所在单位工会核实。")
                return True
            answer(turn, frame, key, value)
            return True
        if text == "修改" or text.startswith("修改 "):
            edit(turn, frame, text[2:].strip())
            return True
        if text in W.YES:
            confirm(turn, frame)
            return True
        if text in W.NO:
            turn.stack.end(frame)
            turn.reply("已取消，这条台账没有保存。")
            return True
        if re.match(r"^[^:：\s]{1,12}[:：]", text):
            pending["data"] = apply_labelled(pending["ledger"], pending["data"], text, turn.clock.today())
            show(turn, frame)
            return True
        turn.reply("请先确认刚才这条台账：确认保存、修改，或取消。", confirm_buttons(frame.key))
        return True

    def on_action(self, turn, frame, action):
        if action.verb == "who":
            key, value = action.args[1], action.args[2]
            names = dict(ASKED.values()).get(key)
            if names is None or (value not in names and value != UNSURE):
                raise UserError("这个按钮已失效，请重新发送这条台账。")
            answer(turn, frame, key, value)
        elif action.verb == "confirm":
            confirm(turn, frame)
        elif action.verb == "edit":
            edit(turn, frame)
        else:
            turn.stack.end(frame)
            turn.reply("已取消，这条台账没有保存。")

    def on_resume(self, turn, frame, ended):
        show(turn, frame, lead=f"继续刚才的{_noun(frame.data)}：请确认保存。\n")

    def on_aside(self, turn, frame):
        show(turn, frame, lead="这条台账还没有保存：")

    def describe(self, frame):
        return f"{_noun(frame.data)}（{schema.describe(frame.data['ledger'], frame.data['data'])}）待确认保存"


def begin_confirm(turn, ledger, data, ref=None, file_ids=(), lead=""):
    frame = turn.stack.begin(CONFIRM, {"ledger": ledger, "data": data, "ref": ref, "files": list(file_ids)},
                             uuid.uuid4().hex[:8])
    show(turn, frame, lead)
    return frame


def show(turn, frame, lead=""):
    pending = frame.data
    ledger, data, ref = pending["ledger"], pending["data"], pending.get("ref")
    verb = f"修改台账（编号 {ref}）为" if ref else f"记一条{schema.NOUN[ledger]}"
    lines = [f"{lead}{verb}：{schema.describe(ledger, data)}。"]
    note = schema.later_note(ledger, data)
    if ledger == "funding" and data.get("direction") == "支出":
        verdict = funding_rule.verdict_of(data)
        if verdict.kind == funding_rule.REFUSED:
            refuse(turn, frame, verdict)
            return
        asked = question(data, pending.get("unsure", []))
        if asked is not None:
            ask(turn, frame, lines[0], asked)
            return
    pending.pop("asking", None)
    if ledger == "funding":
        studio_id = own_studio(turn).id
        if data.get("direction") == "支出":
            if data.get("project"):
                note = budgets.charge_problem(turn.session, studio_id, data, ref)
                note = f"注意：{note}，不能计入专项科研经费" if note else \
                    "这笔支出在立项的专项科研经费（本单位科研经费）中列支，不计入工作室经费余额"
            else:
                note = over_balance_note(turn.session, studio_id, data["amount"], ref) or note
            doubt = funding_review.doubt(data)
            if doubt:
                lines.append(f"注意：{doubt}；确认后会记入台账并交所在单位工会核实。")
        note = note or f"当前经费余额 {format_wan(ledgers.balance(turn.session, studio_id))} 万元。"
    if note:
        lines.append(note if note.endswith("。") else note + "。")
    lines.append("可以附上照片或文件作为证明材料。")
    turn.reply("\n".join(lines), confirm_buttons(frame.key))


def ask(turn, frame, line, verdict):
    """Who is paid, or for whom: the expense is not saved until the leader says (or says 不清楚)."""
    key, names = ASKED[verdict.ask]
    frame.data["asking"] = key
    buttons = [(label, encode(CONFIRM, "who", frame.key, key, value)) for value, label in names.items()]
    buttons += [("不清楚，交单位工会核实", encode(CONFIRM, "who", frame.key, key, UNSURE)),
                ("取消", encode(CONFIRM, "cancel", frame.key))]
    turn.reply(f"{line}\n保存前请先说明{verdict.ask}：{verdict.reason}。\n{verdict.question}", buttons)


def answer(turn, frame, key, value):
    """The 收款方 / 受益方 said: kept in the entry and judged again (or, 不清楚, held for the unit union)."""
    pending = frame.data
    if value == UNSURE:
        asked = next(name for name, (k, _) in ASKED.items() if k == key)
        pending["unsure"] = sorted(set(pending.get("unsure", [])) | {asked})
    else:
        pending["data"] = dict(pending["data"], **{key: value})
    show(turn, frame)


def refuse(turn, frame, verdict):
    turn.stack.end(frame)
    turn.reply(f"{schema.FUNDING_RULE}\n{verdict.reason}\n这条支出没有保存。")


def confirm(turn, frame):
    pending = frame.data
    if question(pending["data"], pending.get("unsure", [])) is not None:
        show(turn, frame)           # an old [确认保存] while the question is open: ask it first
        return
    outcome = ledger_service.record(turn.ctx, own_studio(turn).id, pending["ledger"], pending["data"],
                                    file_ids=pending.get("files", []), ref=pending.get("ref"))
    turn.stack.end(frame)
    say_saved(turn, outcome)


def edit(turn, frame, label=""):
    pending = frame.data
    turn.stack.end(frame)
    header = f"修改这条{schema.NOUN[pending['ledger']]}台账"
    walker = begin_form(turn, pending["ledger"], pending["data"], ref=pending.get("ref"),
                        file_ids=pending.get("files", []), header=header)
    if label:
        walker.edit(label)
    else:
        turn.reply("要改哪一项？可以说「修改 日期」，或直接写「日期：2024年3月15日」。")


def apply_labelled(ledger, data, text, today):
    """``字段：值`` applied to an entry's data (parsed by that field, or a data key the ledger declares:
    「立项：12」, 「收款方：供应商」); returns the new data."""
    match = re.match(r"^\s*([^:：]{1,24}?)\s*[:：]\s*(.+)$", text, re.S)
    form = schema.form_for(ledger, data.get(schema.kind_key(ledger)))
    items = form.lookup(match.group(1)) if match else []
    key = schema.data_key(ledger, match.group(1)) if match and not items else None
    if key and data.get(schema.kind_key(ledger)) == "支出":     # 「立项：12」「收款方：供应商」
        return dict(data, **{key: schema.parse_data(key, match.group(2).strip())})
    if not items:
        names = "、".join(i.qualified for i in form.items)
        raise UserError(f"请用「字段：值」的写法，例如「日期：2024年3月15日」。可改的字段：{names}。")
    item = items[0]
    new = dict(data)
    new[item.key] = item.parse(match.group(2).strip(), new, today)
    return new


# --- the kind asked after a bare 记成果, files after saving -------------------------------------------

class LedgerKind(Flow):
    name = KIND
    transient = True
    ttl_minutes = 30

    def on_message(self, turn, frame):
        text = turn.incoming.text.strip()
        if not text:
            return False
        ledger = frame.data["ledger"]
        try:
            kind = schema.parse_kind(ledger, text)
        except UserError:
            return False
        turn.stack.end(frame)
        begin_form(turn, ledger, {schema.kind_key(ledger): kind})
        return True


class LedgerSaved(Flow):
    """For half an hour after saving, files sent attach to the entry just saved."""
    name = SAVED
    transient = True
    ttl_minutes = 30

    def on_message(self, turn, frame):
        if not turn.incoming.attachments or turn.incoming.text.strip():
            return False
        outcome = ledger_service.attach(turn.ctx, frame.data["entry"], file_ids(turn, turn.incoming.attachments))
        turn.reply(f"已将 {outcome['files']} 个文件附在台账（编号 {frame.data['entry']}）下。")
        return True


def file_ids(turn, attachments):
    ids = []
    for att in attachments:
        stored = files.lookup_in(turn.session, att.ref)
        if stored is not None:
            ids.append(stored.id)
    return ids


def say_saved(turn, outcome):
    """Word the ledger service's outcome, and keep the entry as the target of files sent next."""
    entry, ledger, data = outcome["entry"], outcome["ledger"], outcome["data"]
    if outcome.what == "updated":
        diff = outcome["diff"]
        text = f"✓ 已修改台账（编号 {entry.id}）：" + ("；".join(diff) if diff else "内容没有变化") + "。"
    else:
        text = f"✓ 已记入{schema.TITLES[ledger]}（编号 {entry.id}）：{schema.describe(ledger, data)}。"
    if outcome["hold"]:
        where = "已请所在单位工会核实。" if outcome["unions"] else "但所在单位还没有绑定单位工会人员，请联系管理员。"
        text += f"\n注意：{outcome['hold']}。这笔支出已标注「待单位工会确认」，确认前不计入经费余额和统计，{where}"
    if outcome["files"]:
        text += f"\n已附证明材料 {outcome['files']} 份。"
    if outcome["balance"] is not None:
        balance = outcome["balance"]
        text += f"\n当前经费余额：{format_wan(balance)} 万元" + ("（支出已超过收入，请核对）。" if balance < 0 else "。")
    note = schema.later_note(ledger, data)
    if note:
        text += f"\n{note}"
    text += "\n如有照片或文件，现在直接发送即可附在这条台账下。"
    short = schema.SHORT[ledger]
    turn.stack.begin(SAVED, {"entry": entry.id}, str(entry.id))
    turn.reply(text, [(f"再记一条{short}", f"记{short}"), ("查看台账", f"台账 {short}")])


# --- the commands --------------------------------------------------------------------------------

def guided(ledger):
    def command(turn, args):
        own_studio(turn)
        word = f"记{schema.SHORT[ledger]}"
        if not args and ledger != "activity":
            noun = "收支" if ledger == "funding" else f"{schema.NOUN[ledger]}类型"
            turn.stack.begin(KIND, {"ledger": ledger}, ledger)
            turn.reply(f"请选择{noun}：", [(k, f"{word} {k}") for k in schema.KINDS[ledger]])
            return
        if len(args.split()) > 1:          # 记经费 支出 2000元 …: the rest of the line is a quick entry
            return quick_entry(ledger)(turn, args)
        answers = {schema.kind_key(ledger): schema.parse_kind(ledger, args)} if args else {}
        begin_form(turn, ledger, answers)
    command.__name__ = f"guided_{ledger}"
    return command


def quick_entry(ledger):
    """A one-line entry (活动/成果/成员/经费 …): shown back to confirm, or the mini-form for what it lacks."""
    def command(turn, args):
        own_studio(turn)
        data = quick.parse_line(ledger, args, today=turn.clock.today())
        missing = schema.missing(ledger, data)
        if missing:
            form = schema.form_for(ledger, data.get(schema.kind_key(ledger)))
            known = "，".join(f"{i.qualified} {i.display(data[i.key])}" for i in form.items if i.key in data)
            turn.reply(f"已识别：{known}。还缺少：{'、'.join(missing)}，请逐项补充。")
            begin_form(turn, ledger, data, header=f"继续记这条{schema.NOUN[ledger]}台账")
            return
        begin_confirm(turn, ledger, data)
    command.__name__ = f"quick_{ledger}"
    return command


def reads_as_entry(ledger):
    """Whether the words after 活动/成果/成员/经费 start with one of the ledger's kinds (「成果 转化中心」 does not)."""
    def reads(args):
        words = (args or "").split()
        if not words:
            return False
        try:
            schema.parse_kind(ledger, words[0])
        except UserError:
            return False
        return True
    return reads


def waiting(turn, args):
    """待确认台账: the entry waiting for confirmation comes back to the top."""
    frame = turn.stack.find(CONFIRM)
    if frame is None:
        turn.reply("没有待确认的台账。")
        return
    frame = turn.stack.begin(CONFIRM, {}, frame.key)
    show(turn, frame)


def register(router):
    router.add_flow(LedgerConfirm(), do=Do.LEDGER_WRITE)
    router.add_flow(LedgerKind(), do=Do.LEDGER_WRITE)
    router.add_flow(LedgerSaved(), do=Do.LEDGER_WRITE)

