"""Benchmarks: the assistant against the minimal durable bot, on SQLite and PostgreSQL (`make bench`)."""
