"""The studio assistant's core: the app factory (bot/app.py), the Bot, the turn, channels, delivery, the worker."""
