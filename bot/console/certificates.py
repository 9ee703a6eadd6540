"""(to be built) The console's certificates views."""


def register(bp, bot):
    pass
