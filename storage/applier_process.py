"""Starting and stopping the applier process (``storage.applier``) for the web process."""
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time

from storage.db import Database

log = logging.getLogger("storage.applier")


class Running:
    def __init__(self, process, directory):
        self.process, self.directory = process, directory


def start(config):
    """Start an applier when the database is a SQLite file and turns are grouped; its socket path
    goes to the workers in BOT_APPLIER_SOCKET. None when there is nothing to start."""
    if not config.sqlite_applier or config.turn_batch <= 1:
        return None
    db = Database(config.database_url)
    try:
        if not db.is_sqlite or not db.sqlite_path:
            return None
        db_path, lock_path = db.sqlite_path, db.lock_path
    finally:
        db.dispose()
    directory = tempfile.mkdtemp(prefix="studio-applier-")      # 0700: only this user connects
    socket_path = os.path.join(directory, "applier.sock")
    env = dict(os.environ, BOT_APPLIER_PARENT=str(os.getpid()))
    process = subprocess.Popen([sys.executable, "-m", "storage.applier", db_path, socket_path, lock_path or ""],
                               env=env)
    deadline = time.monotonic() + 10
    while not os.path.exists(socket_path):
        if process.poll() is not None or time.monotonic() > deadline:
            log.warning("the applier did not start; web workers apply their turns themselves")
            stop(Running(process, directory))
            return None
        time.sleep(0.02)
    os.environ["BOT_APPLIER_SOCKET"] = socket_path
    log.info("applier started (pid %d)", process.pid)
    return Running(process, directory)


def stop(running):
    if running is None:
        return
    os.environ.pop("BOT_APPLIER_SOCKET", None)
    if running.process.poll() is None:
        running.process.terminate()
        try:
            running.process.wait(10)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.process.wait()
    shutil.rmtree(running.directory, ignore_errors=True)
