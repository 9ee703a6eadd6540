"""The four ledgers' mini-forms, kinds and funding rule, and how an entry is described in chat.

Each ledger has a kind chosen first (funding: 收入/支出); ``form_for(ledger, kind)`` is the small
Form for that kind, run by the same walker as the application. Entry data is stored as the
form's answers: dates ``YYYYMMDD``, money as ``format_wan`` strings (万元), counts as ints.
"""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from bot.errors import InvalidInput
from bot.forms import parsers as p
from bot.forms.rules import Rule, blank
from bot.forms.schema import Field, Form
from handlers.application.schema import HONOURS, SKILL_GRADES
from handlers.ledgers import funding_rule

TITLES = {"activity": "创建活动台账", "achievement": "创新成果台账", "member": "成员发展台账", "funding": "经费台账"}
SHORT = {"activity": "活动", "achievement": "成果", "member": "成员", "funding": "经费"}
BY_SHORT = {v: k for k, v in SHORT.items()}
NOUN = {"activity": "活动", "achievement": "创新成果", "member": "成员发展", "funding": "经费"}

KINDS = {
    "activity": ("学习研讨", "技能培训", "技术交流", "师带徒", "成果展示", "其他"),
    "achievement": ("立项", "创新成果", "成果转化", "实用新型专利", "发明专利", "获奖", "经济效益", "命名"),
    "member": ("加入", "退出", "晋升", "荣誉", "奖励"),
    "funding": ("收入", "支出"),
}
AWARD_LEVELS = ("国际", "国家", "省部", "地市")
# 争取省市工会命名: a naming of the studio by a trade union above the group (全国总工会、省总工会、市总工会);
# the latest one fills the form's 命名单位 / 命名日期 (handlers/ledgers/statistics.py)
NAMING_LEVELS = ("全国", "省级", "市级")
NAMING_LEVEL_WORDS = {"全国级": "全国", "国家级": "全国", "全总": "全国", "省部级": "省级", "省": "省级", "省总": "省级",
                      "地市级": "市级", "地市": "市级", "市": "市级", "市总": "市级"}
CATEGORIES = ("设备购置", "研究费用", "成果推广")
PATENTS = ("实用新型专利", "发明专利")

# Short words people type for a kind; parse_choice handles unambiguous parts of names too.
KIND_ALIASES = {
    "achievement": {"成果": "创新成果", "转化": "成果转化", "实用新型": "实用新型专利", "发明": "发明专利",
                    "奖项": "获奖", "效益": "经济效益", "课题": "立项", "项目": "立项", "省市命名": "命名",
                    "工会命名": "命名"},
    "activity": {"培训": "技能培训", "学习": "学习研讨", "研讨": "学习研讨", "交流": "技术交流",
                 "展示": "成果展示", "带徒": "师带徒"},
    "member": {"入职": "加入", "离开": "退出", "升级": "晋升", "获奖": "荣誉", "表彰": "奖励", "嘉奖": "奖励"},
    "funding": {"进账": "收入", "拨款": "收入", "入": "收入", "出": "支出", "花费": "支出"},
}

# Data an entry may carry beyond its mini-form's questions (kept by ``clean``; asked by the lead's
# conversation, the console or set by a rule, never guessed):
# * an expense: ``payee`` — who receives the money (PAYEES), ``beneficiary`` — for whom it is spent
#   (BENEFICIARIES); the funding rule (handlers/ledgers/funding_rule.py) reads them;
# * a 立项: ``budget`` (万元) and ``budget_state`` (BUDGET_STATES) of its 专项科研经费, and an expense
#   charged to it names it with ``project`` (the 立项's entry id) — handlers/ledgers/research_budget.py;
# * a 创新成果: ``recognition`` — the level of its 技术认定 (RECOGNITION_LEVELS) and ``recognised_by``.
PAYEES = {"supplier": "供应商或其他第三方", "person": "成员或其他个人", "other_unit": "其他部门或单位"}
BENEFICIARIES = {"studio": "本工作室", "other_unit": "其他部门或单位", "person": "个人"}
BUDGET_STATES = {"pending": "待审批", "approved": "已审批", "rejected": "未批准"}
RECOGNITION_LEVELS = ("国家", "省部", "行业")       # 省级或行业（系统）以上相关技术认定部门
DATA_KEYS = {"funding": ("payee", "beneficiary", "project"), "achievement": ("budget", "budget_state",
                                                                             "recognition", "recognised_by")}
