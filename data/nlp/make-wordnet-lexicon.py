#!/usr/bin/env python3
"""Builds data/nlp/wordnet.tsv, the lexicon lore's models consult for words
the treebanks never showed them, from Princeton WordNet 3.0 as Debian
packages it (`apt-get install wordnet-base`):

    python3 data/nlp/make-wordnet-lexicon.py [/usr/share/wordnet] > data/nlp/wordnet.tsv

One line per lower-case single word, tab-separated:
  word     the word
  classes  n (noun), v (verb), a (adjective), r (adverb), P (WordNet has it
           as a capitalised noun: a proper name such as a city or a person)
  noun     lexicographer file of its most frequent noun sense, a number
           (WordNet's "supersense": 18 noun.person, 15 noun.location,
           14 noun.group, 28 noun.time, ...), or - for none
  verb     the same for its most frequent verb sense (32 verb.communication, ...)
Irregular inflections from the .exc files ("went", "mice") get the classes
and senses of their base.
"""
import os
import sys

wn = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
CODE = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
classes = {}   # word -> set of class letters
sense = {}     # (word, "noun"|"verb") -> lexfile number of the first sense


def lexfiles(pos):
    """Synset offset -> lexicographer file number."""
    out = {}
    with open(os.path.join(wn, "data." + pos), encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            p = line.split(" ", 3)
            out[p[0]] = int(p[1])
    return out


for pos, c in CODE.items():
    lf = lexfiles(pos) if pos in ("noun", "verb") else {}
    with open(os.path.join(wn, "index." + pos), encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            p = line.split()
            word = p[0]
            if "_" in word:
                continue
            classes.setdefault(word, set()).add(c)
            if lf:
                # lemma pos synset_cnt p_cnt [ptr...] sense_cnt tagsense_cnt offsets...
                n_ptr = int(p[3])
                offsets = p[4 + n_ptr + 2:]
                if offsets and offsets[0] in lf:
                    sense[(word, pos)] = lf[offsets[0]]

with open(os.path.join(wn, "data.noun"), encoding="latin-1") as f:
    for line in f:
        if line.startswith(" "):
            continue
        p = line.split(" ")
        for i in range(int(p[3], 16)):
            w = p[4 + 2 * i]
            if w[:1].isupper() and "_" not in w:
                classes.setdefault(w.lower(), set()).add("P")

for pos, c in CODE.items():
    with open(os.path.join(wn, pos + ".exc"), encoding="latin-1") as f:
        for line in f:
            p = line.split()
            if len(p) < 2 or "_" in p[0]:
                continue
            word, base = p[0], p[1]
            classes.setdefault(word, set()).add(c)
            for sp in ("noun", "verb"):
                if sp == pos and (base, sp) in sense and (word, sp) not in sense:
                    sense[(word, sp)] = sense[(base, sp)]

print("# Princeton WordNet 3.0 (c) 2006 Princeton University; licence: data/nlp/README.md. "
      "Built by data/nlp/make-wordnet-lexicon.py")
order = "Pnvar"
for word in sorted(classes):
    cl = "".join(x for x in order if x in classes[word])
    ns = sense.get((word, "noun"), "-")
    vs = sense.get((word, "verb"), "-")
    print(f"{word}\t{cl}\t{ns}\t{vs}")
