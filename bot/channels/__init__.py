"""Messenger channels: each translates one platform's wire format to Incoming / Outgoing and talks to its API; the webhook runs the turns."""
