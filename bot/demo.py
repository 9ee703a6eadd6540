"""Demo data: one unit, one studio, one person per role, bound on the try-out channel.

Loading it twice changes nothing.
"""
from storage.people import bind, get_studio, get_unit, upsert_person

UNIT = "中交示范工程局有限公司"
GROUP_UNIT = "集团总部"
STUDIO = "王海隧道掘进劳模创新工作室"

PEOPLE = [
    # try-out id, name, unit, roles, mobile
    ("leader", "王海", UNIT, ["leader"], "13800000001"),
    ("member", "孙立", UNIT, ["member"], "13800000002"),
    ("union", "李秀英", UNIT, ["union"], "13800000003"),
    ("tech", "张建军", UNIT, ["tech"], "13800000004"),
    ("party", "刘志强", UNIT, ["party"], "13800000005"),
    ("group", "陈国华", GROUP_UNIT, ["group"], "13800000006"),
    ("admin", "赵敏", GROUP_UNIT, ["admin"], "13800000007"),
]


def load(session):
    """Create what is missing; returns the number of people now bound on the try-out channel."""
    unit = get_unit(session, UNIT, "施工企业")
    group_unit = get_unit(session, GROUP_UNIT, "集团")
    units = {UNIT: unit, GROUP_UNIT: group_unit}
    people = {}
    for try_id, name, unit_name, roles, mobile in PEOPLE:
        person = upsert_person(session, name, units[unit_name], roles, mobile)
        bind(session, person, "web", try_id)
        people[try_id] = person
    studio = get_studio(session, STUDIO, unit, people["leader"])
    for key in ("leader", "member"):
        people[key].studio_id = studio.id
    return len(people)
