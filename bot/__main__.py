"""`python -m bot ...`: the command line (see bot/cli/__init__.py)."""
from bot.cli import cli

cli(prog_name="python -m bot")
