"""Rebuild the embedded default dataset from ``nycflights13_late60.csv`` (CC0).

Usage: python scripts/make_default_dataset.py ../shared/data/nycflights13_late60.csv

Draws a stratified sample (same positive rate as the full table) with a fixed seed and writes
``src/focalboost/data/flights_late60_sample.csv.gz``.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

N_ROWS = 20_000
SEED = 2013
OUT = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "focalboost"
    / "data"
    / "flights_late60_sample.csv.gz"
)


def main(source: str) -> None:
    lines = Path(source).read_text().splitlines()
    header, rows = lines[0], lines[1:]
    target_col = header.split(",").index("target")
    labels = np.array([row.split(",")[target_col] == "1" for row in rows])
    rng = np.random.default_rng(SEED)
    n_pos = round(N_ROWS * labels.mean())
    pos = rng.choice(np.flatnonzero(labels), n_pos, replace=False)
    neg = rng.choice(np.flatnonzero(~labels), N_ROWS - n_pos, replace=False)
    keep = np.sort(np.concatenate([pos, neg]))
    body = "\n".join([header, *(rows[i] for i in keep)]) + "\n"
    with gzip.GzipFile(OUT, "wb", mtime=0) as fh:
        fh.write(body.encode())
    print(f"wrote {OUT} ({len(keep)} rows, positive rate {labels[keep].mean():.4f})")


if __name__ == "__main__":
    main(sys.argv[1])
