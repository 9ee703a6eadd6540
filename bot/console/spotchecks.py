"""(to be built) The console's spotchecks views."""


def register(bp, bot):
    pass
