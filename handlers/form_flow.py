"""The form flow: routes a message to the walker of whichever form (host) the user is filling."""
from bot.forms.position import check_host_keys
from bot.forms.walker import Walker


class FormFlow:
    """The ``form`` flow of the router and the forms it knows by their host's name."""

    def __init__(self):
        self.hosts = {}

    def add_host(self, host):
        if host.name in self.hosts:
            raise ValueError(f"form host {host.name!r} registered twice")
        self.hosts[host.name] = host

    def register(self, router):
        router.add_flow("form", self.run)

    def run(self, turn):
        position = turn.state.get("form")
        host = self.hosts.get((position or {}).get("host"))
        if host is None:
            turn.state.pop("flow", None)
            turn.state.pop("form", None)
            return False
        position = dict(position)
        walker = Walker(host, turn, position)
        handled = walker.on_message()
        if turn.state.get("flow") == "form":
            turn.state["form"] = position      # reassign: in-place JSON edits are invisible to SQLAlchemy
        return handled


def begin(turn, host, state, header):
    """Enter a form with the host's own ``state`` (ref, year …): store its position in the
    conversation state and ask the first question. The walker is returned; what a host does with
    it afterwards in this turn changes the stored position."""
    check_host_keys(state)
    position = dict(state, host=host.name, cursor=None)
    turn.state["flow"] = "form"
    walker = Walker(host, turn, position)
    walker.start(header)
    turn.state["form"] = position
    return walker
