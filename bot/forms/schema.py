"""Form declarations: Field (one answer), Group (repeating rows), Form and its rules — checked when declared.

A field's ``kind`` names its parser (bot/forms/kinds.py); values are stored as JSON (strings for
dates, months, money and areas; ints for counts; lists of dicts for groups). A long text
(kind ``longtext``) declares its limits in ``opts``: ``min_chars`` (default 0) and ``max_chars``
(required), and the walker's messages quote them.
"""
from dataclasses import dataclass, field as dc_field

from bot.forms import kinds
from bot.forms import rules as rules_mod
from bot.forms.parsers import Reading

ROW_SEPARATORS = "空格、逗号或顿号"


@dataclass
class Field:
    key: str                    # stable id, e.g. "leader.name"
    label: str                  # the label the official form prints, e.g. "姓名"
    kind: str = "text"          # a name in kinds.KINDS
    help: str = ""              # from the 填表说明, shown by 帮助 and with the question
    example: str = ""
    optional: bool = False
    proof: bool = False         # starred on the form: proof copies required
    options: tuple = ()         # for choices
    synonyms: dict = dc_field(default_factory=dict)   # what people say -> an option (党员 -> 中共党员)
    aliases: tuple = ()         # qualified labels users may type, e.g. "领衔人姓名"
    block: str = ""             # the block it belongs to, e.g. "工作室领衔人情况"
    compute: object = None      # fn(answers) -> value for computed fields (not asked)
    opts: dict = dc_field(default_factory=dict)   # parser options (minimum, min_age, …)
    yearly: bool = False        # bound to the year applied for: never carried over from an earlier year
    depends: str = ""           # an optional field that means nothing without this one (命名日期 → 命名单位):
                                # skipped with it

    @property
    def computed(self):
        return self.compute is not None

    @property
    def free_text(self):
        """Prose (a narrative, a paragraph on social benefit): a line that starts with a command word
        is still the field's text there."""
        return self.kind == "longtext" or (self.kind == "text" and (self.opts.get("max_len") or 0) >= 200)

    @property
    def qualified(self):
        """The unambiguous name used in lists and progress reports."""
        return self.aliases[0] if self.aliases else self.label

    @property
    def short(self):
        """The shortest name the form gives the field (label or alias), for words such as 预览简介."""
        return min((self.label, *self.aliases), key=len)

    @property
    def min_chars(self):
        """Long text: the characters needed before it counts as answered (declared in ``opts``)."""
        return self.opts.get("min_chars", 0)

    @property
    def max_chars(self):
        """Long text: the most characters it takes (declared in ``opts``; required for long text)."""
        return self.opts.get("max_chars")

    def parse(self, text, answers=None, today=None):
        """The value ``text`` gives this field; ``today`` (the decision clock's date) for relative
        dates and the not-in-the-future checks."""
        return kinds.parse(self, text, answers or {}, today=today)

    def read(self, text, answers=None, today=None):
        """``parse`` as a ``parsers.Reading``: the value, whether it was an estimate, how it was read."""
        if type(self).parse is not Field.parse:     # a field with its own parsing (a ledger's funding rule, hours)
            return Reading(self.parse(text, answers, today))
        return kinds.read(self, text, answers or {}, today=today)

    def display(self, value):
        return kinds.display(self, value)

    def question(self):
        lines = [self.help or f"请填写{self.label}。"]
        if self.example and "例如" not in lines[0]:
            lines[0] = lines[0].rstrip("。") + f"，例如 {self.example}。"
        if self.options and len(self.options) <= 12:
            lines.append("可选：" + " / ".join(f"{i}. {o}" for i, o in enumerate(self.options, 1)))
        if self.kind == "choices":
            lines.append(f"可以选一项或多项：点按钮选一项；多项请写出来，例如「{'、'.join(self.options[:2])}」或「1 2」；"
                         f"选「{self.options[-1]}」请写明，例如「{self.options[-1]}：智能建造」。")
        return "\n".join(lines)


@dataclass
class Group:
    key: str                    # e.g. "members"
    label: str                  # e.g. "骨干成员"
    fields: list                # Field list; keys are relative to a row ("name")
    help: str = ""
    min_rows: int = 0
    max_rows: int = 200
    unit: str = "位"            # 第 3 位 / 第 3 条
    block: str = ""
    aliases: tuple = ()
    proof: bool = False
    optional: bool = False
    yearly: bool = False        # as Field.yearly
    kind: str = "group"

    @property
    def computed(self):
        return False

    @property
    def qualified(self):
        return self.label

    def field(self, key):
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def row_summary(self, row):
        return "，".join(f.display(row[f.key]) for f in self.fields if row.get(f.key) not in (None, ""))

    def display(self, value):
        rows = value or []
        return f"{len(rows)} {self.unit}" if rows else "（无）"

    def question(self):
        return (self.help or f"请逐一添加{self.label}。") + "\n" + self.row_hint()

    def row_hint(self):
        """How to type rows: a whole row in one line, a table pasted, the next row, 完成."""
        order = " ".join(f.label for f in self.fields)
        return (f"可以一行写完一{self.unit}：{order}（按此顺序，用{ROW_SEPARATORS}隔开），"
                f"例如「{self.example_row()}」；也可以从 Excel 复制多行粘贴过来。"
                f"\n写完一{self.unit}直接发下一{self.unit}即可添加，全部写完请发送「完成」。")

    def example_row(self):
        return " ".join(f.example or f.label for f in self.fields)


