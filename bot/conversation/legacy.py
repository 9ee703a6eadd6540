"""Conversation states saved before the flow stack, read as a stack: one converter per old shape.

Before the stack a state held one active ``flow`` and a slot per task: ``form`` (a form's position),
``ledger`` (an entry waiting for 确认, a kind being chosen, a deletion to confirm, the entry just
saved), ``ledger_waiting`` (entries parked behind it), ``review`` (a reviewer's pending opinion),
``seven_pending`` / ``seven_resume`` (a 制度 / 设备 / 场所 list answered next, and the flow it
interrupted), ``seven_file`` / ``proof`` (where the next file goes) and ``proof_waiting`` (files
waiting for their label). ``convert`` turns such a state into ``{"stack": [...]}`` with the task
that was active on top and nothing dropped; a state that has a stack already is left alone. No
schema migration is needed: the state is JSON and is converted when it is next loaded.
"""
import uuid
from datetime import datetime, timedelta

OLD_KEYS = ("flow", "form", "ledger", "ledger_waiting", "review", "seven_pending", "seven_resume", "seven_file",
            "proof", "proof_waiting")


def is_old(state):
    return "stack" not in state and any(k in state for k in OLD_KEYS)


def _stamp(moment):
    return moment.replace(microsecond=0).isoformat()


def _frame(flow, key, data, now, seen=None):
    return {"flow": flow, "key": key, "data": data, "since": _stamp(now), "seen": _stamp(seen or now)}


def _from_epoch(value, now):
    try:
        return datetime.utcfromtimestamp(float(value))
    except (TypeError, ValueError, OverflowError, OSError):
        return now


_CONFIRMS = {"confirm_submit": [["确认提交", "form:confirm_submit"]], "confirm_cancel": [["确认退出", "form:confirm_cancel"]]}


def _form(position, now):
    host = position.get("host")
    pending = position.get("pending") if isinstance(position.get("pending"), dict) else {}
    if host == "application":
        frame = _frame("form", f"application:{position.get('ref')}", dict(position), now)
        if pending.get("confirm") in _CONFIRMS:        # a 确认 typed next does what that button did
            frame["buttons"] = _CONFIRMS[pending["confirm"]]
        return frame
    data = dict(position)
    if not data.get("ref"):
        data.setdefault("new", "legacy")
    return _frame("form", f"{host}:{data.get('ledger')}:{data.get('ref') or data['new']}", data, now)


def _pending(entry, now):
    data = {"ledger": entry.get("ledger"), "data": dict(entry.get("data") or {}), "ref": entry.get("ref"),
            "files": list(entry.get("files") or [])}
    frame = _frame("ledger", uuid.uuid4().hex[:8], data, now)
    frame["buttons"] = [["确认保存", f"ledger:confirm:{frame['key']}"], ["取消", f"ledger:cancel:{frame['key']}"]]
    return frame


def convert(state, now):
    """The state with its old slots turned into a stack (bottom first), other keys kept."""
    if not is_old(state):
        return state
    old = {k: state.get(k) for k in OLD_KEYS}
    kept = {k: v for k, v in state.items() if k not in OLD_KEYS}
    frames, active = [], {}           # frames: the parked ledger entries, bottom first
    if isinstance(old["form"], dict) and old["form"].get("host"):
        active["form"] = _form(old["form"], now)
    for entry in old["ledger_waiting"] or []:
        if isinstance(entry, dict):
            frames.append(_pending(entry, now))
    ledger = old["ledger"] if isinstance(old["ledger"], dict) else {}
    if isinstance(ledger.get("pending"), dict):
        active["ledger"] = _pending(ledger["pending"], now)
    elif ledger.get("choose"):
        active["ledger"] = _frame("ledger_kind", ledger["choose"], {"ledger": ledger["choose"]}, now)
    elif ledger.get("delete"):
        active["ledger"] = _frame("ledger_delete", str(ledger["delete"]), {"entry": ledger["delete"]}, now)
    elif isinstance(ledger.get("last"), dict) and ledger["last"].get("id"):
        last = ledger["last"]
        try:
            seen = datetime.fromisoformat(last.get("until", "")) - timedelta(minutes=30)
        except ValueError:
            seen = now
        active["ledger"] = _frame("ledger_saved", str(last["id"]), {"entry": last["id"]}, now, seen)
    if isinstance(old["review"], dict) and old["review"].get("step"):
        review = old["review"]
        active["review"] = _frame("opinion", str(review["step"]), {
            "step": review["step"], "version": review.get("version"), "decision": review.get("decision")}, now)
    if old["seven_pending"]:
        active["seven"] = _frame("seven_pick", f"legacy:{old['seven_pending']}",
                                 {"app": None, "topic": old["seven_pending"], "answered": False, "kinds": []}, now)
    # the form (the long task) stays at the bottom, then the parked entries; the task that was
    # active goes on top
    flow = {"form": "form", "ledger": "ledger", "review": "review", "seven": "seven"}.get(old["flow"])
    if "form" in active and flow != "form":
        frames.insert(0, active["form"])
    frames += [active[name] for name in ("ledger", "review", "seven") if name in active and name != flow]
    if flow in active:
        frames.append(active[flow])
    if isinstance(old["seven_file"], dict) and old["seven_file"].get("topic"):
        target = old["seven_file"]
        frames.append(_frame("seven_pick", f"{target.get('app')}:{target['topic']}",
                             {"app": target.get("app"), "topic": target["topic"], "answered": True,
                              "kinds": list(target.get("kinds") or [])}, now, _from_epoch(target.get("at"), now)))
    if isinstance(old["proof"], dict) and old["proof"].get("key"):
        target = old["proof"]
        frames.append(_frame("proof_upload", f"{target.get('app')}:{target['key']}",
                             {"app": target.get("app"), "key": target["key"], "replace": target.get("replace")},
                             now, _from_epoch(target.get("at"), now)))
    if old["proof_waiting"]:
        frames.append(_frame("proof_files", "legacy", {"app": None, "refs": list(old["proof_waiting"])[-20:]}, now))
    return {**kept, "stack": frames}
