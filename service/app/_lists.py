"""List requests and list responses, shared by every list."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from service.domain.pagination import list_params
from storage import Page, PageQuery


class _ListRequest(Protocol):
    limit: int
    order: Any
    after: str
    before: str

    def HasField(self, field_name: str) -> bool: ...


class _ListResponse(Protocol):
    object: str
    first_id: str
    last_id: str
    has_more: bool

    @property
    def data(self) -> Any: ...


R = TypeVar("R", bound=_ListResponse)


def page_query(request: _ListRequest, id_prefix: str) -> PageQuery:
    """The checked paging fields of a list request. Raises InvalidArgumentError."""
    params = list_params(
        request.limit if request.HasField("limit") else None,
        request.order,
        request.after,
        request.before,
        id_prefix,
    )
    return PageQuery(
        limit=params.limit, ascending=params.ascending, after=params.after, before=params.before
    )


def list_response(response: R, page: Page[Any]) -> R:
    """Fills a list envelope: object "list", data, has_more, and first_id/last_id when
    data is not empty."""
    response.object = "list"
    response.data.extend(page.items)
    response.has_more = page.has_more
    if page.items:
        response.first_id = page.items[0].id
        response.last_id = page.items[-1].id
    return response
