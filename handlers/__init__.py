"""Handlers: what the assistant does. ``register_all`` wires every module into a router."""


def register_all(router):
    from handlers import common
    common.register(router)
