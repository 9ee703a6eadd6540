"""Handlers: what the assistant does, by concern (application, ledgers, notices, review, admin, common).

``handlers.registry.register_all`` wires every module into the Bot's router, task kinds and jobs.
"""
