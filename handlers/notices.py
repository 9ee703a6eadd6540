"""Being written."""


def register(router):
    pass
