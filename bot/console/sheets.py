"""(to be built) The console's sheets views."""


def register(bp, bot):
    pass
