#!/usr/bin/env python3
"""Picks the 40 BBC corpus articles of tests/gold/bbc-articles.gold.

Eight articles per category, drawn with a fixed seed from the sorted file list
of each category of ../shared/corpora/bbc (relative to the repository root),
so the choice is reproducible and was made before anyone looked at what the
extractor makes of them. Prints the paths relative to the corpus directory,
category by category, each category's picks in file order.

    python3 tests/gold/pick-bbc-articles.py [CORPUS_DIR]
"""
import os
import random
import sys

SEED = 20261207
PER_CATEGORY = 8
CATEGORIES = ["business", "entertainment", "politics", "sport", "tech"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "..", "shared", "corpora", "bbc")
    corpus = sys.argv[1] if len(sys.argv) > 1 else default
    rng = random.Random(SEED)
    for cat in CATEGORIES:
        files = sorted(f for f in os.listdir(os.path.join(corpus, cat)) if f.endswith(".txt"))
        for name in sorted(rng.sample(files, PER_CATEGORY)):
            print(f"{cat}/{name}")


if __name__ == "__main__":
    main()
