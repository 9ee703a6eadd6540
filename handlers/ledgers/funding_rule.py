"""What studio money may be spent on (四.四), judged by who receives it, for whom and what for.

「经费仅限用于与工作有关的设备购置、研究费用和成果推广，不得作为奖金津贴发放，不得用于创新工作室以外支出」.
``judge(category, purpose, payee=None, beneficiary=None)`` gives the verdict on one expense:

* ``refused`` — money to people, whatever it is called (奖金、补助、津贴、福利、慰问, a 咨询费 or 服务费 paid
  to members, a 攻关成果奖 …) or spending for another department or unit; the reason quotes the 意见;
* ``ask`` — the line does not say who receives the money (收款方) or for whom it is spent (受益方), and
  that decides it (a 咨询费 paid to a firm is research, paid to a member it is a payment to people);
* ``held`` — the rule cannot decide (a use that does not fit its category, daily running costs):
  held for the unit union to confirm, with the reason;
* ``booked`` — one of the three uses and fitting it; services bought from third parties
  (委托检测, 试验, 数据采集) are lawful research costs.

``payee`` / ``beneficiary`` are the kinds handlers/ledgers/schema.py declares (PAYEES, BENEFICIARIES),
None when not known. ``counts_as_spent(data)``: an expense held for the unit union counts nowhere
(balance, statistics, 附件2) until it is confirmed (storage/ledgers.py ``counted``).
"""
import re
from dataclasses import dataclass

from storage import ledgers

BOOKED, HELD, REFUSED, ASK = "booked", "held", "refused", "ask"
ASK_PAYEE, ASK_BENEFICIARY = "收款方", "受益方"
QUESTIONS = {ASK_PAYEE: "这笔钱付给谁？1. 供应商或其他第三方 2. 成员或其他个人 3. 其他部门或单位",
             ASK_BENEFICIARY: "这笔钱为谁花？1. 本工作室 2. 其他部门或单位 3. 个人"}

USES = "「经费仅限用于与工作有关的设备购置、研究费用和成果推广」"
NOT_TO_PEOPLE = "「不得作为奖金津贴发放」"
NOT_OUTSIDE = "「不得用于创新工作室以外支出」"
DAILY_COSTS = "「日常活动经费原则上由所在单位承担」"

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
# Phrases that name a rule or an inspection of a structure, not a payment: taken out before matching.
NOT_PAYMENTS = ("奖励激励制度", "奖励制度", "激励制度", "奖励办法", "结构体检", "隧道体检", "桥梁体检", "工程体检",
                "设备体检", "管道体检", "管片体检")
# A prize named by what it rewards (攻关成果奖, 突出贡献奖): money to people. Entering a result for a
# prize (申报、参评 …) is promoting it, not paying one.
PRIZE = re.compile(r"(成果|攻关|创新|贡献|技术|科技|专项|突出|特别|年度|季度|月度|个人|团队|集体|先进|优秀|革新|"
                   r"合理化建议|金点子)奖(?![杯牌状章项])")
PRIZE_ENTRY = ("申报", "参评", "参赛", "报名", "评选", "推荐")
# People as the receivers of a fee: 「课题组成员技术咨询费」 is a payment to people.
PEOPLE = ("课题组成员", "团队成员", "骨干成员", "成员", "组员", "课题组", "团队", "骨干", "职工", "员工", "个人",
          "本人", "专家", "工人", "师傅", "徒弟", "领衔人", "劳模", "人员", "老师", "教师", "讲师")
FEES = ("咨询费", "服务费", "顾问费", "指导费", "辅导费", "课时费", "设计费", "编写费", "编制费", "翻译费", "审稿费",
        "技术费", "工时费", "人工费", "计件", "费用补偿")
# Services whose lawfulness depends on who is paid: asked when the line does not say.
SERVICES = ("咨询", "服务费", "技术服务", "顾问", "指导费", "人工费", "工时费", "设计费", "编制费", "编写费")
# Spending outside the studio, by its words …
OUTSIDE = ("工作室以外", "工作室之外", "捐赠", "捐款", "赞助", "资助", "借给", "借款", "私人", "个人使用", "家用",
           "兄弟单位")
# … and for whom: 「为项目部购买办公电脑」. OTHER_UNITS are never the studio; OWN_OR_OTHER may be the
# unit the studio belongs to or another one: asked.
FOR = r"(?:为|(?<![付交])给|替|帮|供|支援)"         # 「付给」「交给」 name who is paid, not for whom
OTHER_UNITS = ("项目部", "项目经理部", "分公司", "子公司", "其他单位", "外单位", "其他部门", "别的部门", "机关",
               "办公室", "食堂", "指挥部", "车间", "工区", "班组", "施工队", "作业队", "部门")
