"""Edge nodes of a hall: kiosks, callers and displays."""
