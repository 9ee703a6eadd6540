"""The console's 总览 (to be built out): the current year at a glance."""
from bot.console import access
from bot.console.render import render
from handlers.policy import Do


def register(bp, bot):

    @bp.get("/")
    @access.page(Do.CONSOLE)
    def board():
        return render("console/board.html")