OWN_OR_OTHER = ("公司", "单位", "局", "集团", "院", "厂")
# Who sells a service or goods: a third party.
SUPPLIERS = ("委托", "外委", "外包", "第三方", "外单位", "检测中心", "检测机构", "检测站", "试验中心", "研究院",
             "研究所", "设计院", "高校", "大学", "学院", "公司", "厂家", "厂商", "供应商", "代理", "机构", "事务所",
             "出版社", "印刷厂", "购买", "购置", "采购")
# Daily running costs: 日常活动经费原则上由所在单位承担.
DAILY = ("办公用品", "办公耗材", "文具", "打印纸", "复印纸", "水电", "物业", "保洁", "茶水", "饮用水", "桶装水",
         "日常", "房租", "租金", "装修", "差旅")

# What plainly fits each of the three uses.
FITS = {
    "设备购置": ("设备", "仪器", "仪表", "工具", "器材", "器具", "电脑", "计算机", "笔记本", "服务器", "工作站",
             "打印机", "投影", "显示器", "显卡", "硬盘", "存储", "软件", "网络", "路由", "交换机", "测距仪",
             "全站仪", "水准仪", "经纬仪", "传感器", "机床", "车床", "焊机", "钻", "万用表", "示波器",
             "3D打印", "无人机", "相机", "摄像", "扫描仪", "实验台", "工作台", "检测仪", "测量", "探测",
             "机器人", "平板", "配件", "扳手", "夹具", "模具", "展柜", "货架", "白板"),
    "研究费用": ("研究", "研发", "试验", "实验", "测试", "检测", "化验", "样品", "试样", "样机", "试制", "原型",
             "模型", "加工", "材料", "耗材", "元器件", "零件", "资料", "图书", "书籍", "文献", "期刊", "标准",
             "专利", "查新", "软件著作权", "软著", "代理费", "仿真", "计算", "课题", "攻关", "数据", "采集", "调研",
             "监测", "技术咨询", "技术服务", "鉴定", "认证", "论证"),
    "成果推广": ("推广", "展示", "展板", "展览", "展会", "参展", "宣传", "印刷", "手册", "海报", "画册",
             "成果发布", "发布会", "交流会", "研讨会", "会务", "视频", "宣传片", "讲义", "教材", "论文",
             "出版", "版面费", "参赛", "报名费", "牌匾", "上墙", "推介", "观摩"),
}

PEOPLE_WHY = ("「{word}」是付给个人的奖金、津贴、补贴、福利或报酬一类，无论叫什么、记在哪一类都不能从工作室经费中支出"
              "（意见：" + NOT_TO_PEOPLE + "）。")
OUTSIDE_WHY = "「{word}」属于创新工作室以外的支出，不能从工作室经费中支出（意见：" + NOT_OUTSIDE + "）。"


@dataclass(frozen=True)
class Verdict:
    kind: str               # booked | held | refused | ask
    reason: str = ""
    ask: str = ""           # ask: 收款方 or 受益方

    @property
    def question(self):
        return QUESTIONS.get(self.ask, "")


def _compact(*texts):
    text = re.sub(r"\s+", "", "".join(t for t in texts if t))
    for phrase in NOT_PAYMENTS:
        text = text.replace(phrase, "")
    return text


def _for_other(text):
    """The other department or unit ``text`` spends for (「为项目部…」), or None."""
    match = re.search(FOR + r"([^，,。；;：:]{0,8}?)(" + "|".join(OTHER_UNITS) + ")", text)
    if match and "工作室" not in match.group(1):
        return match.group(0)
    return None


def _for_unclear(text):
    """A unit ``text`` spends for that may be the studio's own or another (「为公司购买电脑」), or None."""
    match = re.search(FOR + r"([^，,。；;：:]{0,8}?)(" + "|".join(OWN_OR_OTHER) + ")", text)
    if match and "工作室" not in match.group(1):
        return match.group(1) + match.group(2)
    return None


def _for_person(text):
    """A person ``text`` spends for (「为成员购买工作服」), or None."""
    match = re.search(FOR + r"([^，,。；;：:]{0,4}?)(" + "|".join(PEOPLE) + ")", text)
    return match.group(1) + match.group(2) if match else None


