"""(to be built) The console's ledgers views."""


def register(bp, bot):
    pass
