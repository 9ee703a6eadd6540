"""The words users type that the assistant treats as words, not answers: one table.

Global command words are registered from here by the handlers (``COMMANDS``); the flows' scoped
words (the form's 上一步, a confirmation's 确认 …) are here too, so a word's meaning is looked up
in one place. A typed confirmation does what its button does (``YES``/``NO`` against the labels
of the buttons last shown, bot/router.py).
"""
YES = ("确认", "确定", "是", "是的", "对", "对的", "好", "好的", "可以", "嗯", "行", "ok", "OK", "确认保存",
       "确认提交", "保存")
NO = ("取消", "不要", "算了", "否", "不", "不用了", "放弃")
CONTINUE = ("继续", "继续填写", "不变", "保持不变")

# the form's own words (bot/forms/)
BACK, SKIP, PROGRESS, PREVIEW, CANCEL, HELP, SUBMIT, EDIT = "上一步", "跳过", "进度", "预览", "取消", "帮助", "提交", "修改"
FORM_WORDS = (BACK, SKIP, PROGRESS, PREVIEW, CANCEL, HELP, SUBMIT)
EDIT_WORDS = ("修改", "改")

# global commands: name -> the words that call it (the first is shown in 帮助)
COMMANDS = {
    "help": ("帮助", "help", "?", "？", "菜单"),
    "whoami": ("我是谁", "身份"),
    "greet": ("你好", "您好", "hi", "hello"),
    "apply": ("申报",),
    "resume": ("继续",),
    "progress": ("进度", "申报进度"),
    "submit": ("提交",),
    "withdraw": ("撤回",),
    "seven": ("七有",),
    "export": ("导出", "导出申报表"),
    "package": ("导出材料包", "材料包"),
    "proofs": ("证明", "证明材料"),
    "proof_delete": ("删除证明",),
    "proof_replace": ("替换证明",),
    "rules": ("制度",),
    "equipment": ("设备",),
    "venue": ("场所",),
    "review": ("审批",),
    "naming": ("命名",),
    "reopen": ("重新开放",),
    "late_window": ("延期",),
    "activity": ("活动",),
    "achievement": ("成果",),
    "member": ("成员",),
    "funding": ("经费",),
    "record_activity": ("记活动",),
    "record_achievement": ("记成果",),
    "record_member": ("记成员",),
    "record_funding": ("记经费",),
    "ledgers": ("台账", "查看台账"),
    "this_year": ("本年成果",),
    "balance": ("经费余额",),
    "ledger_edit": ("修改台账",),
    "ledger_delete": ("删除台账",),
    "ledger_history": ("台账记录",),
    "ledger_export": ("导出台账",),
    "ledger_help": ("台账帮助",),
    "ledger_waiting": ("待确认台账",),
    "held": ("待确认经费",),
    "held_confirm": ("经费确认",),
    "held_refuse": ("经费驳回",),
    "budget": ("预算", "专项预算"),
    "budget_confirm": ("预算确认",),
    "budget_refuse": ("预算驳回",),
    "naming_record": ("省市命名", "命名记录"),
    "reward": ("骨干奖励",),
    "bind": ("绑定",),
    "unbind": ("解绑",),
    "roles": ("角色",),
    "people": ("人员",),
    "groups": ("群",),
    "notice_preview": ("通知预览",),
    "notice_now": ("立即发送",),
    "notice_pause": ("暂停通知",),
    "notice_resume": ("恢复通知",),
    "notice_log": ("通知记录",),
    "spotcheck": ("抽查",),
    "spotcheck_result": ("抽查结果",),
    "spotcheck_list": ("抽查记录",),
    "spotcheck_reproduce": ("复现抽查",),
    "selfcheck": ("自查",),
    "selfcheck_results": ("自查结果",),
    "rectified": ("整改完成",),
}


def words(name):
    return COMMANDS[name]
