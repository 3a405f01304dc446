"""One unit of work on a store's database, shared by the catalogue and account stores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from skillmatch.errors import DuplicateError, StoreError


@contextmanager
def transaction(sessions: sessionmaker[Session], store: str, *, conflicts: str | None = None) -> Iterator[Session]:
    """A session committed when the block ends and rolled back on any error, so a failed write
    leaves nothing behind. Database errors become :class:`StoreError` naming ``store``; with
    ``conflicts``, a unique-constraint violation is instead a :class:`DuplicateError` with that text
    (the caller checked beforehand, so it is a concurrent write of the same record)."""
    session = sessions()
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        if conflicts:
            raise DuplicateError(f"{conflicts}: {_first_line(exc)}") from exc
        raise StoreError(f"{store} database error: {exc.__class__.__name__}: {_first_line(exc)}") from exc
    except SQLAlchemyError as exc:
        session.rollback()
        raise StoreError(f"{store} database error: {exc.__class__.__name__}: {_first_line(exc)}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def reading(engine: Engine, store: str) -> Iterator[Connection]:
    """A connection for a few reads by prebuilt statements, without the ORM's unit of work: the
    reads every request makes (its token, its stored passport's stamp) took a third of a
    request's time through a session. Database errors become :class:`StoreError` naming ``store``."""
    try:
        with engine.connect() as connection:
            yield connection
    except SQLAlchemyError as exc:
        raise StoreError(f"{store} database error: {exc.__class__.__name__}: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]
