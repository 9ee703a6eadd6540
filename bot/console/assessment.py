"""(to be built) The console's assessment views."""


def register(bp, bot):
    pass
