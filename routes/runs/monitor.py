"""``routes monitor``: one study area under two or more timetables, written to one folder.

The folder (``--out DIR``) holds ``zones.csv`` and ``zones.gpkg`` (per zone:
``before_``, ``after_`` and ``delta_`` of every metric, named as ``routes
evaluate`` names them, and ``t<k>_`` columns with more than two timetables),
``by_decile.csv`` and ``by_community.csv`` (who lost and gained), ``trend.csv``
(more than two timetables), ``report.html``, ``map.html`` and
``manifest.json`` (every timetable's feeds with their SHA-256, every period,
every input), written last. Every check (the folder, then that the study
areas hold the same zones and destinations) comes before any routing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from routes._progress import ProgressFactory, no_progress
from routes._warnings import record_warnings, unique_messages
from routes.cache import NetworkCache
from routes.columns import ColumnKind, column_name
from routes.engine.backends import open_engine
from routes.engine.base import EngineKind
from routes.evaluation.fares import add_baseline_fare_access, fares_compared
from routes.evaluation.manifest import build_manifest
from routes.evaluation.monitor import (
    Monitoring,
    check_same_study,
    compute_monitoring,
    timetables_manifest,
)
from routes.evaluation.study import Baseline, Study, compute_baseline, load_study
from routes.io import write_json
from routes.proposal.model import Proposal
from routes.runs.folder import (
    check_folder_writable,
    check_run_target,
    remove_stale_temporaries,
    run_folder,
)
from routes.runs.write import _write_zone_files, _zone_layer
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules

__all__ = ["MonitorRun", "describe_monitoring", "monitor_to_folder"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MonitorRun:
    """A monitoring run and the folder it was written to.

    Attributes
    ----------
    monitoring
        What was computed.
    folder
        The run folder.
    findings
        The report's plain sentences.
    """

    monitoring: Monitoring
    folder: Path
    findings: tuple[str, ...]


def _people(value: float) -> str:
    return f"{value:,.0f}"


def describe_monitoring(monitoring: Monitoring) -> list[str]:
    """Plain sentences on what changed from the first timetable to the last."""
    area = monitoring.studies[0].area
    zones = monitoring.zones
    first, last = monitoring.labels[0], monitoring.labels[-1]
    population = zones.get("population", pd.Series(1.0, index=zones.index)).astype(float)
    total = float(population.sum())
    out = []
    job = next((d.name for d in area.destinations if d.weight_column), None)
    if job is not None:
        metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=area.scoring.job_cutoff_min)
        if f"delta_{metric}" in zones:
            delta = zones[f"delta_{metric}"].astype(float)
            lost, gained = float(population[delta < 0].sum()), float(population[delta > 0].sum())
            known = delta.notna()
            mean = (float((population[known] * delta[known]).sum()) / float(population[known].sum())
                    if population[known].sum() else math.nan)
            out.append(f"From {first} to {last}, {_people(lost)} of {_people(total)} residents "
                       f"can reach fewer {job} within {area.scoring.job_cutoff_min:g} minutes "
                       f"and {_people(gained)} more; on average {mean:+,.1f} {job} per resident "
                       f"(delta_{metric}).")
            deprived = zones.get("deprived", pd.Series(False, index=zones.index)).astype(bool)
            if deprived.any():
                out.append(f"Of the residents of the most deprived neighbourhoods (deciles "
                           f"{', '.join(map(str, area.scoring.deprived_deciles))}), "
                           f"{_people(float(population[deprived & (delta < 0)].sum()))} lost "
                           f"and {_people(float(population[deprived & (delta > 0)].sum()))} "
                           f"gained {job} within {area.scoring.job_cutoff_min:g} minutes.")
            for period in area.periods:
                column = f"delta_{metric}{period.suffix}"
                if column in zones:
                    d = zones[column].astype(float)
                    out.append(f"In {period.describe(area.service_date)}: "
                               f"{_people(float(population[d < 0].sum()))} lost and "
                               f"{_people(float(population[d > 0].sum()))} gained {job} within "
                               f"{area.scoring.job_cutoff_min:g} minutes.")
    nearest = column_name(ColumnKind.NEAREST_SPACE)
    if f"before_{nearest}" in zones:
        before, after = zones[f"before_{nearest}"].astype(float), zones[f"after_{nearest}"]
        after = after.astype(float)
        nearer = (after < before) | (before.isna() & after.notna())
        farther = (after > before) | (before.notna() & after.isna())
        gone = before.notna() & after.isna()
        out.append(f"Shared spaces: {_people(float(population[nearer].sum()))} residents reach "
                   f"the nearest sooner (or newly), {_people(float(population[farther].sum()))} "
                   f"later or no longer ({_people(float(population[gone].sum()))} no longer "
                   "reach any).")
    if len(monitoring.labels) > 2 and job is not None:
        metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=area.scoring.job_cutoff_min)
        row = monitoring.trend[monitoring.trend["metric"] == metric]
        if len(row):
            values = " → ".join(f"{float(row.iloc[0][label]):,.0f}" for label in monitoring.labels)
            out.append(f"Mean {job} within {area.scoring.job_cutoff_min:g} minutes per resident, "
                       f"timetable by timetable: {values}.")
    return out


def _top_losers(monitoring: Monitoring, n: int = 10) -> pd.DataFrame:
    area = monitoring.studies[0].area
    zones = monitoring.zones
    job = next((d.name for d in area.destinations if d.weight_column), None)
    if job is None:
        return pd.DataFrame()
    metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=area.scoring.job_cutoff_min)
    if f"delta_{metric}" not in zones:
        return pd.DataFrame()
    delta = zones[f"delta_{metric}"].astype(float)
    population = zones.get("population", pd.Series(1.0, index=zones.index)).astype(float)
    losing = zones[delta < 0].assign(_loss=(population * delta)[delta < 0]).sort_values("_loss")
    names = losing["name"] if "name" in losing else pd.Series(losing.index, index=losing.index)
    return pd.DataFrame({
        "neighbourhood": [str(i) if pd.isna(nm) or str(nm) == str(i) else f"{nm} ({i})"
                          for i, nm in zip(losing.index, names, strict=True)],
        "residents": population[losing.index],
        "decile": losing.get("deprivation_decile", pd.Series(math.nan, index=losing.index)),
        f"{job} before": losing[f"before_{metric}"],
        f"{job} after": losing[f"after_{metric}"],
        "change": losing[f"delta_{metric}"],
    }).head(n)


def _map_page(monitoring: Monitoring) -> str:
    from routes.access.zone_access import space_layer_names
    from routes.render.map_layers import Comparison
    from routes.render.map_periods import map_periods
    from routes.render.maps import render_map

    study = monitoring.studies[0]
    changes = monitoring.zones.rename(columns=lambda c: (
        "baseline_" + c[len("before_"):] if c.startswith("before_") else
        "scenario_" + c[len("after_"):] if c.startswith("after_") else c))
    title = f"{monitoring.labels[0]} → {monitoring.labels[-1]}"
    return render_map(Proposal(name=title, source=None, routes=()), changes,
                      study.zones.geometry, scoring=study.area.scoring, destinations=study.layers,
                      space_layers=space_layer_names(study.area), study_name=study.area.name,
                      periods=map_periods(study.area),
                      comparison=Comparison(before=f"under {monitoring.labels[0]}",
                                            after=f"under {monitoring.labels[-1]}"))


def monitor_to_folder(
    configs: Sequence[Path], out: Path, *, force: bool = False, cache: NetworkCache | None = None,
    allow_feed_errors: bool = False, allow_data_loss: bool = False, map_page: bool = True,
    progress_factory: ProgressFactory | None = None, feed_doctor: DoctorRules = DOCTOR_RULES,
    engine: EngineKind | str = EngineKind.BUILTIN, r5_classpath: Path | None = None,
    scheduler: str | None = None, workers: int | None = None,
) -> MonitorRun:
    """Compute access under every timetable and write the monitoring folder.

    Parameters
    ----------
    configs
        Two or more ``routes.toml`` files, in time order (first: before).
    out
        The run folder.
    force
        Replace an existing run folder.
    cache
        The network cache (the streets are built once and read back for the
        other files when they name the same extract).
    allow_feed_errors, allow_data_loss, feed_doctor
        As for :func:`routes.evaluation.study.load_study`.
    map_page
        Write ``map.html`` (needs the ``maps`` extra).
    progress_factory
        Makes a progress callback per timetable.
    engine, r5_classpath, scheduler, workers
        The engine that routes every timetable, opened on each in turn, and its
        options, as for :func:`routes.engine.backends.open_engine` (default:
        the built-in engine in this process); the manifest names it.

    Raises
    ------
    InputError
        Fewer than two files, or study areas whose zones, destinations or
        parameters differ (before any routing), or engine options that do not
        go together.
    R5UnavailableError
        For ``r5py``, if r5py, the jar or Java is missing (before any routing).
    OutputExistsError
        If ``out`` exists and ``force`` is false.
    """
    from routes.errors import InputError

    if len(configs) < 2:
        msg = "routes monitor needs two or more routes.toml files (timetables) to compare"
        raise InputError(msg)
    kind = EngineKind(engine)
    out = Path(out)
    remove_stale_temporaries(out.parent)
    check_run_target(out, force=force)
    check_folder_writable(out.parent)
    step: ProgressFactory = progress_factory or (lambda name: no_progress)
    with record_warnings() as log:
        studies: list[Study] = [load_study(Path(c), cache=cache,
                                           allow_feed_errors=allow_feed_errors,
                                           allow_data_loss=allow_data_loss,
                                           feed_doctor=feed_doctor) for c in configs]
        check_same_study(studies)
        baselines: list[Baseline] = []
        engine_name = kind.value
        with_fares = fares_compared([s.area for s in studies])
        for s in studies:
            with open_engine(kind, s.area, s.network, cache=s.cache, r5_classpath=r5_classpath,
                             scheduler=scheduler, workers=workers) as chosen:
                engine_name = chosen.name
                baseline = compute_baseline(
                    s, engine=chosen, progress=step(Path(s.area.config_path).parent.name))
                if with_fares:  # each timetable under its own [fares]
                    baseline = replace(baseline, access=add_baseline_fare_access(
                        s, baseline.access, chosen))
                baselines.append(baseline)
        monitoring = compute_monitoring(studies, baselines)
        findings = describe_monitoring(monitoring)
    warnings = unique_messages(*(s.warnings for s in studies), *(b.warnings for b in baselines),
                               log.messages)
    timetables = timetables_manifest(studies)
    with run_folder(out, force=force) as tmp:
        first = studies[0]
        written = _write_zone_files(tmp, _zone_layer(first, monitoring.zones))
        monitoring.by_decile.to_csv(tmp / "by_decile.csv", index=False)
        written.append("by_decile.csv")
        if not monitoring.by_community.empty:
            monitoring.by_community.to_csv(tmp / "by_community.csv", index=False)
            written.append("by_community.csv")
        trend = monitoring.trend if len(studies) > 2 else None
        if trend is not None:
            trend.to_csv(tmp / "trend.csv", index=False)
            written.append("trend.csv")
        if map_page:
            (tmp / "map.html").write_text(_map_page(monitoring), encoding="utf-8")
            written.append("map.html")
        from routes.render.monitor import render_monitor_report

        page = render_monitor_report(
            title=first.area.name, labels=monitoring.labels, findings=findings,
            by_decile=monitoring.by_decile, by_community=monitoring.by_community, trend=trend,
            top_losers=_top_losers(monitoring), timetables=timetables, warnings=warnings,
            map_file="map.html" if map_page else None)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        written += ["report.html", "manifest.json"]
        manifest = {
            "run": "monitor",
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "timetables": timetables,
            "studies": [asdict(build_manifest(s.area, "monitor", written, engine=engine_name,
                                              warnings=())) for s in studies],
            "outputs": written,
            "warnings": list(warnings),
        }
        write_json(manifest, tmp / "manifest.json")
    return MonitorRun(monitoring, out, tuple(findings))
