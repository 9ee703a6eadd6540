"""Handlers: what the assistant does. ``register_all`` wires every module into a router."""


def register_all(router):
    from handlers import admin, application, common, forms, funding_review, ledgers, notices, review
    common.register(router)
    forms.register(router)
    application.register(router)
    ledgers.register(router)
    funding_review.register(router)
    review.register(router)
    admin.register(router)
    notices.register(router)
