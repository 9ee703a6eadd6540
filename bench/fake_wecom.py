"""WeCom's API for the bench: tests/fakes/wecom.py's fake in a process of its own.

`python -m bench.fake_wecom CORP_ID SECRET AGENT_ID` prints its base URL on the first line and
serves until SIGTERM, so the worker's deliveries succeed as against the real API (rate limits
included: over 30 messages a minute to one member, the fake drops them, as WeCom does; the
assistant's own limiter keeps under that) instead of failing against a closed port.
"""
import signal
import sys
import threading

from tests.fakes.wecom import FakeWeCom


def main(corp_id, secret, agent_id):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeWeCom(corp_id=corp_id, secret=secret, agent_id=int(agent_id)) as fake:
        fake.delivered, fake.sent, fake.records = _Counter(), _Counter(), _Counter()     # a long run: count, don't keep every message
        print(fake.base_url, flush=True)
        stop.wait()


class _Counter(list):
    """A list that only counts what is appended."""
    count_appended = 0

    def append(self, item):
        self.count_appended += 1


if __name__ == "__main__":
    main(*sys.argv[1:4])
