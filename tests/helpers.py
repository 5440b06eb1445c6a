"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from trialapp.services.demo import demo_text


def demo_json(name: str = "demo_responder.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo_text(name))
    return data


def file_digest(path: Path) -> str:
    """SHA-256 of a database file and its WAL (if any): 'byte-for-byte unchanged' means equal digests."""
    h = hashlib.sha256()
    for p in (path, Path(str(path) + "-wal")):
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


_SIGNED_IN: dict[int, tuple[Any, dict[str, Any]]] = {}


def signed_in(app: Any, actor: Any) -> Any:
    """``actor`` signed in to ``app``'s database (services trust only sessions issued at sign-in, issue 18 §11):
    the command line's role gets a command-line session; any other role a user of that name and role, created
    on first use. Cached per database (Argon2 is slow on purpose)."""
    from trialapp.services import users
    from trialapp.services.context import SYSTEM_ROLE, Actor, issue_session, os_actor

    if actor.role == SYSTEM_ROLE:
        return issue_session(Actor(actor.username, SYSTEM_ROLE, actor.full_name), None)
    database, known = _SIGNED_IN.get(id(app.db), (None, {}))
    if database is not app.db:  # keyed by id: the database object is kept, so its id is not reused meanwhile
        known = {}
        _SIGNED_IN[id(app.db)] = (app.db, known)
    if actor.username not in known:
        password = "synthetic-password-1"
        if actor.username not in {u.username for u in users.list_users(app)}:
            users.add_user(
                app, os_actor(), actor.username, actor.role, actor.full_name or actor.username, password
            )
        known[actor.username] = users.authenticate(app, actor.username, password)
    return known[actor.username]


def sign_in_module_actors(request: Any, monkeypatch: Any) -> None:
    """For a test using the ``app`` fixture: replace the test module's hand-built Actor constants by the same
    people signed in to that database (see :func:`signed_in`)."""
    from trialapp.services.context import Actor

    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    module = request.module
    for name, value in list(vars(module).items()):
        if isinstance(value, Actor) and name.isupper():
            monkeypatch.setattr(module, name, signed_in(app, value))


def query_plans(app: Any, run: Any, table: str | None = None) -> list[str]:
    """SQLite's query plan of each SELECT that ``run()`` sends to ``app``'s database (only those reading
    ``table`` when given), one string per statement, its steps joined by newlines."""
    import sqlite3

    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and (table is None or table in statement):
            seen.append((statement, parameters))

    event.listen(app.db.engine, "before_cursor_execute", before)
    try:
        run()
    finally:
        event.remove(app.db.engine, "before_cursor_execute", before)
    raw = sqlite3.connect(f"file:{app.db.path}?mode=ro", uri=True)
    try:
        return [
            "\n".join(row[-1] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())
            for sql, params in seen
        ]
    finally:
        raw.close()
