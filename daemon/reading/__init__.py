"""Readers of people's mail: classification, replies, quotes, letters, trust, dates."""
