"""Messages as ``email.message.EmailMessage``: a plain-text body and an HTML alternative,
both rendered from ``templates/<name>.txt`` and ``templates/<name>.html``."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from paperfeed.text import latex

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the email templates (shared by every kind of email)."""
    # HTML templates are autoescaped (usernames and links are user-influenced); text is not.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    # Paper titles and excerpts carry LaTeX: MathML in the HTML part, Unicode in the text part.
    env.filters.update(latex_html=latex.to_html, latex_text=latex.to_plain_text)
    return env


def compose(
    *, sender: str, to: str, subject: str, template: str, context: dict[str, Any]
) -> EmailMessage:
    """Render ``template`` into a multipart/alternative message (text first, HTML second)."""
    env = environment()
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to  # EmailMessage refuses CR/LF in headers: no header injection
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content(env.get_template(f"{template}.txt").render(context))
    message.add_alternative(env.get_template(f"{template}.html").render(context), subtype="html")
    return message
