"""The one-line quick-entry grammar: `成果 发明专利 一种…装置 2024年3月12日` → the entry's data.

A line is the ledger word, the kind, then words in any order. Each word is recognised by its
shape — a date, an amount (元/万元), a count (25人), hours (4小时), a level or grade, a patent
number, ``字段：值`` — and the remaining words fill the entry's text fields in order (topic,
place, notes; title, issuer or plan; name; source unit or purpose). The same parsers as the
forms read every value, so the same mistakes get the same messages. An expense without its
category gets one suggested when the purpose plainly names it (购买三坐标测量仪 → 设备购置).

The value shapes (``DATE``, ``AMOUNT``, ``PEOPLE``, ``HOURS``) and ``read_words`` are shared with
ledger lines written in plain words (handlers/ledgers/plain.py): one grammar for both.
"""
import re
from dataclasses import dataclass

from bot.errors import InvalidInput
from bot.forms import parsers as p
from bot.forms.schema import Field
from handlers.ledgers import schema

GRAMMAR = """台账快速记录（一行一条，词之间用空格分开）：
· 活动 类型 主题 日期 人数 时长 [地点] [备注]
  例：活动 技能培训 盾构操作培训 2024-05-10 25人 4小时 工作室
  类型：学习研讨 / 技能培训 / 技术交流 / 师带徒 / 成果展示 / 其他
· 成果 类型 名称 日期 [专利号] [级别 颁奖单位]
  例：成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日
  例：成果 获奖 盾构纠偏辅助系统 省部级 中国施工企业管理协会 2024-09-01
  例：成果 立项 富水砂层始发风险控制 2025-02-01 目标2025-12-31 计划：年内完成样机
  例：成果 经济效益 管片拼装定位装置 2024年 创收10万元 节资20万元
  省市工会命名：省市命名 省级 四川省总工会 2023年4月28日 川工发〔2023〕12号
  类型：立项 / 创新成果 / 成果转化 / 实用新型专利 / 发明专利 / 获奖 / 经济效益 / 命名
· 成员 类型 姓名 [等级或荣誉] 日期
  例：成员 晋升 赵磊 高级技师 2023年6月1日
  单位奖励骨干：骨干奖励 赵磊 年度创新标兵 2024年12月20日
  类型：加入 / 退出 / 晋升（双重职称、高级技师、技师、高级工、其他）/ 荣誉（全国劳模、省部级劳模、地市级劳模、企业劳模）/ 奖励
· 经费 收入 金额 来源单位 日期
  例：经费 收入 5万元 中交示范工程局 2024年1月5日
· 经费 支出 金额 类别 用途 日期（类别：设备购置 / 研究费用 / 成果推广）
  例：经费 支出 2000元 设备购置 激光测距仪 2024-03-02
  立项预算：预算 立项编号 金额；批准后支出加写 立项：编号
也可以写「字段：值」，如 地点：工作室、专利号：ZL202410123456.7。
逐项填写请发送：记活动 / 记成果 / 记成员 / 记经费。"""

EXAMPLES = {
    "activity": "活动 技能培训 盾构操作培训 2024-05-10 25人 4小时",
    "achievement": "成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日",
    "member": "成员 晋升 赵磊 高级技师 2023年6月1日",
    "funding": "经费 收入 5万元 中交示范工程局 2024年1月5日",
}

_CN = "〇○零一二两三四五六七八九十百千"
_N = rf"[\d{_CN}]"
# The shapes of values, shared with ledger lines in plain words (handlers/ledgers/plain.py): there
# they are searched for in a sentence, here a word of a line must be one whole.
DATE = (rf"(?:今天|今日|昨天|昨日|大前天|前天|{_N}{{1,3}}天以?前"
        rf"|(?:上上|上|本|这)?个?(?:周|星期|礼拜)[1-7一二三四五六日天]"
        rf"|(?:本月|这个月|这月|上个月|上月){_N}{{1,3}}[日号]"
        rf"|(?:今年|去年|前年|{_N}{{4}}年|{_N}{{2}}年)?{_N}{{1,3}}月{_N}{{1,3}}[日号]?"
        rf"|\d{{4}}[-./]\d{{1,2}}[-./]\d{{1,2}}|\d{{8}})")
AMOUNT = rf"(?=[\d{_CN}])[\d.{_CN}万]+(?:万元|万|元|块钱|块)"
PEOPLE = rf"{_N}+(?:个人|人次|人|名|位)"
HOURS = rf"[\d.{_CN}]+(?:个半?小时|小时|学时|课时|分钟)"
# a malformed date (2024-13-40, 2024年5月) is still a date word: parse_date says what is wrong
_DATE_LIKE = re.compile(rf"^(?:{DATE}|{_N}{{2,4}}年{_N}{{1,2}}月.*|\d{{4}}[-./]\d{{1,2}}([-./].*)?)$")
_YEAR = re.compile(rf"^(?:({_N}{{4}})年?度?|({_N}{{2}})年度?)$")
_MONEY = re.compile(rf"^(?P<tag>创收|节资|金额)?[:：]?(?P<amount>(?:约|大约)?(?:-?¥-?[\d.]+|-?¥?-?{AMOUNT}))$")
# "25 人", "5 万元", "2024年 3月 12日": glue a number to its unit so each value is one word
_GLUE = [(re.compile(r"(?<=[\d.])\s+(?=(人次|个人|人|个半小时|小时|学时|课时|分钟|万元|万|元)(\s|$))"), ""),
         (re.compile(r"(?<=\d年)\s+(?=\d{1,2}月)|(?<=\d月)\s+(?=\d{1,2}[日号])"), ""),
         (re.compile(r"(?<=创收|节资)\s+(?=[\d-])"), "")]
