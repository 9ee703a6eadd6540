"""Handlers: what the assistant does. ``register_all`` wires every module into a router."""


def register_all(router, kinds):
    """Commands, actions and flows into ``router``; the worker's task kinds into ``kinds``."""
    from handlers import (admin, application, application_carry, common, document_tasks, forms, funding_review,
                          ledgers, notices, proofs, review, seven_record)
    document_tasks.register(kinds)
    common.register(router)
    forms.register(router)
    application.register(router)
    application_carry.register(router)
    proofs.register(router)
    seven_record.register(router)
    ledgers.register(router)
    funding_review.register(router)
    review.register(router)
    admin.register(router)
    notices.register(router)
