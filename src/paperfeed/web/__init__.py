"""The web layer: pages, the JSON API's plumbing, middleware."""

# Registers the {name:arxiv_id} path convertor before any router module declares a route.
from paperfeed.web import arxiv_path  # noqa: F401
