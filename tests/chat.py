"""A transcript driver: send lines as a user, read what the assistant said, press its buttons."""
import uuid

from bot.message import Incoming


def incoming(text, user="leader", channel="web"):
    """One text message with a fresh message id, as a messenger would deliver it."""
    return Incoming(channel=channel, user=user, text=text, message_id=uuid.uuid4().hex)


class Chat:
    def __init__(self, bot, user, channel="web"):
        self.bot, self.user, self.channel = bot, user, channel
        self.last = []          # list[Outgoing] of the last turn
        self.pushed = []        # payload dicts pushed to this user, read by the last inbox()

    def send(self, text):
        """Send a line; returns everything the assistant answered, as one string."""
        return self._turn(Incoming(channel=self.channel, user=self.user, text=text,
                                   message_id=uuid.uuid4().hex))

    def press(self, label):
        """Press the button labelled ``label`` (or starting with it) in the last replies."""
        for reply in reversed(self.last):
            for button in reply.buttons:
                if button.label == label or button.label.startswith(label):
                    return self._turn(Incoming(channel=self.channel, user=self.user,
                                               action=button.action, kind="action",
                                               message_id=uuid.uuid4().hex))
        raise AssertionError(f"no button {label!r} in: {self.buttons()}")

    def action(self, payload):
        return self._turn(Incoming(channel=self.channel, user=self.user, action=payload,
                                   kind="action", message_id=uuid.uuid4().hex))

    def buttons(self):
        return [b.label for r in self.last for b in r.buttons]

    def files(self):
        return [r.file for r in self.last if r.file]

    def inbox(self):
        """Run the worker's tasks, deliver the outbox and return the texts pushed to this user since
        the last call (the pushed messages themselves, files included, are in ``self.pushed``)."""
        self.pushed = self.worker_round()
        return [m["text"] for m in self.pushed]

    def worker_round(self):
        from bot.delivery import Delivery
        from bot.tasks import TaskRunner
        TaskRunner(self.bot).run_all()
        Delivery(self.bot).drain()
        return self.bot.channels["web"].take_inbox(self.user)

    def pushed_files(self):
        """Run the worker's round and return the files pushed to this user (e.g. a document asked for)."""
        self.pushed = self.worker_round()
        return [m["file"] for m in self.pushed if m.get("file")]

    def _turn(self, incoming):
        replies = self.bot.handle(incoming)
        self.last = replies or []
        return "\n".join(r.text for r in self.last)
