"""Connection handling for the inventory database."""

import os
from contextlib import contextmanager
from typing import Iterator

import psycopg2
import psycopg2.extras

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgresql://inventory:inventory@localhost:5432/inventory"
)


@contextmanager
def cursor() -> Iterator[psycopg2.extras.RealDictCursor]:
    conn = psycopg2.connect(DATABASE_URL)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            yield cur
    finally:
        conn.close()