_PEOPLE = re.compile(rf"^-?{PEOPLE}$")
_HOURS = re.compile(rf"^-?[\d.{_CN}]+(个半?小时|小时|学时|课时|分钟|h)$", re.I)
_PATENT = re.compile(r"^(ZL|zl)?\d{8,13}(\.[\dXx])?$")
_LEVELS = {"国际": "国际", "国际级": "国际", "国家": "国家", "国家级": "国家", "省部": "省部", "省部级": "省部",
           "省级": "省部", "部级": "省部", "地市": "地市", "地市级": "地市", "市级": "地市"}
_CATEGORY = {"设备购置": "设备购置", "设备": "设备购置", "研究费用": "研究费用", "研究": "研究费用",
             "成果推广": "成果推广", "推广": "成果推广"}
# 「购买三坐标测量仪」: buying an instrument, a machine, a computer or equipment suggests 设备购置
# (shown in the line read back, changeable before it is saved)
_EQUIPMENT = re.compile(r"(?:购买|购置|采购|添置|订购|买了?).*?(?:仪器?|设备|机床|器材|电脑|计算机|机)(?!票)")
# the text fields filled, in order, by words that are not recognised otherwise
_TEXT_SLOTS = {
    ("activity", None): ("topic", "place", "notes"),
    ("achievement", "立项"): ("title", "plan"),
    ("achievement", "获奖"): ("title", "issuer"),
    ("achievement", "命名"): ("issuer", "document", "title"),
    ("achievement", None): ("title",),
    ("member", "加入"): ("name", "notes"),
    ("member", "退出"): ("name", "notes"),
    ("member", "奖励"): ("name", "reward", "notes"),
    ("member", None): ("name",),
    ("funding", "收入"): ("unit",),
    ("funding", "支出"): ("purpose",),
}


def _slots(ledger, kind):
    return _TEXT_SLOTS.get((ledger, kind)) or _TEXT_SLOTS[(ledger, None)]


@dataclass(frozen=True)
class Line:
    """A ledger line read: the entry's answers (required ones may be missing: the caller asks for
    them), and the keys filled by a suggestion rather than typed (类别 from 「购买…仪」)."""
    ledger: str
    data: dict
    suggested: tuple = ()


def glue(text):
    """Numbers glued to their units (25 人 → 25人), so each value is one word."""
    text = text or ""
    for pattern, joined in _GLUE:
        text = pattern.sub(joined, text)
    return text


def read_line(ledger, text, *, today=None, rule=True):
    """The ``Line`` of a quick entry for ``ledger`` (the words after 活动/成果/成员/经费).

    Raises ``InvalidInput`` for an unknown kind or a value that cannot be read, and (with ``rule``)
    for an expense the funding rule forbids.
    """
    words = glue(text).split()
    if not words:
        raise InvalidInput(f"请在「{schema.SHORT[ledger]}」后面写上内容，例如：{EXAMPLES[ledger]}")
    return read_words(ledger, _kind(ledger, words[0]), words[1:], today=today, rule=rule)


def parse_line(ledger, text, *, today=None):
    """The data of a quick entry for ``ledger`` (``read_line(...).data``)."""
    return read_line(ledger, text, today=today).data


def read_words(ledger, kind, words, *, today=None, rule=True):
    """The ``Line`` of the words after the kind, in any order, each recognised by its shape.

    With ``rule`` an expense naming a forbidden use is refused at once; without it (a line in plain
    words, which the caller judges with the funding rule) the words are only read.
    """
    data = {schema.kind_key(ledger): kind}
    if rule and ledger == "funding" and kind == "支出":
        schema.refuse_forbidden(" ".join(words))
    form = schema.form_for(ledger, kind)
    free = [w for w in words if not _take(ledger, kind, form, data, w, today=today, rule=rule)]
    _fill_text(ledger, kind, form, data, free, rule=rule)
    suggested = ()
    if ledger == "funding" and kind == "支出" and not data.get("category"):
        category = suggest_category(data.get("purpose", ""))
        if category:
            data["category"], suggested = category, ("category",)
    return Line(ledger, data, suggested)


def suggest_category(purpose):
    """The expense category a purpose plainly names (购买…仪/机/设备 → 设备购置), or None."""
    return "设备购置" if _EQUIPMENT.search(purpose or "") else None


