"""Tests for routes.columns: the one builder of result column names."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from routes import columns
from routes.columns import ColumnKind, column_name
from routes.errors import InputError


@pytest.mark.parametrize(
    ("kind", "kwargs", "expected"),
    [
        (ColumnKind.TRAVEL_TIME, {"percentile": 50}, "travel_time_p50_min"),
        (ColumnKind.TRAVEL_TIME, {"percentile": np.int64(5)}, "travel_time_p5_min"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": 45}, "jobs_within_45min"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": 45.0}, "jobs_within_45min"),
        (ColumnKind.WITHIN, {"layer": "spaces", "cutoff_min": 30}, "spaces_within_30min"),
        (ColumnKind.DECAY, {"layer": "jobs", "half_life_min": 20}, "jobs_decay_h20min"),
        (ColumnKind.NEAREST_SPACE, {}, "nearest_space_min"),
        (ColumnKind.NEAREST_SPACE, {"category": "library"}, "nearest_space_library_min"),
        (
            ColumnKind.NEAREST_SPACE,
            {"category": "place_of_worship"},
            "nearest_space_place_of_worship_min",
        ),
        (ColumnKind.REACH_OTHER_GROUPS, {"cutoff_min": 30}, "reach_other_groups_30min"),
        (ColumnKind.MEETING_POTENTIAL, {"cutoff_min": 30}, "meeting_potential_30min"),
        (ColumnKind.REACHABLE_RESIDENTS, {"cutoff_min": 30}, "reachable_residents_30min"),
        (ColumnKind.SIMPSON_DIVERSITY, {"cutoff_min": 30}, "simpson_diversity_30min"),
        (ColumnKind.WITHIN_FARE, {"layer": "jobs", "cutoff_min": 45, "budget_minor": 300},
         "jobs_within_45min_fare300p"),
        (ColumnKind.WITHIN_FARE, {"layer": "spaces", "cutoff_min": 30,
                                  "budget_minor": np.int32(0)}, "spaces_within_30min_fare0p"),
    ],
)
def test_names(kind: ColumnKind, kwargs: dict[str, object], expected: str) -> None:
    assert column_name(kind, **kwargs) == expected  # type: ignore[arg-type]
    assert column_name(kind, delta=True, **kwargs) == f"delta_{expected}"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "kwargs", "message"),
    [
        (ColumnKind.WITHIN, {"layer": "jobs"}, "needs cutoff_min"),
        (ColumnKind.TRAVEL_TIME, {}, "needs percentile"),
        (ColumnKind.DECAY, {"half_life_min": 20}, "needs layer"),
        (ColumnKind.TRAVEL_TIME, {"percentile": 50, "cutoff_min": 5}, "does not use cutoff_min"),
        (ColumnKind.REACH_OTHER_GROUPS, {"cutoff_min": 30, "layer": "x"}, "does not use layer"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": 22.5}, "whole number of minutes"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": 0}, "whole number of minutes"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": float("inf")}, "whole number"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": True}, "whole number of minutes"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": "45"}, "whole number of minutes"),
        (ColumnKind.DECAY, {"layer": "jobs", "half_life_min": -20}, "half_life_min"),
        (ColumnKind.TRAVEL_TIME, {"percentile": 0}, "1 to 99"),
        (ColumnKind.TRAVEL_TIME, {"percentile": 100}, "1 to 99"),
        (ColumnKind.TRAVEL_TIME, {"percentile": 50.0}, "1 to 99"),
        (ColumnKind.WITHIN, {"layer": "Jobs", "cutoff_min": 45}, "snake_case"),
        (ColumnKind.WITHIN, {"layer": "jobs_", "cutoff_min": 45}, "snake_case"),
        (ColumnKind.NEAREST_SPACE, {"category": "place of worship"}, "snake_case"),
        (ColumnKind.NEAREST_SPACE, {"category": ""}, "snake_case"),
        (ColumnKind.WITHIN_FARE, {"layer": "jobs", "cutoff_min": 45}, "needs budget_minor"),
        (ColumnKind.WITHIN, {"layer": "jobs", "cutoff_min": 45, "budget_minor": 300},
         "does not use budget_minor"),
        (ColumnKind.WITHIN_FARE, {"layer": "jobs", "cutoff_min": 45, "budget_minor": 3.0},
         "whole number of minor units"),
        (ColumnKind.WITHIN_FARE, {"layer": "jobs", "cutoff_min": 45, "budget_minor": -1},
         "whole number of minor units"),
    ],
)
def test_bad_parameters_are_input_errors(
    kind: ColumnKind, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        column_name(kind, **kwargs)  # type: ignore[arg-type]


def test_kind_must_be_the_enum() -> None:
    with pytest.raises(InputError, match="must be a ColumnKind"):
        column_name("within", layer="jobs", cutoff_min=45)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(ColumnKind))
def test_every_kind_is_in_the_scheme_table(kind: ColumnKind) -> None:
    assert columns.__doc__ is not None
    assert f"``{kind.name}``" in columns.__doc__


def test_docstring_examples() -> None:
    result = doctest.testmod(columns)
    assert result.attempted > 0
    assert result.failed == 0
