"""What the office's lists and documents say of one application: the studio, its unit, its leader,
its 专业领域, 类型 and 成员数 as the form records them (the studio's own records when unanswered)."""
from dataclasses import dataclass

from handlers.application.schema import application_form
from storage import applications
from storage.models import Person


@dataclass
class StudioRow:
    app_id: int
    studio_id: int
    name: str
    unit: str
    leader: str
    field: str
    type: str
    members: str


def studio_row(session, app):
    answers = applications.load_answers(session, app.id)
    form = application_form(app.year)
    studio = app.studio
    leader = answers.get("leader.name")
    if not leader and studio.leader_id:
        person = session.get(Person, studio.leader_id)
        leader = person.name if person else ""
    kind = answers.get("basics.type")
    members = answers.get("basics.members")
    return StudioRow(app.id, studio.id, studio.name, studio.unit.name if studio.unit else "", leader or "",
                     str(answers.get("basics.field") or ""),
                     form.by_key["basics.type"].display(kind) if kind not in (None, "") else "",
                     str(members) if members not in (None, "") else "")
