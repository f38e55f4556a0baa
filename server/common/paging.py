import sqlalchemy as sa

from server.extensions import db


def paginate(query: sa.Select, args: dict, *order_by, rows: bool = False) -> dict:
    """Run `query` for one page; `args` holds page and page_size from PageQuerySchema.
    Items are the first column's values, or whole rows (`rows`: several columns)."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    page, size = args["page"], args["page_size"]
    paged = query.order_by(*order_by).offset((page - 1) * size).limit(size)
    items = (db.session.execute(paged) if rows else db.session.scalars(paged)).all()
    return {"items": items, "page": page, "page_size": size, "total": total}
