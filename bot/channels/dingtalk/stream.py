"""DingTalk Stream mode: robot messages over the SDK's WebSocket gateway, for servers without a public URL.

``run_stream(bot)`` blocks: it opens a gateway connection (``POST /v1.0/gateway/connections/open``,
then a WebSocket), answers SYSTEM pings, parses every robot CALLBACK frame with the same
``parse_robot_message`` HTTP mode uses and runs its turn (``Bot.handle``: inbox guard → turn;
replies go through the outbox and the worker). The ack (``{"response": "OK"}``) is sent after the
turn committed. ``connections/open`` goes through the messenger transport (bot/channels/http.py),
as every other call to DingTalk does.

The SDK's own loop (``DingTalkStreamClient.start``) reconnects with fixed sleeps, cannot be stopped
and notices a dead link only through the library's ping timeout; this module keeps the SDK's
credential, frame and handler classes but runs its own loop: reconnect with exponential backoff
(``BACKOFF_MIN`` → ``BACKOFF_MAX`` seconds, reset after a connection that received frames), and a
watchdog that drops a connection on which nothing (no frame, no pong) arrived for
``watchdog_seconds``. See shared/protocols/dingtalk.md §2.

The SDK reads ``DINGTALK_OPENAPI_ENDPOINT`` when it is first imported, so it is imported lazily,
after the variable is set from ``DINGTALK_API_BASE``.
"""
import asyncio
import json
import logging
import os
import threading
import time
from urllib.parse import quote_plus

from bot.channels.dingtalk.channel import UnknownSender, parse_robot_message
from bot.errors import ChannelError, ConfigError, Refused

log = logging.getLogger("bot.channels.dingtalk.channel.stream")

BACKOFF_MIN = 1.0           # seconds before reconnecting after a good connection ended
BACKOFF_MAX = 60.0
POLL = 0.2                  # how often the loop looks at the stop flag and the watchdog
OPEN_TIMEOUT = (5, 15)      # connections/open (connect, read)

_running = set()            # runners of this process, for stop()
_running_lock = threading.Lock()


class GatewayRefused(Exception):
    """connections/open failed; ``fatal`` when the credentials were refused (HTTP 401/403)."""

    def __init__(self, message, fatal=False):
        super().__init__(message)
        self.fatal = fatal


def run_stream(bot, *, watchdog_seconds=120, stop_event=None):
    """Receive robot messages over Stream mode until ``stop_event`` is set (or ``stop()``/Ctrl-C)."""
    runner = StreamRunner(bot, watchdog_seconds=watchdog_seconds, stop_event=stop_event)
    with _running_lock:
        _running.add(runner)
    try:
        runner.run()
    finally:
        with _running_lock:
            _running.discard(runner)


def stop():
    """Stop every ``run_stream`` of this process (they return within about ``POLL`` seconds)."""
    with _running_lock:
        runners = list(_running)
    for runner in runners:
        runner.stop()


def import_sdk(api_base):
    """Import dingtalk_stream with its endpoint pointed at ``api_base`` (read at import time)."""
    os.environ["DINGTALK_OPENAPI_ENDPOINT"] = api_base.rstrip("/")
    import dingtalk_stream
    return dingtalk_stream


