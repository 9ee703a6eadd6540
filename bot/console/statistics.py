"""(to be built) The console's statistics views."""


def register(bp, bot):
    pass
