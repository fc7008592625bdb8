"""The Hugging Face fields beyond arXiv's: read from an API item, then each one checked.

Where HF puts them (both places are read, ``paper`` first, as ``huggingface_hub`` does):
``paper.ai_summary``, ``paper.ai_summary_model``, ``paper.ai_keywords``,
``paper.discussionId``, ``paper.githubRepoAddedBy``, ``paper.mediaUrls`` / ``mediaUrls`` /
``mediaUrl``, ``paper.organization`` / ``organization``, ``thumbnail``, and the submitter
``paper.submittedOnDailyBy`` / ``submittedBy``. A field that fails its check is dropped and
named in the record's ``skipped`` (the ingest report lists it); the paper is still imported.
docs/hf-fields.md lists each field, where it is stored, shown and served.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from paperfeed.errors import InvalidInput
from paperfeed.links import web_url

# HF sends avatars of users as site paths ("/avatars/….svg"): they are on huggingface.co.
HF_SITE = "https://huggingface.co"
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")  # HF user and organization names
_HF_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # HF's object ids, e.g. 6a8808b689e517cbfd75dd62
_SITE_PATH = re.compile(r"^/[A-Za-z0-9._~/%-]{1,400}$")
MAX_SUMMARY = 5_000
MAX_KEYWORDS = 64
MAX_KEYWORD = 200
MAX_MEDIA = 32
# The submitter keys kept (HF sends a few more, such as isUserFollowing, that describe the
# requesting viewer, not the submitter), with the type each must have.
SUBMITTER_KEYS: dict[str, type] = {
    "_id": str,
    "avatarUrl": str,
    "fullname": str,
    "user": str,
    "name": str,
    "type": str,
    "isPro": bool,
    "isHf": bool,
    "isHfAdmin": bool,
    "isMod": bool,
    "followerCount": int,
}


def raw_hf_fields(item: dict) -> dict[str, object]:
    """The HF fields of one API item, unchecked, by :class:`PaperRecord` field name."""
    paper = item["paper"]

    def either(key: str) -> object:
        value = paper.get(key)
        return value if value not in (None, "", []) else item.get(key)

    media = either("mediaUrls")
    if media in (None, "", []) and item.get("mediaUrl"):
        media = [item["mediaUrl"]]
    return {
        "ai_summary": paper.get("ai_summary"),
        "ai_summary_model": paper.get("ai_summary_model"),
        "ai_keywords": paper.get("ai_keywords"),
        "discussion_id": paper.get("discussionId"),
        "github_repo_added_by": paper.get("githubRepoAddedBy"),
        "thumbnail": either("thumbnail"),
        "media_urls": media,
        "organization": either("organization"),
        "submitter": _submitter_sources(paper.get("submittedOnDailyBy"), item.get("submittedBy")),
    }


def _submitter_sources(on_paper: object, on_item: object) -> object:
    """HF describes the submitter twice, with different keys (``user`` on the paper's,
    ``isHf``, ``followerCount`` on the item's): the keys of both, the paper's first."""
    if isinstance(on_paper, dict) and isinstance(on_item, dict):
        name = on_item.get("name")
        same = bool(name) and name in (on_paper.get("user"), on_paper.get("name"))
        return {**on_item, **on_paper} if same else on_paper
    return on_paper or on_item


def check_hf_fields(fields: dict) -> list[str]:
    """Check and normalise the HF fields in ``fields`` in place; a bad one becomes None.

    Returns ``"<field>: <why>"`` for each field dropped."""
    skipped = []
    for name, check in CHECKS.items():
        value = fields.get(name)
        if value in (None, "", [], (), {}):
            fields[name] = None
            continue
        try:
            fields[name] = check(value)
        except InvalidInput as exc:
            fields[name] = None
            skipped.append(f"{name}: {exc.message}")
    return skipped


def _one_line(value: object, limit: int, what: str = "text") -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"not a string ({type(value).__name__})")
    text = " ".join(value.split())
    if not text:
        raise InvalidInput(f"empty {what}")
    if len(text) > limit:
        raise InvalidInput(f"{what} longer than {limit} characters")
    return text


def _summary(value: object) -> str:
    return _one_line(value, MAX_SUMMARY, "summary")


def _model(value: object) -> str:
    return _one_line(value, 255, "model name")


def _keywords(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(k, str) for k in value):
        raise InvalidInput("not a list of strings")
    if len(value) > MAX_KEYWORDS:
        raise InvalidInput(f"more than {MAX_KEYWORDS} keywords")
    kept = tuple(dict.fromkeys(k for k in (" ".join(x.split()) for x in value) if k))
    if any(len(k) > MAX_KEYWORD for k in kept):
        raise InvalidInput(f"a keyword longer than {MAX_KEYWORD} characters")
    return kept


def _hf_id(value: object) -> str:
    if not isinstance(value, str) or not _HF_ID.match(value):
        raise InvalidInput("not a Hugging Face id")
    return value


def _added_by(value: object) -> str:
    return _one_line(value, 32, "name")


def _url(value: object) -> str:
    if not isinstance(value, str) or len(value) > 512 or web_url(value) is None:
        raise InvalidInput("not an http(s) URL")
    return value.strip()


def hf_asset_url(value: object) -> str | None:
    """An image URL HF gives: absolute http(s), or a path on huggingface.co; else None."""
    if not isinstance(value, str):
        return None
    if _SITE_PATH.match(value) and not value.startswith("//"):
        return HF_SITE + value
    return web_url(value) if len(value) <= 512 else None


def _media(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise InvalidInput("not a list of URLs")
    if len(value) > MAX_MEDIA:
        raise InvalidInput(f"more than {MAX_MEDIA} URLs")
    return tuple(dict.fromkeys(_url(v) for v in value))


def _organization(value: object) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput("not an object")
    name = value.get("name")
    if not isinstance(name, str) or not _HANDLE.match(name):
        raise InvalidInput("no valid name")
    fullname = value.get("fullname")
    return {
        "name": name,
        "fullname": _one_line(fullname, 255, "full name") if fullname else None,
        "avatar": hf_asset_url(value.get("avatar")),
        "hf_id": _hf_id(value["_id"]) if value.get("_id") else None,
    }


def _submitter(value: object) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput("not an object")
    kept: dict[str, object] = {}
    for key, kind in SUBMITTER_KEYS.items():
        item = value.get(key)
        if isinstance(item, kind) and (kind is not int or not isinstance(item, bool)):
            kept[key] = item
    for key in ("fullname", "user", "name", "type", "_id"):
        if key in kept:
            kept[key] = " ".join(str(kept[key]).split())[:128] or None
    if "avatarUrl" in kept:
        kept["avatarUrl"] = hf_asset_url(kept["avatarUrl"])
    kept = {k: v for k, v in kept.items() if v is not None}
    if not (kept.get("user") or kept.get("name")):
        raise InvalidInput("no user name")
    return kept


CHECKS: dict[str, Callable[[object], object]] = {
    "ai_summary": _summary,
    "ai_summary_model": _model,
    "ai_keywords": _keywords,
    "discussion_id": _hf_id,
    "github_repo_added_by": _added_by,
    "thumbnail": _url,
    "media_urls": _media,
    "organization": _organization,
    "submitter": _submitter,
}
