"""The declarative base of every table, and the column types and kinds the tables share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """Instants stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class StoredFile:
    """The columns of a file whose bytes are in the blob store: its name, type, size, digest."""

    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))


# The column kinds the tables repeat; a ``mapped_column`` beside one adds to it (unique, index…).
#: A whole-number key the database numbers.
NumberKey = Annotated[int, mapped_column(Integer, primary_key=True)]
#: A UUID key, drawn here.
UuidKey = Annotated[str, mapped_column(String(36), primary_key=True, default=new_id)]
#: An e-mail address (64 characters before the @, 255 after), or a name of that size.
Email = Annotated[str, mapped_column(String(320))]
#: The hex SHA-256 of bytes or of a secret.
Sha256 = Annotated[str, mapped_column(String(64))]
