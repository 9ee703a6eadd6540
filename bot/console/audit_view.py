"""(to be built) The console's audit_view views."""


def register(bp, bot):
    pass
