"""The honour vocabulary 有劳模领衔 reads: which honours are titles, at which level, and what is no title.

「必须有1名劳动模范、五一劳动奖章获得者，或……技术能手、金牌工人等高技能人才领衔」: a leader's honour is
read as a declared kind (劳动模范, 五一劳动奖章, 技术能手, 中华技能大奖, 特级技师 …) at a level (全国 / 省部 /
地市 / 企业) taken from the words before it. A candidate, a nominee or a 培养对象 holds no title; a
title the vocabulary does not know is 待核实, never a match by a part of its words.

The built-in table is ``BUILT_IN``; the group union office extends it with ``add_honour`` (kept as a
JSON list in the ``cache`` table under ``EXTRA_KEY``, without expiry) and reads it with ``honours``.
"""
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from bot.errors import UserError
from bot.forms.parsers import to_halfwidth
from storage import cache

LEVELS = ("全国", "省部", "地市", "企业")
TITLE, NOT_TITLE, UNKNOWN = "title", "not_title", "unknown"
EXTRA_KEY = "honours.extra"
NEVER = datetime(9999, 12, 31)          # the office's entries do not expire


@dataclass(frozen=True)
class Honour:
    name: str               # as declared: 全国劳动模范
    kind: str               # 劳动模范 / 五一劳动奖章 / 技术能手 / … ("" for an office entry of no kind)
    level: str = ""         # one of LEVELS, or "" where the title has no level (特级技师)
    counts: bool = True     # False: a known honour that is not a 劳模 / 高技能人才 title
    built_in: bool = True

    @property
    def label(self):
        return f"{self.level}级{self.kind or self.name}" if self.level else (self.kind or self.name)


@dataclass(frozen=True)
class Reading:
    outcome: str            # TITLE | NOT_TITLE | UNKNOWN
    title: str              # as written
    honour: Honour = None
    why: str = ""


# The kinds 有劳模领衔 names, the words they are written with, and the levels at which they count
# (None: at any level, also when the words name none).
@dataclass(frozen=True)
class Kind:
    name: str
    words: tuple
    levels: tuple = None
    fixed_level: str = ""   # a title that is one level by itself (中华技能大奖: 全国)


KINDS = (
    Kind("中华技能大奖", ("中华技能大奖",), fixed_level="全国"),
    Kind("大国工匠", ("大国工匠",), fixed_level="全国"),
    Kind("五一劳动奖章", ("五一劳动奖章", "五一奖章")),
    Kind("劳动模范", ("劳动模范", "劳模")),
    Kind("先进工作者", ("先进工作者",), levels=("全国", "省部", "地市")),   # the 劳模 of 机关事业 units
    Kind("技术能手", ("技术能手",)),
    Kind("金牌工人", ("金牌工人",)),
    Kind("特级技师", ("特级技师",)),
    Kind("首席技师", ("首席技师",)),
    Kind("技能大师", ("技能大师",)),
    Kind("工匠", ("工匠",), levels=LEVELS),          # a 工匠 title names who gave it
)

BUILT_IN = (
    Honour("中华技能大奖", "中华技能大奖", "全国"),
    Honour("大国工匠", "大国工匠", "全国"),
    Honour("全国劳动模范", "劳动模范", "全国"),
    Honour("全国先进工作者", "先进工作者", "全国"),
    Honour("全国五一劳动奖章", "五一劳动奖章", "全国"),
    Honour("全国技术能手", "技术能手", "全国"),
    Honour("省部级劳动模范", "劳动模范", "省部"),
    Honour("省部级先进工作者", "先进工作者", "省部"),
    Honour("省五一劳动奖章", "五一劳动奖章", "省部"),
    Honour("中央企业技术能手", "技术能手", "省部"),
    Honour("省技术能手", "技术能手", "省部"),
    Honour("行业技术能手", "技术能手", "省部"),
    Honour("地市级劳动模范", "劳动模范", "地市"),
    Honour("市五一劳动奖章", "五一劳动奖章", "地市"),
    Honour("市技术能手", "技术能手", "地市"),
    Honour("企业劳动模范", "劳动模范", "企业"),
    Honour("企业五一劳动奖章", "五一劳动奖章", "企业"),
    Honour("企业技术能手", "技术能手", "企业"),
    Honour("金牌工人", "金牌工人"),
    Honour("特级技师", "特级技师"),
    Honour("首席技师", "首席技师"),
    Honour("技能大师", "技能大师"),
)

# Words that make a line no title: it names a person put forward, not an honour received.
NOT_TITLE_WORDS = ("候选", "提名", "培养对象", "培养人选", "培养人", "后备", "储备", "入围", "推荐对象",
                   "推荐人选", "拟表彰", "拟推荐", "拟授予", "预备", "参评", "申报", "苗子")
# Qualifiers before a kind that say nothing of the level.
_QUALIFIERS = re.compile(r"(青年|优秀|杰出|十佳|首届|第[0-9一二三四五六七八九十]+届|[0-9]{4}年度?|年度|荣获|获得|授予)")
_SUFFIXES = ("荣誉称号", "称号", "获得者", "奖章获得者")
BELOW_ENTERPRISE = ("项目部", "项目经理部", "分公司", "车间", "班组", "工区", "部门", "科室", "工段", "队")
PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
             "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
             "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
ENTERPRISE_WORDS = ("集团", "公司", "企业", "局", "院")


def normalise(title):
    text = re.sub(r"[\s\"'“”‘’「」《》〈〉()（）【】]", "", to_halfwidth(title or ""))
    return text.rstrip("。.")


