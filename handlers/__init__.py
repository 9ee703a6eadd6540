"""Handlers: what the assistant does. ``register_all`` wires every module into a router."""


def register_all(router):
    from handlers import admin, application, common, forms, ledgers, notices, review
    common.register(router)
    forms.register(router)
    application.register(router)
    ledgers.register(router)
    review.register(router)
    admin.register(router)
    notices.register(router)
    # commands that start another task win over an unfinished form: typing 申报 in the middle of
    # a ledger entry means "go to the application", never "the amount is 申报"
    for word in TASK_COMMANDS:
        router.match(word)[0].preempt = True


TASK_COMMANDS = ("申报", "记活动", "记成果", "记成员", "记经费", "台账", "本年成果", "经费余额", "导出台账",
                 "审批", "命名")
