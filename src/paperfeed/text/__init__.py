"""Text as sources send it (titles and abstracts with LaTeX) turned into what readers see."""

from paperfeed.text.latex import cut, to_html, to_plain_text

__all__ = ["cut", "to_html", "to_plain_text"]
