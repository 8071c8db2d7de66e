"""Suggestions for a mistyped id: the closest valid ids, or the valid ids themselves."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence

from routes.errors import InputError

__all__ = ["check_known_ids", "describe_choices"]


def describe_choices(value: str, choices: Collection[str], *, noun: str = "ids",
                     n_listed: int = 8) -> str:
    """Describe the valid choices for a value that is not one of them.

    Parameters
    ----------
    value
        The unknown value.
    choices
        The valid values.
    noun
        What they are, plural (``"ids"``, ``"zones"``).
    n_listed
        List every choice when there are at most this many.

    Returns
    -------
    str
        ``"closest: 'Z12', 'Z21'"`` when some are close; else ``"valid ids: 'a',
        'b'"`` when there are few, or ``"none is close among the 1,204 ids,
        e.g. 'a', 'b', 'c'"``; ``"there are no ids"`` when there are none.
    """
    ordered = sorted(choices)
    if not ordered:
        return f"there are no {noun}"
    close = difflib.get_close_matches(value, ordered, n=3, cutoff=0.6)
    if not close:  # ids like E01012345 differ in a few digits: compare without case
        folded = {c.casefold(): c for c in ordered}
        close = [folded[c] for c in difflib.get_close_matches(value.casefold(), list(folded),
                                                               n=3, cutoff=0.5)]
    if close:
        return "closest: " + ", ".join(map(repr, close))
    if len(ordered) <= n_listed:
        return f"valid {noun}: " + ", ".join(map(repr, ordered))
    return (f"none is close among the {len(ordered):,} {noun}, e.g. "
            + ", ".join(map(repr, ordered[:3])))


def check_known_ids(values: Sequence[str], known: Collection[str], *, what: str,
                    noun: str = "ids", todo: str = "give one of them") -> None:
    """Check that every value is known, listing close or valid ids for each that is not.

    Parameters
    ----------
    values
        The ids asked for.
    known
        The valid ids.
    what
        Where the ids come from, for the message (``"--map-zone"``).
    noun
        What the ids are, plural.
    todo
        What to do, ending the message.

    Raises
    ------
    InputError
        Naming every unknown id with the closest valid ones.
    """
    known_set = set(known)
    unknown = [v for v in dict.fromkeys(values) if v not in known_set]
    if not unknown:
        return
    parts = [f"{v!r} ({describe_choices(v, known_set, noun=noun)})" for v in unknown]
    msg = f"{what} {'; '.join(parts)}: not among the {len(known_set):,} {noun}; {todo}"
    raise InputError(msg)
