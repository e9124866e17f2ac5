"""Offset pagination over a select(), for lists that operators and merchants page through."""
import math
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from saas.extensions import db


MAX_PAGE_TRIED = 10_000  # a page number past this is checked against the count before it is read


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(statement, page_arg, per_page: int, load=None) -> Page:
    """Page `page_arg` (any text; bad values mean page 1) of `statement`: its entities, or what load() makes of
    its rows."""
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    page = statement.limit(bindparam("limit")).offset(bindparam("offset"))
    return paginate_statements(page, count, {}, page_arg, per_page, load)


def paginate_statements(page_statement, count_statement, params: dict, page_arg, per_page: int, load=None) -> Page:
    """paginate() for statements built once: page_statement takes :limit and :offset, count_statement counts
    its rows, and both take `params`."""
    total = db.session.scalar(count_statement, params)
    number = _page_number(page_arg, total, per_page)
    rows = db.session.execute(page_statement, {**params, "limit": per_page, "offset": (number - 1) * per_page})
    items = load(rows.all()) if load else rows.scalars().all()
    return Page(list(items), number, per_page, total)


def paginate_counted(read_page, count, params: dict, page_arg, per_page: int, load) -> Page:
    """A page whose read also counts: read_page(**params, limit=, offset=) gives rows that each end with the
    total, and load() makes the items of the rows without it. count(**params) is only asked when the page asked
    for lies past the end (or too far to try), and the last page is read then."""
    def page(number: int, total_if_empty: int, read: bool) -> Page:
        rows = read_page(**params, limit=per_page, offset=(number - 1) * per_page) if read else []
        return Page(list(load([row[:-1] for row in rows])), number, per_page, rows[0][-1] if rows else total_if_empty)

    number = _page_number(page_arg, MAX_PAGE_TRIED * per_page, per_page)
    found = page(number, 0, read=number < MAX_PAGE_TRIED)
    if found.items or number == 1:
        return found
    total = count(**params)
    return page(_page_number(page_arg, total, per_page), total, read=total > 0)


def _page_number(page_arg, total: int, per_page: int) -> int:
    """The page asked for (any text; bad values mean page 1), at most the last one."""
    try:
        number = max(1, int(page_arg or 1))
    except (TypeError, ValueError):
        number = 1
    return min(number, max(1, math.ceil(total / per_page)))
