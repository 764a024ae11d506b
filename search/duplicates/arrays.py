"""Small vectorised building blocks (numpy only) shared by the detector's stages."""

from __future__ import annotations

import numpy as np


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + l) for every (s, l), without a Python loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    skip = np.cumsum(lengths) - lengths  # position of each range in the output
    return np.repeat(np.asarray(starts, dtype=np.int64) - skip, lengths) + np.arange(total, dtype=np.int64)


def run_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Indices where a run of equal values begins in a sorted array."""
    n = len(sorted_values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=change[1:])
    return np.flatnonzero(change)


def dense_codes(values: np.ndarray) -> np.ndarray:
    """Each value replaced by its rank among the distinct values (0..k-1), via one argsort.

    (np.unique(return_inverse=True) takes a hash-table path in numpy 2.x that is several times
    slower on tens of millions of integers.)
    """
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    change = np.ones(len(values), dtype=np.int64)
    sorted_values = values[order]
    change[1:] = sorted_values[1:] != sorted_values[:-1]
    codes = np.empty(len(values), dtype=np.int64)
    codes[order] = np.cumsum(change) - 1
    return codes


def count_distinct(groups: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct `codes` per group id (both small non-negative ints, e.g. dense codes)."""
    if not len(groups):
        return np.zeros(n_groups, dtype=np.int64)
    width = int(codes.max()) + 1
    packed = np.sort(groups.astype(np.int64) * width + codes)
    return np.bincount(packed[run_starts(packed)] // width, minlength=n_groups)


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member) of each of n nodes, given undirected edges.

    Union-find done the data-parallel way: hook every edge's larger root onto the smaller one,
    then jump pointers until every node points at its root; repeat until no edge joins two roots.
    """
    label = np.arange(n, dtype=np.int64)
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    while True:
        a, b = label[left], label[right]
        differ = a != b
        if not differ.any():
            return label
        a, b = a[differ], b[differ]
        low, high = np.minimum(a, b), np.maximum(a, b)
        np.minimum.at(label, high, low)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        left, right = left[differ], right[differ]
