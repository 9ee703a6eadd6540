"""The application as a document: the 申报审批表 DOCX with the reviewers' opinions, and its JSON."""
from handlers.application.docx_render import render_application_docx
from handlers.application.json_export import application_json
from handlers.application.schema import application_form
from handlers.review.steps import opinions_for_document
from storage import applications


def render(session, config, app):
    """The application as (docx bytes, json dict)."""
    form = application_form(app.year)
    values = form.complete_values(applications.load_answers(session, app.id))
    sources = applications.answer_sources(session, app.id)
    overrides = {k for k, s in sources.items() if s == "override"}
    docx = render_application_docx(form, values, year=app.year, org_name=config.org_name,
                                   union_name=config.union_name, opinions=opinions_for_document(session, app),
                                   overrides=overrides)
    return docx, application_json(form, values)
