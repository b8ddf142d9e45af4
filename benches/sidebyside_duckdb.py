"""DuckDB on the side-by-side workload (benches/sidebyside.rs runs this).

    python benches/sidebyside_duckdb.py TRIPLES.csv ENTITIES RELATIONS DB_PATH

TRIPLES.csv holds one `s,p,o` line per triple (entity and relation
numbers, as the Rust bench generated them). Loads a dictionary table and
a triple table into a DuckDB file, runs the five queries with the bench's
parameters (median after one warm-up, repeated for about a second, 5 to
101 runs, as the Rust side does) and prints one JSON object: load seconds,
bytes on disk, query seconds and the answers, which the bench checks.
"""

import json
import os
import statistics
import sys
import time

import duckdb

IRI = "http://lore.example/"


def timed(f):
    answer = f()
    runs = []
    start = time.perf_counter()
    while len(runs) < 5 or (len(runs) < 101 and time.perf_counter() - start < 1.0):
        t = time.perf_counter()
        f()
        runs.append(time.perf_counter() - t)
    return answer, statistics.median_low(runs)


def main():
    csv, entities, relations, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    if os.path.exists(path):
        os.remove(path)
    db = duckdb.connect(path)
    start = time.perf_counter()
    db.execute(
        "CREATE TABLE dict AS SELECT i AS id, ? || 'e' || i AS name FROM range(?) r(i)",
        [IRI, entities],
    )
    db.execute(
        "INSERT INTO dict SELECT ? + i, ? || 'r' || i FROM range(?) r(i)",
        [entities, IRI, relations],
    )
    db.execute(
        "CREATE TABLE t AS SELECT s, p + ? AS p, o FROM read_csv(?, header=false, "
        "columns={'s': 'BIGINT', 'p': 'BIGINT', 'o': 'BIGINT'})",
        [entities, csv],
    )
    db.execute("CHECKPOINT")
    load = time.perf_counter() - start
    size = os.path.getsize(path)
    rel = lambda p: entities + p
    e0, e1, e10, e100, r0, r1 = 0, 1, 10, 100, rel(0), rel(1)

    def rows(sql, args):
        return len(db.execute(sql, args).fetchall())

    def count(sql, args):
        return db.execute(sql, args).fetchone()[0]

    qs = [
        lambda: rows(
            "SELECT dp.name, dob.name FROM t JOIN dict dp ON dp.id = t.p "
            "JOIN dict dob ON dob.id = t.o WHERE t.s = ?",
            [e100],
        ),
        lambda: rows(
            "SELECT d.name FROM t JOIN dict d ON d.id = t.s WHERE t.p = ? AND t.o = ?",
            [r1, e10],
        ),
        lambda: count(
            "SELECT COUNT(DISTINCT b.o) FROM t a JOIN t b ON b.s = a.o WHERE a.s = ? AND b.p = ?",
            [e100, r1],
        ),
        lambda: count("SELECT COUNT(*) FROM t WHERE p = ?", [r0]),
        lambda: rows(
            "SELECT d.name FROM t a JOIN t b ON b.s = a.s JOIN dict d ON d.id = a.s "
            "WHERE a.p = ? AND a.o = ? AND b.p = ? AND b.o = ?",
            [r0, e0, r1, e1],
        ),
    ]
    answers, times = [], []
    for q in qs:
        a, t = timed(q)
        answers.append(a)
        times.append(t)
    print(json.dumps({"load": load, "bytes": size, "queries": times, "answers": answers,
                      "version": duckdb.__version__}))


if __name__ == "__main__":
    main()
