import sqlalchemy as sa

from server.extensions import db


def paginate(query: sa.Select, args: dict, *order_by) -> dict:
    """Run `query` for one page; `args` holds page and page_size from PageQuerySchema."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    page, size = args["page"], args["page_size"]
    items = db.session.scalars(
        query.order_by(*order_by).offset((page - 1) * size).limit(size)
    ).all()
    return {"items": items, "page": page, "page_size": size, "total": total}
