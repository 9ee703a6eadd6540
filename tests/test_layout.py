"""The layout holds: no import circle among the project's modules, imports pointing one way
(cli → bot/handlers → storage), project imports at the top of modules, and each package's
``__init__`` free of work. Read from the source with ``ast``; nothing is imported."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")


def modules():
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(name, path, known):
    """Every project module ``name`` imports (each name of a ``from`` import counted), and where."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, node


def graph():
    known = modules()
    return {name: {t for t, _ in imports(name, path, known)} for name, path in known.items()}


def circles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    assert circles(graph()) == []


def test_imports_point_one_way():
    wrong = []
    for name, targets in graph().items():
        for target in targets:
            if name.startswith("storage") and not target.startswith("storage"):
                wrong.append(f"{name} -> {target}")
            if not name.startswith(("bot.cli", "bot.__main__")) and target.startswith("bot.cli"):
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_project_imports_sit_at_the_top_of_modules():
    known = modules()
    inside = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {node.lineno for node in tree.body}
        for target, node in imports(name, path, known):
            if node.lineno not in top:
                inside.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
    assert inside == []


def test_package_inits_hold_only_a_docstring():
    busy = []
    for package in PACKAGES:
        for init in (ROOT / package).rglob("__init__.py"):
            if "migrations" in init.parts or init.parent.name == "cli":
                continue        # bot/cli/__init__.py composes the command line, the outermost layer
            body = ast.parse(init.read_text(encoding="utf-8")).body
            if any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body):
                busy.append(str(init.relative_to(ROOT)))
    assert busy == []


def test_channels_only_translate():
    """bot/channels/** imports nothing from storage (nor the modules that reach the database for
    it) and opens no database session: what a channel keeps goes through the store it is given."""
    reaching = ("storage", "bot.received", "bot.files", "bot.alerts", "bot.delivery", "bot.turn")
    known = modules()
    wrong = []
    for name, path in known.items():
        if not name.startswith("bot.channels"):
            continue
        for target, node in imports(name, path, known):
            if target.startswith(reaching):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
        source = path.read_text(encoding="utf-8")
        for needle in (".db.", ".transaction(", ".session(", "requests.post", "requests.get"):
            if needle in source:
                wrong.append(f"{path.relative_to(ROOT)} uses {needle}")
    assert wrong == []


def test_docstrings_name_no_missing_receive():
    for path in (ROOT / "bot").rglob("*.py"):
        assert "DingTalkChannel.receive" not in path.read_text(encoding="utf-8"), path
