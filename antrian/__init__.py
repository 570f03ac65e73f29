"""Antrian: shared runtime for every node (MQTT link, sessions, command line)."""

__version__ = "0.1.0"
