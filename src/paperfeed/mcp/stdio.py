"""``paperfeed mcp``: the MCP server over stdio, for a client that starts it as a subprocess
(Claude Desktop, an IDE, an agent framework) on the machine that has the database.

The member is the one the API token given at start names (``--token`` or
``PAPERFEED_MCP_TOKEN``), judged again at every call, so a token revoked meanwhile stops
working at once; without a token the caller is anonymous (read-only tools), as over HTTP.
Rate limits count per member (anonymous callers share the bucket ``local``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mcp.server.mcpserver import Context

from paperfeed.accounts.api_tokens import authenticate_token
from paperfeed.accounts.users import BANNED_MESSAGE, Account
from paperfeed.errors import Forbidden, Unauthorized
from paperfeed.mcp.calls import Caller, member_key
from paperfeed.mcp.server import build_server
from paperfeed.store.db import session_scope

if TYPE_CHECKING:
    from paperfeed.runtime import Runtime

BAD_TOKEN = "The API token is invalid or revoked; make a new one on your account page."  # noqa: S105 (a message, not a secret)


class StdioCallers:
    """The caller of every call: the member of ``token``, or anonymous without one."""

    def __init__(self, runtime: Runtime, token: str | None):
        self._runtime = runtime
        self.sessions = runtime.sessions
        self.token = token

    def runtime(self, ctx: Context) -> Runtime:
        return self._runtime

    def account(self) -> Account | None:
        """The token's member now; Unauthorized for a bad token, Forbidden when banned."""
        if not self.token:
            return None
        with session_scope(self.sessions, write=False) as session:
            use = authenticate_token(session, self.token)
        if use is None:
            raise Unauthorized(BAD_TOKEN)
        if use.account.banned:
            raise Forbidden(BANNED_MESSAGE)
        return use.account

    def caller(self, ctx: Context) -> Caller:
        account = self.account()
        return Caller(account, member_key(account) if account else "local")

    def now(self, ctx: Context) -> datetime:
        return datetime.now(UTC)


def run_stdio(runtime: Runtime, token: str | None) -> None:
    """Serve MCP on stdin/stdout until the client closes them. The token is checked first,
    so a bad one stops the command with its message instead of failing every call."""
    callers = StdioCallers(runtime, token)
    callers.account()
    build_server(callers).run("stdio")
