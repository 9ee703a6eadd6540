"""The 考核验收 rubric: a 百分制 sheet of items with maximum points, its default and its checks.

The default follows the 意见: the 七有 standards (三、创建标准) and what the office checks in June to
August (五（五）: 组织健全、活动正常、制度完善、创新成果显著), weighted towards results. The office may
add, change and remove items while no sheet of the round has been submitted; a round is scored
only while its items total 100.
"""
from decimal import Decimal, InvalidOperation

from bot.errors import UserError

FULL_MARKS = Decimal(100)
MAX_ITEMS = 30
MAX_NAME = 60
MAX_BASIS = 300

DEFAULT = (
    ("劳模（工匠人才）领衔", 10, "领衔人为劳动模范、五一劳动奖章获得者，或业内认可的技术能手、金牌工人等高技能人才"),
    ("创新团队", 10, "3人以上职工技术创新团队，专业技术、学历、年龄结构相对合理，协作氛围浓厚"),
    ("固定场所", 8, "面积适当（一般不少于20平方米）、功能完备，用于学习研讨、创新实践和成果荣誉展示，牌匾显著"),
    ("设备设施", 7, "专业技术资料、器材工具、电脑网络、实验仪器等必要设备设施"),
    ("工作制度与台账", 15, "团队学习、活动开展、创新计划、成果发布、奖励激励、内部管理制度齐全并上墙；台账详实，档案完整"),
    ("经费保障与使用", 10, "所在单位提供必要经费；经费仅用于设备购置、研究费用和成果推广，专款专用、公开透明"),
    ("创新成果", 25, "每年至少立项1项并有推进计划和目标；每年至少1项成果获省级或行业（系统）以上认定，产生较好的经济效益和社会效益"),
    ("人才培养与交流", 15, "技能培训、师带徒、技术交流协作的场次与成效，成员技能等级晋升和荣誉"),
)


def default_items():
    """The default rubric's items, keyed i1, i2 …"""
    return [{"key": f"i{n}", "name": name, "max": str(points), "basis": basis}
            for n, (name, points, basis) in enumerate(DEFAULT, 1)]


def total(items):
    return sum((Decimal(item["max"]) for item in items), Decimal(0))


def points(text, what="分值", top=None):
    """A number of points (up to one decimal place, not negative, at most ``top``) as a decimal string."""
    raw = str(text if text is not None else "").strip().removesuffix("分").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise UserError(f"{what}应是数字，例如 8 或 7.5。") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.1")):
        raise UserError(f"{what}应是不小于 0 的数字，最多一位小数，例如 8 或 7.5。")
    if top is not None and value > Decimal(top):
        raise UserError(f"{what}不能超过 {format_points(top)} 分。")
    return format_points(value)


def format_points(value):
    """12.50 → "12.5", 10.0 → "10"."""
    text = format(Decimal(str(value)).quantize(Decimal("0.1")), "f")
    return text[:-2] if text.endswith(".0") else text


def checked_item(name, maximum, basis=""):
    """(name, max, basis) of an item as typed, checked."""
    name = " ".join(str(name or "").split())
    if not name:
        raise UserError("请写明评分项名称。")
    if len(name) > MAX_NAME:
        raise UserError(f"评分项名称不能超过 {MAX_NAME} 个字。")
    maximum = points(maximum, "满分")
    if Decimal(maximum) <= 0:
        raise UserError("满分应大于 0。")
    basis = " ".join(str(basis or "").split())
    if len(basis) > MAX_BASIS:
        raise UserError(f"评分依据不能超过 {MAX_BASIS} 个字。")
    return name, maximum, basis


def not_full_marks(items):
    """Why the rubric cannot be scored ("" when its items total 100)."""
    if not items:
        return "评分细则还没有评分项。"
    sum_ = total(items)
    if sum_ != FULL_MARKS:
        return f"评分细则合计 {format_points(sum_)} 分，应为 100 分（百分制），请先调整评分项。"
    return ""
