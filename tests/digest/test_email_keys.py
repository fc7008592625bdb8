"""Addresses that case-fold together are still two mailboxes (issue 12 item 6):
``victim@strasse.test`` and ``victim@straße.test`` are two keys, so an account with one never
sees, manages or unsubscribes the other's subscriptions, never logs in or resets as the other,
and subscribing the other sends that address a confirmation email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from digest_helpers import NOW, subscribe_confirmed
from sqlalchemy import select

from members import PASSWORD, make_account, post_form, signed_in
from paperfeed.accounts import users
from paperfeed.accounts.identity import email_key, login_key, normalise_email
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import Subscription

VICTIM, ATTACKER = "victim@strasse.test", "victim@straße.test"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (VICTIM, ATTACKER),  # casefold("ß") == "ss"
        ("äda@example.org", "ÄDA@example.org"),  # only ASCII letters fold
        ("kelly@example.org", "ǩelly@example.org"),
        ("a@example.org", "a@example.net"),
    ],
)
def test_different_mailboxes_are_different_keys(one, other):
    assert email_key(normalise_email(one)) != email_key(normalise_email(other))
    assert login_key(one) != login_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ada@Example.ORG", "ada@example.org"),  # ASCII case, local part and domain
        (ATTACKER, "victim@xn--strae-oqa.test"),  # a domain's Unicode and ASCII spellings
        ("victim@STRAẞE.test", ATTACKER),  # the domain compares as DNS does (UTS 46)
        ("a@ｅxample.org", "a@example.org"),  # full-width letters are the same domain
        ("\u212aelly@example.org", "kelly@example.org"),  # KELVIN SIGN is K (NFC)
    ],
)
def test_one_mailbox_is_one_key(one, other):
    assert email_key(normalise_email(one)) == email_key(normalise_email(other))
    assert login_key(one) == login_key(other) == email_key(normalise_email(other))


def test_the_local_part_is_kept_as_given_and_bad_domains_are_refused():
    assert normalise_email(" ÄDA@Straße.TEST ") == "ÄDA@straße.test"
    with pytest.raises(Exception, match="not a valid domain"):
        normalise_email("a@☃.example")


def test_the_other_address_is_another_account_for_sign_up_log_in_and_reset(session_factory, inbox):
    victim = make_account(session_factory, "victim", email=VICTIM)
    attacker = make_account(session_factory, "attacker", email=ATTACKER)  # not "email taken"
    assert victim.id != attacker.id
    with session_scope(session_factory) as session:
        assert users.authenticate(session, ATTACKER, PASSWORD).id == attacker.id
        assert users.authenticate(session, "VICTIM@Strasse.test", PASSWORD).id == victim.id
        found, _token = users.request_reset(session, ATTACKER, now=NOW, ttl=timedelta(hours=1))
        assert found.id == attacker.id


def test_the_account_with_one_address_never_gets_the_others_subscriptions(
    client, session_factory, inbox
):
    victims = subscribe_confirmed(session_factory, VICTIM, "weekly", topic="graph networks")
    make_account(session_factory, "attacker", email=ATTACKER)
    signed_in(client, ATTACKER)
    # Not on the account page, and not unsubscribed from it.
    assert "graph networks" not in client.get("/account").text
    r = post_form(client, "/account", f"/account/subscriptions/{victims.id}/unsubscribe", {})
    assert r.status_code == 303
    with session_factory() as session:
        assert session.get(Subscription, victims.id).status == "confirmed"
    # Subscribing the victim's address while signed in asks the victim by email.
    r = post_form(client, "/account", "/subscribe", {"email": VICTIM, "period": "daily"})
    assert r.status_code == 200 and "Check your inbox" in r.text
    [confirmation] = inbox.wait(1)
    assert confirmation["To"] == VICTIM and "/subscribe/confirm?token=" in str(
        confirmation.get_body(("plain",)).get_content()
    )
    with session_factory() as session:
        row = session.scalars(
            select(Subscription).where(Subscription.email == VICTIM, Subscription.period == "daily")
        ).one()
        assert (row.status, row.user_id) == ("pending", None)
    assert 'class="tokens subscriptions"' not in client.get("/account").text  # none listed


def test_the_own_address_in_another_ascii_case_is_still_confirmed_at_once(
    client, session_factory, inbox
):
    # A stranger's pending subscription for the same mailbox, spelled differently.
    with session_scope(session_factory) as session:
        from paperfeed.digest import subscriptions

        subscriptions.subscribe(
            session, email="ADA@example.org", cadence="daily", now=NOW, confirm_ttl=timedelta(1)
        )
    make_account(session_factory, "ada", email="Ada@Example.org")
    signed_in(client, "ada")
    r = post_form(client, "/account", "/subscribe", {"email": "ada@example.org"})
    assert r.status_code == 303 and inbox.messages == []
    with session_factory() as session:
        row = session.scalars(select(Subscription)).one()
        # Confirmed for the spelling the owner confirmed, not the stranger's.
        assert (row.status, row.email) == ("confirmed", "Ada@example.org")
