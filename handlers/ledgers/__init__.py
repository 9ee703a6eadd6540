"""The studio ledgers (台账): recording in chat, corrections, queries, the funding rule, statistics, exports."""
