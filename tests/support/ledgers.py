"""Ledgers in tests: a studio with a few entries."""


def seed(chat):
    leader = chat("leader")
    for line in ("成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日", "成果 创新成果 管片快速拼装工法 2023-05-01",
                 "活动 技能培训 盾构操作培训 2024-05-10 25人 4小时", "经费 收入 5万元 中交示范工程局 2024年1月5日"):
        leader.send(line)
        leader.send("确认")
    return leader
