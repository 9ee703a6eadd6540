"""The console's blueprint: every area module's views registered under /console, the viewer set by ``access``."""
from flask import Blueprint

from bot.console import (access, achievements, applications, assessment, audit_view, board, certificates,
                         ledgers, manage, publicity, sheets, signin, spotchecks, statistics)

VIEWS = (signin, board, applications, ledgers, manage, audit_view, assessment, publicity, certificates,
         spotchecks, achievements, statistics, sheets)


def install(app, bot):
    """Register the console on ``app``."""
    bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                   static_folder="static", static_url_path="/static")
    access.install(app, bp, bot)
    for module in VIEWS:
        module.register(bp, bot)
    app.register_blueprint(bp)
