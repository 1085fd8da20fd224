"""The connection to the store: the same checks, schema and refusals as the Node writer's."""

import os
import sqlite3
import stat
import threading
import time

from ._errors import CellflowError, describe, rule_refusal
from ._files import kind_of
from ._location import link_out_of_workspace, store_path, workspace_root
from ._schema import (
    FOREIGN_CHECK, MIGRATIONS, SCHEMA_VERSION, STORE_DAMAGED, STORE_DISK_FULL, STORE_LINKED_OUT, STORE_LOCKED, STORE_NOT_A_FILE,
    STORE_READ_ONLY, STORE_WRITE_FAILED, TEXT_REFUSAL,
)

_SQLITE_HEADER = b"SQLite format 3\x00"
# How long a write waits for another writer's lock. A module constant so that a test can shorten it.
_BUSY_SECONDS = 60.0


def now():
    """Milliseconds since the epoch, as the store keeps times."""
    return int(time.time() * 1000)


def _code(err):
    # Python 3.11 names SQLite's (extended) result code; older ones leave only the message to go by.
    return getattr(err, "sqlite_errorname", None) or ""


def _busy(err):
    code = _code(err)
    if code:
        return code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    return "locked" in str(err) or "busy" in str(err)


def _damaged(err):
    code = _code(err)
    if code:
        return code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
    return "malformed" in str(err) or "not a database" in str(err)


class Store:
    """One connection to the store, with the same checks and schema as the editor's."""

    def __init__(self, path, root):
        self.path = path
        self.root = root
        # Set once SQLite has said the file is damaged: nothing more is written to it.
        self._damage = None
        target = link_out_of_workspace(path, root)
        if target is not None:
            raise CellflowError(f"{path}: " + STORE_LINKED_OUT.format(root=root, target=target))
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as err:
            raise CellflowError(f"{path}: cannot be read ({err.strerror})") from None
        if info is not None and not stat.S_ISREG(info.st_mode):
            # A folder or a FIFO is never opened (opening a FIFO would wait for a writer).
            raise CellflowError(f"{path}: " + STORE_NOT_A_FILE.format(kind=kind_of(info.st_mode)))
        try:
            if info is not None and info.st_size > 0:
                with open(path, "rb") as f:
                    if f.read(16) != _SQLITE_HEADER[: min(16, info.st_size)]:
                        raise CellflowError(f"{path} is not a Cellflow store (not an SQLite database); Cellflow will not touch it")
            os.makedirs(os.path.dirname(path), exist_ok=True)
        except OSError as err:
            raise CellflowError(f"{path}: cannot be opened ({err.strerror})") from None
        self.lock = threading.Lock()
        try:
            # Autocommit mode: transactions are explicit, BEGIN IMMEDIATE, so writers queue instead of failing.
            self.conn = sqlite3.connect(path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as err:
            raise self._problem(err) from None
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
        except sqlite3.Error as err:
            self.conn.close()
            raise self._problem(err) from None

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

    def _problem(self, err):
        """The CellflowError for an SQLite error, naming the file; a damaged file is written no more."""
        code = _code(err)
        if _damaged(err):
            self._damage = f"{self.path}: " + STORE_DAMAGED.format(error=err)
            return CellflowError(self._damage)
        if _busy(err):
            return CellflowError(f"{self.path} " + STORE_LOCKED.format(seconds=f"{_BUSY_SECONDS:g}"))
        if code == "SQLITE_FULL" or (not code and "full" in str(err)):
            return CellflowError(f"{self.path}: " + STORE_DISK_FULL.format(error=err))
        if code.startswith("SQLITE_IOERR"):
            return CellflowError(f"{self.path}: " + STORE_WRITE_FAILED.format(error=err))
        if code.startswith("SQLITE_READONLY") or (not code and "readonly" in str(err)):
            return CellflowError(f"{self.path}: " + STORE_READ_ONLY.format(error=err))
        return CellflowError(f"{self.path} cannot be used: {err}")

    def write(self, fn):
        """Runs fn(cursor) in one immediate transaction, retrying while another writer holds the lock.
        Whatever goes wrong rolls the transaction back and comes out as a CellflowError naming the file."""
        deadline = time.monotonic() + _BUSY_SECONDS
        delay = 0.005
        with self.lock:
            while True:
                if self._damage:
                    raise CellflowError(self._damage)
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(_Cursor(self.conn))
                        self.conn.execute("COMMIT")
                        return result
                    except BaseException:
                        self._rollback()
                        raise
                except sqlite3.Error as err:
                    if not _busy(err) or time.monotonic() > deadline:
                        raise self._problem(err) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)
                except (OverflowError, UnicodeEncodeError) as err:
                    # The callers check their values first; this is the backstop for one that slipped by.
                    raise CellflowError(f"{self.path}: a value cannot be stored ({err})") from None

    def _rollback(self):
        # SQLite rolls back by itself on some errors (a full disk, an I/O error): a ROLLBACK then fails with
        # "no transaction is active" and would hide the error that matters.
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def read(self, sql, args=()):
        with self.lock:
            if self._damage:
                raise CellflowError(self._damage)
            try:
                return self.conn.execute(sql, args).fetchall()
            except sqlite3.Error as err:
                raise self._problem(err) from None


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
        except UnicodeEncodeError:
            bad = next((a for a in args if isinstance(a, str) and not _encodes(a)), "")
            raise CellflowError(TEXT_REFUSAL.format(what="a value", value=describe(bad))) from None

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


def _encodes(text):
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


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
