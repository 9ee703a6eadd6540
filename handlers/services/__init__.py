"""Domain services: every operation that changes the studios' records, as a function of
(context, arguments) — no chat Turn, no Flask request. The chat handlers, the console and the CLI
call the same function, so the rules, the refusals, the messages queued and the audit row are one.
"""
