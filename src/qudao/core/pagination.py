"""Page numbers of the API: ninja's, with a ceiling. A page far past the end would overflow the
database's OFFSET (a 500); it is refused as invalid input (422) instead, like any bad number."""

from typing import Annotated

from ninja import Field, Schema, pagination

# 100 000 pages of at most 200 rows: 20 million rows, far past any list of the app, and an
# OFFSET every database holds.
MAX_PAGE = 100_000

Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]


class PageNumberPagination(pagination.PageNumberPagination):
    class Input(Schema):
        page: Page = 1
        page_size: int | None = Field(None, ge=1)
