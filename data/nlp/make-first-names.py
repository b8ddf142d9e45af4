#!/usr/bin/env python3
"""Builds data/nlp/first_names.tsv, the usual sex of English first names, for
the pronoun resolver's gender agreement ("Maria ... she", "Carlos ... he").

Source: the 1990 US Census Bureau first-name frequency lists
(dist.male.first, dist.female.first), public domain as works of the US
government, as shipped inside the PyPI package `names` 0.3.0 (MIT; its README
states the three data files are public domain, derived from 1990 Census
data). To rebuild:

    pip download --no-deps --no-binary :all: names==0.3.0 -d /tmp/names
    tar xzf /tmp/names/names-0.3.0.tar.gz -C /tmp/names
    python3 data/nlp/make-first-names.py /tmp/names/names-0.3.0/names > data/nlp/first_names.tsv

Each list gives, per name, the percentage of people of that sex who bear it.
The two populations are about the same size, so the percentages compare
directly: a name is written with the sex whose share is at least RATIO times
the other's; names used about equally by both ("Jean", "Jordan") are left
out, since a wrong guess costs more than no guess.
"""
import os
import sys

RATIO = 4.0

src = sys.argv[1] if len(sys.argv) > 1 else "/tmp/names/names-0.3.0/names"


def read(name):
    share = {}
    with open(os.path.join(src, name), encoding="ascii") as f:
        for line in f:
            cols = line.split()
            if len(cols) >= 2:
                share[cols[0].lower()] = float(cols[1])
    return share


male = read("dist.male.first")
female = read("dist.female.first")
# A share printed as 0.000 is below the lists' precision: count it as half
# their smallest step so that a ratio can still be taken.
FLOOR = 0.0005
print("# The usual sex of English first names: name<TAB>m or f. Source: 1990 US")
print("# Census Bureau first-name lists (public domain), as shipped in the PyPI")
print("# package names 0.3.0. Built by data/nlp/make-first-names.py; names used")
print(f"# by both sexes (share ratio under {RATIO:g}) are left out.")
for name in sorted(set(male) | set(female)):
    m = max(male.get(name, 0.0), FLOOR)
    f = max(female.get(name, 0.0), FLOOR)
    if m >= RATIO * f:
        print(f"{name}\tm")
    elif f >= RATIO * m:
        print(f"{name}\tf")
