"""Files the bot makes or receives: stored under BOT_FILES_DIR, served by unguessable tokens."""
import mimetypes
import secrets
from pathlib import Path

from sqlalchemy import select

from bot import clock
from bot.markup import safe_filename
from storage import planning
from storage.models import StoredFile


def save(bot, session, name, data: bytes, *, owner_person_id=None, content_type=None):
    """Store bytes as a file; returns the StoredFile (its ``token`` makes the download link)."""
    planning.spoil("a file")            # a planned turn could be planned again: no file twice
    name = safe_filename(name)          # users name received files: it ends up in headers and uploads
    token = secrets.token_urlsafe(24)
    folder = Path(bot.config.files_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{token}{Path(name).suffix}"
    path.write_bytes(data)
    stored = StoredFile(token=token, name=name, path=str(path),
                        content_type=content_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
                        owner_person_id=owner_person_id, created_at=clock.utcnow())
    session.add(stored)
    session.flush()
    return stored


def url_for(bot, stored):
    return f"{bot.config.public_url.rstrip('/')}/files/{stored.token}"


def as_outgoing_file(bot, stored):
    return {"name": stored.name, "url": url_for(bot, stored), "token": stored.token, "path": stored.path}


def lookup(bot, token):
    with bot.db.session() as session:
        stored = session.scalar(select(StoredFile).where(StoredFile.token == token))
        if stored is None or not Path(stored.path).is_file():
            return None
        return stored


def lookup_in(session, token):
    """The StoredFile with ``token`` inside the caller's transaction (None if unknown)."""
    return session.scalar(select(StoredFile).where(StoredFile.token == token))
