"""Liputan: the coverage-and-documentation SOP of Diskominfotik Bengkalis, run by email."""

__version__ = "0.1.0"
