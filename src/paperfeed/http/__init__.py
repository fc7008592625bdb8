"""The HTTP layer both surfaces share: auth and CSRF, session dependencies, read routing,
error rendering, rate limits, the response cache, metrics and the other middleware; the
query parameters of a search (``search_params``).

``paperfeed.web`` (HTML pages) and ``paperfeed.api`` (JSON) import this package and never
each other; ``paperfeed.app`` assembles the three.
"""

# Registers the {name:arxiv_id} path convertor before any router module declares a route.
from paperfeed.http import arxiv_path  # noqa: F401
