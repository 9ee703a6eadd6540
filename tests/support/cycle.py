"""The yearly cycle in tests: a moment to decide for, a studio at each stage, the dates notices were written."""
from datetime import date, datetime, timezone
from sqlalchemy import select
from bot import demo
from storage.actor import Actor
from tests.support.clock import clock
from storage import applications
from storage.models import Application, OutboxMessage, ReviewStep, RobotGroup, Studio
from storage.people import bind, get_studio, get_unit, upsert_person


GROUP = "group:全体工会"


def at(y, m, d, hh=9, mm=0):
    moment = datetime(y, m, d, hh, mm, tzinfo=clock.TZ)
    clock.set_now(moment)
    return moment


def setup_cycle(bot):
    """The demo studio with an unfinished 2025 draft, a named studio, a submitted one pending review,
    a subscribed group robot and an unsubscribed one (both on the try-out channel)."""
    now = datetime(2025, 1, 1)
    with bot.db.transaction() as s:
        unit = get_unit(s, demo.UNIT)
        draft_studio = s.scalar(select(Studio).where(Studio.name == demo.STUDIO))
        app = applications.get_or_create(s, draft_studio, 2025)
        applications.set_answer(s, app.id, "cover.name", demo.STUDIO, Actor.system("test"))
        li = upsert_person(s, "李明", unit, ["leader"])
        bind(s, li, "web", "leader2")
        named = get_studio(s, "李明桥梁工匠创新工作室", unit, li)
        named.status, named.named_on, li.studio_id = "named", date(2024, 7, 10), named.id
        zhou = upsert_person(s, "周强", unit, ["leader"])
        bind(s, zhou, "web", "leader3")
        submitted = get_studio(s, "周强焊接创新工作室", unit, zhou)
        app3 = Application(studio_id=submitted.id, year=2025, status="submitted", flags={}, created_at=now,
                           updated_at=now, submitted_at=now)
        s.add(app3)
        s.flush()
        s.add(ReviewStep(application_id=app3.id, step=1, role="union", status="pending",
                         pending_since=datetime(2025, 5, 20, 1)))
        s.add(RobotGroup(name="全体工会", channel="web", webhook="", subscribed=True, created_at=now))
        s.add(RobotGroup(name="已退订", channel="web", webhook="", subscribed=False, created_at=now))
        return {"named": named.id, "submitted": submitted.id, "draft": draft_studio.id}


def rows(bot, **where):
    with bot.db.session() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return s.scalars(query).all()


def days_of(bot, notice, recipient):
    """The Shanghai dates on which ``notice`` rows to ``recipient`` were written."""
    return [r.created_at.replace(tzinfo=timezone.utc).astimezone(clock.TZ).date()
            for r in rows(bot, notice=notice, recipient=recipient)]
