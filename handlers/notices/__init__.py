"""The yearly cycle's notices: decisions, runs, operator commands, spot checks."""
