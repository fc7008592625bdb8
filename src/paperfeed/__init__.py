"""paperfeed: a self-hostable Daily Papers service."""

__version__ = "0.1.0"