# Those data keys a leader may state in a line or on the confirmation (「立项：12」「收款方：供应商」)
DATA_LABELS = {"funding": {"立项": "project", "立项编号": "project", "专项": "project", "专项科研经费": "project",
                           "收款方": "payee", "受益方": "beneficiary"}}
PAYEE_WORDS = {"供应商": "supplier", "第三方": "supplier", "外单位": "supplier", "厂家": "supplier",
               "成员": "person", "个人": "person", "职工": "person", "员工": "person",
               "其他部门": "other_unit", "其他单位": "other_unit", "部门": "other_unit", "单位": "other_unit"}
BENEFICIARY_WORDS = {"本工作室": "studio", "工作室": "studio", "其他部门": "other_unit", "其他单位": "other_unit",
                     "部门": "other_unit", "单位": "other_unit", "个人": "person", "成员": "person"}

FUNDING_RULE = ("不能记录：工作室经费仅限用于与工作有关的设备购置、研究费用和成果推广，"
                "不得作为奖金津贴发放，不得用于创新工作室以外支出。")
FORBIDDEN = funding_rule.PEOPLE_PAYMENTS + funding_rule.OUTSIDE     # the refusal words: handlers/ledgers/funding_rule.py


def data_key(ledger, label):
    """The data key a label names beyond the mini-form's questions (「立项」 → project), or None."""
    return DATA_LABELS.get(ledger, {}).get((label or "").strip())


def parse_data(key, text):
    """A data key's value from what was typed: a 立项's entry id, a payee or a beneficiary kind."""
    text = re.sub(r"\s+", "", p.to_halfwidth(text or "")).strip("。")
    if key == "project":
        number = re.fullmatch(r"(?:编号)?(\d{1,9})", text)
        if not number:
            raise InvalidInput("请写立项的台账编号，例如「立项：12」（发送「台账 成果」可以查看编号）。")
        return int(number.group(1))
    names, words = (PAYEES, PAYEE_WORDS) if key == "payee" else (BENEFICIARIES, BENEFICIARY_WORDS)
    found = next((k for k, label in names.items() if text == label), None) or words.get(text)
    if found is None and text.isdigit() and 1 <= int(text) <= len(names):
        found = list(names)[int(text) - 1]
    if found is None:
        raise InvalidInput("可选：" + " ".join(f"{n}. {label}" for n, label in enumerate(names.values(), 1)) + "。")
    return found


def kind_key(ledger):
    """The data key holding an entry's kind: ``direction`` for funding, ``kind`` elsewhere."""
    return "direction" if ledger == "funding" else "kind"


def parse_kind(ledger, text):
    """A kind of ``ledger`` from what was typed (name, alias, number or unambiguous part)."""
    word = re.sub(r"\s+", "", p.to_halfwidth(text or ""))
    alias = KIND_ALIASES.get(ledger, {}).get(word)
    return alias or p.parse_choice(word, list(KINDS[ledger]))


def forbidden_word(text):
    """The first forbidden spending word in ``text``, or None."""
    return funding_rule.people_payment(text or "")


def refuse_forbidden(*texts):
    """Raise the funding rule (with the reason) when any text names a forbidden use of studio money."""
    for text in texts:
        verdict = funding_rule.refusal(text) if text else None
        if verdict:
            raise InvalidInput(FUNDING_RULE + "\n" + verdict.reason)


# --- fields with their own parsing ----------------------------------------------------------

@dataclass
class RuleField(Field):
    """A field whose raw text is first checked against the funding rule (expense category, use)."""

    def parse(self, text, answers=None, today=None):
        refuse_forbidden(text)
        return super().parse(text, answers, today)