class StreamRunner:
    """One Stream-mode receiver: the connection loop, the watchdog and the robot handler."""

    def __init__(self, bot, *, watchdog_seconds=120, stop_event=None):
        self.bot = bot
        self.config = bot.config
        self.channel = bot.channels.get("dingtalk")
        if self.channel is None or not self.config.dingtalk_app_secret:
            raise ConfigError("Stream 模式需要 DINGTALK_APP_KEY 和 DINGTALK_APP_SECRET")
        self.watchdog_seconds = float(watchdog_seconds)
        self.stop_event = stop_event or threading.Event()
        self.connections = 0        # WebSocket connections opened so far
        self._tasks = set()

    def stop(self):
        self.stop_event.set()

    @property
    def stopped(self):
        return self.stop_event.is_set()

    def run(self):
        sdk = import_sdk(self.config.dingtalk_api_base)
        client = sdk.DingTalkStreamClient(sdk.Credential(self.config.dingtalk_app_key,
                                                         self.config.dingtalk_app_secret),
                                          logger=logging.getLogger("dingtalk_stream.client"))
        client.register_callback_handler(sdk.ChatbotMessage.TOPIC, _robot_handler(sdk, self.bot.handle))
        client.pre_start()
        try:
            asyncio.run(self._loop(sdk, client))
        except KeyboardInterrupt:
            pass
        log.info("DingTalk Stream mode stopped")

    # -- the connection loop ------------------------------------------------------------------
    async def _loop(self, sdk, client):
        delay = BACKOFF_MIN
        while not self.stopped:
            healthy = False
            try:
                healthy = await self._connect_once(sdk, client)
            except GatewayRefused as exc:
                log.error("DingTalk Stream connection refused: %s", exc)
                if exc.fatal:
                    delay = BACKOFF_MAX
            except Exception as exc:     # any network or protocol failure: reconnect later
                log.warning("DingTalk Stream connection failed: %s: %s", exc.__class__.__name__, exc)
            if self.stopped:
                break
            if healthy:
                delay = BACKOFF_MIN
            log.info("DingTalk Stream reconnecting in %.1f s", delay)
            await self._sleep(delay)
            if not healthy:
                delay = min(delay * 2, BACKOFF_MAX)
        if self._tasks:     # let turns in flight finish and ack (or fail to) before returning
            await asyncio.wait(list(self._tasks), timeout=10)

    async def _sleep(self, seconds):
        deadline = time.monotonic() + seconds
        while not self.stopped and time.monotonic() < deadline:
            await asyncio.sleep(min(POLL, max(0.0, deadline - time.monotonic())))

    async def _connect_once(self, sdk, client):
        """One connection until it closes, the watchdog fires or we stop; True if frames arrived."""
        import websockets
        from websockets.exceptions import ConnectionClosed

        ticket = await asyncio.to_thread(self._open_connection, client)
        uri = f"{ticket['endpoint']}?ticket={quote_plus(ticket['ticket'])}"
        got_frames = False
        async with websockets.connect(uri, ping_interval=None, close_timeout=2, open_timeout=10,
                                      max_size=2 ** 22) as ws:
            self.connections += 1
            client.websocket = ws
            log.info("DingTalk Stream connected (connection %d)", self.connections)
            alive = [time.monotonic()]
            keepalive = asyncio.create_task(self._keepalive(ws, alive))
            try:
                while not self.stopped:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=POLL)
                    except TimeoutError:
                        if time.monotonic() - alive[0] > self.watchdog_seconds:
                            log.warning("DingTalk Stream: nothing received for %.0f s, reconnecting",
                                        self.watchdog_seconds)
                            break
                        continue
                    except ConnectionClosed as exc:
                        log.info("DingTalk Stream connection closed: %s", exc)
                        break
                    alive[0] = time.monotonic()
                    got_frames = True
                    try:
                        frame = json.loads(raw)
                    except (ValueError, RecursionError):
                        log.warning("DingTalk Stream: a frame that is not JSON was ignored")
                        continue
                    task = asyncio.create_task(self._dispatch(sdk, client, ws, frame))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            finally:
                keepalive.cancel()
        return got_frames

    def _open_connection(self, client):
        """connections/open as the SDK sends it, with a timeout and the configured API host."""
        topics = [{"type": "CALLBACK", "topic": t} for t in client.callback_handler_map]
        from dingtalk_stream.version import VERSION_STRING
        body = {"clientId": client.credential.client_id, "clientSecret": client.credential.client_secret,
                "subscriptions": topics, "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-union", "localIp": ""}
        url = f"{self.config.dingtalk_api_base.rstrip('/')}/v1.0/gateway/connections/open"
        try:
            response = self.channel.api.transport.request("POST", url, json=body, timeout=OPEN_TIMEOUT,
                                                          headers={"Accept": "application/json"})
        except ChannelError as exc:
            raise GatewayRefused(f"connections/open: {exc.message}") from exc
        if response.status_code in (401, 403):
            raise GatewayRefused("钉钉 Stream 鉴权失败，请检查 DINGTALK_APP_KEY / DINGTALK_APP_SECRET "
                                 f"（HTTP {response.status_code}）", fatal=True)
        try:
            data = response.json()
        except (ValueError, RecursionError):
            data = None
        if response.status_code != 200 or not isinstance(data, dict) or not data.get("endpoint") \
                or not data.get("ticket"):
            raise GatewayRefused(f"connections/open answered HTTP {response.status_code}")
        return data

    async def _keepalive(self, ws, alive):
        """WebSocket pings; a pong counts as life for the watchdog (a silent gateway sends none).

        A ping whose pong never comes is given up after one interval and a new one is sent, so
        a single lost pong cannot stop the keepalive (a later pong also settles earlier pings).
        """
        interval = max(0.05, min(30.0, self.watchdog_seconds / 4))
        while True:
            await asyncio.sleep(interval)
            try:
                pong = await ws.ping()
            except Exception:       # the connection is gone; the read loop notices it
                return
            try:
                await asyncio.wait_for(pong, timeout=interval)
            except TimeoutError:    # no pong yet: ping again; the read loop's watchdog decides
                continue
            except Exception:
                return
            alive[0] = time.monotonic()

    async def _dispatch(self, sdk, client, ws, frame):
        """Route one frame as the SDK does, but ack on the connection it came from."""
        try:
            kind = frame.get("type")
            ack, disconnect = None, False
            if kind == sdk.SystemMessage.TYPE:
                message = sdk.SystemMessage.from_dict(frame)
                ack = await client.system_handler.raw_process(message)
                disconnect = message.headers.topic == sdk.SystemMessage.TOPIC_DISCONNECT
                if disconnect:
                    log.info("DingTalk Stream: the gateway asked to reconnect (%s)", message.data)
            elif kind == sdk.CallbackMessage.TYPE:
                message = sdk.CallbackMessage.from_dict(frame)
                handler = client.callback_handler_map.get(message.headers.topic)
                if handler is None:
                    log.warning("DingTalk Stream: no handler for topic %s", message.headers.topic)
                    ack = sdk.AckMessage()
                    ack.code, ack.message = sdk.AckMessage.STATUS_NOT_IMPLEMENT, "not implement"
                    ack.headers.message_id = message.headers.message_id
                    ack.headers.content_type = "application/json"
                else:
                    ack = await handler.raw_process(message)
            else:
                log.warning("DingTalk Stream: ignored a %s frame", kind)
            if ack is not None:
                await ws.send(json.dumps(ack.to_dict()))
            if disconnect:
                await ws.close()
        except Exception:
            log.exception("DingTalk Stream: a frame could not be handled")


def _robot_handler(sdk, handle):
    """A ChatbotHandler that hands each robot message to ``handle`` (the Bot's turn, in a thread) and acks it."""

    class RobotHandler(sdk.ChatbotHandler):
        async def process(self, callback):
            data = callback.data if isinstance(callback.data, dict) else {}
            try:
                await asyncio.to_thread(handle, parse_robot_message(data))
            except UnknownSender:
                log.info("ignored a DingTalk Stream message without senderStaffId")
            except Refused as refused:      # acknowledged: sending it again would be refused again
                log.warning("refused a DingTalk Stream message: %s", refused.reason or refused.message)
            except Exception:
                log.exception("DingTalk Stream: a robot message failed")
                return sdk.AckMessage.STATUS_SYSTEM_EXCEPTION, "error"
            return sdk.AckMessage.STATUS_OK, "OK"

    return RobotHandler()
