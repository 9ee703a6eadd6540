"""The form flow: routes a message to the walker of whichever form (host) the user is filling."""
from bot.forms.walker import Walker

HOSTS = {}


def add_host(host):
    if host.name in HOSTS:
        raise ValueError(f"form host {host.name!r} registered twice")
    HOSTS[host.name] = host
    return host


def register(router):
    router.add_flow("form", run)


def run(turn):
    fstate = turn.state.get("form")
    host = HOSTS.get((fstate or {}).get("host"))
    if host is None:
        turn.state.pop("flow", None)
        turn.state.pop("form", None)
        return False
    fstate = dict(fstate)
    walker = Walker(host, turn, fstate)
    handled = walker.handle()
    if turn.state.get("flow") == "form":
        turn.state["form"] = fstate      # reassign: in-place JSON edits are invisible to SQLAlchemy
    return handled


def begin(turn, host, fstate, header):
    """Enter a form: store its position in the conversation state and ask the first question."""
    fstate = dict(fstate, host=host.name)
    fstate.setdefault("cursor", None)
    turn.state["flow"] = "form"
    walker = Walker(host, turn, fstate)
    walker.start(header)
    turn.state["form"] = fstate
    return walker
