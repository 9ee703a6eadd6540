"""(to be built) The console's applications views."""


def register(bp, bot):
    pass
