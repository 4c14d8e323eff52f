"""Database engine and transactions; the outbox rows a transaction wrote are written at its end."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, create_engine, event, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from pipeline.store.model import Dossier, InstallationSetting, OutboxMessage, new_id

OUTBOX = OutboxMessage.__table__

#: SQLite waits this long for a lock before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Build the engine for a database URL; SQLite gets WAL and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock up front so two
        # writers never deadlock on a lock upgrade.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    # No pre-ping: it costs a round trip per transaction. After a PostgreSQL restart the first
    # statement of each pooled connection fails, the pool is invalidated, and the work is retried.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # BEGIN is issued by the "begin" listener
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # No autoflush: each transaction flushes once, at its end; handlers never read back what
    # they changed in the same transaction.
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def add_message(session: Session, queue: str, actor: str, args: list[Any],
                at: datetime) -> str:
    """Write a message into the outbox in the session's transaction; published once committed."""
    entry = OutboxEntry(new_id(), queue, actor, list(args))
    session.info.setdefault("outbox", []).append((entry, at))
    return entry.id


def add_stage_message(session: Session, dossier_id: str, stage: str, at: datetime) -> str:
    """The message that runs ``stage`` for a dossier (queue and actor share its name).

    A stage change never calls this itself: the ``Dossier`` notes it (``pending_stage_message``)
    and ``_write_outbox`` writes the message when the transaction ends. Only a re-send of the
    same work (the reconciler) calls it directly.
    """
    return add_message(session, stage, stage, [dossier_id], at)


def _write_outbox(session: Session, on_changes: ChangeListener | None = None
                  ) -> list[OutboxEntry]:
    """Turn every stage change of the transaction into its message, tell ``on_changes`` of the
    dossiers' new steps (it may add messages), and write them all."""
    inserted = session.info.pop("inserted", [])
    changed = []
    for obj in [*session.new, *session.identity_map.values(), *inserted]:
        if not isinstance(obj, Dossier):
            continue
        if obj.pending_stage_message is not None:
            if obj.id is None:
                obj.id = new_id()
            add_stage_message(session, obj.id, obj.pending_stage_message.value, obj.updated_at)
            obj.pending_stage_message = None
        if obj.pending_changes:
            changed.append(obj)
    if changed and on_changes is not None:
        on_changes(session, changed)
    for obj in changed:
        obj.pending_changes = ()
    written = session.info.pop("outbox", [])
    if written:
        session.execute(insert(OUTBOX), [
            {"id": e.id, "queue": e.queue, "actor": e.actor, "args": e.args, "created_at": at}
            for e, at in written])
    return [entry for entry, _ in written]


class OutboxEntry(NamedTuple):
    """An outbox row as written: what the relay publishes without reading it back."""

    id: str
    queue: str
    actor: str
    args: list[Any]


#: Called with the outbox messages a transaction wrote, once it has committed.
OutboxListener = Callable[[list[OutboxEntry]], None]
#: Called in a transaction, before it commits, with the dossiers that recorded new steps
#: (``Dossier.pending_changes``): the partners' webhooks are queued there, in the same commit.
ChangeListener = Callable[[Session, list[Dossier]], None]


class Usage:
    """Statements and transactions this process sent to the database since it started.

    Read by ``/metrics`` (web and workers) and by the benches, which divide them by the
    dossiers processed; counting costs an integer increment per statement.
    """

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.transactions = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._transaction)
        event.listen(engine, "rollback", self._transaction)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _transaction(self, *_: Any) -> None:
        self.transactions += 1


class Database:
    """The one way to open a transaction; tells the relay what to publish once committed."""

    def __init__(self, engine: Engine, on_outbox: OutboxListener | None = None) -> None:
        self.engine = engine
        self.sessions = make_session_factory(engine)
        self.on_outbox = on_outbox
        self.usage = Usage(engine)
        self.on_changes: ChangeListener | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Open a session, commit when the block ends, roll back on error."""
        with self.sessions() as session:
            with session.begin():
                yield session
                written = _write_outbox(session, self.on_changes)
                session.flush()
            if written and self.on_outbox is not None:
                self.on_outbox(written)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A Core connection in a transaction, for hot paths that need no ORM objects."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A Core connection to hold a while; call ``commit()`` after each statement.

        On PostgreSQL each statement then commits by itself, in one round trip (no BEGIN, and
        ``commit()`` sends nothing). SQLite's "begin" listener opens a transaction all the same,
        so there ``commit()`` ends it and releases the write lock.
        """
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def installation_secret(db: Database, key: str = "secret_key") -> str:
    """Return the installation's secret, generating and storing it the first time."""
    with db.transaction() as session:
        found = session.scalar(select(InstallationSetting.value).where(
            InstallationSetting.key == key))
        if found:
            return found
        upsert_ignore(session, InstallationSetting, key=key, value=secrets.token_urlsafe(48))
    with db.transaction() as session:
        return session.scalars(select(InstallationSetting.value).where(
            InstallationSetting.key == key)).one()


def insert_rows(session: Session, *groups: Sequence[Any]) -> None:
    """Insert new ORM objects as plain rows: one statement per group, groups in the given order.

    The objects stay out of the session; unset (None) attributes take the column's default.
    Their stage changes still become messages when the transaction ends, like any other's.
    """
    for objects in groups:
        if objects:
            session.info.setdefault("inserted", []).extend(objects)
            table = objects[0].__table__
            session.execute(insert(table), [
                {column.key: value for column in table.columns
                 if (value := getattr(obj, column.key)) is not None}
                for obj in objects])


def upsert_ignore(session: Session, model: Any, **values: Any) -> bool:
    """Insert a row unless one with the same unique key exists; True when inserted."""
    statement = _insert_ignore(session.get_bind().dialect.name, model.__table__)
    # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT … ON CONFLICT DO NOTHING.
    return session.execute(statement, values).first() is not None


@functools.cache
def _insert_ignore(dialect: str, table: Any) -> Any:
    # Built once per table: on the hot path, building and caching the statement cost more
    # than running it.
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)