def parse_hours(text):
    """Hours as a plain decimal string: 4小时, 1.5, 两个小时, 90分钟 → "4", "1.5", "2", "1.5"."""
    s = re.sub(r"\s+", "", p.to_halfwidth(text or "")).rstrip("。")
    example = "例如 4小时 或 1.5小时"
    if not s:
        raise InvalidInput(f"请填写活动时长，{example}。")
    minutes = re.search(r"(分钟|min)$", s, re.I)
    s = re.sub(r"(个半?小时|小时|学时|课时|钟头|分钟|min|h)$", "", s, flags=re.I)
    half = "个半" in (text or "")
    s = p._cn_numerals(s)          # 两 / 四 / 一点五 → digits, the parsers' own conversion
    m = re.fullmatch(r"(-?)(\d+(?:\.\d+)?)", s)
    if not m:
        raise InvalidInput(f"没能识别这个时长。请填写小时数，{example}。")
    if m.group(1) and Decimal(m.group(2)) != 0:
        raise InvalidInput(f"时长不能为负数，{example}。")
    value = Decimal(m.group(2)) + (Decimal("0.5") if half else 0)
    if minutes:
        value = value / 60
    if value > 1000:
        raise InvalidInput(f"时长过长（应不超过 1000 小时），请核对，{example}。")
    value = value.quantize(Decimal("0.1"))
    if value <= 0:
        raise InvalidInput(f"时长应大于 0，{example}。")
    return p.format_wan(value)


@dataclass
class HoursField(Field):
    """Activity hours (a decimal number of hours)."""

    def parse(self, text, answers=None, today=None):
        return parse_hours(text)

    def display(self, value):
        return "（未填）" if value in (None, "") else f"{value} 小时"


def _positive(value, answers):
    if Decimal(value) <= 0:
        raise InvalidInput("金额应大于 0，例如 5万元 或 2000元。")
    if Decimal(value) > 100000:
        raise InvalidInput("金额过大（超过 10 亿元），请核对单位，例如 5万元 或 2000元。")


# --- the forms ------------------------------------------------------------------------------

def _kind_field(ledger):
    label = "收支" if ledger == "funding" else "类型"
    qualified = {"activity": "活动类型", "achievement": "成果类型", "member": "变动类型", "funding": "收支"}[ledger]
    help_ = "收入还是支出" if ledger == "funding" else qualified
    return Field(kind_key(ledger), label, "choice", help=help_, options=KINDS[ledger], block=TITLES[ledger],
                 aliases=(qualified,) if qualified != label else ())


def _date(help_, block, label="日期", key="date", future=False, optional=False):
    return Field(key, label, "date", help=help_ + "（可以说「今天」）" if not future else help_,
                 example="2024年5月10日", block=block, optional=optional,
                 opts={"today_button": not future, "allow_future": future})


def _activity_fields(kind, block):
    return [
        Field("topic", "主题", help="活动主题", example="盾构操作培训", block=block, aliases=("活动主题",),
              opts={"max_len": 100}),
        _date("活动日期", block),
        Field("participants", "人数", "count", help="参加活动的人数", example="25人", block=block,
              aliases=("参加人数",), opts={"unit": "人", "minimum": 1}),
        HoursField("hours", "时长", help="活动时长（小时）", example="4小时", block=block,
                   aliases=("活动时长", "学时", "小时")),
        Field("place", "地点", help="活动地点；没有可说「跳过」", example="工作室", block=block, optional=True,
              opts={"max_len": 100}),
        Field("notes", "备注", help="其他说明；没有可说「跳过」", block=block, optional=True, opts={"max_len": 500}),
    ]


_TITLE_HELP = {"立项": "课题或攻关项目名称", "创新成果": "创新成果名称", "成果转化": "转化应用的成果名称",
               "实用新型专利": "专利名称", "发明专利": "专利名称", "获奖": "获奖项目或奖项名称",
               "经济效益": "产生效益的成果或项目名称"}
