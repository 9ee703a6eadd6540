"""A counting proxy on PostgreSQL's wire: statements by kind and round trips, for the bench's count run.

``CountingProxy(upstream_port).start()`` listens on a loopback port and passes every byte on to the
server. It reads what the clients send (protocol 3): an ``Execute`` (or each statement of a simple
``Query``) is one statement, classified by the text its ``Parse`` gave the prepared statement
(bench/statements.py); a **round trip** is each time a client speaks again after the server has
answered (so a pipelined batch is one). The bot under it is unchanged: only its DATABASE_URL points
at the proxy. An SSL request is refused on the server's behalf so the stream stays readable.
"""
import asyncio
import struct
import threading
from collections import Counter

from bench.statements import kind

SSL_REQUEST, GSS_REQUEST = 80877103, 80877104


class CountingProxy:
    def __init__(self, upstream_port, upstream_host="127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.lock = threading.Lock()
        self.statements = Counter()
        self.round_trips = 0
        self.connections = 0
        self.port = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pgwire", daemon=True)

    def start(self):
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self):
        """Close every connection and the listener, then the loop."""
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def snapshot(self):
        """{"statements": Counter, "round_trips": n, "connections": n} so far."""
        with self.lock:
            return {"statements": Counter(self.statements), "round_trips": self.round_trips,
                    "connections": self.connections}

    def _serve(self):
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _shutdown(self):
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _client(self, reader, writer):
        try:
            startup = await _startup(reader, writer)
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            return
        with self.lock:
            self.connections += 1
        conn = _Connection(self)
        up_writer.write(startup)
        conn.spoke = True
        await asyncio.gather(self._pipe(reader, up_writer, conn.client_data),
                             self._pipe(up_reader, writer, conn.server_data), return_exceptions=True)

    @staticmethod
    async def _pipe(reader, writer, seen):
        try:
            while data := await reader.read(65536):
                seen(data)
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


async def _startup(reader, writer):
    """The client's startup packet, after refusing any SSL or GSS encryption request."""
    while True:
        length = struct.unpack("!I", await reader.readexactly(4))[0]
        body = await reader.readexactly(length - 4)
        if struct.unpack("!I", body[:4])[0] in (SSL_REQUEST, GSS_REQUEST):
            writer.write(b"N")
            await writer.drain()
            continue
        return struct.pack("!I", length) + body


class _Connection:
    """One client connection: parses its messages; the server's side only marks that it spoke."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.buffer = b""
        self.spoke = False          # the client spoke last (no answer since)
        self.prepared = {}          # statement name → text
        self.portals = {}           # portal name → text

    def server_data(self, _data):
        self.spoke = False

    def client_data(self, data):
        counted = Counter()
        trips = 0 if self.spoke else 1
        self.spoke = True
        self.buffer += data
        while len(self.buffer) >= 5:
            length = struct.unpack("!I", self.buffer[1:5])[0]
            if len(self.buffer) < 1 + length:
                break
            tag, body = self.buffer[:1], self.buffer[5:1 + length]
            self.buffer = self.buffer[1 + length:]
            strings = body.split(b"\0")
            if tag == b"Q":
                counted.update(kind(s.strip()) for s in strings[0].decode(errors="replace").split(";") if s.strip())
            elif tag == b"P":
                self.prepared[strings[0]] = strings[1].decode(errors="replace")
            elif tag == b"B":
                self.portals[strings[0]] = self.prepared.get(strings[1], "")
            elif tag == b"E":
                counted[kind(self.portals.get(strings[0], ""))] += 1
        with self.proxy.lock:
            self.proxy.statements.update(counted)
            self.proxy.round_trips += trips
