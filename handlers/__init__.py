"""Handlers: what the assistant does. ``register_all`` wires every module into a router."""


def register_all(router):
    from handlers import application, common, forms, ledgers
    common.register(router)
    forms.register(router)
    application.register(router)
    ledgers.register(router)
