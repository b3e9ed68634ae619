"""Safe restores: what depends on the target is found before any change, kept by --replace,
dropped by --cascade only with a word for each object, and --dry-run says all of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap.errors import DependantsError, TableNotFoundError, TargetExistsError

ORDERS = """
CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric, note text);
INSERT INTO orders SELECT g, 'c' || (g % 7), g * 1.5, NULL FROM generate_series(1, 300) g;
"""

# what depends on orders from outside it: a view, a view on that view, a materialized view,
# another table's foreign key, a rule and a policy on another table, a publication
NEIGHBOURS = """
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE VIEW big_order_ids AS SELECT id FROM big_orders;
CREATE MATERIALIZED VIEW order_totals AS SELECT customer, sum(total) AS total FROM orders GROUP BY 1;
CREATE UNIQUE INDEX order_totals_customer ON order_totals (customer);
COMMENT ON VIEW big_orders IS 'orders over 100';
CREATE TABLE lines (id int PRIMARY KEY, order_id int CONSTRAINT lines_order_fk REFERENCES orders (id));
INSERT INTO lines SELECT g, g FROM generate_series(1, 50) g;
CREATE TABLE audit (id int);
CREATE RULE audit_orders AS ON INSERT TO audit DO ALSO SELECT count(*) FROM orders;
ALTER TABLE lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY lines_known ON lines USING (order_id IN (SELECT id FROM orders));
CREATE PUBLICATION orders_pub FOR TABLE orders;
"""


def _dump(db: TestDB, tmp_path: Path) -> Path:
    out = tmp_path / "orders.sql.zst"
    pgsnap.dump("orders", dsn=db.dsn, output=out)
    return out


def _neighbours(db: TestDB) -> list[tuple[str, ...]]:
    return db.execute(
        "SELECT 'rel', relname FROM pg_class WHERE relname IN"
        " ('big_orders', 'big_order_ids', 'order_totals', 'order_totals_customer')"
        " UNION ALL SELECT 'con', conname || ':' || convalidated FROM pg_constraint"
        " WHERE conname = 'lines_order_fk'"
        " UNION ALL SELECT 'rule', rulename FROM pg_rules WHERE rulename = 'audit_orders'"
        " UNION ALL SELECT 'pol', policyname FROM pg_policies WHERE policyname = 'lines_known'"
        " UNION ALL SELECT 'pub', pubname || ':' || tablename FROM pg_publication_tables"
        " ORDER BY 1, 2"
    )


EVERY_NEIGHBOUR = [
    ("con", "lines_order_fk:true"),
    ("pol", "lines_known"),
    ("pub", "orders_pub:orders"),
    ("rel", "big_order_ids"),
    ("rel", "big_orders"),
    ("rel", "order_totals"),
    ("rel", "order_totals_customer"),
    ("rule", "audit_orders"),
]


@pytest.fixture
def orders(db: TestDB, tmp_path: Path) -> Path:
    db.execute(ORDERS)
    out = _dump(db, tmp_path)
    db.execute(NEIGHBOURS)
    db.execute("DELETE FROM orders WHERE id > 250 AND id NOT IN (SELECT order_id FROM lines)")
    return out


def test_drop_existing_refuses_up_front_naming_the_dependants(db: TestDB, orders: Path) -> None:
    before = content_md5(db.dsn, "orders")
    res = cli("load", str(orders), "--dsn", db.dsn, "--drop-existing")
    assert res.exit_code == 6, res.output
    assert "cannot drop public.orders" in res.stderr
    for name in (
        "view public.big_orders",
        "constraint lines_order_fk on table public.lines",
        "--cascade",
    ):
        assert name in res.stderr
    assert "--replace" in res.stderr and "Traceback" not in res.output
    assert content_md5(db.dsn, "orders") == before
    assert _neighbours(db) == EVERY_NEIGHBOUR
    with pytest.raises(DependantsError, match="depend on it"):
        pgsnap.load(str(orders), dsn=db.dsn, drop_existing=True)


@pytest.mark.parametrize("jobs", [1, 2])
def test_cascade_says_every_object_it_dropped(db: TestDB, orders: Path, jobs: int) -> None:
    mode = ["--drop-existing"] if jobs == 1 else ["--replace"]
    res = cli("load", str(orders), "--dsn", db.dsn, *mode, "--cascade", "-j", str(jobs))
    assert res.exit_code == 0, res.output
    for name in (
        "view public.big_orders",
        "view public.big_order_ids",
        "materialized view public.order_totals",
    ):
        assert f"dropped {name} (--cascade)" in res.stderr
    assert "dropped constraint lines_order_fk on table public.lines (--cascade)" in res.stderr
    assert "dropped policy lines_known on table public.lines (--cascade)" in res.stderr
    assert "dropped rule audit_orders on table public.audit (--cascade)" in res.stderr
    assert "other objects" not in res.stderr  # the server's summary line is not an object
    assert db.execute("SELECT count(*) FROM orders") == [(300,)]
    assert _neighbours(db) == []  # the publication lost the table too (pg_publication_tables)


@pytest.mark.parametrize("jobs", [1, 2])
def test_replace_keeps_what_depends_on_the_table(db: TestDB, orders: Path, jobs: int) -> None:
    res = cli("load", str(orders), "--dsn", db.dsn, "--replace", "-j", str(jobs))
    assert res.exit_code == 0, res.output
    assert "kept view public.big_orders: re-created on the new public.orders" in res.stderr
    assert "kept constraint lines_order_fk on table public.lines" in res.stderr
    assert db.execute("SELECT count(*) FROM orders") == [(300,)]
    assert _neighbours(db) == EVERY_NEIGHBOUR  # the foreign key validated again
    # the views read the new table; the comment came along; the mat view was refreshed
    assert db.execute("SELECT count(*) FROM big_order_ids") == [(234,)]
    assert db.execute("SELECT obj_description('big_orders'::regclass)") == [("orders over 100",)]
    assert db.execute("SELECT sum(total)::int FROM order_totals") == [(67725,)]
    with pytest.raises(Exception, match="violates foreign key"):
        db.execute("INSERT INTO lines VALUES (999, 999)")


def test_replace_refuses_a_dependant_on_a_column_the_archive_lacks(
    db: TestDB, orders: Path
) -> None:
    db.execute("ALTER TABLE orders ADD COLUMN region text")
    db.execute("CREATE VIEW orders_by_region AS SELECT region, count(*) FROM orders GROUP BY 1")
    before = content_md5(db.dsn, "orders")
    res = cli("load", str(orders), "--dsn", db.dsn, "--replace")
    assert res.exit_code == 6, res.output
    assert 'view public.orders_by_region uses column "region"' in res.stderr
    assert content_md5(db.dsn, "orders") == before
    assert exists(db.dsn, "orders_by_region")


def test_dry_run_says_the_plan_and_changes_nothing(db: TestDB, orders: Path) -> None:
    before = content_md5(db.dsn, "orders")
    res = cli("load", str(orders), "--dsn", db.dsn, "--replace", "--dry-run")
    assert res.exit_code == 0, res.output
    assert "would build public.orders beside the old one and swap it in" in res.stderr
    assert "would keep view public.big_orders: re-created on the new table" in res.stderr
    assert "would keep constraint lines_order_fk on table public.lines" in res.stderr
    assert "dry run: public.orders would load 300 rows" in res.stderr
    assert "nothing was changed" in res.stderr
    assert content_md5(db.dsn, "orders") == before
    result = pgsnap.load(str(orders), dsn=db.dsn, drop_existing=True, cascade=True, dry_run=True)
    assert result.dry_run and result.rows == 300 and result.mode == "recreated"
    assert "would drop view public.big_orders (--cascade)" in result.actions
    assert content_md5(db.dsn, "orders") == before
    res = cli("load", "-", "--dsn", db.dsn, "--replace", "--dry-run", input=orders.read_bytes())
    assert res.exit_code == 0 and "dry run: public.orders would load its rows into" in res.stderr
    assert content_md5(db.dsn, "orders") == before
    # a dry run fails as the load would, before any change
    res = cli("load", str(orders), "--dsn", db.dsn, "--drop-existing", "--dry-run")
    assert res.exit_code == 6 and "view public.big_orders" in res.stderr


def _invoices(db: TestDB, tmp_path: Path) -> Path:
    """An archive of invoices, whose 50 rows reference customer 7 of another table."""
    db.execute(
        "CREATE TABLE customers (id int PRIMARY KEY);"
        "CREATE TABLE invoices (id int PRIMARY KEY, customer_id int REFERENCES customers (id));"
        "INSERT INTO customers VALUES (7);"
        "INSERT INTO invoices SELECT g, 7 FROM generate_series(1, 50) g"
    )
    out = tmp_path / "invoices.sql.zst"
    pgsnap.dump("invoices", dsn=db.dsn, output=out)
    return out


def test_missing_foreign_key_target_is_refused_up_front(db: TestDB, tmp_path: Path) -> None:
    out = _invoices(db, tmp_path)
    other = db.make_db()
    res = cli("load", str(out), "--dsn", other.dsn, "-j", "2")
    assert res.exit_code == 4, res.output
    assert "its foreign key references public.customers, which does not exist" in res.stderr
    assert "pgsnap_stage" not in res.output
    assert not exists(other.dsn, "invoices")
    with pytest.raises(TableNotFoundError, match=r"public\.customers"):
        pgsnap.load(str(out), dsn=other.dsn)
    res = cli("load", str(out), "--dsn", other.dsn, "--dry-run")
    assert res.exit_code == 4 and "public.customers" in res.stderr


@pytest.mark.parametrize(
    ("taken", "holder"),
    [
        ("CREATE VIEW orders AS SELECT 1 AS id", "view public.orders"),
        ("CREATE SEQUENCE orders_pkey", "sequence public.orders_pkey"),
        ("CREATE TYPE orders AS ENUM ('a')", "type public.orders"),
    ],
)
def test_a_name_the_load_creates_that_is_taken_is_refused(
    db: TestDB, tmp_path: Path, taken: str, holder: str
) -> None:
    db.execute(ORDERS)
    out = _dump(db, tmp_path)
    other = db.make_db()
    other.execute(taken)
    res = cli("load", str(out), "--dsn", other.dsn)
    assert res.exit_code == 6, res.output
    assert f"is taken by {holder}" in res.stderr
    with pytest.raises(TargetExistsError, match="is taken by"):
        pgsnap.load(str(out), dsn=other.dsn, dry_run=True)


def test_errors_name_the_users_table_and_keep_detail_and_hint(db: TestDB, tmp_path: Path) -> None:
    out = _invoices(db, tmp_path)
    other = db.make_db()
    other.execute("CREATE TABLE customers (id int PRIMARY KEY)")  # empty: the key check fails
    for jobs in ("1", "2"):
        res = cli("load", str(out), "--dsn", other.dsn, "-j", jobs)
        assert res.exit_code == 8, res.output
        assert (
            'on table "invoices" violates foreign key constraint "invoices_customer_id_fkey"'
            in (res.stderr)
        )
        assert 'detail: Key (customer_id)=(7) is not present in table "customers"' in res.stderr
        assert "pgsnap_stage" not in res.output
        assert not exists(other.dsn, "invoices")
    res = cli("dump", "invoices", "--dsn", db.dsn, "--where", "customer = 7", "-o", "-")
    assert res.exit_code == 8
    assert 'hint: Perhaps you meant to reference the column "invoices.customer_id"' in res.stderr
