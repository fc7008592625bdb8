"""One value per database engine, made on first use and gone with the engine: the in-process
structures derived from one database (the for-you windows, the liked papers' facts) must not
be shared by two databases in one process (tests, a replica's engine)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


class PerEngine(Generic[T]):
    """``of(session)``: the value of the session's engine, ``make()`` on its first use."""

    def __init__(self, make: Callable[[], T]):
        self.make = make
        self.values: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def of(self, session: Session) -> T:
        bind = session.get_bind()
        engine = getattr(bind, "engine", bind)
        with self.lock:
            value = self.values.get(engine)
            if value is None:
                value = self.values[engine] = self.make()
            return value
