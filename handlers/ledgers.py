"""Studio ledgers (台账) in chat — being written."""


def register(router):
    pass
