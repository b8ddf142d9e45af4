#!/usr/bin/env python3
"""Builds data/nlp/names.tsv, what WordNet knows of the words of proper
names, for the entity recogniser, from Princeton WordNet 3.0 as Debian
packages it (`apt-get install wordnet-base`):

    python3 data/nlp/make-name-lexicon.py [/usr/share/wordnet] > data/nlp/names.tsv

A proper name is a noun lemma with a capital letter ("Paris", "Bay_of_Bengal",
"Marie_Curie"). One line per lower-case word of such names, tab-separated:
  word     the word
  letters  for each kind of name the word is part of: lower case when the
           word is a whole name, upper case when it is part of a longer
           one; p/P person (noun.person), l/L place (noun.location),
           g/G group (noun.group: organisations, peoples), e/E event
           (noun.event, noun.act), o/O anything else (works, products,
           substances)
Unlike wordnet.tsv, which keeps the most frequent sense, this keeps every
kind: "Washington" is a person, a place and a group here.
"""
import os
import sys

wn = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
KIND = {18: "p", 15: "l", 14: "g", 11: "e", 4: "e"}
kinds = {}
with open(os.path.join(wn, "data.noun"), encoding="latin-1") as f:
    for line in f:
        if line.startswith(" "):
            continue
        cols = line.split()
        lex = int(cols[1])
        n = int(cols[3], 16)
        for k in range(n):
            lemma = cols[4 + 2 * k]
            lemma = lemma.split("(")[0]
            if not any(c.isupper() for c in lemma):
                continue
            kind = KIND.get(lex, "o")
            words = [w for w in lemma.replace("-", "_").lower().split("_") if w]
            for w in words:
                letter = kind if len(words) == 1 else kind.upper()
                kinds.setdefault(w, set()).add(letter)
print("# What WordNet 3.0 (Princeton; Debian's wordnet-base) knows of the words of proper")
print("# names: word<TAB>kinds (p person, l place, g group, e event, o other; upper case")
print("# when part of a longer name). Built by data/nlp/make-name-lexicon.py.")
for w in sorted(kinds):
    print(f"{w}\t{''.join(sorted(kinds[w]))}")
