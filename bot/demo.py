"""Demo data: one unit, one studio, one person per role, bound on the try-out channel.

Loading it twice changes nothing, even after the leader renamed the studio in the form.
"""
from storage.people import account_owner, bind, find_person, get_studio, get_unit, upsert_person

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
    """Create what is missing; returns the number of try-out identities.

    Idempotent for real: a person who exists keeps their roles, studio and accounts; a studio is
    created only while the demo leader has none (the leader may have renamed it in the form), and
    nobody is ever moved to another studio."""
    unit = get_unit(session, UNIT, "施工企业")
    group_unit = get_unit(session, GROUP_UNIT, "集团")
    units = {UNIT: unit, GROUP_UNIT: group_unit}
    people = {}
    for try_id, name, unit_name, roles, mobile in PEOPLE:
        person = find_person(session, name, units[unit_name])
        if person is None:
            person = upsert_person(session, name, units[unit_name], roles, mobile)
        if account_owner(session, "web", try_id) is None:
            bind(session, person, "web", try_id)
        people[try_id] = person
    leader, member = people["leader"], people["member"]
    studio_id = leader.studio_id or member.studio_id
    if studio_id is None:
        studio_id = get_studio(session, STUDIO, unit, leader).id
    for person in (leader, member):
        if person.studio_id is None:
            person.studio_id = studio_id
    return len(people)
