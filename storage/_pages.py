"""Keyset pagination shared by every list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PageQuery:
    """A validated list request: limit, order and the after/before cursors (object ids)."""

    limit: int
    ascending: bool
    after: str | None = None
    before: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page in list order. has_more is exact: more items follow in the direction read."""

    items: list[T]
    has_more: bool


@dataclass(frozen=True)
class Keyset:
    """The WHERE conditions, ORDER BY direction and LIMIT of one page query."""

    conditions: str
    params: list[object]
    order: str
    limit: int
    reverse: bool


def keyset(
    key: str,
    query: PageQuery,
    after_key: object | None,
    before_key: object | None,
    first_param: int,
) -> Keyset:
    """Builds a page query on `key`, a column that sorts like the list.

    `after` pages forward in list order. `before` alone pages backward: the rows are read in
    the opposite order, nearest the cursor first, and reversed. One extra row is read to make
    has_more exact.
    """
    conditions: list[str] = []
    params: list[object] = []
    if after_key is not None:
        params.append(after_key)
        conditions.append(
            f"{key} {'>' if query.ascending else '<'} ${first_param + len(params) - 1}"
        )
    if before_key is not None:
        params.append(before_key)
        conditions.append(
            f"{key} {'<' if query.ascending else '>'} ${first_param + len(params) - 1}"
        )
    backward = query.before is not None and query.after is None
    ascending = query.ascending != backward
    return Keyset(
        conditions="".join(f" AND {c}" for c in conditions),
        params=params,
        order="ASC" if ascending else "DESC",
        limit=query.limit + 1,
        reverse=backward,
    )


def to_page(items: list[T], ks: Keyset) -> Page[T]:
    """Trims the extra row into has_more and restores list order."""
    has_more = len(items) >= ks.limit
    items = items[: ks.limit - 1]
    if ks.reverse:
        items.reverse()
    return Page(items=items, has_more=has_more)
