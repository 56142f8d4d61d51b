"""Flask extensions, unbound: create_app() binds them to an app."""
import functools

from flask import has_request_context, request
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

from engage.errors import ValidationError


class Base(DeclarativeBase):
    # Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


MAX_PAGE = 10**9


class _SQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, error_out=True, count=True):
        """Flask-SQLAlchemy's paginate, refusing a page number no list reaches (422 naming `page`).

        A page number wider than 64 bits made an OFFSET the database cannot hold: a 500 before.
        """
        wanted = page
        if wanted is None and has_request_context():
            raw = request.args.get("page", "")
            wanted = int(raw) if raw.strip().isdigit() else None
        if wanted is not None and wanted > MAX_PAGE:
            raise ValidationError.for_fields({"page": f"Must be between 1 and {MAX_PAGE}."})
        return super().paginate(select, page=page, per_page=per_page, max_per_page=max_per_page,
                                error_out=error_out, count=count)


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()  # bound by engage.i18n.init_app, with the locale selector


def init_db(app) -> None:
    """Bind `db` to the app and give every SQLite connection of its engines engage's pragmas."""
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _connection_record):
    """Per connection, as SQLite forgets them: foreign keys enforced (SQLite's default is off, so
    ON DELETE rules and references would hold on PostgreSQL only); a write-ahead log, so readers and
    the writer do not block each other; an fsync per checkpoint rather than per commit (the outbox
    commits once per message sent: committed data survives a crash of the process, only a power cut
    can take back the last commits); and deleted cells zeroed where that costs no extra I/O, so a
    text that was plain before its record was restricted does not linger in free pages."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=FAST")
    cursor.close()


@functools.cache
def model_for(table_name: str):
    """The mapped class of the table `table_name`; LookupError when no imported model maps it.

    Core modules (sealing, the access policy) work on contacts, meetings and outcomes but sit below
    the domains that define them: they find the classes by table name here instead of importing
    the domains, so the layers stay one-way (docs/architecture.md, "Layers").
    """
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table_name:
            return mapper.class_
    raise LookupError(f"no model maps the table {table_name!r}")