def _kind(ledger, word):
    try:
        return schema.parse_kind(ledger, word)
    except InvalidInput:
        noun = "收支" if ledger == "funding" else f"{schema.SHORT[ledger]}类型"
        options = " / ".join(schema.KINDS[ledger])
        raise InvalidInput(f"没有「{word}」这种{noun}。可选：{options}。例如：{EXAMPLES[ledger]}") from None


def _parse(item, text, data, rule):
    """A field's value; without ``rule`` a funding-rule field is read as a plain one (judged later)."""
    return item.parse(text, data) if rule else Field.parse(item, text, data)


def _set(data, key, value, label):
    if data.get(key) not in (None, "") and data[key] != value:
        raise InvalidInput(f"「{label}」写了两次（{data[key]} 和 {value}），请只保留一个。")
    data[key] = value


def _take(ledger, kind, form, data, word, *, today=None, rule=True):
    """Recognise one word by its shape and store it; False when it is plain text."""
    labelled = re.match(r"^([^:：]{1,12})[:：](.+)$", word)
    if labelled and form.lookup(labelled.group(1)):
        item = form.lookup(labelled.group(1))[0]
        data[item.key] = _parse(item, labelled.group(2), data, rule)
        return True
    if labelled and schema.data_key(ledger, labelled.group(1)) and kind == "支出":
        key = schema.data_key(ledger, labelled.group(1))
        data[key] = schema.parse_data(key, labelled.group(2))
        return True
    if ledger == "member" and re.fullmatch(r"周[一二三四五六日天]", word):
        return False                # 周天 in a member line is a name (周 is a surname), not a Sunday
    target = ledger == "achievement" and kind == "立项" and word.startswith("目标")
    bare = word[2:].lstrip("：:") if target else word
    if _DATE_LIKE.match(p.to_halfwidth(bare)):
        if target or (kind == "立项" and data.get("date")):
            _set(data, "target", p.parse_date(bare, today=today, allow_future=True), "目标日期")
        elif "date" in form.by_key:
            _set(data, "date", p.parse_date(bare, today=today), "日期")
        else:                       # 经济效益 is kept per year: a date names its year
            _set(data, "year", int(p.parse_date(bare, today=today)[:4]), "年度")
        return True
    year = _YEAR.match(p.to_halfwidth(word))
    if year and "year" in form.by_key:
        _set(data, "year", p.parse_year(word, today=today), "年度")
        return True
    if year and "date" in form.by_key:
        p.parse_date(word, today=today)     # a year alone is not a date: say so with the parser's message
    money = _MONEY.match(p.to_halfwidth(word))
    if money and ledger in ("funding", "achievement"):
        value = p.format_wan(p.parse_money_wan(money.group("amount")))
        tag = money.group("tag")
        key = {"创收": "income", "节资": "savings"}.get(tag, "amount")
        if key in form.by_key:
            if key == "amount":
                form.by_key["amount"].opts["check"](value, data)
            _set(data, key, value, form.by_key[key].label)
            return True
        if "income" in form.by_key:
            raise InvalidInput(f"「{word}」请注明是创收还是节资，例如 创收10万元 节资20万元。")
        return False
    if ledger == "funding" and "amount" not in data and re.fullmatch(r"-?\d+(\.\d+)?", p.to_halfwidth(word)):
        value = p.format_wan(p.parse_money_wan(word))
        form.by_key["amount"].opts["check"](value, data)
        data["amount"] = value
        return True
    if ledger == "activity":
        if _PEOPLE.match(p.to_halfwidth(word)):
            _set(data, "participants", form.by_key["participants"].parse(word), "参加人数")
            return True
        if _HOURS.match(p.to_halfwidth(word)):
            _set(data, "hours", schema.parse_hours(word), "时长")
            return True
    if ledger == "achievement":
        if kind == "获奖" and word in _LEVELS and "level" not in data:
            data["level"] = _LEVELS[word]
            return True
        if kind == "命名" and "level" not in data and (word in schema.NAMING_LEVELS or word in schema.NAMING_LEVEL_WORDS):
            data["level"] = schema.NAMING_LEVEL_WORDS.get(word, word)
            return True
        if kind in schema.PATENTS and _PATENT.match(p.to_halfwidth(word)):
            _set(data, "number", p.to_halfwidth(word).upper(), "专利号")
            return True
    if ledger == "member":
        if kind == "晋升" and word in schema.SKILL_GRADES and "grade" not in data:
            data["grade"] = word
            return True
        if kind == "荣誉" and word in schema.HONOURS and "level" not in data:
            data["level"] = word
            return True
    if ledger == "funding" and kind == "支出" and word in _CATEGORY and "category" not in data:
        data["category"] = _CATEGORY[word]
        return True
    return False


def _fill_text(ledger, kind, form, data, free, *, rule=True):
    """Plain words fill the text fields in order; the last field takes whatever remains."""
    slots = [s for s in _slots(ledger, kind) if s in form.by_key and data.get(s) in (None, "")]
    if not slots or not free:
        return
    for slot in slots[:-1]:
        if not free:
            return
        data[slot] = _parse(form.by_key[slot], free.pop(0), data, rule)
    if free:
        data[slots[-1]] = _parse(form.by_key[slots[-1]], " ".join(free), data, rule)
