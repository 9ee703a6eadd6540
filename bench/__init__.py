"""Benchmarks: the assistant's web process against bare Flask and the durable floor (`make bench`)."""
