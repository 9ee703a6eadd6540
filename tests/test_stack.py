"""The flow stack and the states saved before it: begin, end, bring back, the depth bound, and one
converter per old shape (nothing typed is lost when an old conversation is read as a stack)."""
from datetime import datetime

import pytest

from bot.conversation import legacy
from bot.conversation.flow import Flow
from bot.conversation.stack import MAX_DEPTH, Stack, StackFull

NOW = datetime(2025, 5, 20, 2, 0)


class Named(Flow):
    def __init__(self, name, transient=False):
        self.name, self.transient = name, transient

    def describe(self, frame):
        return f"{self.name} {frame.key}"


FLOWS = {"form": Named("form"), "ledger": Named("ledger"), "target": Named("target", transient=True)}


def stack(state=None):
    return Stack(state if state is not None else {}, FLOWS, NOW)


def test_begin_end_and_the_frame_below_resumes():
    s = stack()
    s.begin("form", {"cursor": "a"}, "application:1")
    s.begin("ledger", {"data": 1}, "x")
    assert [f.flow for f in s.frames] == ["form", "ledger"] and s.top.key == "x"
    ended = s.end()
    assert ended.flow == "ledger" and s.top.flow == "form" and s.top.data == {"cursor": "a"}
    assert s.ended == [ended]


def test_a_flow_already_open_is_brought_back_not_pushed_twice():
    state = {}
    s = stack(state)
    s.begin("form", {"cursor": "a"}, "application:1")
    s.begin("ledger", {"data": 1}, "x")
    again = s.begin("form", {"cursor": "other"}, "application:1")
    assert [f.flow for f in s.frames] == ["ledger", "form"]
    assert again.data == {"cursor": "a"}            # its own data kept
    assert len(state["stack"]) == 2


def test_transient_frames_on_top_give_way_to_a_new_task():
    s = stack()
    s.begin("form", {}, "f")
    s.begin("target", {}, "t")
    s.begin("ledger", {}, "l")
    assert [f.flow for f in s.frames] == ["form", "ledger"]


def test_the_depth_is_bounded_and_the_refusal_lists_what_is_open():
    s = stack()
    for n in range(MAX_DEPTH):
        s.begin("ledger", {}, f"k{n}")
    with pytest.raises(StackFull) as refused:
        s.begin("form", {}, "application:1")
    text = str(refused.value)
    assert f"您同时有 {MAX_DEPTH} 件事还没办完" in text and "1. ledger k3" in text and "4. ledger k0" in text
    assert len(s) == MAX_DEPTH


def test_expired_frames_are_dropped():
    s = stack()
    s.begin("form", {}, "f")
    s.begin("target", {}, "t")
    s.drop_expired(lambda f: f.flow == "target")
    assert [f.flow for f in s.frames] == ["form"]


# -- states saved before the stack ------------------------------------------------------------------

FORM = {"host": "application", "ref": 7, "year": 2025, "cursor": "basics.members", "back": ["cover.name"]}
PENDING = {"ledger": "achievement", "data": {"kind": "立项", "title": "盾构刀盘磨损监测"}, "ref": None, "files": [3]}


def flows_of(state):
    return [(f["flow"], f["key"]) for f in state["stack"]]


def test_a_form_alone_becomes_one_frame():
    state = legacy.convert({"flow": "form", "form": FORM, "note": "kept"}, NOW)
    assert flows_of(state) == [("form", "application:7")]
    assert state["stack"][0]["data"] == FORM and state["note"] == "kept"
    assert not legacy.is_old(state) and legacy.convert(state, NOW) is state


def test_a_ledger_line_waiting_in_the_form_stays_on_top_of_the_form():
    state = legacy.convert({"flow": "ledger", "form": FORM, "ledger": {"pending": PENDING}}, NOW)
    assert [f for f, _ in flows_of(state)] == ["form", "ledger"]
    assert state["stack"][1]["data"]["data"]["title"] == "盾构刀盘磨损监测" and state["stack"][1]["data"]["files"] == [3]


def test_parked_ledger_lines_are_kept_below_the_one_on_screen():
    other = dict(PENDING, data={"kind": "发明专利", "title": "一种注浆装置"})
    state = legacy.convert({"flow": "ledger", "ledger": {"pending": PENDING}, "ledger_waiting": [other]}, NOW)
    assert [f["data"]["data"]["title"] for f in state["stack"]] == ["一种注浆装置", "盾构刀盘磨损监测"]


