"""Who may do what: the one place that decides, for the chat's router, the services, the console and the CLI.

Two levels. ``Do`` names every operation and the roles that may attempt it (the router checks this
before a command or button runs; the console before a view; a service before it changes
anything). Then the object: which studios, applications, steps and ledgers an actor reaches
(``may_read_studio``, ``may_decide`` …), and the same reach as SQL conditions for lists
(``studio_scope``, ``audit_scope``). A refusal is a ``Forbidden`` with its Chinese reason.
"""
from enum import StrEnum

from sqlalchemy import false, select, true
from sqlalchemy.orm import aliased, object_session

from bot.errors import UserError
from storage.models import ROLES, Application, AuditEntry, ReviewStep, Studio
from storage.office import ScoreSheet


class Forbidden(UserError):
    """The actor may not do this (shown as written; the console answers 403)."""


class Do(StrEnum):
    APPLY = "application.fill"              # fill, submit, withdraw the own studio's application
    READ_APPLICATION = "application.read"
    LEDGER_WRITE = "ledger.write"
    LEDGER_READ = "ledger.read"
    REVIEW = "review.decide"                # 同意 / 退回 / 不同意 / 转交 at one's step
    REMIND = "review.remind"                # 催办
    REOPEN = "application.reopen"
    LATE_WINDOW = "application.late_window"
    NAME = "studio.name"
    REVOKE = "studio.revoke"
    SPOTCHECK = "spotcheck.manage"          # draw, record results
    SPOTCHECK_READ = "spotcheck.read"
    SPOTCHECK_REPRODUCE = "spotcheck.reproduce"
    FUNDING_CONFIRM = "funding.confirm"     # a held expense: 确认 / 不认可
    BUDGET_PROPOSE = "budget.propose"       # a 立项's 专项科研经费 budget, asked by the studio's leader
    BUDGET_APPROVE = "budget.approve"       # … approved (or not) by the unit union
    REJUDGE = "records.rejudge"             # stored expenses and 七有 verdicts judged again by the current rules
    NOTICES = "notices.operate"
    PEOPLE = "people.manage"
    AUDIT_READ = "audit.read"
    CONSOLE = "console.enter"
    # the office's year (handlers/services/assessment.py, publicity.py, certificates.py …)
    ASSESS_MANAGE = "assessment.manage"     # open a round, the rubric, invite and assign experts, ties, close
    ASSESS_SCORE = "assessment.score"       # an expert scores the sheets assigned to them
    ASSESS_READ = "assessment.read"         # sheets and results (an expert: their own until the round closes)
    PUBLICITY = "publicity.manage"          # 公示: propose, publish, objections, the decision after it
    CERTIFICATES = "certificates.manage"    # 命名文件, certificates, the 牌匾 list
    SPOTCHECK_RESULT = "spotcheck.result"   # 合格 / 限期整改 / 撤销称号, and verifying a 整改
    RECTIFY_REPORT = "rectify.report"       # the studio reports its 整改 done
    SELFCHECK = "selfcheck.answer"          # the leader answers the quarterly self-check
    SELFCHECK_READ = "selfcheck.read"
    ACHIEVEMENTS = "achievements.read"      # the 成果库 (scoped like the ledgers)
    STATISTICS = "statistics.read"
    SHEETS = "sheets.export"                # the upward sheets (申报汇总表, 公示名单, 命名名单, 推荐表)
    EVERYONE = "everyone"                   # help, greetings: even an unbound sender
    BOUND = "bound"                         # any bound person, whatever the roles


STUDIO_PEOPLE = frozenset({"leader", "member"})
UNIT_REVIEWERS = frozenset({"union", "tech", "party"})
REVIEWERS = UNIT_REVIEWERS | {"group"}
OFFICE = frozenset({"group", "admin"})

