"""The export users: leaders with a whole application who press 导出 / 查看申报表 / 提交 in a loop.

They talk to the web process through the try-out API (``POST /try/api/messages``), so their
replies come back in the response and the documents the worker renders reach them through the
outbox (``GET /try/api/inbox``), as on the /try page. Each loop changes one answer first, so the
application has a new version and 导出 really needs a render (an unchanged version is answered at
once from the kept file, which would measure nothing):

    申报 → 成员总数：N → 导出 (正在生成…) → 查看申报表 (the button, review:doc:<app>) → 提交 → 确认提交 → 撤回

A user pauses BENCH_EXPORT_PAUSE (0.5 s) after each press and then reads the pushed messages, as
the /try page polls its inbox; a document's time is from the 「正在生成」 to the poll that finds it.
Every request's acknowledgement is timed (while the load runs); a reply without what it should say,
or a document that never comes, is an error.
"""
import http.client
import json
import os
import threading
import time
import uuid

PAUSE = float(os.environ.get("BENCH_EXPORT_PAUSE", "0.5"))     # between one press and the next
POLL_SECONDS = 0.2
DOCUMENT_TIMEOUT = 120.0


def prepare(bot, count, unit_name, year, today):
    """``count`` leaders bound on the try-out channel, each with a whole, consistent application of
    ``year`` (the demo's, bot/demo.py, with 20 core members) stored through the answers' one writer,
    as the walker stores them. Returns {user: app id}."""
    from bot import demo
    from storage import applications
    from storage.actor import Actor
    from storage.people import bind, get_studio, get_unit, upsert_person
    from tests.support.documents import _members
    found = {}
    with bot.db.transaction() as s:
        unit = get_unit(s, unit_name)
        for i in range(count):
            person = upsert_person(s, f"导出领衔人{i}", unit, ["leader"])
            studio = get_studio(s, f"导出工作室{i}", unit, person)
            person.studio_id = studio.id
            bind(s, person, "web", f"export{i}")
            s.flush()
            app = applications.get_or_create(s, studio, year)
            answers = demo.whole_answers(studio, unit_name, person.name, "盾构隧道施工", year, today, i)
            answers.update({"members": _members(20), "basics.members": 24})
            actor = Actor.of_person(person, "cli", request_id="bench")
            for key, value in answers.items():
                applications.set_answer(s, app.id, key, value, actor, studio_id=studio.id)
            found[f"export{i}"] = app.id
    return found


def scalars_for(year, today):
    """tests/form_data.py's answers, their per-year labels moved to the form of ``year`` and the
    填报日期 ``today`` (it must fall within the year's cycle)."""
    from tests.form_data import SCALARS
    moved = {"填报日期": (f"{today.year}年{today.month}月{today.day}日", today.strftime("%Y%m%d"))}
    return [(label.replace("2023年", f"{year - 2}年").replace("2024年", f"{year - 1}年"),
             *moved.get(label, (typed, stored))) for label, typed, stored in SCALARS]


class ExportUsers:
    """Runs the loop for every user on its own thread until ``stop``; ``figures()`` afterwards."""

    def __init__(self, port, users):
        self.port, self.users = port, users
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.acks = {}              # step → [seconds]
        self.documents = []         # 导出 → the file in the inbox, seconds
        self.errors = []
        self.loops = 0
        self.threads = [threading.Thread(target=self._loop, args=(user, app_id, n), daemon=True)
                        for n, (user, app_id) in enumerate(sorted(users.items()))]

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(DOCUMENT_TIMEOUT + 10)

    def _request(self, conn, step, method, path, body=None):
        started = time.perf_counter()
        try:
            conn.request(method, path, body=json.dumps(body, ensure_ascii=False).encode() if body else None,
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
        except Exception as exc:        # a refused or dropped connection is one more error
            conn.close()
            self._error(f"{step}: {exc!r}")
            return None
        if not self.stopping.is_set():      # only what the users met while the load ran
            with self.lock:
                self.acks.setdefault(step, []).append(time.perf_counter() - started)
        if response.status != 200:
            self._error(f"{step}: HTTP {response.status} {data[:200]!r}")
            return None
        return json.loads(data)

    def _say(self, conn, user, step, expect, *, text="", action=""):
        body = {"user": user, "id": uuid.uuid4().hex, "text": text, "action": action}
        answer = self._request(conn, step, "POST", "/try/api/messages", body)
        if answer is None:
            return None
        said = "\n".join(r.get("text", "") for r in answer["replies"])
        if not any(e in said for e in expect):
            self._error(f"{step}: expected one of {expect}, got {said[:200]!r}")
        return said

    def _error(self, what):
        with self.lock:
            self.errors.append(what)

    def _loop(self, user, app_id, n):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self._request(conn, "inbox", "GET", f"/try/api/inbox?user={user}")     # what earlier runs left
        asked = []          # when each 导出 still waiting for its file was answered 「正在生成」
        members = 24
        steps = [("申报", ["继续填写"], {"text": "申报"}),
                 ("answer", ["✓"], None),
                 ("导出", ["正在生成", "已生成"], {"text": "导出"}),
                 ("查看申报表", ["申报表：", "正在生成"], {"action": f"review:doc:{app_id}"}),
                 ("提交", ["确认提交"], {"text": "提交"}),
                 ("确认提交", ["已提交", "已重新提交"], {"action": "form:confirm_submit"}),
                 ("撤回", ["已撤回"], {"text": "撤回"})]
        time.sleep(PAUSE * n / len(self.users))         # the users do not press in step
        while not self.stopping.is_set():
            members = 25 if members != 25 else 26      # a new version: 导出 needs a render
            counted = True
            for step, expect, message in steps:     # a loop stopped half-way is finished, uncounted,
                counted = counted and not self.stopping.is_set()    # so the next run starts at 申报
                said = self._say(conn, user, step, expect, **(message or {"text": f"成员总数：{members}"}))
                if step == "导出" and said and "正在生成" in said:
                    asked.append(time.perf_counter())
                time.sleep(PAUSE)
                self._collect(conn, user, asked)        # the page's poll for pushed messages
            if counted:
                with self.lock:
                    self.loops += 1
        deadline = time.perf_counter() + DOCUMENT_TIMEOUT
        while asked and time.perf_counter() < deadline:     # documents asked for under the load
            time.sleep(POLL_SECONDS)
            self._collect(conn, user, asked)
        if asked:
            self._error(f"导出: {len(asked)} document(s) not sent within {DOCUMENT_TIMEOUT:.0f} s")
        conn.close()

    def _collect(self, conn, user, asked):
        answer = self._request(conn, "inbox", "GET", f"/try/api/inbox?user={user}")
        for m in (answer or {}).get("messages", []):
            if m.get("file") and m.get("text", "").startswith("已生成申报审批表") and asked:
                with self.lock:
                    self.documents.append(time.perf_counter() - asked.pop(0))

    def figures(self):
        every = sorted(s for times in self.acks.values() for s in times)
        steps = {step: {"requests": len(times), "p50_ms": 1000 * pct(times, 50), "max_ms": 1000 * max(times)}
                 for step, times in sorted(self.acks.items())}
        return {"users": len(self.users), "loops": self.loops, "requests": len(every),
                "max_ack_ms": 1000 * max(every, default=0), "p99_ack_ms": 1000 * pct(every, 99),
                "documents": len(self.documents), "document_p50_s": pct(self.documents, 50),
                "document_max_s": max(self.documents, default=0), "errors": len(self.errors),
                "error_samples": self.errors[:5], "steps": steps}


def pct(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(len(values) * p / 100))]
