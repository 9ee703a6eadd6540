"""A conversation: a stack of flows (what the user is in the middle of), the flows' interface, the words users type."""
