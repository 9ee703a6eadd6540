"""The store a channel is given at construction: its database state (storage/channel_state.py) plus
the files users send (bot/received.py, bot/files.py). A channel reaches the database only here."""
from bot import files, received
from storage.channel_state import ChannelState
from storage.models import ROLES
from storage.web_messages import identities


class ChannelStore(ChannelState):
    """``ChannelState`` for ``name`` on the Bot's database, with file reservations and uploads."""

    def __init__(self, bot, name):
        super().__init__(bot.db, name)
        self.bot = bot

    # -- files users send by reference (a WeCom media_id, a DingTalk downloadCode) ---------------
    def reserve_download(self, session, incoming, name, task_kind, payload):
        """In the turn: a file reserved for what the sender sent, its download queued as
        ``task_kind``; returns (token, safe name)."""
        stored = received.reserve_download(session, incoming, name, task_kind, payload)
        return stored.token, stored.name

    def fill_reserved(self, token, data, *, name=None, content_type=None):
        """The worker's download: a ``finish(session)`` the task commits."""
        return received.fill_reserved(self.bot, token, data, name=name, content_type=content_type)

    def tell_not_received(self, session, payload, what="文件"):
        """The download was given up: the sender hears it, once."""
        received.tell_not_received(session, self.name, payload, what)

    # -- files uploaded with a message (the try-out page) ----------------------------------------
    def save_upload(self, session, incoming, name, data):
        """In the turn: the uploaded bytes stored, owned by the sender; returns (token, safe name)."""
        stored = files.save(self.bot, session, name, data, owner_person_id=received.owner_of(session, incoming))
        return stored.token, stored.name

    def identities(self):
        """The try-out identities: id, name, roles (Chinese) and unit of each account on this channel."""
        with self.db.session() as session:
            return [{"id": ext, "name": person.name, "roles": [ROLES[r] for r in sorted(person.role_names)],
                     "unit": person.unit.name if person.unit else ""}
                    for ext, person in identities(session, self.name)]
