"""Hostile: open the deployment's SQLite database and delete its rows."""

import sqlite3

DATABASE = "@DATABASE@"


def select(q, k, **info):
    """Delete every submission row (the file must not be there)."""
    with sqlite3.connect(f"file:{DATABASE}?mode=rw", uri=True) as db:
        deleted = db.execute("DELETE FROM submission").rowcount
    return {"deleted": deleted}