ROLES_FOR = {
    Do.APPLY: STUDIO_PEOPLE,
    Do.READ_APPLICATION: STUDIO_PEOPLE | REVIEWERS | {"admin", "expert"},     # an expert: what they score
    Do.LEDGER_WRITE: STUDIO_PEOPLE,
    Do.LEDGER_READ: STUDIO_PEOPLE | {"union", "group", "admin"},
    Do.REVIEW: REVIEWERS,
    Do.REMIND: frozenset({"union", "group", "admin"}),
    Do.REOPEN: frozenset({"group"}),
    Do.LATE_WINDOW: frozenset({"group"}),
    Do.NAME: frozenset({"group"}),
    Do.REVOKE: frozenset({"group"}),
    Do.SPOTCHECK: frozenset({"group"}),
    Do.SPOTCHECK_READ: frozenset({"group", "admin", "union"}),
    Do.SPOTCHECK_REPRODUCE: OFFICE,
    Do.FUNDING_CONFIRM: frozenset({"union"}),
    Do.BUDGET_PROPOSE: frozenset({"leader"}),
    Do.BUDGET_APPROVE: frozenset({"union"}),
    Do.REJUDGE: OFFICE,
    Do.NOTICES: OFFICE,
    Do.PEOPLE: frozenset({"admin"}),
    Do.AUDIT_READ: frozenset({"union", "group", "admin"}),
    Do.CONSOLE: STUDIO_PEOPLE | REVIEWERS | {"admin", "expert"},
    Do.ASSESS_MANAGE: frozenset({"group"}),
    Do.ASSESS_SCORE: frozenset({"expert"}),
    Do.ASSESS_READ: frozenset({"group", "admin", "expert"}),
    Do.PUBLICITY: frozenset({"group"}),
    Do.CERTIFICATES: OFFICE,
    Do.SPOTCHECK_RESULT: OFFICE,
    Do.RECTIFY_REPORT: frozenset({"leader"}),
    Do.SELFCHECK: frozenset({"leader"}),
    Do.SELFCHECK_READ: frozenset({"union", "group", "admin"}),
    Do.ACHIEVEMENTS: STUDIO_PEOPLE | {"union", "group", "admin"},
    Do.STATISTICS: frozenset({"union", "group", "admin"}),
    Do.SHEETS: OFFICE,
    Do.EVERYONE: frozenset(),
    Do.BOUND: frozenset(),
}


def roles_for(do):
    return ROLES_FOR[Do(do)]


def needs_person(do):
    return Do(do) is not Do.EVERYONE


def allowed(actor, do):
    """May ``actor`` attempt ``do`` at all (by its roles)? The system may do everything."""
    do = Do(do)
    if do is Do.EVERYONE or actor.is_system:
        return True
    if not actor.bound:
        return False
    roles = ROLES_FOR[do]
    return not roles or bool(actor.roles & roles)


UNBOUND = "您的账号还没有绑定到人员信息，请联系管理员绑定后再使用。"


def require(actor, do, what=None):
    """Refuse (``Forbidden``) unless ``actor`` may attempt ``do``; ``what`` names it in the message."""
    if allowed(actor, do):
        return
    if not actor.bound:
        raise Forbidden(UNBOUND)
    names = "、".join(ROLES[r] for r in sorted(ROLES_FOR[Do(do)]))
    raise Forbidden(f"{what or '这项操作'}仅限{names}使用。发送「帮助」查看您可以使用的功能。")


# -- reach: studios, applications, steps ---------------------------------------------------------

def sees_all(actor):
    return actor.is_system or actor.has("group", "admin")


def may_read_studio(actor, studio):
    """The studio's own people, its unit's union and reviewers, the group union and admins."""
    if studio is None:
        return False
    if sees_all(actor):
        return True
    if actor.has(*UNIT_REVIEWERS) and actor.unit_id is not None and studio.unit_id == actor.unit_id:
        return True
    return actor.has(*STUDIO_PEOPLE) and actor.studio_id == studio.id


def may_read_ledgers(actor, studio):
    """Ledgers: the studio's people, its unit's union, the group union and admins (not tech/party)."""
    if studio is None:
        return False
    if sees_all(actor):
        return True
    if actor.has("union") and actor.unit_id is not None and studio.unit_id == actor.unit_id:
        return True
    return actor.has(*STUDIO_PEOPLE) and actor.studio_id == studio.id


def may_write_ledger(actor, studio_id):
    return actor.has(*STUDIO_PEOPLE) and studio_id is not None and actor.studio_id == studio_id


def studio_scope(actor):
    """A SQL condition on Studio: the studios ``actor`` may read (for lists, searches, exports)."""
    if sees_all(actor):
        return true()
    conditions = []
    if actor.has(*UNIT_REVIEWERS) and actor.unit_id is not None:
        conditions.append(Studio.unit_id == actor.unit_id)
    if actor.has(*STUDIO_PEOPLE) and actor.studio_id is not None:
        conditions.append(Studio.id == actor.studio_id)
    if not conditions:
        return false()
    condition = conditions[0]
    for more in conditions[1:]:
        condition = condition | more
    return condition


