"""A whole application's values, opinions and ledgers for the document tests, and the tools they read documents back with."""
import os
import shutil
import pytest


SURNAMES = "孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"


GIVEN = ("立", "磊", "敏", "强", "静", "伟", "芳", "军", "洋", "勇",
         "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "桂英")


DEPARTMENTS = ("技术部", "工程部", "设备物资部", "安全质量部", "盾构分公司")


ROLES = ("BIM 建模", "盾构掘进参数分析", "管片拼装工艺", "测量监控", "试验检测")


TITLES = ("工程师", "高级工程师", "助理工程师", "技师", "高级技师")


NARRATIVE = (
    "工作室自2018年4月组建以来，始终坚持“来自一线、服务一线”的原则，围绕城市轨道交通盾构隧道施工中的"
    "重点、难点问题开展技术攻关和技能传授。工作室依托公司承建的多条地铁区间隧道工程，组建了一支由"
    "高级工程师、技师和一线操作骨干组成的创新团队，形成了老中青结合、专业结构合理的人才梯队。\n"
    + "近两年来，工作室针对富水砂层盾构始发与接收风险高、管片拼装错台、同步注浆质量难以控制等问题，"
    "先后立项攻关课题六项，研发了盾构姿态智能纠偏辅助系统、管片拼装定位装置等多项成果，其中多项成果"
    "获得国家实用新型专利和发明专利授权，并在集团内多个项目推广应用，取得了显著的经济效益和社会效益。" * 4
    + "\n工作室坚持把人才培养作为重要任务，建立了师带徒、岗位练兵、技能竞赛等培养机制，"
    "定期组织技术培训和学习研讨，带动一大批青年职工快速成长为技术骨干。"
)


NARRATIVE = (NARRATIVE * 2)[:1100]



YEAR = 2025


def _members(count=20):
    return [
        {"name": SURNAMES[i] + GIVEN[i], "gender": "女" if i % 4 == 2 else "男",
         "birth": f"{1975 + i}{(i % 12) + 1:02d}", "education": ("大学本科", "硕士研究生", "大学专科")[i % 3],
         "title": TITLES[i % 5], "department": DEPARTMENTS[i % 5], "role": ROLES[i % 5]}
        for i in range(count)
    ]


def _answers():
    return {
        "cover.name": "李建国盾构隧道智能建造劳模创新工作室",
        "cover.unit": "中交示范工程局有限公司",
        "cover.unit_type": "施工企业",
        "cover.recommender": "中交示范工程局有限公司工会",
        "cover.filled_on": "20250520",
        "basics.created_on": "20180420",
        "basics.named_by": "省总工会",
        "basics.field": "盾构隧道施工",
        "basics.named_on": "20190501",
        "basics.type": "技术攻关",
        "basics.members": 24,
        "basics.area": "25",
        "funding.y1.amount": "5",
        "funding.y1.sources": [{"unit": "中交示范工程局", "amount": "3"}, {"unit": "中交隧道局", "amount": "2"}],
        "funding.y2.amount": "3.5",
        "funding.y2.sources": [{"unit": "中交示范工程局", "amount": "3.5"}],
        "innovation.results": 8,
        "innovation.applied": 4,
        "innovation.utility": 6,
        "innovation.invention": 2,
        "innovation.award_intl": 0,
        "innovation.award_national": 1,
        "innovation.award_provincial": 3,
        "innovation.award_city": 5,
        "benefit.y1.income": "35.5",
        "benefit.y1.savings": "60",
        "benefit.y2.income": "42",
        "benefit.y2.savings": "18.25",
        "talent.total": 9,
        "talent.grade0": 1, "talent.grade1": 2, "talent.grade2": 3, "talent.grade3": 2, "talent.grade4": 1,
        "talent.honour0": 0, "talent.honour1": 1, "talent.honour2": 2, "talent.honour3": 3,
        "talent.list": [
            {"name": "赵磊", "promotion": "2023年晋升为高级技师", "honour": "2024年获企业劳模"},
            {"name": "钱芳", "promotion": "2024年晋升为技师", "honour": "无"},
        ],
        "social": "培训职工 600 人次，盾构姿态纠偏成果在集团内 5 个地铁项目推广应用。",
        "leader.name": "李建国",
        "leader.gender": "男",
        "leader.birth": "197506",
        "leader.education": "大学本科",
        "leader.ethnicity": "汉族",
        "leader.political": "中共党员",
        "leader.profession": "盾构机操作",
        "leader.title": "高级工程师",
        "leader.phone": "13812345678",
        "leader.honours": [{"year": 2019, "title": "全国五一劳动奖章"}, {"year": 2021, "title": "全国劳动模范"}],
        "members": _members(),
        "narrative": NARRATIVE,
    }


OPINIONS = {
    "union": {"opinion": "同意推荐。", "name": "王工会", "date": "20250603"},
    "tech": {"opinion": "技术成果属实，同意推荐。", "name": "刘技术", "date": "20250603"},
    "party": {"opinion": "同意上报。", "name": "陈书记", "date": "20250603"},
    "group": {"opinion": "同意命名。", "name": "周主席", "date": "20250603"},
}


LEDGERS = {
    "activities": [
        {"date": "20230315", "kind": "培训", "topic": "盾构姿态控制", "participants": 30, "hours": 4, "place": "工作室"},
        {"date": "20230920", "kind": "培训", "topic": "管片拼装工艺", "participants": 40, "hours": 6, "place": "项目部"},
        {"date": "20240410", "kind": "培训", "topic": "同步注浆质量", "participants": 50, "hours": 3.5, "place": "工作室"},
        {"date": "20230401", "kind": "师带徒", "topic": "李建国—赵磊", "participants": 2, "hours": 0, "place": "工作室"},
        {"date": "20240401", "kind": "师带徒", "topic": "孙立—钱芳", "participants": 2, "hours": 0, "place": "工作室"},
        {"date": "20230610", "kind": "技术交流", "topic": "与中交隧道局盾构技术交流", "participants": 25,
         "hours": 3, "place": "武汉"},
        {"date": "20241108", "kind": "技术交流", "topic": "地铁盾构施工经验交流会", "participants": 60,
         "hours": 4, "place": "南京"},
        {"date": "20240502", "kind": "学习研讨", "topic": "富水砂层始发风险研讨", "participants": 12,
         "hours": 2, "place": "工作室"},
        {"date": "20220601", "kind": "培训", "topic": "早年培训（不在近两年）", "participants": 99,
         "hours": 8, "place": "工作室"},
    ],
    "achievements": [
        {"kind": "立项", "title": "富水砂层盾构始发风险控制", "date": "20230201", "level": "", "number": "", "amount": ""},
        {"kind": "实用新型", "title": "一种管片拼装定位装置", "date": "20230812", "level": "",
         "number": "ZL202320000001.1", "amount": ""},
        {"kind": "实用新型", "title": "一种同步注浆监测装置", "date": "20240305", "level": "",
         "number": "ZL202420000002.2", "amount": ""},
        {"kind": "发明", "title": "盾构姿态智能纠偏方法", "date": "20241020", "level": "",
         "number": "ZL202310000003.3", "amount": ""},
        {"kind": "获奖", "title": "盾构姿态智能纠偏辅助系统", "date": "20240901", "level": "省部级",
         "number": "", "amount": ""},
        {"kind": "经济效益", "title": "管片拼装定位装置节约工期", "date": "20241231", "level": "",
         "number": "", "amount": "60"},
    ],
    "members": [
        {"date": "20230701", "name": "赵磊", "kind": "晋升", "detail": "晋升为高级技师"},
        {"date": "20240501", "name": "赵磊", "kind": "荣誉", "detail": "获企业劳模"},
    ],
    "funding": [
        {"date": "20230301", "direction": "收入", "unit": "中交示范工程局", "amount": "3"},
        {"date": "20230801", "direction": "支出", "purpose": "设备购置", "amount": "1.2"},
    ],
}


OUTLINE = ("一、基本情况", "二、近两年来活动开展情况", "（一）制度建立情况", "（二）日常运作情况",
           "（三）分工协作情况", "三、近两年来工作室活动成效", "（一）创新成果情况", "（二）技能人才培养情况",
           "（三）取得效益情况", "（四）开展技术交流协作情况")


def _tool(name):
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} must be installed in CI to check the PDF conversion")
        pytest.skip(f"{name} is not installed")
    return path
