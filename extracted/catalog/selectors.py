"""Reads of the catalog, with the monolith's filters and orderings."""
from __future__ import annotations

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from extracted.catalog.models import Category, Product
from extracted.common.errors import BadRequest, NotFound

__all__ = ["ORDERINGS", "category_list", "product_count", "product_get", "product_list"]

ORDERINGS = ("id", "-id", "name", "-name", "price", "-price", "created_at", "-created_at")
_COLUMNS = {"id": Product.id, "name": Product.name, "price": Product.price_cents,
            "created_at": Product.created_at}
# Ids beyond a signed 64-bit integer exist in no table; Django answers 404 for them too.
_MAX_ID = 2**63 - 1


def category_list(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.name)))


def _checked(ordering: str | None) -> str:
    ordering = ordering or "id"
    if ordering not in ORDERINGS:
        raise BadRequest("Unknown ordering.",
                         details={"ordering": [f"Choose one of: {', '.join(ORDERINGS)}."]})
    return ordering


def _contains(session: Session, text: str):
    """Case-insensitive substring match written as Django writes `icontains` per engine."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if session.get_bind().dialect.name == "postgresql":
        return func.upper(Product.name).like(func.upper(literal(pattern)))
    return Product.name.like(pattern, escape="\\")


def _filtered(session: Session, *, category: str | None, search: str | None) -> Select:
    query = select(Product)
    if category:
        query = query.join(Category, Product.category_id == Category.id).where(Category.slug == category)
    if search:
        query = query.where(_contains(session, search))
    return query


def product_list(session: Session, *, category: str | None = None, search: str | None = None,
                 ordering: str | None = None, offset: int = 0, limit: int = 20) -> list[Product]:
    ordering = _checked(ordering)
    column = _COLUMNS[ordering.lstrip("-")]
    order = column.desc() if ordering.startswith("-") else column.asc()
    query = _filtered(session, category=category, search=search).order_by(order, Product.id.asc())
    return list(session.scalars(query.offset(offset).limit(limit)).unique())


def product_count(session: Session, *, category: str | None = None, search: str | None = None,
                  ordering: str | None = None) -> int:
    _checked(ordering)
    query = _filtered(session, category=category, search=search)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def product_get(session: Session, *, product_id: int) -> Product:
    product = session.get(Product, product_id) if product_id <= _MAX_ID else None
    if product is None:
        raise NotFound("No such product.")
    return product
