"""What the 七有 rule asks that the 申报表 has no field for, asked in chat and kept per application.

* ``制度`` — which of the six kinds of 工作制度 exist (团队学习、活动开展、创新计划、成果发布、奖励激励、
  内部管理), each with optional 制度文件 or photos;
* ``设备`` — which of 资料、器材、电脑网络、实验仪器 the studio has, with optional photos;
* ``场所`` — whether the place carries the 牌匾 (挂牌) and what it serves (学习、研讨、展示 …).

The answer is kept in the application's ``flags["seven"]`` as ``{topic: [kinds present]}``; a topic
missing from it is not answered yet (七有 says 待核实), an empty list is answered "none". Files are
proofs (``Attachment`` rows, owner ``application``) under the declared keys ``seven.<topic>`` or
``seven.<topic>.<kind>`` when the message named one kind. Recording is the application service's
(handlers/services/applications.py ``record_seven``); the chat's side is handlers/application/seven_chat.py.
"""
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.errors import UserError
from handlers.application import honours, seven
from handlers.ledgers import statistics
from storage import clock, ledgers
from storage.models import Attachment

FLAG = "seven"


@dataclass(frozen=True)
class Topic:
    key: str
    word: str               # the command
    have: str               # the 七有 item it feeds
    kinds: tuple
    question: str
    files: str              # what to send

    def label(self, kind=None):
        return f"{self.word}（{kind}）" if kind else self.word


RULES = Topic("rules", "制度", "有工作制度", ("团队学习", "活动开展", "创新计划", "成果发布", "奖励激励", "内部管理"),
              "已有哪些制度？", "制度文件或照片（制度上墙的照片也可以）")
EQUIPMENT = Topic("equipment", "设备", "有设备设施", ("资料", "器材", "电脑网络", "实验仪器"),
                  "工作室有哪些设备设施？", "设备设施的照片")
VENUE = Topic("venue", "场所", "有固定场所", ("挂牌", "学习", "研讨", "展示", "创新实践", "技能培训"),
              "场所挂牌（牌匾）了吗？用于哪些活动？", "牌匾或场所的照片")
TOPICS = {t.key: t for t in (RULES, EQUIPMENT, VENUE)}
BY_WORD = {t.word: t for t in TOPICS.values()}
ALIASES = {"rules": {"学习": "团队学习", "活动": "活动开展", "计划": "创新计划", "发布": "成果发布",
                     "奖励": "奖励激励", "激励": "奖励激励", "管理": "内部管理"},
           "equipment": {"图书": "资料", "书籍": "资料", "工具": "器材", "电脑": "电脑网络", "网络": "电脑网络",
                         "计算机": "电脑网络", "仪器": "实验仪器", "实验": "实验仪器"},
           "venue": {"牌匾": "挂牌", "已挂牌": "挂牌", "有牌匾": "挂牌", "实践": "创新实践", "攻关": "创新实践",
                     "培训": "技能培训", "荣誉展示": "展示", "成果展示": "展示"}}
NONE_WORDS = ("无", "没有", "都没有", "暂无")
ALL_WORDS = ("全部", "都有", "全有")
REMOVE_WORDS = ("去掉", "删除", "取消")
_SPLIT = re.compile(r"[\s,，、;；/]+")


# -- reading -------------------------------------------------------------------------------------

def record(app):
    """{topic: [kinds]} as kept on the application (a copy)."""
    return {k: list(v) for k, v in ((app.flags or {}).get(FLAG) or {}).items()}


def file_counts(session, app_id):
    """{topic: {kind or "": number of files}}."""
    rows = session.execute(select(Attachment.field_key, func.count(Attachment.id))
                           .where(Attachment.owner_kind == "application", Attachment.owner_id == app_id,
                                  Attachment.field_key.like(f"{FLAG}.%"))
                           .group_by(Attachment.field_key)).all()
    counts = {}
    for key, n in rows:
        _, topic, *kind = key.split(".", 2)
        counts.setdefault(topic, {})[kind[0] if kind else ""] = n
    return counts


def key_label(key):
    """The name a proof kept under ``seven.…`` is listed with, or None for other keys."""
    parts = (key or "").split(".", 2)
    if len(parts) < 2 or parts[0] != FLAG or parts[1] not in TOPICS:
        return None
    return TOPICS[parts[1]].label(parts[2] if len(parts) == 3 else None)


def facts(session, app):
    """What the 七有 check reads: {topic: {"kinds": [...], "files": n}} for the answered topics."""
    return facts_of(app, file_counts(session, app.id))


