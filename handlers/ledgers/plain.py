"""Ledger lines in plain words, and the closest things to say when a message is not understood.

``recognise(text, today=None)`` reads a message typed outside any form as a ledger line without
its keyword, or returns None. Only clear cases are taken:

- a payment or a purchase: a spending word (发放, 购买, 花了, 报销 …) and an amount →
  经费 支出, the rest of the message its purpose (「给团队成员发放节日慰问金2000元」,
  「购买三坐标测量仪 3.2万」 with 设备购置 suggested);
- money received: a receiving word (收到, 拨款, 到账 …) and an amount → 经费 收入;
- an activity: one of the activity kinds (技术交流, 培训 …), a date and a head count →
  活动 (「11月28号搞了一次管片拼装技术交流，来了18个人」).

Questions, plans (明天/计划 …), several lines, or a message that reads as two entries are left
alone. Values are read by the quick-entry grammar (handlers/ledgers/quick.py: its value shapes
and ``read_words``), so they read as they would in a line with its keyword. The funding rule is
not applied here: a payment is classified and returned; the caller judges it
(``funding_rule.judge``) and says why it is refused. A value that is clearly meant but wrong
(2月30号) raises ``InvalidInput`` with the parser's message.

``suggest(text, words=None)`` gives the two or three closest things the user can say for a message
that is not understood, from the words in it (经费/钱/元 → a 经费 支出 line, 培训/交流 → an
activity line, 专利 → an achievement line …), filled up with 帮助 / 申报 / 进度.
"""
import re
from dataclasses import dataclass

from bot.forms import parsers as p
from handlers.ledgers import quick, schema


@dataclass(frozen=True)
class PlainLine:
    """A ledger line recognised in plain words.

    ``data`` is the entry's answers as ``quick.read_line`` gives them (required ones may be missing:
    the caller asks for them); ``line`` is the same entry written as a quick line with its keyword
    (经费 支出 2000元 给团队成员发放节日慰问金; a relative date as the day read), to show as understood;
    ``suggested`` the keys filled by a suggestion (类别), to say so."""
    ledger: str
    data: dict
    line: str
    suggested: tuple = ()


_DATE = re.compile(quick.DATE)
_AMOUNT = re.compile(rf"(?:约|大约)?{quick.AMOUNT}")
_PEOPLE = re.compile(quick.PEOPLE)
_HOURS = re.compile(quick.HOURS)

_QUESTION = re.compile(r"[?？]|吗|呢|怎么|如何|多少|是否|能不能|可不可以|可以不|为什么|哪些|哪个|什么")
_PLAN = re.compile(r"预计|计划|准备|打算|将要|将于|明天|后天|下周|下个月|要搞|要办|要开|想要|想买|要买")
_NOT_DONE = re.compile(r"没有|没搞|没办|没买|未能|取消了")
_SPEND = re.compile(r"购买|购置|采购|添置|订购|买了|买|支付|付了|付款|花了|花费|支出|发放|发了|发给|报销|缴纳|租用|租了")
_RECEIVE = re.compile(r"收到|到账|拨付|拨款|拨来|下拨|拨了|划拨|资助")
# the activity kinds and their short names, longest first (技术交流 before 交流)
_ACTIVITY_WORDS = sorted([k for k in schema.KINDS["activity"] if k != "其他"]
                         + list(schema.KIND_ALIASES["activity"]), key=len, reverse=True)
_ACTIVITY = re.compile("|".join(_ACTIVITY_WORDS))
# what leads up to an activity's topic: 在X搞了一次 / 组织了 / 开展 …
_HELD = re.compile(r"^(?:我们|咱们|工作室|大家|今天|昨天|前天|上午|下午|晚上)*(?:在(?P<place>.{1,15}?))?(?:又|一起)?"
                   r"(?:搞|组织|开展|举办|进行|召开|举行|开|办)了?(?:一次|一场|一期|一个|个|场|次)?")
