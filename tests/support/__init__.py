"""Test support shared by the suite as pytest plugins (registered in tests/conftest.py)."""
