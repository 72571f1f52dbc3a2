"""Writing and reading many rows at once, for imports and network-wide views: building a
million model objects takes longer than writing the rows. New rows go to PostgreSQL with COPY
and to SQLite with one prepared INSERT; lookups of many values go in slices (PostgreSQL takes
each slice as an array); large reads come from PostgreSQL with COPY, parsed in C.
"""

import contextlib
import io

import pandas as pd
from django.db import connection

BULK_ROWS = 100_000  # from here on, foreign keys are checked once for the whole batch


def insert_rows(model, frame: pd.DataFrame) -> None:
    """Insert a frame whose columns are the model's database columns (missing values → NULL)."""
    if frame.empty:
        return
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = frame.to_csv(index=False, header=False)  # written in C, streamed to COPY
            # CSV has one empty cell for NULL and ""; in a column that takes no NULL it is ""
            fields = {f.column: f for f in model._meta.concrete_fields}
            not_null = [c for c in frame.columns if c in fields and not fields[c].null]
            force = f", FORCE_NOT_NULL ({', '.join(map(connection.ops.quote_name, not_null))})"
            options = "FORMAT csv" + (force if not_null else "")
            sql = f"COPY {table} ({columns}) FROM STDIN WITH ({options})"
            with (
                foreign_keys_checked_once(cursor, table, len(frame)),
                cursor.copy(sql) as copy,
            ):
                for start in range(0, len(text), 8 << 20):
                    copy.write(text[start : start + (8 << 20)])
        else:
            marks = ", ".join(["%s"] * len(frame.columns))
            values = frame.astype(object).where(frame.notna(), None)
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                values.itertuples(index=False, name=None),
            )


@contextlib.contextmanager
def foreign_keys_checked_once(cursor, table: str, rows: int):
    """PostgreSQL checks each new row's foreign keys one by one (three lookups a row, ~16 s for
    a million rows); for a large batch, drop the keys inside the import's transaction and add
    them back, which checks the whole table in one join (< 1 s) — the bulk-loading advice of
    the PostgreSQL manual. A failed check or import rolls the drop back with everything else.
    The table is locked against readers for the length of the import."""
    if rows < BULK_ROWS:
        yield
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    keys = cursor.fetchall()
    quote = connection.ops.quote_name
    if not keys:
        yield
        return
    # checks still pending from earlier in the transaction block a table change: run them now
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    drops = ", ".join(f"DROP CONSTRAINT {quote(name)}" for name, _ in keys)
    cursor.execute(f"ALTER TABLE {table} {drops}")
    yield
    adds = ", ".join(f"ADD CONSTRAINT {quote(name)} {definition}" for name, definition in keys)
    cursor.execute(f"ALTER TABLE {table} {adds}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are deferred


def select_in(cursor, model, columns: list[str], column: str, values: list, **equal) -> list:
    """Rows of a model's table whose `column` is one of many values, as plain tuples, in
    slices (databases cap the values in one query); PostgreSQL takes each slice as one array."""
    table = model._meta.db_table
    where = "".join(f" AND {name} = %s" for name in equal)
    rows = []
    size = 100_000 if connection.vendor == "postgresql" else 20_000
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        if connection.vendor == "postgresql" and all(type(v) is int for v in chunk):
            # the driver adapts a long list one number at a time; the text of an array is cast
            # by the server (75,000 ids: 340 ms → 150 ms)
            test, params = f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, chunk)) + "}"]
        elif connection.vendor == "postgresql":
            test, params = f"{column} = ANY(%s)", [chunk]
        else:
            test, params = f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {test}{where}",
            [*params, *equal.values()],
        )
        rows += cursor.fetchall()
    return rows


def read_frame(query, dtypes: dict[str, str]) -> pd.DataFrame:
    """A values_list queryset's rows as a frame with these columns and dtypes ("date" for a
    date column, read as datetime64). PostgreSQL sends them with COPY as CSV, read by pandas'
    C parser: millions of rows as Python tuples take seconds and gigabytes, as CSV a fraction
    of both."""
    sql, params = query.query.sql_with_params()
    names = list(dtypes)
    plain = {c: t for c, t in dtypes.items() if t != "date"}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = io.BytesIO()

            def copy_out(statement, values, many, context):
                with cursor.cursor.copy(statement, values) as copy:
                    for block in copy:
                        text.write(block)

            # through Django's wrappers and query log, so the COPY is counted like any query
            copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
            logged = getattr(cursor, "debug_sql", None)
            with logged(copy_sql, params) if logged else contextlib.nullcontext():
                cursor._execute_with_wrappers(copy_sql, params, many=False, executor=copy_out)
            text.seek(0)
            frame = pd.read_csv(text, header=None, names=names, dtype=plain)
        else:
            cursor.execute(sql, params)
            frame = pd.DataFrame(cursor.fetchall(), columns=names).astype(plain)
    for column in (c for c, t in dtypes.items() if t == "date"):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
    return frame
