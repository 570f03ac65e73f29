"""Display node tests."""
