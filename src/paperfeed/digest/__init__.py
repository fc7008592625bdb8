"""Email digests: subscriptions with double opt-in, the papers of a period (trending, or a
topic's best matches), Jinja-rendered messages with RFC 8058 one-click unsubscribe, and an
outbox that records every (subscription, period) digest before sending it, so a crashed or
failed run resumes without sending one twice or missing one. See docs/digests.md.

Domain code: no fastapi, no click. ``now`` is always an argument.
"""
