"""A member's personal digests ("For you", "Following"), turned on or off: the account page's
form (and the same form on the For you and Following pages, ``_personal_digest_form.html``),
and the JSON API.

- ``POST /account/digests/personal`` (form: ``kind``, ``cadence`` = daily | weekly | off,
  optional ``next`` local path): works without JavaScript, CSRF-checked app-wide, rate
  limited like every write; back to ``next`` or the account page.
- ``GET /api/digests/personal`` and ``PUT /api/digests/personal/{kind}``: the same for API
  clients (Bearer token, or the cookie plus ``X-CSRF-Token``).

The digest goes to the account's own confirmed address, so turning one on needs no emailed
link; an unconfirmed account is told to confirm first (400). Every digest still carries its
one-click unsubscribe link.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from paperfeed.digest.personal import (
    KINDS,
    PersonalDigest,
    PersonalKind,
    check_kind,
    personal_digests,
    set_personal_digest,
)
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, ReadSession, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.web.account_forms import safe_next

router = routing.router(tags=["digests"])

FormText = Annotated[str, Form(max_length=2000)]
ERRORS = {
    400: {"description": "not a digest kind or cadence, or the account's address is unconfirmed"},
    401: {"description": "not signed in"},
    429: {"description": "too many writes"},
}


class PersonalDigestOut(BaseModel):
    kind: Literal["for-you", "following"] = Field(description="which list the email carries")
    cadence: Literal["daily", "weekly"] | None = Field(
        description="how often it is sent; null when it is off"
    )
    status: Literal["confirmed", "failing"] | None = Field(
        description="failing: the mail server refused the address repeatedly (an admin can "
        "reactivate it); null when off"
    )

    @classmethod
    def of(cls, digest: PersonalDigest) -> PersonalDigestOut:
        return cls(kind=digest.kind, cadence=digest.cadence, status=digest.status)  # type: ignore[arg-type]


class PersonalDigestIn(BaseModel):
    cadence: Literal["daily", "weekly", "off"] = Field(description="daily, weekly, or off")


@router.post(
    "/account/digests/personal",
    include_in_schema=False,
    dependencies=[Depends(rate_limited("personal-digest"))],
)
def personal_digest_form(
    session: WriteSession,
    account: CurrentUser,
    now: NowDep,
    kind: FormText = "",
    cadence: FormText = "",
    next: FormText = "",
) -> Response:
    done = set_personal_digest(session, account, kind, cadence, now=now)
    if next:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = "personal-on" if done.cadence else "personal-off"
    return RedirectResponse(f"/account?done={notice}#personal-digests", status_code=303)


@router.get(
    "/api/digests/personal",
    response_model=list[PersonalDigestOut],
    responses={401: ERRORS[401]},
    summary="Your personal digests",
)
def list_personal_digests(session: ReadSession, account: CurrentUser) -> list[PersonalDigestOut]:
    """The caller's "For you" and "Following" email digests: each one's cadence, or null
    when it is off."""
    found = personal_digests(session, account.id)
    return [PersonalDigestOut.of(found[kind]) for kind in KINDS]


@router.put(
    "/api/digests/personal/{kind}",
    response_model=PersonalDigestOut,
    responses=ERRORS,
    summary="Turn a personal digest on or off",
    dependencies=[Depends(rate_limited("personal-digest"))],
)
def put_personal_digest(
    session: WriteSession,
    account: CurrentUser,
    now: NowDep,
    kind: Literal["for-you", "following"],
    body: PersonalDigestIn,
) -> PersonalDigestOut:
    """Send the caller's ``kind`` list (``for-you`` or ``following``) by email daily or
    weekly, or stop it (``off``). It goes to the account's confirmed address; no paper is
    suggested twice across the member's digests; every email has a one-click unsubscribe.
    Idempotent."""
    chosen: PersonalKind = check_kind(kind)
    return PersonalDigestOut.of(
        set_personal_digest(session, account, chosen, body.cadence, now=now)
    )
