"""The JSON shapes of the library API (api/library_routes.py, api/save_routes.py): what
comes in (names, notes, tags, with their limits) and what goes out. Notes and tags are
plain text: clients must show them as text, never as markup."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from paperfeed.api.schemas import PaperOut, hf_timestamp
from paperfeed.library import collection_edits, items
from paperfeed.library.collections import CollectionView, SaveState
from paperfeed.library.items import ItemPage, ItemView
from paperfeed.links import site_url


def _stamp(value: datetime) -> str:
    return hf_timestamp(value) or ""


class CollectionOut(BaseModel):
    id: int
    name: str
    description: str
    isDefault: bool = Field(description='the member\'s default collection, "Saved"')
    public: bool = Field(description="shown to anyone at shareUrl; private: only to its owner")
    shareUrl: str = Field(description="the collection's page (absolute, from the site's base URL)")
    shareKey: str = Field(description="the random key in shareUrl")
    items: int = Field(description="how many papers it holds")
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, view: CollectionView, base_url: str) -> CollectionOut:
        return cls(
            id=view.id,
            name=view.name,
            description=view.description,
            isDefault=view.is_default,
            public=view.public,
            shareUrl=site_url(base_url, view.share_path),
            shareKey=view.share_key,
            items=view.items,
            createdAt=_stamp(view.created_at),
            updatedAt=_stamp(view.updated_at),
        )


class CollectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=collection_edits.NAME_MAX * 2, description="unique per member")
    description: str = Field("", max_length=collection_edits.DESCRIPTION_MAX * 2)
    public: bool = False


class CollectionPatch(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=collection_edits.NAME_MAX * 2)
    description: str | None = Field(None, max_length=collection_edits.DESCRIPTION_MAX * 2)
    public: bool | None = None


class ItemIn(BaseModel):
    """A note and tags for a paper in a collection; only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=items.NOTE_MAX * 2, description="plain text")
    tags: list[str] | None = Field(None, max_length=items.TAGS_MAX * 2, description="plain text")


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: int = Field(ge=1, description="the id of another of your collections")
    copy_: bool = Field(False, alias="copy", description="keep the paper here too")


class CollectionRefOut(BaseModel):
    id: int
    name: str


class ItemOut(BaseModel):
    paper: PaperOut
    addedAt: str
    tags: list[str]
    note: str | None = Field(
        description="the owner's note; null where not shown (another member's collection, "
        "the whole-library list)"
    )
    collectionId: int | None = Field(description="null in the whole-library list")
    collections: list[CollectionRefOut] = Field(
        default_factory=list, description="whole-library list: the collections holding it"
    )

    @classmethod
    def of(cls, view: ItemView) -> ItemOut:
        return cls(
            paper=PaperOut.from_view(view.paper),
            addedAt=_stamp(view.added_at),
            tags=list(view.tags),
            note=view.note,
            collectionId=view.collection_id,
            collections=[CollectionRefOut(id=i, name=n) for i, n in view.collections],
        )


class TagCountOut(BaseModel):
    tag: str
    count: int


class ItemPageOut(BaseModel):
    items: list[ItemOut]
    total: int = Field(description="how many papers match in all")
    tags: list[TagCountOut] = Field(description="every tag in the collection, most used first")

    @classmethod
    def of(cls, page: ItemPage) -> ItemPageOut:
        return cls(
            items=[ItemOut.of(item) for item in page.items],
            total=page.total,
            tags=[TagCountOut(tag=t, count=n) for t, n in page.tags],
        )


class SharedCollectionOut(BaseModel):
    collection: CollectionOut
    owner: str = Field(description="the owner's username")
    page: ItemPageOut


class SaveOut(BaseModel):
    id: str = Field(description="arXiv id without version")
    saved: bool = Field(description="whether the paper is in any of your collections now")
    collectionId: int | None = Field(description="the collection this request was about")
    changed: bool = Field(description="whether this request changed anything")
    collections: list[int] = Field(description="your collections holding the paper now")

    @classmethod
    def of(cls, state: SaveState, collections: list[int]) -> SaveOut:
        return cls(
            id=state.arxiv_id,
            saved=state.saved,
            collectionId=state.collection_id,
            changed=state.changed,
            collections=collections,
        )
