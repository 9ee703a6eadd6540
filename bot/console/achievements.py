"""(to be built) The console's achievements views."""


def register(bp, bot):
    pass
