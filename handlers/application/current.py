"""Which application a message is about: the year being applied for, the sender's studio and its application."""
from datetime import date

from sqlalchemy import select

from bot.errors import UserError
from handlers.review import deadline
from storage import applications
from storage.models import Application, Studio
from storage.statuses import EDITABLE, IN_REVIEW, AppStatus, StudioStatus

DRAFT_PREFIX = "（待定名）"
NO_APPLICATION = "还没有申报表。发送「申报」开始填写。"


def application_year(config, today):
    """The year being applied for on ``today``: this year until the deadline has passed, then the next."""
    month, day = (int(x) for x in config.deadline.split("-"))
    return today.year if today <= date(today.year, month, day) else today.year + 1


def named_refusal(config, studio):
    """Why a studio the group union already named does not apply again (None: it may apply).

    The title and its one-off grant are not given twice; a studio whose title was withdrawn
    (撤销称号) may apply anew."""
    if studio is None or studio.status != StudioStatus.NAMED:
        return None
    day = f"于 {studio.named_on.year}年{studio.named_on.month}月{studio.named_on.day}日" if studio.named_on else "已"
    return (f"「{studio.name}」已{day}被命名为“{config.org_name}劳模（工匠人才）创新工作室”，称号和一次性经费"
            "不重复授予，无需再次申报。请继续记好台账，按季度自查七有；称号被撤销的，可以重新申报。")


def rename_studio(session, studio_id, name):
    """A studio created from the answers takes the name the leader typed, if it is free.

    A name taken by another studio is left alone (the studio keeps its name)."""
    studio = session.get(Studio, studio_id)
    if studio is None or studio.name == name:
        return
    taken = session.scalar(select(Studio.id).where(Studio.name == name, Studio.id != studio_id))
    if taken is None and (studio.name.startswith(DRAFT_PREFIX) or studio.status == StudioStatus.ACTIVE):
        studio.name = name


def studio_of(turn, create=False):
    """The studio the user belongs to; a leader without one gets a draft studio when ``create``."""
    person = turn.person
    if person.studio_id:
        return turn.session.get(Studio, person.studio_id)
    if not create:
        return None
    if "leader" not in turn.roles:
        raise UserError("您还没有关联到任何工作室，请联系管理员或领衔人。")
    studio = Studio(name=f"{DRAFT_PREFIX}{person.name}的工作室#{person.id}", unit_id=person.unit_id,
                    leader_id=person.id, status=StudioStatus.ACTIVE)
    turn.session.add(studio)
    turn.session.flush()
    person.studio_id = studio.id
    return studio


def current_application(turn, create=False):
    studio = studio_of(turn, create=create)
    if studio is None:
        return None
    year = application_year(turn.config, turn.clock.today())
    app = turn.session.scalar(select(Application).where(Application.studio_id == studio.id,
                                                        Application.year == year))
    if app is None:
        # after the deadline the last year's application is still under review (or back for
        # changes, or waiting for naming): that is the one the leader means until it ends
        last = turn.session.scalar(select(Application).where(Application.studio_id == studio.id,
                                                             Application.year == year - 1))
        if last is not None and last.status in IN_REVIEW:
            return last
        # … or it is still to be submitted within a late window the group union granted
        if last is not None and last.status in EDITABLE and deadline.window_open(last, turn.clock.today()):
            return last
    if app is None and create:
        app = applications.get_or_create(turn.session, studio, year)
    return app


def missed_application(turn):
    """Last year's application, never submitted, after its deadline without an open late window (or None):
    what 进度 mentions when the leader has nothing current (it can only go on with a 延期)."""
    studio = studio_of(turn)
    if studio is None:
        return None
    year = application_year(turn.config, turn.clock.today())
    last = turn.session.scalar(select(Application).where(Application.studio_id == studio.id,
                                                         Application.year == year - 1))
    if last is None or last.status not in EDITABLE or last.status == AppStatus.RETURNED:
        return None
    return None if deadline.window_open(last, turn.clock.today()) else last


def application_or_refuse(turn, create=False):
    """The sender's current application; a refusal naming 申报 when there is none."""
    app = current_application(turn, create=create)
    if app is None:
        raise UserError(NO_APPLICATION)
    return app


def application_in(turn, walker=None, create=False):
    """The application a form or command is about: the walker's own when inside the form."""
    if walker is not None and getattr(walker.store, "app_id", None):
        return walker.store.app
    return application_or_refuse(turn, create=create)
