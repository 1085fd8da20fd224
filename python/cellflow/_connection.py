"""The connection to the store: the same checks, schema and refusals as the Node writer's."""

import os
import sqlite3
import threading
import time

from ._errors import CellflowError, rule_refusal
from ._location import store_path, workspace_root
from ._schema import FOREIGN_CHECK, MIGRATIONS, SCHEMA_VERSION

_SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_SECONDS = 60.0


def now():
    """Milliseconds since the epoch, as the store keeps times."""
    return int(time.time() * 1000)


class Store:
    """One connection to the store, with the same checks and schema as the editor's."""

    def __init__(self, path, root):
        self.path = path
        self.root = root
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, "rb") as f:
                if f.read(16) != _SQLITE_HEADER[: min(16, os.path.getsize(path))]:
                    raise CellflowError(f"{path} is not a Cellflow store (not an SQLite database); Cellflow will not touch it")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Autocommit mode: transactions are explicit, BEGIN IMMEDIATE, so writers queue instead of failing.
        self.conn = sqlite3.connect(path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        self.lock = threading.Lock()
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_SECONDS * 1000)}")
            # Refusals come before anything that writes (switching to WAL rewrites the header).
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self._refuse_foreign()
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA trusted_schema = OFF")
            self._migrate()
        except CellflowError:
            self.conn.close()
            raise
        except sqlite3.DatabaseError as err:
            self.conn.close()
            raise CellflowError(f"{path} cannot be used: {err}") from None

    def _refuse_foreign(self):
        # One statement, one snapshot: a store that another process is creating right now is not
        # mistaken for someone else's database between two reads.
        current, tables, ours = self.conn.execute(FOREIGN_CHECK).fetchone()
        if current > SCHEMA_VERSION:
            raise CellflowError(f"{self.path} was written by a newer Cellflow (store schema v{current}; this client knows v{SCHEMA_VERSION}); update the cellflow package")
        if (current == 0 and tables > 0) or (current > 0 and ours < 2):
            raise CellflowError(f"{self.path} is an SQLite database of something else (it has tables, but no Cellflow schema); Cellflow will not touch it")

    def _migrate(self):
        if self.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return

        def upgrade(cur):
            at = cur.execute("PRAGMA user_version").fetchone()[0]
            for migration in MIGRATIONS:
                if migration["version"] > at:
                    cur.executescript_statements(migration["sql"])
                    cur.execute(f"PRAGMA user_version = {migration['version']}")

        self.write(upgrade)

    def write(self, fn):
        """Runs fn(cursor) in one immediate transaction, retrying while another writer holds the lock."""
        deadline = time.monotonic() + _BUSY_SECONDS
        delay = 0.005
        with self.lock:
            while True:
                cur = _Cursor(self.conn)
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(cur)
                        self.conn.execute("COMMIT")
                        return result
                    except BaseException:
                        self.conn.execute("ROLLBACK")
                        raise
                except sqlite3.OperationalError as err:
                    if "locked" not in str(err) and "busy" not in str(err):
                        raise
                    if time.monotonic() > deadline:
                        raise CellflowError(f"{self.path} stayed locked by another writer for {_BUSY_SECONDS:.0f} s") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)

    def read(self, sql, args=()):
        with self.lock:
            return self.conn.execute(sql, args).fetchall()


class _Cursor:
    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, args=(), fields=None):
        """Runs one statement; a rule of the schema that refuses the row becomes a CellflowError naming
        the value, from `fields` (the row's values by column), worded as the Node writer words it."""
        try:
            return self.conn.execute(sql, args)
        except sqlite3.IntegrityError as err:
            message = rule_refusal(str(err), fields or {})
            if message is None:
                raise
            raise CellflowError(message) from None

    def executemany(self, sql, rows):
        return self.conn.executemany(sql, rows)

    def executescript_statements(self, script):
        # executescript would COMMIT the open transaction: run the statements one by one instead.
        buffer = ""
        for line in script.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                self.conn.execute(buffer)
                buffer = ""
        if buffer.strip():
            self.conn.execute(buffer)


_store = None
_store_lock = threading.Lock()


def get_store():
    """This process's connection, opened on first use."""
    global _store
    with _store_lock:
        if _store is None:
            root = workspace_root()
            _store = Store(store_path(root), root)
        return _store
