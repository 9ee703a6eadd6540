"""Rendering a console page: the whole page, or for an htmx request only the named block of the
same template (jinja2-fragments), with the viewer and the menu always in the context."""
from flask import g, render_template, request
from jinja2_fragments.flask import render_block

from bot.console import nav


def render(template, block=None, status=200, headers=None, **context):
    viewer = g.get("viewer")
    context.setdefault("viewer", viewer)
    context.setdefault("nav", nav.entries(viewer) if viewer is not None else [])
    context.setdefault("org", g.bot.config.org_name if g.get("bot") else "")
    if block and request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render_block(template, block, **context), status, headers or {}
    return render_template(template, **context), status, headers or {}
