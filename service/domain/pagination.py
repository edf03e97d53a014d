"""List parameters: limit 1..100 (default 20), order (default desc), after/before cursors."""

from __future__ import annotations

from dataclasses import dataclass

from assistants.v1 import common_pb2
from service.domain import limits
from service.domain.validation import check_id, check_integer_range, invalid_value


@dataclass(frozen=True)
class ListParams:
    limit: int
    ascending: bool
    after: str | None
    before: str | None


def list_params(
    limit: int | None, order: int, after: str, before: str, id_prefix: str
) -> ListParams:
    """Checks a list request's paging fields. Cursors must be ids of the listed kind."""
    check_integer_range(limit, "limit", 1, limits.LIST_LIMIT_MAX)
    if order not in (
        common_pb2.LIST_ORDER_UNSPECIFIED,
        common_pb2.LIST_ORDER_ASC,
        common_pb2.LIST_ORDER_DESC,
    ):
        raise invalid_value("order", order, ["asc", "desc"])
    if after:
        check_id(after, "after", id_prefix)
    if before:
        check_id(before, "before", id_prefix)
    return ListParams(
        limit=limits.LIST_LIMIT_DEFAULT if limit is None else limit,
        ascending=order == common_pb2.LIST_ORDER_ASC,
        after=after or None,
        before=before or None,
    )
