"""The approval chain: submission, the four reviewers' decisions, and opinions in the document."""
from bot import clock


def submit(turn, app, walker):
    app.status = "submitted"
    app.submitted_at = clock.utcnow()
    turn.state.pop("flow", None)
    turn.state.pop("form", None)
    turn.reply(f"已提交 {app.year} 年度申报表。")


def status_text(session, app):
    return {"submitted": "审批中", "approved": "已通过", "named": "已命名"}.get(app.status, app.status)


def opinions_for_document(session, app):
    return {}


def register(router):
    pass
