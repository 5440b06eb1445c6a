"""Pure clinical rules and records: no Qt, no SQL, no files (except bundled data read via importlib.resources)."""
