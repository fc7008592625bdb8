"""``/api/whoami-v2``: who a token (or the browser's session) belongs to, shaped like
Hugging Face's, so clients can check a token before using it."""

from __future__ import annotations

from typing import Any

from paperfeed.api.schemas import ErrorOut
from paperfeed.http import routing
from paperfeed.http.auth import AuthDep, LoginRequired

router = routing.router(
    prefix="/api",
    tags=["account"],
    responses={401: {"model": ErrorOut}},
)


@router.get("/whoami-v2", summary="The account a token belongs to")
def whoami(auth: AuthDep) -> dict[str, Any]:
    """Send ``Authorization: Bearer <token>``; 401 without a valid one."""
    account = auth.account
    if account is None:
        raise LoginRequired("Send a valid API token: Authorization: Bearer <token>.")
    if auth.token is not None:
        how: dict[str, Any] = {
            "type": "access_token",
            "accessToken": {
                "displayName": auth.token.name,
                "role": "write",
                "createdAt": auth.token.created_at.isoformat(),
            },
        }
    else:
        how = {"type": "session"}
    return {
        "type": "user",
        "id": str(account.id),
        "name": account.username,
        "fullname": account.fullname,
        "email": account.email,
        "emailVerified": account.confirmed,
        "isPro": False,
        "canPay": False,
        "orgs": [],
        "role": account.role,
        "auth": how,
    }
