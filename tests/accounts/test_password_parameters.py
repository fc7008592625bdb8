"""The password hasher the app runs with (the tests run a cheap one: tests/conftest.py):
argon2id with argon2-cffi's RFC 9106 low-memory profile, and hashes of other parameters
re-hashed at log-in."""

from __future__ import annotations

import importlib

from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from paperfeed.accounts import passwords


def test_the_production_hasher_is_argon2id_with_the_rfc_9106_low_memory_profile():
    fresh = importlib.reload(passwords)  # the module as a server process imports it
    try:
        stored = fresh.hash_password("correct horse battery")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert fresh.verify_password(stored, "correct horse battery")
        assert not fresh.verify_password(stored, "wrong horse battery")
        assert not fresh.needs_rehash(stored)
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x" * 8)
        assert fresh.needs_rehash(cheap)  # a weaker hash is replaced at the next log-in
        assert RFC_9106_LOW_MEMORY.memory_cost == 65536
    finally:
        fresh._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
