"""(to be built) The console's publicity views."""


def register(bp, bot):
    pass
