"""The simulated hall: every node of a site on one machine (demo, simulator, chaos suite)."""
