"""Messenger channels: each translates one platform's wire format to Incoming / Outgoing."""