_SEPARATORS = re.compile(r"[,，。;；!！、\s]+")
_FILLER = re.compile(r"(?:来了|到了|到场|出席|参加|参与|共计|一共|总共|合计|共有|共|有|大约|约|左右|了|的|"
                     r"我们|大家|花了|花费|用了|支付了?|付了|金额|费用|人参加|人到场|成员|同事|职工|员工|学员|徒弟)*")
_EDGES = re.compile(r"^(?:共计|一共|总共|合计|共|大约|约|花了|用了|了)+|(?:共计|一共|总共|合计|共|大约|约|花了|花费|用了|的)+$")
_COUNT_CUE = re.compile(r"(?:来了|到了|共|有|参加人数)$")
_INCOME_UNIT = re.compile(r"^(?:收到|收)?(?:由)?(?P<unit>.*?)(?:的)?(?:拨付|拨款|拨来|下拨|拨了|划拨|资助|到账|经费|"
                          r"资金|款项|款)*$")
_KEYWORDS = tuple(schema.SHORT.values()) + tuple(f"记{w}" for w in schema.SHORT.values())


def recognise(text, *, today=None):
    """The ledger line ``text`` is in plain words (a ``PlainLine``), or None when it is not clearly one."""
    text = quick.glue(p.to_halfwidth(text or "")).strip()
    if not text or "\n" in text or len(text) > 200 or text.split()[0] in _KEYWORDS:
        return None
    if _QUESTION.search(text) or _PLAN.search(text) or _NOT_DONE.search(text):
        return None
    amount = _AMOUNT.search(text)
    activity = _activity(text, today)
    if amount and activity:             # two entries in one message: not a line
        return None
    if activity:
        return activity
    if not amount:
        return None
    spend, receive = _SPEND.search(text), _RECEIVE.search(text)
    if bool(spend) == bool(receive):
        return None
    return _funding("支出" if spend else "收入", text, amount, today)


def _cut(text, spans):
    """``text`` without the given matches (each replaced by a separator)."""
    for span in sorted((s for s in spans if s), key=lambda s: s.start(), reverse=True):
        text = text[:span.start()] + "，" + text[span.end():]
    return text


def _fragments(text):
    """The parts of a message left once its values are cut out, without filler words (来了, 共)."""
    parts = (_EDGES.sub("", f) for f in _SEPARATORS.split(text))
    return [f for f in parts if f and not _FILLER.fullmatch(f)]


def _people(text):
    """The head count: the one next to 来了/共/参加, else the last one."""
    counts = list(_PEOPLE.finditer(text))
    for match in counts:
        after = text[match.end():match.end() + 2]
        if _COUNT_CUE.search(text[:match.start()]) or after.startswith(("参加", "参与", "到场", "出席")):
            return match
    return counts[-1] if counts else None


def _activity(text, today):
    kind_word = _ACTIVITY.search(text)
    date, people = _DATE.search(text), _people(text)
    if not (kind_word and date and people):
        return None
    hours = _HOURS.search(text)
    parts = _fragments(_cut(text, [date, people, hours]))
    main = next((n for n, f in enumerate(parts) if _ACTIVITY.search(f)), None)
    if main is None:                    # the kind word was cut out with a value: not a clear line
        return None
    topic, notes = parts[main], parts[:main] + parts[main + 1:]
    held = _HELD.match(topic)
    place = (held.group("place") or "") if held else ""
    topic = topic[held.end():] if held else topic
    if not _ACTIVITY.search(topic):     # 在交流中心开了… : the kind word was the place's
        return None
    words = [date.group(), people.group()] + ([hours.group()] if hours else []) + [topic]
    words += [f"地点：{place}"] if place else []
    words += ["备注：" + "，".join(notes)] if notes else []
    return _line("activity", schema.parse_kind("activity", _ACTIVITY.search(topic).group()), words, today)


