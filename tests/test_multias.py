"""`load --as SRC=DEST` on a multi-table file: each table renamed with its own plan, and
foreign keys between the archive's tables following the renamed tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import AUTHORS_PAPERS, cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap.ddl.rename import rename_references
from pgsnap.ddl.targets import parse_renames, plan_targets, renamed_specs, split_as_option
from pgsnap.errors import UsageError
from pgsnap.model import Owned, QualifiedName, TableSpec

SHOP = """
CREATE TABLE public.parent (id int PRIMARY KEY, name text);
CREATE TABLE public.child (
  id serial PRIMARY KEY,
  parent_id int CONSTRAINT child_parent_fk REFERENCES public.parent (id),
  up_id int CONSTRAINT child_up_fk REFERENCES public.child (id),
  note text
);
INSERT INTO parent VALUES (1, 'a'), (2, 'b');
INSERT INTO child (parent_id, up_id, note) VALUES (1, NULL, 'x'), (2, 1, 'y'), (1, 2, 'z');
"""
FKS = """
SELECT conrelid::regclass::text, conname, confrelid::regclass::text
FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2
"""


def _dump_shop(db: TestDB, tmp_path: Path) -> Path:
    db.execute(SHOP)
    out = tmp_path / "shop.sql.zst"
    pgsnap.dump(["public.parent", "public.child"], dsn=db.dsn, output=out)
    return out


def _fks(db: TestDB) -> list[tuple[str, str, str]]:
    return [(str(a), str(b), str(c)) for a, b, c in db.execute(FKS)]


# --------------------------------------------------------------------------- against a server


def test_both_renamed_fk_follows(db: TestDB, tmp_path: Path) -> None:
    out = _dump_shop(db, tmp_path)
    before = {t: content_md5(db.dsn, t) for t in ("parent", "child")}
    res = cli(
        "load", str(out), "--dsn", db.dsn, "--as", "parent=parent_t", "--as", "public.child=child_t"
    )
    assert res.exit_code == 0, res.output
    assert _fks(db) == [
        ("child", "child_parent_fk", "parent"),
        ("child", "child_up_fk", "child"),
        ("child_t", "child_t_parent_fk", "parent_t"),
        ("child_t", "child_t_up_fk", "child_t"),
    ]
    for t in ("parent", "child"):
        assert content_md5(db.dsn, t) == before[t]  # the originals are untouched
        assert content_md5(db.dsn, t + "_t") == before[t]
    seq = db.execute("SELECT pg_get_serial_sequence('public.child_t', 'id')")
    assert seq == [("public.child_t_id_seq",)]
    # the same again: the targets exist now
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "parent=parent_t", "--as", "child=child_t")
    assert res.exit_code == 6 and '"public.parent_t" already exists' in res.stderr
    res = cli(
        "load", str(out), "--dsn", db.dsn, "--drop-existing", "--cascade",
        "--as", "parent=parent_t", "--as", "child=child_t",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert ("child_t", "child_t_parent_fk", "parent_t") in _fks(db)


def test_one_renamed_keeps_the_other_target(db: TestDB, tmp_path: Path) -> None:
    out = _dump_shop(db, tmp_path)
    # parent is restored under its own name, which exists: refused as a whole
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "child=child_t")
    assert res.exit_code == 6 and '"public.parent" already exists' in res.stderr
    assert not exists(db.dsn, "public.child_t")
    fresh = db.make_db()
    result = pgsnap.load(str(out), dsn=fresh.dsn, as_names={"child": "child_t"})
    assert (result.rows, result.mode) == (5, "created")
    assert _fks(fresh) == [
        ("child_t", "child_t_parent_fk", "parent"),
        ("child_t", "child_t_up_fk", "child_t"),
    ]
    assert content_md5(fresh.dsn, "child_t") == content_md5(db.dsn, "child")
    other = db.make_db()
    pgsnap.load(str(out), dsn=other.dsn, as_names={"parent": "parent_t"})
    assert _fks(other) == [
        ("child", "child_parent_fk", "parent_t"),
        ("child", "child_up_fk", "child"),
    ]
    assert content_md5(other.dsn, "parent_t") == content_md5(db.dsn, "parent")


def test_mutual_foreign_keys_both_renamed(db: TestDB, tmp_path: Path) -> None:
    db.execute(AUTHORS_PAPERS)
    out = tmp_path / "app.sql.gz"
    pgsnap.dump(schemas=["app"], dsn=db.dsn, output=out)
    names = {"app.authors": "app.authors_t", "app.papers": "public.papers_t"}
    pgsnap.load(str(out), dsn=db.dsn, as_names=names)
    assert _fks(db) == [
        ("app.authors", "authors_best_fk", "app.papers"),
        ("app.authors_t", "authors_t_best_fk", "papers_t"),
        ("app.papers", "papers_author_id_fkey", "app.authors"),
        ("papers_t", "papers_t_author_id_fkey", "app.authors_t"),
    ]
    assert content_md5(db.dsn, "authors_t", "app") == content_md5(db.dsn, "authors", "app")
    assert content_md5(db.dsn, "papers_t") == content_md5(db.dsn, "papers", "app")
    # a schema named in DEST must exist, as with --as NEW
    fresh = db.make_db()
    res = cli("load", str(out), "--dsn", fresh.dsn, "--as", "app.papers=nowhere.papers")
    assert res.exit_code == 8 and 'schema "nowhere" does not exist' in res.stderr


def test_bad_mappings_are_refused_before_any_change(db: TestDB, tmp_path: Path) -> None:
    out = _dump_shop(db, tmp_path)
    fresh = db.make_db()

    def load(*args: str) -> tuple[int, str]:
        res = cli("load", str(out), "--dsn", fresh.dsn, *args)
        return res.exit_code, res.stderr

    code, err = load("--as", "nope=x")
    assert code == 2 and 'no table "nope"' in err and "public.child" in err
    code, err = load("--as", "parent=x", "--as", "child=x")
    assert code == 2 and 'would both be restored as "public.x"' in err
    code, err = load("--as", "child=parent")
    assert code == 2 and 'tables "public.parent" and "public.child" would both' in err
    code, err = load("--as", "child=parent", "--as", "parent=child")  # a swap
    assert code == 2 and 'cannot restore "public.parent" as "public.child"' in err
    code, err = load("--as", "x")
    assert code == 2 and "--as SRC=DEST" in err and "--table" in err
    code, err = load("--as", "x", "--as", "child=y")
    assert code == 2 and "SRC=DEST" in err
    code, err = load("--as", "child=y", "--as", "public.child=z")
    assert code == 2 and 'renames table "public.child" twice' in err
    code, err = load("--as", "=y")
    assert code == 2 and "SRC=DEST" in err
    code, err = load("--table", "child", "--as", "parent=y")
    assert code == 2 and 'only table "public.child" is loaded' in err
    code, err = load("--replace", "--as", "child=y")
    assert code == 2 and "--replace" in err
    code, err = load("--as", "child=" + "c" * 64)
    assert code == 2 and "63" in err
    assert _fks(fresh) == []  # nothing was created
    assert fresh.execute(
        "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    ) == [(0,)]


def test_table_with_src_dest_and_long_names(db: TestDB, tmp_path: Path) -> None:
    out = _dump_shop(db, tmp_path)
    res = cli("load", str(out), "--dsn", db.dsn, "--table", "child", "--as", "child=child_t")
    assert res.exit_code == 0, res.output
    assert ("child_t", "child_t_parent_fk", "parent") in _fks(db)  # not restored: kept
    fresh = db.make_db()
    long = "c" * 60
    res = cli("load", str(out), "--dsn", fresh.dsn, "--as", f"child={long}")
    assert res.exit_code == 2 and "--shorten-names" in res.stderr
    res = cli("load", str(out), "--dsn", fresh.dsn, "--as", f"child={long}", "--shorten-names")
    assert res.exit_code == 0, res.output
    assert content_md5(fresh.dsn, long) == content_md5(db.dsn, "child")
    (fk,) = [f for f in _fks(fresh) if f[2] == "parent"]
    assert fk[0] == long and len(fk[1]) <= 63


# --------------------------------------------------------------------------- pure


def _spec(name: str, *post: str) -> TableSpec:
    return TableSpec("public", name, (), Owned(), (), post)


def test_rename_references_changes_only_renamed_targets() -> None:
    fk_a = 'ALTER TABLE ONLY "public"."c" ADD CONSTRAINT "c_fk" FOREIGN KEY ("a") REFERENCES "public"."a"("id")'
    fk_b = (
        'ALTER TABLE ONLY "public"."c" ADD CONSTRAINT "a_fk" FOREIGN KEY ("b") REFERENCES b("id")'
    )
    check = 'ALTER TABLE "public"."c" ADD CONSTRAINT "a" CHECK (a > 0)'
    spec = rename_references(
        _spec("c", fk_a, fk_b, check),
        {QualifiedName("public", "a"): QualifiedName("s", "a2")},
        schema="public",
    )
    assert spec.post_data[0] == (
        "ALTER TABLE ONLY public.c ADD CONSTRAINT c_fk FOREIGN KEY (a) REFERENCES s.a2 (id)"
    )
    assert spec.post_data[1:] == (fk_b, check)  # untouched statements keep their text
    moved = rename_references(
        _spec("c", fk_b),
        {QualifiedName("public", "b"): QualifiedName("public", "b2")},
        schema="public",
    )
    assert "REFERENCES public.b2 (id)" in moved.post_data[0] and '"a_fk"' not in moved.post_data[0]


def test_plan_targets_and_renamed_specs() -> None:
    fk = 'ALTER TABLE ONLY "public"."c" ADD CONSTRAINT "c_fk" FOREIGN KEY ("p") REFERENCES "public"."p"("id")'
    specs = [_spec("p"), _spec("c", fk)]
    targets = plan_targets(specs, parse_renames({"p": "x.p2"}))
    assert targets == {0: QualifiedName("x", "p2")}
    finals = renamed_specs(specs, targets)
    assert [s.qname for s in finals] == [QualifiedName("x", "p2"), QualifiedName("public", "c")]
    assert finals[1].post_data[0].endswith("REFERENCES x.p2 (id)")
    assert renamed_specs(specs, {}) == specs
    with pytest.raises(UsageError, match=r'would both be restored as "public\.p"'):
        plan_targets(specs, parse_renames({"c": "p"}))
    with pytest.raises(UsageError, match=r'restore "public\.p" as "public\.c": the archive has'):
        plan_targets(specs, parse_renames({"c": "p", "p": "c"}))


def test_split_as_option() -> None:
    assert split_as_option([]) == (None, {})
    assert split_as_option(["new"]) == ("new", {})
    assert split_as_option(["a=b", ' "x=y".t = s.u ']) == (None, {"a": "b", '"x=y".t': "s.u"})
    assert split_as_option(['"a=b"']) == ('"a=b"', {})
    for bad in (["a", "b"], ["a", "b=c"], ["a=b", "a=c"], ["a="]):
        with pytest.raises(UsageError):
            split_as_option(bad)


def test_inspect_shows_the_renamed_ddl(db: TestDB, tmp_path: Path) -> None:
    out = _dump_shop(db, tmp_path)
    res = cli("inspect", str(out), "--ddl", "--as", "parent=parent_t", "--as", "child=child_t")
    assert res.exit_code == 0, res.output
    assert "REFERENCES public.parent_t (id)" in res.output
    assert "REFERENCES public.child_t (id)" in res.output
    assert '"public"."parent"' not in res.output
    res = cli("inspect", str(out), "--ddl", "--table", "child", "--as", "child=child_t")
    assert res.exit_code == 0, res.output
    assert "REFERENCES public.parent (id)" in res.output and "parent_t" not in res.output
    res = cli("inspect", str(out), "--as", "child=parent")
    assert res.exit_code == 2 and "would both be restored" in res.stderr
