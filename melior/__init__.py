"""Melior: improvement science for education."""

__version__ = "0.1.0"