_DATE_HELP = {"立项": "立项日期", "创新成果": "成果完成日期", "成果转化": "转化应用日期",
              "实用新型专利": "授权日期", "发明专利": "授权日期", "获奖": "获奖日期"}


def _naming_fields(block):
    return [
        Field("level", "级别", "choice", help="全国、省级还是市级工会的命名", options=NAMING_LEVELS,
              synonyms=NAMING_LEVEL_WORDS, block=block, aliases=("命名级别",)),
        Field("issuer", "命名单位", help="命名的工会全称", example="四川省总工会", block=block, opts={"max_len": 100}),
        _date("命名日期", block, label="命名日期"),
        Field("document", "文号", help="命名文件的文号或名称", example="川工发〔2023〕12号", block=block,
              aliases=("命名文件",), opts={"max_len": 100}),
        Field("title", "称号", help="所获称号全称；没有可说「跳过」", example="四川省劳模和工匠人才创新工作室",
              block=block, optional=True, aliases=("命名称号",), opts={"max_len": 200}),
    ]


def _achievement_fields(kind, block):
    if kind == "命名":
        return _naming_fields(block)
    fields = [Field("title", "名称", help=_TITLE_HELP.get(kind, "名称"), example="一种盾构管片拼装定位装置",
                    block=block, aliases=("成果名称", "标题", "项目名称"), opts={"max_len": 200})]
    if kind == "经济效益":
        return fields + [
            Field("year", "年度", "year", help="效益所属年度", example="2024", block=block),
            Field("income", "创收", "money", help="创收金额（万元）", example="10万元", block=block,
                  aliases=("创收金额",)),
            Field("savings", "节资", "money", help="节资金额（万元）", example="20万元", block=block,
                  aliases=("节资金额",)),
        ]
    fields.append(_date(_DATE_HELP.get(kind, "日期"), block))
    if kind == "立项":
        fields += [Field("plan", "计划", help="课题的计划与目标", example="年内形成定位装置样机并试用",
                         block=block, aliases=("计划与目标", "目标"), opts={"max_len": 500}),
                   _date("计划完成日期", block, label="目标日期", key="target", future=True)]
    elif kind in PATENTS:
        fields.append(Field("number", "专利号", help="专利号；还没有可说「跳过」，稍后用「修改台账」补充",
                            example="ZL202410123456.7", block=block, optional=True, opts={"max_len": 50}))
    elif kind == "获奖":
        fields += [Field("level", "级别", "choice", help="奖项级别", options=AWARD_LEVELS, block=block,
                         aliases=("获奖级别",)),
                   Field("issuer", "颁奖单位", help="颁奖单位全称", example="中国施工企业管理协会", block=block,
                         opts={"max_len": 100})]
    return fields


def _member_fields(kind, block):
    fields = [Field("name", "姓名", help="成员姓名", example="赵磊", block=block, opts={"max_len": 20})]
    if kind == "晋升":
        fields.append(Field("grade", "等级", "choice", help="晋升后的技术等级", options=SKILL_GRADES,
                            block=block, aliases=("晋升等级",)))
    elif kind == "荣誉":
        fields.append(Field("level", "荣誉", "choice", help="获得的荣誉称号", options=HONOURS,
                            block=block, aliases=("荣誉称号",)))
    elif kind == "奖励":
        fields.append(Field("reward", "奖励内容", help="所在单位给予骨干的奖励（表彰称号、证书或奖励名称）",
                            example="2024年度技术创新标兵", block=block, aliases=("奖励",), opts={"max_len": 200}))
    fields.append(_date({"晋升": "晋升日期", "荣誉": "获得荣誉的日期", "加入": "加入日期",
                         "退出": "退出日期", "奖励": "奖励日期"}.get(kind, "日期"), block))
    if kind == "奖励":
        fields.append(Field("notes", "备注", help="奖励单位、文件或依据（四-三：按贡献给予奖励）；没有可说「跳过」",
                            block=block, optional=True, opts={"max_len": 200}))
    if kind in ("加入", "退出"):
        fields.append(Field("notes", "备注", help="岗位或原因等说明；没有可说「跳过」", block=block,
                            optional=True, opts={"max_len": 200}))
    return fields