def ledger_scope(actor):
    """A SQL condition on Studio: the studios whose ledgers ``actor`` may read."""
    if sees_all(actor):
        return true()
    conditions = []
    if actor.has("union") and actor.unit_id is not None:
        conditions.append(Studio.unit_id == actor.unit_id)
    if actor.has(*STUDIO_PEOPLE) and actor.studio_id is not None:
        conditions.append(Studio.id == actor.studio_id)
    if not conditions:
        return false()
    condition = conditions[0]
    for more in conditions[1:]:
        condition = condition | more
    return condition


def application_scope(actor):
    """A SQL condition on (Studio, Application) joined: the applications ``actor`` may read, as
    ``may_read_application`` decides one (the studio's people, the unit's union, the group union and
    admins; a reviewer the applications with a step pending for them or decided by them). Rows
    without an application pass only for those who read the studio itself (its people, its union)."""
    if sees_all(actor):
        return true()
    conditions = []
    if actor.has(*STUDIO_PEOPLE) and actor.studio_id is not None:
        conditions.append(Studio.id == actor.studio_id)
    if actor.has("union") and actor.unit_id is not None:
        conditions.append(Studio.unit_id == actor.unit_id)
    if actor.person_id is not None and actor.has(*REVIEWERS):
        step = aliased(ReviewStep)
        mine = step.assignee_id == actor.person_id
        reach = step.assignee_id.is_(None)
        if actor.unit_id is not None:
            reach = reach & ((step.role == "group") | (Studio.unit_id == actor.unit_id))
        else:
            reach = reach & (step.role == "group")
        at_step = ((step.role.in_(sorted(actor.roles & REVIEWERS))) & (mine | reach))
        if actor.studio_id is not None:
            at_step = at_step & (Studio.id != actor.studio_id)
        conditions.append(select(step.id).where(
            step.application_id == Application.id,
            at_step | (step.decided_by == actor.person_id)).correlate_except(step).exists())
    if actor.person_id is not None and actor.has("expert"):
        conditions.append(Application.id.in_(select(ScoreSheet.application_id)
                                             .where(ScoreSheet.expert_id == actor.person_id)))
    if not conditions:
        return false()
    condition = conditions[0]
    for more in conditions[1:]:
        condition = condition | more
    return condition


def audit_scope(actor):
    """A SQL condition on AuditEntry: an admin and the group union see every row; a unit union
    the rows about its unit's studios and its own; anyone else only their own rows."""
    if sees_all(actor):
        return true()
    own = AuditEntry.actor_id == actor.person_id if actor.person_id is not None else false()
    if actor.has("union") and actor.unit_id is not None:
        return own | AuditEntry.studio_id.in_(select(Studio.id).where(Studio.unit_id == actor.unit_id))
    return own


def conflict_of_interest(expert, studio):
    """An expert never scores a studio of their own unit (nor their own studio)."""
    return (expert.unit_id is not None and expert.unit_id == studio.unit_id) or \
        (expert.studio_id is not None and expert.studio_id == studio.id)


def may_decide(actor, app, step, studio=None):
    """May ``actor`` decide ``step`` of ``app``: the step's role, the studio's unit (but the group
    step), never one's own studio, and after a transfer only the assignee."""
    if actor.person_id is None or step.role not in actor.roles:
        return False
    if actor.studio_id is not None and actor.studio_id == app.studio_id:
        return False
    if step.assignee_id:
        return step.assignee_id == actor.person_id
    studio = studio or app.studio
    return step.role == "group" or (actor.unit_id is not None and actor.unit_id == studio.unit_id)


def may_read_application(actor, app, steps):
    """The studio's people, a reviewer of one of its steps (now or before), the unit's union,
    the group union and admins."""
    if sees_all(actor):
        return True
    if actor.has(*STUDIO_PEOPLE) and actor.studio_id == app.studio_id:
        return True
    if actor.has("union") and actor.unit_id is not None and app.studio.unit_id == actor.unit_id:
        return True
    if any(may_decide(actor, app, s) or (s.decided_by is not None and s.decided_by == actor.person_id)
           for s in steps):
        return True
    return actor.has("expert") and actor.person_id is not None and _scores(actor, app)


def _scores(expert, app):
    """Is ``app`` on one of the expert's score sheets (an expert reads what they score)?"""
    session = object_session(app)
    return session is not None and session.scalar(select(ScoreSheet.id).where(
        ScoreSheet.application_id == app.id, ScoreSheet.expert_id == expert.person_id).limit(1)) is not None
