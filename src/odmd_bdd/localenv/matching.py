"""Choosing the dataset case that answers a request.

A case matches when every field its request names is present and equal in the actual
request (extra fields in the request are allowed) and every case it comes `after` has been
answered earlier in the same run. A case with `after` wins over one without; then the case
naming the most fields; ties go to the case defined first. A `fallback` case answers when
nothing else matches.
"""

from __future__ import annotations

from typing import Any

from odmd_bdd.data.dataset import Case


def subset_score(expected: Any, actual: Any) -> int | None:
    """How many leaf values of `expected` equal those in `actual`; None on any mismatch."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return None
        total = 0
        for key, value in expected.items():
            if key not in actual:
                return None
            score = subset_score(value, actual[key])
            if score is None:
                return None
            total += score
        return total
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return None
        total = 0
        for e, a in zip(expected, actual):
            score = subset_score(e, a)
            if score is None:
                return None
            total += score
        return total
    return 1 if expected == actual and type(expected) is type(actual) else None


def choose_case(
    cases: list[Case], request: dict[str, Any], answered: set[str] | frozenset[str] = frozenset()
) -> Case | None:
    best: tuple[tuple[int, int], Case] | None = None
    fallback = None
    for case in cases:
        if not case.served or not all(ref in answered for ref in case.after):
            continue
        if case.fallback and fallback is None:
            fallback = case
        score = subset_score(case.request, request)
        if score is None:
            continue
        rank = (len(case.after), score)
        if best is None or rank > best[0]:
            best = (rank, case)
    if best is not None:
        return best[1]
    return fallback
