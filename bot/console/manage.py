"""(to be built) The console's manage views."""


def register(bp, bot):
    pass