def _refusal(text):
    """(word, why) when the words alone refuse an expense: money to people or for others; else None."""
    word = next((w for w in PEOPLE_PAYMENTS if w in text), None)
    if word:
        return word, PEOPLE_WHY.format(word=word)
    prize = PRIZE.search(text)
    if prize and not any(w in text for w in PRIZE_ENTRY):
        return prize.group(0), PEOPLE_WHY.format(word=prize.group(0))
    person = next((p for p in PEOPLE if p in text), None)
    fee = next((f for f in FEES if f in text), None)
    if person and fee and not any(s in text for s in ("委托", "外单位", "第三方")):
        return f"{person}{fee}", PEOPLE_WHY.format(word=f"{person}……{fee}")
    word = next((w for w in OUTSIDE if w in text), None) or _for_other(text)
    if word:
        return word, OUTSIDE_WHY.format(word=word)
    return None


def people_payment(*texts):
    """The first words that refuse an expense by themselves (a payment to people, a use outside the
    studio), or None."""
    found = _refusal(_compact(*texts))
    return found[0] if found else None


def refusal(*texts):
    """The Verdict refusing an expense by its words alone, or None."""
    found = _refusal(_compact(*texts))
    return Verdict(REFUSED, found[1]) if found else None


def judge(category, purpose, payee=None, beneficiary=None):
    """The verdict on an expense booked under ``category`` for ``purpose``; ``payee``: who receives
    the money (supplier / person / other_unit), ``beneficiary``: for whom (studio / other_unit /
    person), each None when the line does not say."""
    text = _compact(category, purpose)
    found = _refusal(text)
    if found:
        return Verdict(REFUSED, found[1])
    if payee == "person":
        return Verdict(REFUSED, "这笔钱付给成员或其他个人，无论叫什么都属于向个人发放，不能从工作室经费中支出"
                                f"（意见：{NOT_TO_PEOPLE}）。")
    if beneficiary in ("other_unit", "person"):
        whom = "其他部门或单位" if beneficiary == "other_unit" else "个人"
        return Verdict(REFUSED, f"这笔钱是为{whom}花的，属于创新工作室以外的支出，不能从工作室经费中支出"
                                f"（意见：{NOT_OUTSIDE}）。")
    use = _compact(purpose)
    supplier = payee == "supplier" or any(w in use for w in SUPPLIERS)
    if beneficiary is None:
        unclear = _for_unclear(use) or _for_person(use)
        if unclear:
            return Verdict(ASK, f"用途写的是为「{unclear}」，没有说明是不是本工作室的开支：为其他部门、单位或个人的"
                                f"支出不能从工作室经费中支出（意见：{NOT_OUTSIDE}）", ASK_BENEFICIARY)
        if payee == "other_unit" and not any(w in use for w in ("委托", "外委", "外包", "购买", "采购", "购置")):
            return Verdict(ASK, "收款方是其他部门或单位，没有说明是为本工作室购买服务还是为对方开支"
                                f"（意见：{NOT_OUTSIDE}）", ASK_BENEFICIARY)
    if payee is None and not supplier and any(w in use for w in SERVICES):
        return Verdict(ASK, "没有说明这笔钱付给谁：付给外单位或第三方的技术服务属于研究费用，付给成员或个人的咨询费、"
                            f"服务费属于向个人发放（意见：{NOT_TO_PEOPLE}）", ASK_PAYEE)
    daily = next((w for w in DAILY if w in use), None)
    if daily:
        return Verdict(HELD, f"「{daily}」属于日常开支，不是设备购置、研究费用、成果推广之一（意见：{DAILY_COSTS}，"
                             f"{USES}）")
    if category not in FITS:
        return Verdict(HELD, f"类别「{category or '未填写'}」不是设备购置、研究费用、成果推广之一（意见：{USES}）")
    if any(w in use for w in FITS[category]):
        return Verdict(BOOKED)
    other = next((c for c, words in FITS.items() if c != category and any(w in use for w in words)), None)
    if other:
        return Verdict(HELD, f"用途「{purpose}」看起来属于「{other}」，不是所记的「{category}」")
    return Verdict(HELD, f"未能确认用途「{purpose}」属于「{category}」（意见：{USES}）")


def verdict_of(data):
    """``judge`` on an expense's stored data."""
    return judge(data.get("category"), data.get("purpose"), data.get("payee"), data.get("beneficiary"))


def counts_as_spent(data):
    """Whether an entry is money spent in the balance, the statistics and 附件2: an expense, not held
    for the unit union's confirmation."""
    return (data or {}).get("direction") == "支出" and ledgers.counted(data)
