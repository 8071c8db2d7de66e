"""Monitoring: one study area's zones and destinations under two or more timetables.

``routes monitor BEFORE.toml AFTER.toml [MORE.toml ...]`` measures the same
zones and destinations under real timetables (monthly BODS snapshots, before
and after a service change). Each file is a study area; they must hold the
same zones and destinations, and route and score alike (:func:`check_same_study`).

The per-zone table names every metric as ``routes evaluate`` does, with
``before_`` (first timetable), ``after_`` (last) and ``delta_`` (after minus
before) in place of ``baseline_``, ``scenario_`` and ``delta_``; with more
than two timetables every timetable's value is there too (``t<k>_<metric>``,
``k`` from 1). Who lost and who gained is counted by deprivation decile and
by community group (:func:`count_changes_by`); the trend table gives, per
indicator, its value under each timetable (:func:`compute_trend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea
from routes.errors import InputError
from routes.evaluation.scoring import compute_zone_changes
from routes.evaluation.study import Baseline, Study

__all__ = [
    "Monitoring",
    "check_same_study",
    "compute_monitoring",
    "compute_trend",
    "count_changes_by",
    "timetable_label",
    "timetable_labels",
    "timetables_manifest",
]

_CHANGE_PREFIXES = ("baseline_", "scenario_", "delta_", "new_zone_pairs", "lost_zone_pairs")


@dataclass(frozen=True, slots=True)
class Monitoring:
    """Access under each timetable, and what changed from the first to the last.

    Attributes
    ----------
    studies
        The study areas, in order (first: before, last: after).
    baselines
        Accessibility under each timetable.
    zones
        Per zone (``zones.csv``): attributes, ``before_``/``after_``/``delta_``
        of every metric (and every period's, suffixed), ``t<k>_`` with more
        than two timetables.
    by_decile, by_community
        Who gained and lost (:func:`count_changes_by`); ``by_community`` is
        empty without community groups.
    trend
        Per indicator, its value under each timetable (:func:`compute_trend`).
    labels
        A short label of each timetable (:func:`timetable_label`).
    """

    studies: tuple[Study, ...]
    baselines: tuple[Baseline, ...]
    zones: pd.DataFrame
    by_decile: pd.DataFrame
    by_community: pd.DataFrame
    trend: pd.DataFrame
    labels: tuple[str, ...]


def timetable_label(area: StudyArea) -> str:
    """``<name> (<date>)``: how a timetable is named in tables and the report."""
    return f"{area.name} ({area.service_date.isoformat()})"


def timetable_labels(areas: Sequence[StudyArea]) -> tuple[str, ...]:
    """Label each timetable distinctly: :func:`timetable_label`, with the file when two clash.

    >>> from pathlib import Path
    >>> from types import SimpleNamespace as A
    >>> import datetime as dt
    >>> day = dt.date(2024, 3, 5)
    >>> timetable_labels([A(name="N", service_date=day, config_path=Path("/a/x.toml")),
    ...                   A(name="N", service_date=day, config_path=Path("/a/y.toml"))])
    ('N (2024-03-05, x.toml)', 'N (2024-03-05, y.toml)')
    """
    labels = [timetable_label(a) for a in areas]
    if len(set(labels)) == len(labels):
        return tuple(labels)
    labels = [f"{a.name} ({a.service_date.isoformat()}, {a.config_path.name})" for a in areas]
    if len(set(labels)) == len(labels):
        return tuple(labels)
    return tuple(f"{a.name} ({a.service_date.isoformat()}, {a.config_path})" for a in areas)


def _differs(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """Say what differs between two tables of points (ids, then values), or ``None``."""
    ids_a, ids_b = set(map(str, a.index)), set(map(str, b.index))
    if ids_a != ids_b:
        missing, extra = sorted(ids_a - ids_b), sorted(ids_b - ids_a)
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing, e.g. {missing[0]!r}")
        if extra:
            parts.append(f"{len(extra)} not in the first, e.g. {extra[0]!r}")
        return "; ".join(parts)
    b = b.loc[a.index]
    for column in a.columns:
        if column not in b.columns:
            return f"column {column!r} missing"
        x, y = a[column], b[column]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            same = np.isclose(x.to_numpy(dtype=float), y.to_numpy(dtype=float), rtol=0,
                              atol=1e-9, equal_nan=True)
        else:
            same = ((x.astype(str) == y.astype(str)) | (x.isna() & y.isna())).to_numpy()
        if not same.all():
            first = str(a.index[int(np.flatnonzero(~same)[0])])
            return f"{column} differs, e.g. at {first!r}"
    return None


def _points_table(table: pd.DataFrame, lon: object, lat: object) -> pd.DataFrame:
    out = table.copy()
    out["lon"], out["lat"] = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return out


def check_same_study(studies: Sequence[Study]) -> None:
    """Refuse study areas whose zones, destinations or parameters differ from the first's.

    Raises
    ------
    InputError
        One line naming the file, what differs and what to do.
    """
    first = studies[0]
    todo = ("routes monitor compares one study area under several timetables; give every file "
            "the same [zones], [[destinations]], [routing], [scoring] and [[periods]]")
    zones0 = _points_table(first.zones.table, first.zones.points.lon, first.zones.points.lat)
    for study in studies[1:]:
        where = f"{study.area.config_path} against {first.area.config_path}"
        zones = _points_table(study.zones.table, study.zones.points.lon, study.zones.points.lat)
        problem = _differs(zones0, zones)
        if problem is not None:
            raise InputError(f"{where}: the zones differ ({problem}); {todo}")
        names0 = [d.name for d in first.layers]
        names = [d.name for d in study.layers]
        if names0 != names:
            raise InputError(f"{where}: the destination layers differ ({', '.join(names0)} "
                             f"against {', '.join(names)}); {todo}")
        for d0, d in zip(first.layers, study.layers, strict=True):
            problem = _differs(_points_table(d0.table, d0.points.lon, d0.points.lat),
                               _points_table(d.table, d.points.lon, d.points.lat))
            if problem is not None:
                raise InputError(f"{where}: destination layer {d.name!r} differs ({problem}); "
                                 f"{todo}")
        for what in ("routing", "scoring", "periods"):
            a, b = getattr(first.area, what), getattr(study.area, what)
            if a != b:
                raise InputError(f"{where}: [{what}] differs; {todo}")


def _rename(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns=lambda c: ("before_" + c[len("baseline_"):]
                                           if c.startswith("baseline_") else
                                           "after_" + c[len("scenario_"):]
                                           if c.startswith("scenario_") else c))


def _changes(area: StudyArea, first: Baseline, last: Baseline) -> pd.DataFrame:
    table = _rename(compute_zone_changes(area, first.access, last.access))
    for p_first, p_last in zip(first.periods, last.periods, strict=True):
        part = _rename(compute_zone_changes(p_first.area, p_first.access, p_last.access))
        keep = [c for c in part.columns
                if c.startswith(("before_", "after_", "delta_", "new_zone", "lost_zone"))]
        suffix = p_first.period.suffix
        table = table.join(part[keep].rename(columns={c: f"{c}{suffix}" for c in keep}))
    return table


def compute_monitoring(studies: Sequence[Study], baselines: Sequence[Baseline]) -> Monitoring:
    """Compare the accessibility of the same zones under two or more timetables.

    Parameters
    ----------
    studies
        The study areas, checked alike (:func:`check_same_study`), in time order.
    baselines
        Each one's accessibility (:func:`routes.evaluation.study.compute_baseline`).

    Returns
    -------
    Monitoring
        The per-zone table, who gained and lost, and the trend.
    """
    if len(studies) < 2:
        msg = "routes monitor needs two or more study areas (timetables) to compare"
        raise InputError(msg)
    check_same_study(studies)
    area = studies[0].area
    zones = _changes(area, baselines[0], baselines[-1])
    if len(studies) > 2:
        metrics = [c[len("before_"):] for c in zones.columns if c.startswith("before_")]
        for k, base in enumerate(baselines, start=1):
            values = base.access.zones
            for metric in metrics:
                if metric in values.columns:
                    zones[f"t{k}_{metric}"] = values[metric].astype(float)
    job = _job_layer(area)
    by_decile = count_changes_by(zones, area, job, by="decile")
    by_community = count_changes_by(zones, area, job, by="community")
    labels = timetable_labels([s.area for s in studies])
    trend = compute_trend([b.access.zones for b in baselines], labels)
    return Monitoring(tuple(studies), tuple(baselines), zones, by_decile, by_community, trend,
                      labels)


def _job_layer(area: StudyArea) -> str | None:
    from routes.access.zone_access import space_layer_names

    spaces = space_layer_names(area)
    return next((d.name for d in area.destinations if d.name not in spaces), None)


def count_changes_by(zones: pd.DataFrame, area: StudyArea, job: str | None, *,
                     by: str) -> pd.DataFrame:
    r"""Residents who gained and lost, per deprivation decile or per community group.

    For the jobs (first weighted layer) within the job cutoff, a zone's
    residents *gain* when ``delta_`` is above 0 and *lose* when below; for
    the nearest shared space, they gain when it is reached sooner (or newly
    reached) and lose when later (or no longer). Per decile the residents are
    the zones' populations; per community group :math:`g` they are the
    group's counts :math:`n_{ig}` (zones of unknown decile form the row
    ``unknown``).

    Returns
    -------
    pandas.DataFrame
        One row per decile (``decile``) or group (``community``): ``zones``
        (per decile), ``residents``, then ``residents_gaining_<job>``,
        ``residents_losing_<job>``, ``mean_change_<job>`` (population-weighted
        ``delta_``), ``residents_nearer_a_space``, ``residents_farther_from_a_space``.
    """
    gain_job = lose_job = delta_job = None
    if job is not None:
        metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=area.scoring.job_cutoff_min)
        if f"delta_{metric}" in zones:
            delta_job = zones[f"delta_{metric}"].astype(float)
            gain_job, lose_job = delta_job > 0, delta_job < 0
    nearest = column_name(ColumnKind.NEAREST_SPACE)
    nearer = farther = None
    if f"before_{nearest}" in zones:
        before, after = zones[f"before_{nearest}"].astype(float), zones[f"after_{nearest}"]
        after = after.astype(float)
        nearer = (after < before) | (before.isna() & after.notna())
        farther = (after > before) | (before.notna() & after.isna())
    population = zones.get("population", pd.Series(1.0, index=zones.index)).astype(float)
    counts: dict[str, int] = {}
    if by == "decile":
        decile = zones.get("deprivation_decile", pd.Series(np.nan, index=zones.index))
        keys = decile.map(lambda d: "unknown" if pd.isna(d) else str(int(d)))
        order = sorted(set(keys), key=lambda k: (k == "unknown", len(k), k))
        weights = {key: population.where(keys == key, 0.0) for key in order}
        counts = {key: int((keys == key).sum()) for key in order}
        name = "decile"
    else:
        groups = area.zones.group_columns if area.zones is not None else ()
        weights = {g: zones[g].astype(float).fillna(0.0) for g in groups if g in zones}
        name = "community"
    rows = []
    for key, w in weights.items():
        row: dict[str, object] = {name: key}
        if counts:
            row["zones"] = counts[key]
        row["residents"] = float(w.sum())
        if delta_job is not None and gain_job is not None and lose_job is not None:
            row[f"residents_gaining_{job}"] = float(w[gain_job].sum())
            row[f"residents_losing_{job}"] = float(w[lose_job].sum())
            known = delta_job.notna() & (w > 0)
            total = float(w[known].sum())
            row[f"mean_change_{job}"] = (float((w[known] * delta_job[known]).sum()) / total
                                         if total > 0 else float("nan"))
        if nearer is not None and farther is not None:
            row["residents_nearer_a_space"] = float(w[nearer].sum())
            row["residents_farther_from_a_space"] = float(w[farther].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def compute_trend(tables: Sequence[pd.DataFrame], labels: Sequence[str]) -> pd.DataFrame:
    r"""Per metric, its population-weighted mean over the zones under each timetable.

    :math:`\bar m = \sum_i P_i m_i / \sum_i P_i` over the zones where
    :math:`m_i` is known (a zone that reaches no shared space has no nearest
    time); ``residents`` is :math:`\sum_i P_i` over those zones. Rows:
    ``metric``, then one column per timetable (its label).
    """
    first = tables[0]
    attributes = {"name", "population", "deprivation_decile"}
    metrics = [c for c in first.columns if c not in attributes
               and pd.api.types.is_numeric_dtype(first[c])
               and not c.startswith(("reachable_", "group_"))]
    rows = []
    for metric in metrics:
        row: dict[str, object] = {"metric": metric}
        for label, table in zip(labels, tables, strict=True):
            if metric not in table:
                row[label] = float("nan")
                continue
            values = table[metric].astype(float)
            pop = table.get("population", pd.Series(1.0, index=table.index)).astype(float)
            known = values.notna()
            total = float(pop[known].sum())
            row[label] = float((pop[known] * values[known]).sum()) / total if total else float(
                "nan")
        rows.append(row)
    return pd.DataFrame(rows)


def timetables_manifest(studies: Sequence[Study]) -> list[dict[str, object]]:
    """Each timetable of a monitoring run: its file, date, periods and feeds' SHA-256."""
    from routes.cache import sha256_file

    out: list[dict[str, object]] = []
    labels = timetable_labels([s.area for s in studies])
    for study, label in zip(studies, labels, strict=True):
        area = study.area
        out.append({
            "label": label,
            "config": str(area.config_path),
            "service_date": area.service_date.isoformat(),
            "departure_window": _window(area),
            "periods": [p.to_dict(area.service_date) for p in area.periods],
            "gtfs": [{"path": str(p), "sha256": sha256_file(p) if p.is_file() else
                      ",".join(sha256_file(f) for f in sorted(p.rglob("*")) if f.is_file())}
                     for p in area.gtfs_paths],
        })
    return out


def _window(area: StudyArea) -> str:
    from routes.config.periods import format_clock

    r = area.routing
    return f"{format_clock(r.departure_start_s)}-{format_clock(r.departure_end_s)}"

