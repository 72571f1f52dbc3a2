"""The demo network generator (`melior loaddemo`)."""
