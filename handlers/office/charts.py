"""ECharts option dicts built in Python, and the tables beside them.

Names users typed (units, studios, funding sources) appear in two places: axis and legend labels,
which ECharts draws on the canvas as plain text, and tooltips, which it renders as HTML. Every
tooltip here is a per-item ``formatter`` string written in full by ``tip``: the names HTML-escaped
and their braces written as character references, so no name becomes markup or an ECharts
template variable ({a} {b} {c}). No option carries a JavaScript function; ``animation`` is off so a
chart renders at once for print.
"""
from html import escape

PALETTE = ["#c23531", "#2f4554", "#61a0a8", "#d48265", "#91c7ae", "#749f83", "#ca8622", "#bda29a", "#6e7074",
           "#546570"]


def tip(*parts):
    """A tooltip's HTML from text parts (one line each): escaped, braces neutralised."""
    lines = [escape(str(p), quote=True).replace("{", "&#123;").replace("}", "&#125;") for p in parts]
    return "<br/>".join(lines)


def table(title, header, rows):
    return {"title": title, "header": list(header), "rows": [list(r) for r in rows]}


def _base(title):
    return {"title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "item", "confine": True}, "animation": False, "color": PALETTE,
            "grid": {"left": 60, "right": 30, "top": 60, "bottom": 80, "containLabel": True}}


def bar(title, categories, series, *, stacked=False, unit=""):
    """A bar chart: ``categories`` (x axis), ``series`` [(name, values)]."""
    option = _base(title)
    option["legend"] = {"top": 32, "type": "scroll", "data": [name for name, _ in series]}
    option["xAxis"] = {"type": "category", "data": [str(c) for c in categories],
                       "axisLabel": {"interval": 0, "rotate": 30 if len(categories) > 6 else 0}}
    option["yAxis"] = {"type": "value", "name": unit, "minInterval": 1}     # bars count things: whole steps
    option["series"] = [{
        "name": name, "type": "bar", **({"stack": "total"} if stacked else {}),
        "label": {"show": not stacked, "position": "top"},
        "data": [{"value": v, "tooltip": {"formatter": tip(c, f"{name}：{v}{unit}")}}
                 for c, v in zip(categories, values)]} for name, values in series]
    return option


def pie(title, items, *, unit=""):
    """A pie chart of [(name, value)]."""
    option = _base(title)
    option["legend"] = {"bottom": 0, "type": "scroll", "data": [str(name) for name, _ in items]}
    option["series"] = [{"name": title, "type": "pie", "radius": ["30%", "60%"], "label": {"show": True},
                         "data": [{"name": str(name), "value": value,
                                   "tooltip": {"formatter": tip(name, f"{value}{unit}")}} for name, value in items]}]
    return option
