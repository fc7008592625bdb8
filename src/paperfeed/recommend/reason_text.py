"""Why a paper is on a member's for-you list, in a few words, the same on every surface (the
page's cards, the JSON API's ``text``, the Atom feed's summaries). Plain text: each surface
escapes it its own way (the page links the paper the label names)."""

from __future__ import annotations

from dataclasses import dataclass

from paperfeed.text import to_plain_text

# kind -> (words before the label, words after it); trending says no label.
_PHRASES = {
    "saved": ("Close to “", "”, which you saved"),
    "upvoted": ("Close to “", "”, which you upvoted"),
    "more": ("Like “", "”, which you asked more of"),
    "follow": ("You follow ", ""),
}
TRENDING = "Trending in the community"
LABEL_CHARS = 80  # a paper title is cut there: a reason is a few words


@dataclass(frozen=True)
class ReasonWords:
    before: str
    label: str  # "" when the reason names nothing
    after: str

    @property
    def text(self) -> str:
        return self.before + self.label + self.after


def short_label(label: str) -> str:
    text = " ".join(to_plain_text(label or "").split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def reason_words(kind: str, label: str) -> ReasonWords:
    """``reason_words("saved", "Attention is all you need").text`` -> "Close to “Attention
    is all you need”, which you saved"; an unknown kind says only its label."""
    if kind == "trending":
        return ReasonWords(TRENDING, "", "")
    before, after = _PHRASES.get(kind, ("", ""))
    return ReasonWords(before, short_label(label), after)


def describe(kind: str, label: str) -> str:
    return reason_words(kind, label).text