class Form:
    """An ordered list of Fields and Groups, checked for duplicate keys and ambiguous labels."""

    def __init__(self, name, title, items, rules=(), notes=None):
        self.name, self.title, self.items = name, title, list(items)
        self.rules = tuple(rules)
        self.notes = dict(notes or {})      # a block's name (without its year) -> what to fill in there
        self._asked = self._numbers = None
        self.by_key = {}
        self.by_label = {}
        for item in self.items:
            if item.key in self.by_key:
                raise ValueError(f"form {name}: duplicate key {item.key!r}")
            if item.kind not in kinds.KINDS and not isinstance(item, Group):
                raise ValueError(f"form {name}: unknown kind {item.kind!r} for {item.key}")
            if item.kind in ("choice", "choices") and not item.options:
                raise ValueError(f"form {name}: choice {item.key} has no options")
            if item.kind == "longtext" and not (isinstance(item.max_chars, int) and item.max_chars > item.min_chars):
                raise ValueError(f"form {name}: long text {item.key} declares no max_chars above its min_chars")
            for sub in (item.fields if isinstance(item, Group) else [item]):
                wrong = {t for t in sub.synonyms.values() if t not in (sub.options or ("男", "女"))}
                if wrong:
                    raise ValueError(f"form {name}: synonyms of {sub.key} name no option: {sorted(wrong)}")
            self.by_key[item.key] = item
            for label in (item.label, *item.aliases):
                self.by_label.setdefault(label, []).append(item)
            if isinstance(item, Group):
                for sub in item.fields:
                    if sub.kind not in kinds.KINDS:
                        raise ValueError(f"form {name}: unknown kind {sub.kind!r} in {item.key}")
        for item in self.items:
            if getattr(item, "depends", "") and not (item.optional and item.depends in self.by_key):
                raise ValueError(f"form {name}: {item.key} depends on {item.depends!r} but is not optional "
                                 "or names no field")
        for rule in self.rules:
            unknown = [k for k in rule.keys if k not in self.by_key]
            if unknown:
                raise ValueError(f"form {name}: rule {rule.name or rule.keys} reads unknown keys {unknown}")
        for label, items in self.by_label.items():
            qualified = {i.qualified for i in items}
            if len(items) > 1 and len(qualified) < len(items):
                raise ValueError(f"form {name}: label {label!r} repeats without qualified aliases")

    @property
    def asked(self):
        """The items a person answers (not computed), in order."""
        if self._asked is None:
            self._asked = tuple(i for i in self.items if not i.computed)
            self._numbers = {i.key: n for n, i in enumerate(self._asked, 1)}
        return self._asked

    def number(self, item):
        self.asked
        return self._numbers[item.key]

    def lookup(self, label):
        """Items a typed label may mean (label, alias, or a group's row label)."""
        return list(self.by_label.get(label.strip(), []))

    def is_done(self, item, answers, skipped=()):
        value = answers.get(item.key)
        if item.key in skipped:
            return True
        if isinstance(item, Group):
            return value is not None and len(value) >= max(item.min_rows, 1 if not item.optional else 0)
        if item.kind == "longtext":
            return value is not None and kinds.char_count(value) >= item.min_chars
        return value not in (None, "")

    def missing(self, answers, skipped=()):
        return [i for i in self.asked if not self.is_done(i, answers, skipped)]

    def violations(self, answers, skipped=(), *, changed=None, final=False):
        """Messages of the cross-field rules the answers break (see bot/forms/rules.py)."""
        return rules_mod.violations(self.rules, answers, skipped, changed=changed, final=final)

    def broken(self, answers, skipped=(), *, changed=None, final=False):
        """[(rule, message)] of the cross-field rules the answers break."""
        return rules_mod.broken(self.rules, answers, skipped, changed=changed, final=final)

    def dependents(self, key):
        """The optional fields skipped together with ``key`` (``Field.depends``)."""
        return [i for i in self.asked if getattr(i, "depends", "") == key]

    def block_of(self, name):
        """The note of a block named ``name`` (its name without the year), or ""."""
        return self.notes.get(name, "")

    def complete_values(self, answers):
        """Answers plus computed fields."""
        values = dict(answers)
        for item in self.items:
            if item.computed:
                values[item.key] = item.compute(values)
        return values
