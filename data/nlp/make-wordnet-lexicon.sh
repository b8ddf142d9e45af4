#!/usr/bin/env bash
# Builds data/nlp/wordnet.tsv, the part-of-speech lexicon lore's models use
# for words the treebanks never showed them, from Princeton WordNet 3.0 as
# Debian packages it (`apt-get install wordnet-base`).
#
#   bash data/nlp/make-wordnet-lexicon.sh [/usr/share/wordnet] > data/nlp/wordnet.tsv
#
# One line per lower-case word: the word, a tab, its classes: n (noun),
# v (verb), a (adjective), r (adverb), P (a capitalised noun in WordNet:
# a proper name such as a city or a person). Irregular inflections from
# the .exc files carry the class of their base ("went" v, "mice" n).
# Multi-word entries are left out.
set -euo pipefail
wn=${1:-/usr/share/wordnet}
export LC_ALL=C
{
  for pos in noun verb adj adv; do
    case $pos in noun) c=n ;; verb) c=v ;; adj) c=a ;; adv) c=r ;; esac
    awk -v c="$c" '!/^ / && $1 !~ /_/ { print $1 "\t" c }' "$wn/index.$pos"
  done
  for pos in noun verb adj adv; do
    case $pos in noun) c=n ;; verb) c=v ;; adj) c=a ;; adv) c=r ;; esac
    awk -v c="$c" '$1 !~ /_/ { print $1 "\t" c }' "$wn/$pos.exc"
  done
  # data.noun: "offset lex_filenum ss_type w_cnt word lex_id word lex_id ..." (w_cnt in hex).
  awk 'function hex(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1; return v }
    !/^ / { n = hex($4); for (i = 0; i < n; i++) { w = $(5 + 2 * i); if (w ~ /^[A-Z]/ && w !~ /_/) print tolower(w) "\tP" } }' "$wn/data.noun"
} | sort -u | awk -F'\t' '
  $1 != prev { if (prev != "") print prev "\t" cls; prev = $1; cls = "" }
  { if (index(cls, $2) == 0) cls = cls $2 }
  END { if (prev != "") print prev "\t" cls }'