def level_of(prefix, org_names=()):
    """The level the words before a kind name, "" for none, or None when they name something unknown."""
    text = _QUALIFIERS.sub("", prefix)
    if not text:
        return ""
    if "行业" in text or "系统" in text or "中央企业" in text or "央企" in text or "国资委" in text \
            or "省部" in text or "部级" in text:
        return "省部"
    if text.startswith(("全国", "国家", "中华全国", "国务院")):
        return "全国"
    if any(text.startswith(p) for p in PROVINCES) or "省" in text or "自治区" in text:
        return "省部"
    if any(w in text for w in BELOW_ENTERPRISE):
        return None                     # a project department, a workshop: below the enterprise
    if any(name and name in text for name in org_names) or any(w in text for w in ENTERPRISE_WORDS):
        return "企业"
    if text.endswith(("市", "州", "地区", "盟")) or "地市" in text:
        return "地市"
    return None                         # a county, a place or a body the vocabulary does not know


def _kind_in(text):
    """(Kind, start, end) of the earliest (then longest) kind word in ``text``, or None."""
    found = []
    for kind in KINDS:
        for word in kind.words:
            at = text.find(word)
            if at >= 0:
                found.append((at, -len(word), kind, word))
    if not found:
        return None
    at, minus, kind, _ = min(found, key=lambda f: (f[0], f[1]))
    return kind, at, at - minus


def read(title, vocabulary=BUILT_IN, org_names=()):
    """How ``title`` (one of the leader's honours as written) reads against ``vocabulary``."""
    text = normalise(title)
    if not text:
        return Reading(UNKNOWN, title, why="荣誉称号为空")
    word = next((w for w in NOT_TITLE_WORDS if w in text), None)
    if word:
        return Reading(NOT_TITLE, title, why=f"「{title}」是{_put_forward(word)}，不是已获得的称号")
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    declared = {normalise(h.name): h for h in vocabulary}
    if text in declared:
        return _declared(title, declared[text])
    found = _kind_in(text)
    if found is None:
        return Reading(UNKNOWN, title, why=f"「{title}」不在荣誉名录中")
    kind, start, end = found
    if text[end:]:
        return Reading(UNKNOWN, title, why=f"「{title}」不是名录中的称号（「{text[start:end]}」之后还有「{text[end:]}」）")
    level = kind.fixed_level or level_of(text[:start], org_names)
    if level is None:
        return Reading(UNKNOWN, title, why=f"「{title}」的颁发单位或级别（「{text[:start]}」）无法确认")
    if kind.levels is not None and level not in kind.levels:
        where = f"{level}级" if level else "未注明级别的"
        return Reading(UNKNOWN, title, why=f"「{title}」是{where}{kind.name}，名录只认{'、'.join(kind.levels)}级")
    return Reading(TITLE, title, Honour(text, kind.name, level))


def _declared(title, honour):
    if honour.counts:
        return Reading(TITLE, title, honour)
    return Reading(NOT_TITLE, title, honour, f"「{title}」不是劳动模范、五一劳动奖章或技术能手等称号")


def _put_forward(word):
    if "培养" in word or word in ("后备", "储备", "苗子"):
        return "培养对象"
    if word in ("候选", "入围", "参评", "申报"):
        return "候选人"
    return "提名或推荐人选"


# -- the office's entries -------------------------------------------------------------------------

def extra_honours(session):
    """The entries the group union office added (in the order added)."""
    raw = cache.get(session, EXTRA_KEY, datetime(1970, 1, 1))
    rows = json.loads(raw) if raw else []
    return tuple(Honour(r["name"], r.get("kind", ""), r.get("level", ""), bool(r.get("counts", True)), False)
                 for r in rows)


def honours(session):
    """The whole vocabulary: the built-in table, then the office's entries."""
    return BUILT_IN + extra_honours(session)


def add_honour(session, name, level="", kind="", counts=True):
    """Declare ``name`` a title at ``level`` (or, with ``counts=False``, a known honour that is no
    劳模 / 高技能人才 title); replaces an entry of the same name. Returns the Honour."""
    name = normalise(name)
    if not name or len(name) > 50:
        raise UserError("请写上荣誉称号全称（不超过 50 字）。")
    if level not in ("", *LEVELS):
        raise UserError(f"级别只能是：{'、'.join(LEVELS)}（没有级别可不写）。")
    word = next((w for w in NOT_TITLE_WORDS if w in name), None)
    if word:
        raise UserError(f"「{name}」是{_put_forward(word)}，不是称号，不能加入荣誉名录。")
    if any(normalise(h.name) == name for h in BUILT_IN):
        raise UserError(f"「{name}」已在内置荣誉名录中。")
    kept = [asdict(h) for h in extra_honours(session) if h.name != name]
    honour = Honour(name, kind, level, counts, False)
    kept.append(asdict(honour))
    value = json.dumps([{k: v for k, v in row.items() if k != "built_in"} for row in kept], ensure_ascii=False)
    cache.put(session, EXTRA_KEY, value, NEVER)
    return honour


def remove_honour(session, name):
    """Take an office entry out of the vocabulary; False when there was none of that name."""
    name = normalise(name)
    kept = [asdict(h) for h in extra_honours(session)]
    left = [{k: v for k, v in row.items() if k != "built_in"} for row in kept if row["name"] != name]
    if len(left) == len(kept):
        return False
    cache.put(session, EXTRA_KEY, json.dumps(left, ensure_ascii=False), NEVER)
    return True
