"""What studio money may be spent on (四.四): a whitelist of three uses, never a payment to people.

「经费仅限用于与工作有关的设备购置、研究费用和成果推广，不得作为奖金津贴发放，不得用于创新工作室以外支出」.
``judge(category, purpose)`` says whether an expense is refused (any payment to people, in whatever
words and under whatever category, or a use outside the studio), doubtful (its use does not plainly
fit the category it is booked under: held for the unit union to confirm), or fits.
"""
import re
from dataclasses import dataclass

REFUSE, HOLD, OK = "refuse", "hold", "ok"

# Payments to people, in kind or in cash: refused whatever the category.
PEOPLE_PAYMENTS = (
    "奖金", "奖励", "奖酬", "奖品", "激励金", "津贴", "补贴", "补助", "贴补", "福利", "慰问", "礼品", "礼物",
    "礼金", "礼包", "礼券", "购物卡", "购物券", "提货券", "提货卡", "代金券", "消费券", "消费卡", "储值卡",
    "充值卡", "加油卡", "油卡", "超市卡", "京东卡", "电商卡", "卡券", "红包", "过节费", "节日费", "节日慰问",
    "年货", "月饼", "粽子", "加班费", "加班补助", "值班费", "劳务费", "劳务报酬", "酬金", "报酬", "酬劳",
    "薪酬", "薪金", "工资", "奖金池", "绩效", "提成", "分红", "年终奖", "季度奖", "津补贴", "餐补", "餐费",
    "误餐", "伙食", "聚餐", "宴请", "招待", "请客", "饭局", "工作餐", "夜宵", "旅游", "旅行", "团建",
    "疗养", "休养", "体检", "电影票", "烟酒", "香烟", "白酒", "茶叶", "话费", "通讯费", "通信费",
    "交通费补", "车补", "房补", "住房补", "现金发放", "发放给", "发给", "人均", "每人", "个人所得",
    "讲课费", "评审费", "专家费", "稿费", "稿酬", "润笔",
)
# Phrases that name a rule, not a payment (制度上墙 is one of the 七有): taken out before matching.
NOT_PAYMENTS = ("奖励激励制度", "奖励制度", "激励制度", "奖励办法")
# Spending outside the studio.
OUTSIDE = ("工作室以外", "工作室之外", "外单位", "捐赠", "捐款", "赞助", "借给", "借款", "私人", "个人使用")

# What plainly fits each of the three uses.
FITS = {
    "设备购置": ("设备", "仪器", "仪表", "工具", "器材", "器具", "电脑", "计算机", "笔记本", "服务器", "工作站",
             "打印机", "投影", "显示器", "显卡", "硬盘", "存储", "软件", "网络", "路由", "交换机", "测距仪",
             "全站仪", "水准仪", "经纬仪", "传感器", "机床", "车床", "焊机", "钻", "万用表", "示波器",
             "3D打印", "无人机", "相机", "摄像", "扫描仪", "实验台", "工作台", "检测仪", "测量", "探测",
             "机器人", "平板", "配件", "扳手", "夹具", "模具", "展柜", "货架", "白板"),
    "研究费用": ("研究", "研发", "试验", "实验", "测试", "检测", "化验", "样品", "样机", "试制", "原型",
             "模型", "加工", "材料", "耗材", "元器件", "零件", "资料", "图书", "书籍", "文献", "期刊", "标准",
             "专利", "查新", "软件著作权", "软著", "代理费", "仿真", "计算", "课题", "攻关", "数据", "调研",
             "技术咨询", "技术服务", "鉴定", "认证", "论证"),
    "成果推广": ("推广", "展示", "展板", "展览", "展会", "参展", "宣传", "印刷", "手册", "海报", "画册",
             "成果发布", "发布会", "交流会", "研讨会", "会务", "视频", "宣传片", "讲义", "教材", "论文",
             "出版", "版面费", "参赛", "报名费", "牌匾", "上墙", "推介", "观摩"),
}

REFUSED_WHY = ("「{word}」是向个人发放的奖金、津贴、补贴、福利或报酬一类，无论记在哪一类都不能从工作室经费中支出。")
OUTSIDE_WHY = "「{word}」属于创新工作室以外的支出，不能从工作室经费中支出。"


@dataclass(frozen=True)
class Verdict:
    kind: str           # refuse | hold | ok
    reason: str = ""


def _compact(*texts):
    return re.sub(r"\s+", "", "".join(t for t in texts if t))


def people_payment(*texts):
    """The first word naming a payment to people (or a use outside the studio), or None."""
    text = _compact(*texts)
    for phrase in NOT_PAYMENTS:
        text = text.replace(phrase, "")
    return next((w for w in PEOPLE_PAYMENTS + OUTSIDE if w in text), None)


def judge(category, purpose):
    """The verdict on an expense booked under ``category`` for ``purpose``."""
    word = people_payment(category, purpose)
    if word:
        why = OUTSIDE_WHY if word in OUTSIDE else REFUSED_WHY
        return Verdict(REFUSE, why.format(word=word))
    text = _compact(purpose)
    if category not in FITS:
        return Verdict(HOLD, f"类别「{category or '未填写'}」不是设备购置、研究费用、成果推广之一")
    if any(w in text for w in FITS[category]):
        return Verdict(OK)
    other = next((c for c, words in FITS.items() if c != category and any(w in text for w in words)), None)
    if other:
        return Verdict(HOLD, f"用途「{purpose}」看起来属于「{other}」，不是所记的「{category}」")
    return Verdict(HOLD, f"未能确认用途「{purpose}」属于「{category}」")
