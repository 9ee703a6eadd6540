"""Statements by kind: an SQL text's kind ("SELECT conversations FOR UPDATE", "INSERT outbox", "COMMIT").

Shared by the two ways the bench counts statements (bench/pgwire.py on PostgreSQL's wire,
bench/instrument.py through SQLite's trace callback), so both engines' splits read alike.
"""
import re

_WORD = re.compile(r"\s*(\w+)")
_TABLE = {"SELECT": re.compile(r"\bFROM\s+\(?\s*\"?(\w+)", re.I), "INSERT": re.compile(r"\bINTO\s+\"?(\w+)", re.I),
          "UPDATE": re.compile(r"^\s*UPDATE\s+\"?(\w+)", re.I), "DELETE": re.compile(r"\bFROM\s+\"?(\w+)", re.I)}
_LOCK = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO KEY UPDATE)\b(\s+SKIP LOCKED)?", re.I)


def kind(sql):
    """The statement's verb and first table (with a row lock when it takes one)."""
    if not sql:
        return "?"
    match = _WORD.match(sql)
    verb = match.group(1).upper() if match else sql[:20]
    if verb == "WITH":
        body = re.search(r"\)\s*(SELECT|INSERT|UPDATE|DELETE)\b", sql, re.I)
        verb = f"WITH … {body.group(1).upper()}" if body else verb
    table = _TABLE.get(verb.rsplit(" ", 1)[-1])
    found = table.search(sql) if table else None
    name = f"{verb} {found.group(1).lower()}" if found else verb
    lock = _LOCK.search(sql) if verb.endswith("SELECT") or verb.endswith("UPDATE") else None
    if lock and "SELECT" in sql[:lock.start()].upper():
        name += " " + " ".join(lock.group(0).upper().split())
    return name
