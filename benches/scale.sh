#!/usr/bin/env bash
# Produces every figure of the scale table in BENCHMARKS.md (## Scale).
#
#   benches/scale.sh [SIZE...]          default sizes: 100000 1000000
#   SCALE_DIR=/big/disk benches/scale.sh 100000 1000000 10000000
#   BBC=/path/to/corpus benches/scale.sh   (default ../shared/corpora/bbc)
#
# For each size: generates the JSONL once (examples/gen_facts.rs, seed 42),
# imports it into a fresh store with /usr/bin/time -v (import rate, peak RSS),
# measures the store on disk, runs examples/first_answer.rs in a fresh process
# (open-to-first-answer and point query medians, peak RSS while querying, and
# medians of the query-language benchmark's five query shapes on this store),
# then runs `lore check`. Finally ingests the BBC corpus.
# "Warm" is a fresh process with the store's files in the OS page cache. When
# /proc/sys/vm/drop_caches is writable (root), first_answer also runs right
# after dropping the OS page cache ("cold"): once right after the import and
# once right after `lore check`; otherwise those columns are "-".
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(100000 1000000); fi
DIR=${SCALE_DIR:-target/scale}
BBC=${BBC:-../shared/corpora/bbc}
mkdir -p "$DIR"
cargo build --release --quiet --bin lore --example gen_facts --example first_answer
LORE=target/release/lore
GEN=target/release/examples/gen_facts
FIRST=target/release/examples/first_answer

field() { grep "$1" "$2" | sed 's/.*: //'; }
secs() { # h:mm:ss or m:ss.ss -> seconds
  awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }' <<<"$1"
}

echo "| facts | import facts/s (wall) | import facts/s (CPU) | import wall s | bytes/fact | store MB | import peak RSS MB | open ms (warm) | open → first answer ms, cold after the import / cold after lore check / warm | point query median µs (most popular / tail entity) | query peak RSS MB | check s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
: > "$DIR/moved.out"
for N in "${SIZES[@]}"; do
  JSONL="$DIR/facts-$N.jsonl"
  [ -s "$JSONL" ] || "$GEN" "$N" 42 > "$JSONL"
  STORE="$DIR/store-$N"
  rm -rf "$STORE"
  /usr/bin/time -v "$LORE" --db "$STORE" import "$JSONL" > "$DIR/import-$N.out" 2> "$DIR/import-$N.time"
  T=$(secs "$(field 'Elapsed (wall clock)' "$DIR/import-$N.time")")
  RSS=$(field 'Maximum resident set size' "$DIR/import-$N.time")
  CPU=$(echo "$(field 'User time' "$DIR/import-$N.time") + $(field 'System time' "$DIR/import-$N.time")" | bc -l)
  BYTES=$(du -sb "$STORE" | cut -f1)
  cold() { # open -> first answer (ms) right after the OS page cache is dropped
    if [ -w /proc/sys/vm/drop_caches ]; then
      sync && echo 1 > /proc/sys/vm/drop_caches
      "$FIRST" "$STORE" > "$DIR/cold-$1-$N.out"
      grep '^first_answer_ms' "$DIR/cold-$1-$N.out" | cut -d' ' -f2
    else
      echo -
    fi
  }
  COLD=$(cold import)
  /usr/bin/time -v "$FIRST" "$STORE" > "$DIR/first-$N.out" 2> "$DIR/first-$N.time"
  QRSS=$(field 'Maximum resident set size' "$DIR/first-$N.time")
  OPEN=$(grep '^open_ms' "$DIR/first-$N.out" | cut -d' ' -f2)
  FIRSTMS=$(grep '^first_answer_ms' "$DIR/first-$N.out" | cut -d' ' -f2)
  HOT=$(grep '^point_hot_us' "$DIR/first-$N.out" | cut -d' ' -f2)
  TAIL=$(grep '^point_tail_us' "$DIR/first-$N.out" | cut -d' ' -f2)
  snapshot() { ls "$STORE" | grep '^snap\.' || true; }
  SNAP=$(snapshot)
  START=$(date +%s.%N)
  "$LORE" --db "$STORE" check > "$DIR/check-$N.out"
  CHECK=$(echo "$(date +%s.%N) - $START" | bc)
  COLD_CHECK=$(cold check)
  # Readers write nothing to sled's log, so neither first_answer nor check
  # should have made the next open write a new snapshot.
  if [ "$(snapshot)" = "$SNAP" ]; then MOVED=no; else MOVED=yes; fi
  echo "$N: log moved by the readers after the import: $MOVED" >> "$DIR/moved.out"
  printf '| %s | %.0f | %.0f | %.1f | %.0f | %.0f | %.0f | %s | %s / %s / %s | %s / %s | %.0f | %.1f |\n' \
    "$N" "$(echo "$N / $T" | bc -l)" "$(echo "$N / $CPU" | bc -l)" "$T" "$(echo "$BYTES / $N" | bc -l)" \
    "$(echo "$BYTES / 1048576" | bc -l)" "$(echo "$RSS / 1024" | bc -l)" \
    "$OPEN" "$COLD" "$COLD_CHECK" "$FIRSTMS" "$HOT" "$TAIL" "$(echo "$QRSS / 1024" | bc -l)" "$CHECK"
done

echo
echo "Query-language medians (µs, warm; shapes of benches/query.rs, entities picked by first_answer):"
echo
echo "| facts | point | bound_object | join | count | count_popular |"
echo "|---|---|---|---|---|---|"
for N in "${SIZES[@]}"; do
  q() { grep "^query_$1_us" "$DIR/first-$N.out" | awk '{ sub(/\(/, "", $3); print $2 " (" $3 " rows)" }'; }
  echo "| $N | $(q point) | $(q bound_object) | $(q join) | $(q count) | $(q count_popular) |"
done
echo
cat "$DIR/moved.out"

if [ -d "$BBC" ]; then
  STORE="$DIR/store-bbc"
  rm -rf "$STORE"
  MB=$(du -sb "$BBC" | cut -f1)
  /usr/bin/time -v "$LORE" --db "$STORE" ingest -q "$BBC" > "$DIR/bbc.out" 2> "$DIR/bbc.time" || true
  T=$(secs "$(field 'Elapsed (wall clock)' "$DIR/bbc.time")")
  RSS=$(field 'Maximum resident set size' "$DIR/bbc.time")
  echo
  echo "BBC corpus ($BBC, $(echo "$MB / 1048576" | bc -l | xargs printf '%.1f') MB): $(tail -1 "$DIR/bbc.out")"
  printf 'ingest: %.1f s, %.2f MB/s, peak RSS %.0f MB, store %.0f bytes on disk\n' \
    "$T" "$(echo "$MB / 1048576 / $T" | bc -l)" "$(echo "$RSS / 1024" | bc -l)" "$(du -sb "$STORE" | cut -f1)"
fi