def _funding_fields(kind, block):
    fields = [Field("amount", "金额", "money", help="金额（万元，也可以写元）", example="5万元 或 2000元",
                    block=block, opts={"check": _positive})]
    if kind == "收入":
        fields.append(Field("unit", "来源", help="经费来源单位全称", example="中交示范工程局有限公司",
                            block=block, aliases=("来源单位",), opts={"max_len": 100}))
    elif kind == "支出":
        fields += [RuleField("category", "类别", "choice", help="经费只能用于这三类", options=CATEGORIES,
                             block=block, aliases=("支出类别",)),
                   RuleField("purpose", "用途", help="具体用途", example="激光测距仪", block=block,
                             opts={"max_len": 200})]
    fields.append(_date("收支日期", block))
    return fields


def project_problem(data):
    """Why a 立项 is no 「立项，并建立攻关项目推进计划和目标」 ("" when it is one): its plan, its target date."""
    if blank(data.get("plan")):
        return "没有推进计划和目标"
    target, start = str(data.get("target") or ""), str(data.get("date") or "")
    if not target:
        return "没有目标日期"
    if start and target <= start:
        return f"目标日期 {target} 不晚于立项日期 {start}"
    return ""


def _target_after_start(values, skipped, final):
    if blank(values.get("date")) or blank(values.get("target")) or str(values["target"]) > str(values["date"]):
        return None
    return (f"「目标日期」{values['target']} 不晚于立项「日期」{values['date']}：攻关项目的目标应在立项之后，"
            "请核对其中一项。")


PROJECT_RULES = (Rule(("date", "target"), _target_after_start, "target_after_start"),)

_FIELDS = {"activity": _activity_fields, "achievement": _achievement_fields, "member": _member_fields,
           "funding": _funding_fields}


@lru_cache(maxsize=32)
def form_for(ledger, kind=None):
    """The mini-form of one ledger for one kind (without a kind: the kind question and the common fields)."""
    block = TITLES[ledger]
    items = [_kind_field(ledger)] + _FIELDS[ledger](kind, block)
    title = f"{TITLES[ledger]}·{kind}" if kind else TITLES[ledger]
    rules = PROJECT_RULES if (ledger, kind) == ("achievement", "立项") else ()
    return Form(f"ledger.{ledger}.{kind or ''}", title, items, rules=rules)


def clean(ledger, data):
    """Only the answers that belong to the entry's kind (a changed kind leaves others behind), and the
    data keys the ledger declares beyond its questions (DATA_KEYS)."""
    keys = {i.key for i in form_for(ledger, data.get(kind_key(ledger))).items} | set(DATA_KEYS.get(ledger, ()))
    return {k: v for k, v in data.items() if k in keys and v not in (None, "")}


def missing(ledger, data):
    """Labels of the required fields still empty."""
    form = form_for(ledger, data.get(kind_key(ledger)))
    return [i.qualified for i in form.missing(data) if not i.optional]


def entry_date(ledger, data):
    """The date an entry is filed under: its date, or 31 Dec of an 经济效益 entry's year."""
    text = data.get("date")
    if text:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    return date(int(data["year"]), 12, 31)


# --- describing entries --------------------------------------------------------------------

