"""Extension objects, created unbound and wired in create_app()."""

from typing import ClassVar

from flask_migrate import Migrate
from flask_smorest import Blueprint
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from server.common import jsonbody
from server.errors import ProblemApi

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
api = ProblemApi()


class StrictParser(FlaskParser):
    """Refuse unknown query parameters too (webargs ignores them by default): a typo in a
    filter should be an error, not a silently unfiltered list."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def _raw_load_json(self, req):
        # The same strict reading as Flask's get_json (server/common/jsonbody.py); webargs
        # would use the json module as it is, NaN and all.
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing
        try:
            return jsonbody.loads(data)
        except ValueError as exc:
            return self._handle_invalid_json_error(exc, req)


Blueprint.ARGUMENTS_PARSER = StrictParser()
