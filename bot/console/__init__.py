"""The union office's console (/console): server-rendered pages in the app's own Flask (Jinja2,
htmx 2 and ECharts served from static/), signed in through WeCom or DingTalk. Every action calls the
same service as the chat (handlers/services/), under the same policy, with the same audit row.

Each module owns one area and registers its views on the blueprint (``blueprint.install``);
``access`` sets the viewer.
"""