def wan_text(value):
    """A stored amount as 万元 text (5, 0.2)."""
    try:
        return p.format_wan(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _with_optional(head, data, fields):
    """``head``, then each (key, template) whose value is given, joined by "，"."""
    return "，".join([head] + [template.format(data[key]) for key, template in fields if data.get(key)])


def describe(ledger, data):
    """One line for an entry, e.g. 发明专利「一种盾构管片拼装定位装置」，日期 20240312."""
    d = data
    if ledger == "activity":
        head = f"{d.get('kind')}「{d.get('topic')}」，日期 {d.get('date')}"
        if d.get("participants") is not None:           # 0 participants is said too
            head += f"，{d['participants']} 人"
        return _with_optional(head, d, (("hours", "{} 小时"), ("place", "地点 {}"), ("notes", "备注 {}")))
    if ledger == "achievement":
        kind = d.get("kind")
        if kind == "命名":
            return _with_optional(f"{d.get('level')}工会命名，命名单位 {d.get('issuer')}，日期 {d.get('date')}，"
                                  f"文件 {d.get('document')}", d, (("title", "称号「{}」"),))
        if kind == "经济效益":
            return (f"经济效益「{d.get('title')}」，{d.get('year')} 年度，创收 {wan_text(d.get('income', 0))} 万元，"
                    f"节资 {wan_text(d.get('savings', 0))} 万元")
        line = _with_optional(f"{kind}「{d.get('title')}」，日期 {d.get('date')}", d, (
            ("number", "专利号 {}"), ("level", "{}级"), ("issuer", "颁奖单位 {}"), ("plan", "计划与目标 {}"),
            ("target", "目标日期 {}"), ("recognition", "{}级技术认定"), ("recognised_by", "认定部门 {}")))
        if d.get("budget"):
            line += f"，专项科研经费预算 {wan_text(d['budget'])} 万元（{BUDGET_STATES.get(d.get('budget_state'), '待审批')}）"
        return line
    if ledger == "member":
        return _with_optional(f"{d.get('name')} {member_detail(d)}，日期 {d.get('date')}", d, (("notes", "备注 {}"),))
    if d.get("direction") == "收入":
        return f"收入 {wan_text(d.get('amount'))} 万元，来源 {d.get('unit')}，日期 {d.get('date')}"
    return (f"支出 {wan_text(d.get('amount'))} 万元，{d.get('category')}：{d.get('purpose')}，日期 {d.get('date')}"
            + (f"，收款方：{PAYEES[d['payee']]}" if d.get("payee") in PAYEES else "")
            + (f"，受益方：{BENEFICIARIES[d['beneficiary']]}" if d.get("beneficiary") in BENEFICIARIES else "")
            + (f"，列支立项（编号 {d['project']}）的专项科研经费" if d.get("project") else "")
            + ("（超出当时余额）" if d.get("over_balance") else "")
            + (f"（{HOLD_LABELS[d['hold']]}）" if d.get("hold") in HOLD_LABELS else ""))


HOLD_LABELS = {"pending": "待单位工会确认", "confirmed": "单位工会已确认"}



def member_detail(data):
    """What happened to a member: 晋升为高级技师 / 获企业劳模 / 加入工作室 / 退出工作室."""
    kind = data.get("kind")
    if kind == "晋升":
        return f"晋升为{data.get('grade')}"
    if kind == "荣誉":
        return f"获{data.get('level')}"
    if kind == "奖励":
        return f"获所在单位奖励：{data.get('reward')}"
    return f"{kind}工作室"


def later_note(ledger, data):
    """A hint about optional details that can be added later."""
    if ledger == "achievement" and data.get("kind") in PATENTS and not data.get("number"):
        return "专利号可以稍后补充。"
    return ""


def form_keys(ledger):
    """Every key any kind of ``ledger`` asks (data outside them, like the grant mark, is kept on edits)."""
    keys = set()
    for kind in (None, *KINDS[ledger]):
        keys |= {i.key for i in form_for(ledger, kind).items}
    return keys


def changes(ledger, before, after):
    """Readable 'label：old → new' lines between two versions of an entry."""
    form = form_for(ledger, after.get(kind_key(ledger)))
    old_form = form_for(ledger, before.get(kind_key(ledger)))
    lines = []
    for item in list(old_form.items) + [i for i in form.items if i.key not in old_form.by_key]:
        old, new = before.get(item.key), after.get(item.key)
        if old != new:
            lines.append(f"{item.qualified}：{item.display(old)} → {item.display(new)}")
    return lines