def facts_of(app, counts):
    """``facts`` from ``counts`` ({topic: {kind or "": files}}, as ``file_counts`` returns)."""
    return {topic: {"kinds": kinds, "files": sum(counts.get(topic, {}).values())}
            for topic, kinds in record(app).items()}


# -- parsing an answer ---------------------------------------------------------------------------

def parse(topic, text):
    """('add' | 'remove' | 'none', [kinds]) from ``1 3 5`` / names / 无 / 去掉 2; UserError when unclear."""
    text = text.strip()
    mode = "add"
    for word in REMOVE_WORDS:
        if text.startswith(word):
            mode, text = "remove", text[len(word):]
            break
    if mode == "add" and text in NONE_WORDS:
        return "none", []
    if mode == "add" and text in ALL_WORDS:
        return "add", list(topic.kinds)
    kinds = []
    for token in (t for t in _SPLIT.split(text) if t):
        kind = _kind(topic, token)
        if kind is None:
            raise UserError(f"没有「{token}」这一项。{choices(topic)}")
        if kind not in kinds:
            kinds.append(kind)
    if not kinds:
        raise UserError(choices(topic))
    return mode, kinds


def _kind(topic, token):
    token = token.strip("「」“”\"'。.")
    if token.isdigit():
        n = int(token)
        return topic.kinds[n - 1] if 1 <= n <= len(topic.kinds) else None
    for word in (token, token.removesuffix("制度"), token.removeprefix("有")):
        if word in topic.kinds:
            return word
        if word in ALIASES[topic.key]:
            return ALIASES[topic.key][word]
    near = [k for k in topic.kinds if token in k or k in token]
    return near[0] if len(near) == 1 else None


def choices(topic):
    return "可选：" + " ".join(f"{n}. {k}" for n, k in enumerate(topic.kinds, 1))


def listing(session, app, topic, in_form=False):
    kept = record(app).get(topic.key)
    counts = file_counts(session, app.id).get(topic.key, {})
    lines = [f"{topic.have}（{topic.word}）："]
    for n, kind in enumerate(topic.kinds, 1):
        mark = "✓" if kept and kind in kept else ("✗" if kept is not None else "·")
        files = counts.get(kind, 0)
        lines.append(f"{n}. {mark} {kind}" + (f"（{files} 份文件）" if files else ""))
    if counts.get(""):
        lines.append(f"另有文件 {counts['']} 份。")
    if kept is None:
        lines.append("尚未登记。")
    reply = f"「{topic.word} 1 3」" if in_form else "编号或名称，如 1 3"
    lines.append(f"{topic.question}可以回复{reply}，并发送{topic.files}；全部没有请回复"
                 f"{'「' + topic.word + ' 无」' if in_form else '「无」'}，去掉一项：「{topic.word} 去掉 编号」。")
    return "\n".join(lines)


def check(session, app, values, config):
    """The 七有 of ``app``: its answers, its studio's ledgers and what was recorded here."""
    return seven.check(values, statistics.facts(session, app.studio_id, app.year), app.year,
                       record=facts(session, app), standard=seven.standard(config, honours.honours(session)))


def check_many(session, apps, values, config):
    """{application id: the 七有} of many applications (``values``: {id: complete values}) in a fixed
    number of statements whatever their number: the same judgement as ``check`` (the console's 总览).
    ``apps``: rows with ``id``, ``studio_id``, ``year``, ``flags`` and ``unit`` (the unit's name)."""
    if not apps:
        return {}
    standard = seven.standard(config, honours.honours(session))
    studio_ids = sorted({a.studio_id for a in apps})
    entries = {}
    for entry in ledgers.live_entries_of(session, studio_ids):
        entries.setdefault(entry.studio_id, []).append(entry)
    counts = {}
    rows = session.execute(select(Attachment.owner_id, Attachment.field_key, func.count(Attachment.id))
                           .where(Attachment.owner_kind == "application",
                                  Attachment.owner_id.in_([a.id for a in apps]),
                                  Attachment.field_key.like(f"{FLAG}.%"))
                           .group_by(Attachment.owner_id, Attachment.field_key)).all()
    for app_id, key, n in rows:
        _, topic, *kind = key.split(".", 2)
        counts.setdefault(app_id, {}).setdefault(topic, {})[kind[0] if kind else ""] = n
    today = clock.of(session).today()
    return {a.id: seven.check(values[a.id], statistics.facts_of(entries.get(a.studio_id, []), a.unit, a.year, today),
                              a.year, record=facts_of(a, counts.get(a.id, {})), standard=standard)
            for a in apps}
