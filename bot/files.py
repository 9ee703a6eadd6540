"""Files the bot makes or receives: stored under BOT_FILES_DIR, served by signed, expiring links,
and forgotten when deleted (a deleted proof): its links answer 410 and the worker removes its bytes."""
import mimetypes
import secrets
from pathlib import Path

from sqlalchemy import func, select

from bot import links
from storage import clock, tasks as task_rows
from bot.markup import safe_filename
from storage.models import Attachment, StoredFile

PURGE_TASK = "files.purge"


def save(bot, session, name, data: bytes, *, owner_person_id=None, content_type=None, cache_key=None):
    """Store bytes as a file; returns the StoredFile (its ``token`` makes the download link).

    ``cache_key`` names what a rendered document was made from, so it is found again instead of
    being rendered twice (``by_cache_key``)."""
    stored = reserve(session, name, owner_person_id=owner_person_id, content_type=content_type)
    stored.cache_key = cache_key
    fill(bot, stored, data)
    session.flush()
    return stored


def reserve(session, name, *, owner_person_id=None, content_type=None):
    """A file whose bytes come later (media still to be downloaded): it has a token, no path yet."""
    name = safe_filename(name)          # users name received files: it ends up in headers and uploads
    stored = StoredFile(token=secrets.token_urlsafe(24), name=name, path="",
                        content_type=content_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
                        owner_person_id=owner_person_id, created_at=clock.of(session).utcnow())
    session.add(stored)
    session.flush()
    return stored


def fill(bot, stored, data: bytes, *, name=None, content_type=None):
    """Write a reserved file's bytes (the caller's transaction records the path)."""
    if name:
        stored.name = safe_filename(name)
    if content_type:
        stored.content_type = content_type
    folder = Path(bot.config.files_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stored.token}{Path(stored.name).suffix}"
    path.write_bytes(data)
    stored.path = str(path)


def by_cache_key(session, key):
    """The stored file rendered from ``key``, when it is still on disk."""
    stored = session.scalar(select(StoredFile).where(StoredFile.cache_key == key))
    return stored if stored is not None and stored.path and Path(stored.path).is_file() else None


def url_for(bot, stored):
    """The signed download link (bot/links.py) of a stored file."""
    return f"{bot.config.public_url.rstrip('/')}{links.signed_path(bot.config, bot.clock, stored.token)}"


def as_outgoing_file(bot, stored):
    return {"name": stored.name, "url": url_for(bot, stored), "token": stored.token, "path": stored.path}


def lookup(bot, token):
    """The StoredFile a (checked, bot/links.py) download link names, or None when unknown or not on
    disk; raises ``links.LinkRefused`` (410) for a file that was deleted."""
    with bot.db.session() as session:
        stored = session.scalar(select(StoredFile).where(StoredFile.token == token))
        if stored is not None and stored.deleted_at is not None:
            raise links.LinkRefused(410, "该文件已被删除，无法下载")
        if stored is None or not stored.path or not Path(stored.path).is_file():
            return None
        session.expunge(stored)
        stored.name = safe_filename(stored.name)     # names stored before they were made safe
        return stored


def lookup_in(session, token):
    """The StoredFile with ``token`` inside the caller's transaction (None if unknown)."""
    return session.scalar(select(StoredFile).where(StoredFile.token == token))


def forget(session, stored):
    """In the caller's transaction: a file nothing refers to any more (a deleted or replaced proof)
    is never served again (its links answer 410 from the commit on) and its bytes are removed from
    disk by the worker, after the commit (a task). A file another attachment still uses is kept.
    Returns True when the file was forgotten."""
    session.flush()
    used = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.file_id == stored.id))
    if used:
        return False
    stored.deleted_at = clock.of(session).utcnow()
    stored.cache_key = None
    task_rows.add(session, PURGE_TASK, {"token": stored.token}, dedupe_key=f"{PURGE_TASK}:{stored.token}")
    return True


def purge_task(bot, payload):
    """The worker's removal of a forgotten file's bytes (the row stays, for the audit)."""
    def finish(session):
        stored = lookup_in(session, payload["token"])
        if stored is None or stored.deleted_at is None:
            return
        if stored.path:
            Path(stored.path).unlink(missing_ok=True)
        stored.path = ""
    return finish
