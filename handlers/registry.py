"""Wiring: every handler module's commands, actions and flows, the worker's task kinds and the jobs."""
from handlers import admin, common, form_flow
from handlers.application import commands as application, document_tasks, proof_chat, seven_chat
from handlers.ledgers import budget_chat, commands as ledgers, entry, records_chat
from handlers.notices import rejudge, run as notices, spotcheck_chat
from handlers.office import document_tasks as office_documents, selfcheck_chat
from handlers.policy import Do
from handlers.review import chat as review, late_chat, prompts as review_prompts


def register_all(router, kinds, jobs, config):
    """Commands, actions and flows into ``router``; task kinds into ``kinds``; scheduled jobs into ``jobs``."""
    document_tasks.register(kinds)
    review_prompts.register(kinds)
    office_documents.register(kinds)
    common.register(router)
    forms = form_flow.FormFlow()
    forms.add_host(application.HOST)
    forms.add_host(entry.HOST)
    router.add_flow(forms, do=Do.BOUND)
    application.register(router)
    proof_chat.register(router)
    seven_chat.register(router)
    ledgers.register(router)
    budget_chat.register(router)
    records_chat.register(router)
    review.register(router)
    late_chat.register(router)
    admin.register(router)
    notices.register(router)
    spotcheck_chat.register(router)
    selfcheck_chat.register(router)
    notices.register_jobs(jobs, config)
    rejudge.register_jobs(jobs)
