"""The Flask app: ``create_app()`` wires configuration, storage, channels and the router; the health
check and the signed download route live here, the channels bring their own blueprints."""
from flask import Flask, abort, jsonify, redirect, request, send_file
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from bot import files, links, outages, webhook
from bot.console import blueprint as console
from bot.config import Config
from bot.core import Bot, configure_logging
from bot.http_errors import HTTP_ERRORS


def create_app(config=None, bot=None):
    """Flask factory: wires configuration, storage, channels and the router."""

    config = config or Config.from_env()
    configure_logging(config.log_level)
    bot = bot or Bot(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.config["SECRET_KEY"] = config.secret_key
    app.extensions["bot"] = bot
    app.register_blueprint(webhook.blueprint(bot))
    for channel in bot.channels.values():
        blueprint = channel.blueprint()
        if blueprint is not None:
            app.register_blueprint(blueprint)
    console.install(app, bot)

    @app.before_request
    def refuse_oversize():
        """Refuse a too-large body before any parsing or signature work."""
        limit = config.max_body_bytes
        if config.try_enabled and request.path == "/try/api/messages":
            # a try-out message may carry a file in base64 (BOT_TRY_UPLOAD_BYTES)
            limit += config.try_upload_bytes * 4 // 3 + 1024
            request.max_content_length = limit
        elif request.path.startswith("/console/") and request.mimetype == "multipart/form-data":
            # a console form with photos or an import file (BOT_CONSOLE_UPLOAD_BYTES)
            limit = config.console_upload_bytes
            request.max_content_length = limit
        length = request.content_length
        if length is not None and length > limit:
            abort(413)

    @app.get("/healthz")
    def healthz():
        """200 while the database answers; a messenger outage longer than BOT_OUTAGE_MINUTES makes
        it "degraded" and is listed under ``channels`` (this process still serves)."""
        try:
            with bot.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            with bot.db.session() as session:
                down = outages.current(session, config, bot.clock.wall_utcnow())
        except Exception as exc:  # the point of a health check is to report this, not raise it
            app.logger.error("health check: database unreachable: %s", exc)
            return jsonify(status="error", database="unreachable"), 503
        if down:
            return jsonify(status="degraded", database="ok", channels=down)
        return jsonify(status="ok", database="ok")

    @app.get("/")
    def index():
        if config.try_enabled:
            return redirect("/try")
        return jsonify(service="studio assistant", health="/healthz")

    @app.get("/files/<token>")
    def download(token):
        try:        # the signature and expiry first, before any lookup: 403 / 410 with a Chinese message
            links.check(bot.config, bot.clock, token, request.args)
        except links.LinkRefused as refused:
            return jsonify(error=refused.message), refused.status
        try:        # a deleted file (a removed proof) answers 410, as an expired link does
            stored = files.lookup(bot, token)
        except links.LinkRefused as refused:
            return jsonify(error=refused.message), refused.status
        if stored is None:
            abort(404)
        return send_file(stored.path, download_name=stored.name, as_attachment=True,
                         mimetype=stored.content_type)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return jsonify(error=HTTP_ERRORS.get(exc.code, exc.name)), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error")
        return jsonify(error=HTTP_ERRORS[500]), 500

    return app