def _funding(direction, text, amount, today):
    date = _DATE.search(text)
    parts = _fragments(_cut(text, [amount, date]))
    words = [amount.group()] + ([date.group()] if date else [])
    if direction == "收入":
        unit = _INCOME_UNIT.fullmatch(parts[0]).group("unit") if parts else ""
        words += [unit] if unit else []
    elif parts:
        words.append("，".join(parts))
    return _line("funding", direction, words, today)


def _line(ledger, kind, words, today):
    """The PlainLine of ``words`` as read by the quick-entry grammar; the line shows the date read."""
    read = quick.read_words(ledger, kind, words, today=today, rule=False)
    date = read.data.get("date")
    if date:            # 昨天 / 11月28号 → the day it was read as
        words = [f"{date[:4]}-{date[4:6]}-{date[6:]}" if _DATE.fullmatch(w) else w for w in words]
    return PlainLine(ledger, read.data, " ".join([schema.SHORT[ledger], kind] + words), read.suggested)


# --- the closest things to say ------------------------------------------------------------------

# (words in a message that point to it, the command word it starts with, what to say)
_SUGGESTIONS = (
    (("支出", "花", "买", "购", "报销", "发放", "经费", "费用", "钱", "元", "块", "万"), "经费",
     "记一笔支出：经费 支出 2000元 设备购置 激光测距仪 2024-03-02"),
    (("收入", "拨款", "到账", "拨付", "下拨", "收到", "来源"), "经费",
     "记一笔收入：经费 收入 5万元 中交示范工程局 2024年1月5日"),
    (("余额", "还剩", "剩下", "结余", "剩多少"), "经费余额", "查经费余额：经费余额"),
    (("活动", "培训", "交流", "研讨", "学习", "讲座", "带徒", "展示", "参加"), "活动",
     "记一次活动：" + quick.EXAMPLES["activity"]),
    (("成果", "专利", "获奖", "奖项", "立项", "课题", "效益", "发明", "实用新型", "创收", "节资"), "成果",
     "记一项成果：" + quick.EXAMPLES["achievement"]),
    (("成员", "加入", "退出", "晋升", "荣誉", "劳模", "技师", "入职", "调走"), "成员",
     "记成员变动：" + quick.EXAMPLES["member"]),
    (("台账", "记录", "查看", "明细"), "台账", "查看台账：台账 成果 2024"),
    (("导出", "下载", "打印", "Excel", "excel", "文档", "文件"), "导出", "导出申报表：导出"),
    (("申报", "填表", "申请", "审批表", "填写"), "申报", "填写申报表：申报"),
    (("进度", "审批", "审核", "到哪", "状态", "通过"), "进度", "查看申报进度：进度"),
    (("七有", "制度", "场所", "牌子"), "七有", "七有自查：七有"),
    (("证明", "照片", "扫描件", "附件", "盖章"), "证明", "查看证明材料：证明"),
    (("帮助", "怎么", "如何", "功能", "菜单", "不会"), "帮助", "查看全部功能：帮助"),
)
_FALLBACK = ("帮助", "申报", "进度")
_FALLBACK_SAY = {word: say for _, word, say in _SUGGESTIONS if word in _FALLBACK}


def suggest(text, words=None):
    """The two or three closest things to say for ``text``, best first (short lines, each with an example).

    A suggestion scores the length of the words in ``text`` that point to it; ties keep the table's
    order. ``words``, when given, are the command words this user may use (others are left out).
    """
    text = p.to_halfwidth(text or "")
    allowed = (lambda word: True) if words is None else (lambda word: word in words)
    scored = []
    for n, (triggers, word, say) in enumerate(_SUGGESTIONS):
        score = sum(len(t) for t in triggers if t in text)
        if score and allowed(word):
            scored.append((-score, n, say))
    found = [say for _, _, say in sorted(scored)[:3]]
    for word in _FALLBACK:
        if len(found) >= 3:
            break
        if allowed(word) and _FALLBACK_SAY[word] not in found:
            found.append(_FALLBACK_SAY[word])
    return found