def test_a_seven_list_that_interrupted_the_form_is_on_top_and_the_form_below():
    state = legacy.convert({"flow": "seven", "seven_pending": "rules", "seven_resume": "form", "form": FORM}, NOW)
    assert [f for f, _ in flows_of(state)] == ["form", "seven_pick"]
    assert state["stack"][1]["data"]["topic"] == "rules" and state["stack"][1]["data"]["answered"] is False


def test_a_pending_opinion_and_the_file_targets():
    state = legacy.convert({"flow": "review", "review": {"step": 4, "version": 9, "decision": "return"},
                            "proof": {"app": 7, "key": "basics.named_by", "replace": None, "at": NOW.timestamp()},
                            "proof_waiting": ["media-1", "media-2"]}, NOW)
    assert [f for f, _ in flows_of(state)] == ["opinion", "proof_upload", "proof_files"]
    assert state["stack"][0]["data"] == {"step": 4, "version": 9, "decision": "return"}
    assert state["stack"][2]["data"]["refs"] == ["media-1", "media-2"]


def test_the_kind_being_chosen_a_deletion_and_the_entry_just_saved():
    assert flows_of(legacy.convert({"flow": "ledger", "ledger": {"choose": "funding"}}, NOW)) == \
        [("ledger_kind", "funding")]
    assert flows_of(legacy.convert({"flow": "ledger", "ledger": {"delete": 12}}, NOW)) == [("ledger_delete", "12")]
    saved = legacy.convert({"flow": "ledger", "ledger": {"last": {"id": 5, "until": "2025-05-20T02:20:00"}}}, NOW)
    assert flows_of(saved) == [("ledger_saved", "5")] and saved["stack"][0]["seen"] == "2025-05-20T01:50:00"


# -- a conversation saved before the stack, continued ------------------------------------------------

def test_an_old_state_in_the_database_goes_on_where_it_was(bot, chat, may_2025):
    """A 立项 waiting for 确认 inside the form, saved in the old shape: 确认 saves it, the form resumes."""
    from sqlalchemy import select, update

    from storage.models import Application, Conversation, LedgerEntry
    leader = chat("leader")
    leader.send("申报")                                  # the application and the conversation exist
    with bot.db.transaction() as s:
        app_id = s.scalar(select(Application.id))
        old = {"flow": "ledger",
               "form": {"host": "application", "ref": app_id, "year": 2025, "cursor": "cover.name", "back": []},
               "ledger": {"pending": {"ledger": "achievement", "ref": None, "files": [],
                                      "data": {"kind": "立项", "title": "盾构刀盘磨损监测", "date": "20250201",
                                               "plan": "年内完成样机", "target": "20251231"}}}}
        s.execute(update(Conversation).where(Conversation.user_id == "leader").values(state=old))
    reply = leader.send("确认")
    assert "已记入创新成果台账" in reply and "继续填写申报表" in reply and "创新工作室名称" in reply
    with bot.db.session() as s:
        assert [e.data["title"] for e in s.scalars(select(LedgerEntry))] == ["盾构刀盘磨损监测"]
        state = s.scalar(select(Conversation.state).where(Conversation.user_id == "leader"))
    assert [f["flow"] for f in state["stack"]] == ["form", "ledger_saved"] and "flow" not in state


def test_a_task_left_for_days_is_mentioned_when_the_user_comes_back(bot, chat, may_2025):
    from datetime import timedelta

    from tests.support.clock import clock
    leader = chat("leader")
    leader.send("成果 立项 盾构刀盘磨损监测 2025-02-01 目标2025-12-31 计划：年内完成样机")
    clock.advance(timedelta(days=3))
    reply = leader.send("我是谁")
    assert reply.startswith("您 05月20日 开始的事项还没有完成：立项登记") and "这条台账还没有保存" in reply
    assert "您 05月" not in leader.send("我是谁")           # said once


def test_a_refused_command_in_between_leaves_the_stack_as_it_was(bot, chat, may_2025):
    """证明 naming no starred item is refused inside the form: nothing begun, the form asks again."""
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("证明 不存在的项目")
    assert "没有「不存在的项目」这一项" in reply and "继续第 1 项 创新工作室名称" in reply
    assert "✓ 创新工作室名称：王海隧道掘进劳模创新工作室" in leader.send("王海隧道掘进劳模创新工作室")
