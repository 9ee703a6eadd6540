"""Forms in chat: declarations (schema), the walker that moves through any form, and the parsers of answers."""
