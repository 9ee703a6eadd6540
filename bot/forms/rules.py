"""Cross-field rules: checks that read several answers, declared with the form and run at answer and submit.

A rule names the keys it reads; the walker runs the rules touching a key whenever that key gets
a value (or is skipped), on the answers as they would be after the change, and refuses the
change with the rule's message, which names both fields; the walker keeps the refused value and
offers to correct the rule's other field first (``broken`` gives the rules with their messages).
``final`` is True at 提交: a rule may wait for the other field to be answered until then.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    keys: tuple         # top-level keys of the form the rule reads
    check: object       # fn(values, skipped, final) -> message (str) or None
    name: str = ""

    def __call__(self, values, skipped=frozenset(), final=False):
        return self.check(values, set(skipped), final)


def broken(rules, values, skipped=(), *, changed=None, final=False):
    """[(rule, message)] of the rules broken by ``values``; only those reading ``changed`` when given."""
    found = []
    for rule in rules:
        if changed is not None and changed not in rule.keys:
            continue
        message = rule(values, skipped, final)
        if message:
            found.append((rule, message))
    return found


def violations(rules, values, skipped=(), *, changed=None, final=False):
    """Messages of the rules broken by ``values``; only those reading ``changed`` when given."""
    return [message for _, message in broken(rules, values, skipped, changed=changed, final=final)]


def blank(value):
    return value is None or value == "" or value == []
