"""The one way routers are made: every route of the app releases its sessions when its
endpoint returns (:class:`~paperfeed.http.deps.ReleasingRoute`), whichever module defines it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from paperfeed.http.deps import ReleasingRoute


def router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` (same arguments) whose routes are :class:`ReleasingRoute`."""
    return APIRouter(route_class=ReleasingRoute, **kwargs)
