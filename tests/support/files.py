"""Files the messenger delivered, in tests."""
import uuid
from bot import files
from bot.message import Attachment as Incoming_Attachment, Incoming


def send_file(bot, user="leader", name="proof.jpg", text="", data=b"\xff\xd8 proof"):
    """A photo the messenger delivered (its bytes already stored, as the media task leaves them)."""
    with bot.db.transaction() as s:
        token = files.save(bot, s, name, data).token
    replies = bot.handle(Incoming(channel="web", user=user, kind="image", text=text, message_id=uuid.uuid4().hex,
                                  attachments=[Incoming_Attachment(kind="image", ref=token, name=name)]))
    return "\n".join(r.text for r in replies)
