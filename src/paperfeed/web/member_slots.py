"""Slots: how a page rendered once for every member says where each member's own parts go.

A member's page is the same as every other member's except for a few small parts: their
name and email, the CSRF token of their forms, whether they upvoted or saved each paper,
their feedback on it, which comments are theirs, their collections and follows. The shared
render (:mod:`paperfeed.web.member_pages`) runs the page with a placeholder viewer and marks
those parts in the HTML:

- a *value* (``csrf``, ``username``, ``email``): one marker, replaced by the member's value,
  HTML-escaped;
- a *switch* (``upvoted``, ``saved``, ``feedback``, ``mine``): the part rendered once for
  every state it can take (voted and not, saved and not, ...), each variant between markers;
  a request keeps the variant of the member's state;
- a *hole* (``savepanel``, ``followid``): a part too personal to enumerate (a member's list of
  collections), rendered for the member on each request from a small template.

Markers are ``pf`` + a random nonce drawn per process + a kind in letters a-w, keys in hex
digits, ``x`` between and ``z`` at the end: only letters and digits, so HTML escaping leaves them alone, and unguessable, so no paper title or
comment (rendered into the same page) can forge one and have a member's CSRF token written
where its author chose. :func:`parse` turns a marked page into :class:`Part` items once;
:func:`splice` joins them for one member.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# The states each switch is rendered in; a member's state picks one.
SWITCH_STATES: dict[str, tuple] = {
    "upvoted": (True, False),
    "saved": (True, False),
    "feedback": (None, "more", "not_interested"),
    "mine": (True, False),
    "follow": (True, False),
}
VALUES = ("csrf", "username", "email")


def state_code(state) -> str:
    """A switch state as the hex digits of its marker."""
    if state is True:
        return "31"
    if state is False:
        return "30"
    return (state or "").encode().hex()


def _hex(key) -> str:
    return str(key).encode().hex()


class Slots:
    """The markers of one process (a fresh nonce per instance)."""

    def __init__(self, nonce: str | None = None):
        self.prefix = "pf" + (nonce or secrets.token_hex(12))
        p = re.escape(self.prefix)
        self.pattern = re.compile(
            p + r"(?:o([a-w]+)x([0-9a-f]*)x([0-9a-f]*)z|(c)z|v([a-w]+)z|h([a-w]+)x([0-9a-f]*)z)"
        )

    def value(self, name: str) -> str:
        return f"{self.prefix}v{name}z"

    def hole(self, kind: str, key) -> Markup:
        return Markup(f"{self.prefix}h{kind}x{_hex(key)}z")  # noqa: S704 (letters, digits)

    def switch(self, kind: str, key, render: Callable) -> Markup:
        """Every variant of a switch, each between its markers."""
        out = []
        for state in SWITCH_STATES[kind]:
            out.append(f"{self.prefix}o{kind}x{_hex(key)}x{state_code(state)}z")
            out.append(str(render(state)))
            out.append(f"{self.prefix}cz")
        return Markup("".join(out))  # noqa: S704 (markers and rendered macros)


@dataclass
class Switch:
    kind: str
    key: str
    variants: dict[str, list] = field(default_factory=dict)  # state code -> parts


@dataclass(frozen=True)
class Value:
    name: str


@dataclass(frozen=True)
class Hole:
    kind: str
    key: str


@dataclass
class Parsed:
    parts: list  # str | Value | Switch | Hole
    keys: dict[str, set[str]]  # switch or hole kind -> the keys the page holds


def parse(slots: Slots, html: str) -> Parsed:
    """A marked page as parts; every switch's variants grouped under one :class:`Switch`."""
    keys: dict[str, set[str]] = {}
    stack: list[list] = [[]]
    current: list[Switch] = []
    at = 0
    for match in slots.pattern.finditer(html):
        if match.start() > at:
            stack[-1].append(html[at : match.start()])
        at = match.end()
        kind, key, state, close, value, hole, hole_key = match.groups()
        if kind:
            key = bytes.fromhex(key).decode()
            parts = stack[-1]
            if (
                not (parts and isinstance(parts[-1], Switch) and parts[-1].kind == kind)
                or parts[-1].key != key
            ):
                parts.append(Switch(kind, key))
            switch = parts[-1]
            keys.setdefault(kind, set()).add(key)
            current.append(switch)
            stack.append(switch.variants.setdefault(state, []))
        elif close:
            stack.pop()
            current.pop()
        elif value:
            stack[-1].append(Value(value))
        else:
            key = bytes.fromhex(hole_key).decode()
            keys.setdefault(hole, set()).add(key)
            stack[-1].append(Hole(hole, key))
    if len(stack) != 1:
        raise ValueError("unbalanced member slots")
    stack[0].append(html[at:])
    return Parsed(stack[0], keys)


@dataclass
class MemberParts:
    """One member's own parts for a page: values (escaped here), switch states, holes."""

    values: dict[str, str]
    states: dict[str, dict[str, object]]  # kind -> key -> state (absent: the default)
    holes: dict[tuple[str, str], str]  # (kind, key) -> HTML
    defaults: dict[str, object] = field(
        default_factory=lambda: {
            "upvoted": False,
            "saved": False,
            "feedback": None,
            "mine": False,
            "follow": False,
        }
    )


def splice(parts: list, member: MemberParts) -> str:
    out: list[str] = []
    values = {name: str(escape(v)) for name, v in member.values.items()}
    _splice(parts, member, values, out)
    return "".join(out)


def _splice(parts: list, member: MemberParts, values: dict[str, str], out: list[str]) -> None:
    for part in parts:
        if type(part) is str:
            out.append(part)
        elif type(part) is Value:
            out.append(values[part.name])
        elif type(part) is Switch:
            state = member.states.get(part.kind, {}).get(part.key, member.defaults[part.kind])
            _splice(part.variants[state_code(state)], member, values, out)
        else:
            out.append(member.holes.get((part.kind, part.key), ""))
