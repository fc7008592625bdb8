"""Accounts: users, passwords, sessions, API tokens, emailed links and rate limits.

Use cases only: no web framework here. Every function takes a SQLAlchemy session and, where
time matters, ``now``; the surfaces (web pages, JSON API, CLI) decide how to present results.
"""
