"""Wiring: every handler module's commands, actions and flows, the worker's task kinds and the jobs."""
from handlers import admin, common, form_flow
from handlers.application import carry, commands as application, document_tasks, proofs, seven_record
from handlers.ledgers import commands as ledgers, entry, funding_review
from handlers.notices import run as notices, spotcheck
from handlers.review import flow as review, prompts as review_prompts


def register_all(router, kinds, jobs, config):
    """Commands, actions and flows into ``router``; task kinds into ``kinds``; scheduled jobs into ``jobs``."""
    document_tasks.register(kinds)
    review_prompts.register(kinds)
    common.register(router)
    forms = form_flow.FormFlow()
    forms.add_host(application.HOST)
    forms.add_host(entry.HOST)
    forms.register(router)
    application.register(router)
    carry.register(router)
    proofs.register(router)
    seven_record.register(router)
    ledgers.register(router)
    funding_review.register(router)
    review.register(router)
    admin.register(router)
    notices.register(router)
    spotcheck.register(router)
    notices.register_jobs(jobs, config)
