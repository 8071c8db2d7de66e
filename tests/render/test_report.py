"""Tests for routes.render.report and routes.evaluation.compare: report.html, report.pdf,
`routes compare`."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest
from _html_reader import Page, read_html
from _pages import (
    ALL_HOSTILE,
    HOSTILE,
    HOSTILE_PROPOSAL,
    HOSTILE_QUOTES,
    HOSTILE_SPACE,
    HOSTILE_STOP,
    HOSTILE_TEMPLATE,
    HOSTILE_ZONE,
    JOB_COLUMN,
    hostile_warning,
    tiny_changes,
    tiny_evaluation,
    tiny_isochrones,
    tiny_manifest,
    tiny_scorecard,
    tiny_zone_geometry,
    write_hostile_demo,
)
from click.testing import CliRunner

from cli import main
from routes.config.study_area import ScoringParams
from routes.errors import RoutesWarning
from routes.evaluation.compare import compute_ranking
from routes.render.comparison import describe_ranking, render_comparison
from routes.render.report import render_report, write_report
from routes.render.report_text import compute_decile_benefit, describe_scorecard

HEADLINE = ("3,000 residents of the most deprived neighbourhoods (deprivation deciles 1 to 3) "
            "gain access to 600 more jobs within 45 minutes, on average.")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    e = tiny_evaluation(tmp_path_factory.mktemp("report"))
    return render_report(e.scorecard, e.changes, cost=e.cost, manifest=tiny_manifest(),
                         proposal=e.proposal, geometry=tiny_zone_geometry(),
                         isochrones=tiny_isochrones())


def _text(page: str) -> str:
    """The page's text, roughly as a reader sees it."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
    return re.sub(r"\s+", " ", html.unescape(text))


# --------------------------------------------------------------------------- sentences


def test_headline_in_plain_language() -> None:
    sentences = describe_scorecard(tiny_scorecard(), changes=tiny_changes())
    assert sentences[0] == HEADLINE
    assert "Across all neighbourhoods, 3,000 residents gain access to more jobs within " \
        "45 minutes." in sentences
    assert "Inequality of access to jobs (Gini index, 0 = everyone equal) falls from 0.300 to " \
        "0.250." in sentences
    assert any(s.startswith("Running it needs 3 buses at the busiest time and 18,000 "
                            "vehicle-hours (250,000 vehicle-km) a year") for s in sentences)
    assert any("gain 100 jobs within reach (benefit per vehicle-hour)" in s for s in sentences)
    assert "On average, residents can reach 10 more people of other community groups within " \
        "30 minutes." in sentences


def test_headline_without_deciles() -> None:
    sentences = describe_scorecard(tiny_scorecard(deciles=False))
    assert sentences[0] == (
        "3,000 residents gain access to 600 more jobs within 45 minutes, on average. The "
        "neighbourhoods have no deprivation deciles, so the gains cannot be split by "
        "deprivation.")
    assert any("residents between them gain 100 jobs" in s for s in sentences)


def test_losses_are_reported() -> None:
    changes = tiny_changes()
    changes.loc["Z3", f"delta_{JOB_COLUMN}"] = -10.0
    assert "500 residents can reach fewer jobs within 45 minutes than today." in \
        describe_scorecard(tiny_scorecard(), changes=changes)


def test_nobody_gains() -> None:
    card = tiny_scorecard()
    zeroed = type(card)(card.proposal, tuple(
        type(i)(i.key, i.label, 0.0 if "gaining" in i.key else i.value, i.unit, i.source)
        for i in card.indicators))
    assert describe_scorecard(zeroed)[0].startswith(
        "No resident of the most deprived neighbourhoods (deprivation deciles 1 to 3) gains")


@pytest.mark.parametrize(("deciles", "expected"), [
    ((1, 2, 3), "deprivation deciles 1 to 3"),
    ((1, 2), "deprivation deciles 1 and 2"),
    ((1,), "deprivation decile 1"),
])
def test_decile_wording(deciles: tuple[int, ...], expected: str) -> None:
    scoring = ScoringParams(deprived_deciles=deciles)
    assert expected in describe_scorecard(tiny_scorecard(), scoring=scoring)[0]


def test_benefit_by_decile_by_hand() -> None:
    frame = compute_decile_benefit(tiny_changes(), JOB_COLUMN)
    assert frame.attrs["by"] == "decile"
    assert list(frame["group"]) == [str(d) for d in range(1, 11)]
    row1, row2, row8 = (frame.iloc[i] for i in (0, 1, 7))
    assert (row1["residents"], row1["residents_gaining"], row1["mean_gain"],
            row1["total_gain"]) == (1000, 1000, 1200, 1_200_000)
    assert (row2["mean_gain"], row2["total_gain"]) == (300, 600_000)
    assert (row8["residents_gaining"], row8["mean_gain"]) == (0, 0)
    assert frame["residents"].iloc[3:7].eq(0).all()


def test_benefit_by_access_quintile_without_deciles() -> None:
    frame = compute_decile_benefit(tiny_changes(deciles=False), JOB_COLUMN)
    assert frame.attrs["by"] == "quintile"
    assert list(frame["group"]) == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert frame["residents"].sum() == 3500
    # Z1 (lowest access, the first 1,000 of 3,500 people) is in Q1, Z2 in Q3, Z3 in Q5.
    assert frame["residents"].tolist() == [1000, 0, 2000, 0, 500]
    assert frame.loc[0, "mean_gain"] == 1200


# --------------------------------------------------------------------------- report.html


SUMMARY = ("3,000 residents in 2 neighbourhoods can reach more jobs within 45 minutes by bus "
           f"and on foot, most of all in North End (+1,200) and {HOSTILE_ZONE} (+300); on "
           "average 600 more jobs each (over the residents who gain).")


def test_report_sections_and_headline(report: str) -> None:
    text = _text(report)
    assert SUMMARY in text
    assert text.index("In one minute") < text.index(SUMMARY) < text.index("Appendix")
    for heading in ("In one minute", "Where access to jobs changes",
                    "How far people in North End can get",
                    "Before and after, neighbourhood by neighbourhood",
                    "Who gains and who loses, by deprivation", "Running cost",
                    "Appendix: technical tables", "Scorecard",
                    "Neighbourhoods gaining most jobs", "Method", "Inputs"):
        assert re.search(rf"<h[123][^>]*>{re.escape(html.escape(heading))}</h[123]>", report), \
            heading


def test_report_is_self_contained_and_printable(report: str) -> None:
    assert "<script" not in report
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", report)
    assert "@media print" in report and "@page" in report
    # The change map, North End's reach, before/after by neighbourhood, benefit by decile.
    assert report.count("<svg") == 4
    assert report.count('class="static-map"') == 2


def test_report_tables_are_tidy(report: str) -> None:
    assert "<th scope=\"col\">indicator</th><th scope=\"col\">value</th>" in report
    assert "from total_gain_jobs_deprived" in report  # each number's source column
    assert "ab" * 32 in report  # input SHA-256 from the manifest
    assert "2019-05-13" in report


@pytest.mark.parametrize("name", ALL_HOSTILE)
def test_report_escapes_every_name(report: str, name: str) -> None:
    assert name not in report
    assert not re.search(r"<[a-z]+[^<>]*\son\w+\s*=", report)


def test_report_shows_hostile_names_as_text(report: str) -> None:
    text = _text(report)
    assert f"Proposal: {HOSTILE_PROPOSAL}" in text
    assert f"{HOSTILE_ZONE} (Z2)" in text  # neighbourhoods gaining most
    assert HOSTILE in text  # routes table


def test_report_shows_each_data_warning_as_text(tmp_path: Path) -> None:
    e = tiny_evaluation(tmp_path, "plain")
    manifest = {**tiny_manifest(), "warnings": [HOSTILE_QUOTES, HOSTILE]}
    page = render_report(e.scorecard, e.changes, manifest=manifest)
    parsed = read_html(page)
    box = [el for el in parsed.elements if el.attrs.get("class") == "data-warnings"]
    assert len(box) == 1 and box[0].attrs.get("role") == "note"
    assert parsed.texts_of("li")[:2] == [HOSTILE_QUOTES, HOSTILE]
    assert HOSTILE_QUOTES not in page and parsed.handlers() == []
    assert "Data warnings" not in render_report(e.scorecard, e.changes)  # none: no box


def test_report_without_deciles_uses_access_groups(tmp_path: Path) -> None:
    e = tiny_evaluation(tmp_path, "plain", deciles=False)
    page = render_report(e.scorecard, e.changes, cost=e.cost)
    assert "Who gains and who loses, by access today" in page
    assert "Q1" in page and "no deprivation deciles" in page


def test_write_report_html(tmp_path: Path) -> None:
    e = tiny_evaluation(tmp_path, "plain")
    written = write_report(tmp_path / "report.html", e.scorecard, e.changes)
    assert written == [tmp_path / "report.html"]
    assert written[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_write_report_pdf(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    e = tiny_evaluation(tmp_path, "plain")
    written = write_report(tmp_path / "report.html", e.scorecard, e.changes, cost=e.cost,
                           manifest=tiny_manifest(), pdf=True)
    assert [p.name for p in written] == ["report.html", "report.pdf"]
    assert written[1].read_bytes().startswith(b"%PDF-")


# --------------------------------------------------------------------------- comparison


@pytest.fixture(scope="module")
def evaluations(tmp_path_factory: pytest.TempPathFactory) -> list:
    folder = tmp_path_factory.mktemp("compare")
    cheap, dear = tiny_evaluation(folder, "cheap"), tiny_evaluation(folder, HOSTILE_PROPOSAL)
    # "cheap": half the benefit for a quarter of the hours -> twice the benefit per hour.
    for e, factor, hours in ((cheap, 0.5, 4500.0), (dear, 1.0, 18000.0)):
        e.scorecard = type(e.scorecard)(e.scorecard.proposal, tuple(
            type(i)(i.key, i.label,
                    hours if i.key == "annual_vehicle_hours" else
                    i.value * factor if i.key.startswith("total_gain") else i.value,
                    i.unit, i.source) for i in e.scorecard.indicators))
    return [dear, cheap]


def test_ranking_by_benefit_per_vehicle_hour(evaluations: list) -> None:
    table = compute_ranking(evaluations)
    assert list(table["proposal"]) == ["cheap", HOSTILE_PROPOSAL]
    assert list(table["rank"]) == [1, 2]
    assert table["benefit_per_vehicle_hour"].tolist() == [200.0, 100.0]
    assert table["benefit"].tolist() == [900_000.0, 1_800_000.0]
    assert table["gini_change"].round(6).tolist() == [-0.05, -0.05]
    sentences = describe_ranking(table)
    assert sentences[0] == ("cheap gives the most for its running cost: for each hour a bus is "
                            "in service, deprived residents between them gain 200 jobs within "
                            f"reach, against 100 for {HOSTILE_PROPOSAL}.")
    assert any(s.startswith(f"{HOSTILE_PROPOSAL} gives the largest total benefit") for s in
               sentences)


def test_comparison_page(evaluations: list) -> None:
    page = render_comparison(evaluations, tiny_zone_geometry(), manifest=tiny_manifest())
    text = _text(page)
    assert "Comparing 2 proposals" in text
    assert text.index("1 cheap") < text.index(f"2 {HOSTILE_PROPOSAL}")  # ranking table
    assert page.count('class="zone-map"') == 2  # small multiples
    assert "Every indicator side by side" in text
    assert HOSTILE_PROPOSAL not in page and "<script" not in page
    assert 'href="%3Cimg%20src%3Dx%20onerror%3Dalert%282%29%3E/map.html"' in page


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def demo_compare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`routes compare` on Demo Town: a hostile proposal and hospital_shuttle."""
    folder = tmp_path_factory.mktemp("demo")
    hostile = write_hostile_demo(folder)
    with warnings.catch_warnings():  # the data warning: shown, not an error
        warnings.simplefilter("default", RoutesWarning)
        result = CliRunner().invoke(main, [
            "-q", "--config", str(folder / "routes.toml"), "compare", str(hostile),
            str(folder / "examples" / "hospital_shuttle.geojson"), "--out",
            str(folder / "outputs" / "compare")])
    assert result.exit_code == 0, result.output
    assert "1. " in result.output and "benefit per vehicle-hour" in result.output
    return folder / "outputs" / "compare"


@pytest.mark.slow
def test_cli_compare_writes_the_folder(demo_compare: Path) -> None:
    names = sorted(p.name for p in demo_compare.iterdir())
    assert names == sorted([HOSTILE_PROPOSAL, "hospital_shuttle", "manifest.json",
                            "ranking.csv", "report.html"])
    for run in (HOSTILE_PROPOSAL, "hospital_shuttle"):
        folder = demo_compare / run
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert {"map.html", "report.html"} <= set(manifest["outputs"])
        assert (folder / "map.html").stat().st_size > 100_000  # Leaflet inside
        assert (folder / "report.html").exists()
    ranking = pd.read_csv(demo_compare / "ranking.csv")
    assert set(ranking["proposal"]) == {HOSTILE_PROPOSAL, "hospital_shuttle"}
    manifest = json.loads((demo_compare / "manifest.json").read_text(encoding="utf-8"))
    assert [i["role"] for i in manifest["inputs"]].count("proposal") == 2


@pytest.mark.slow
def test_cli_compare_pages_escape_hostile_names(demo_compare: Path) -> None:
    for page in (demo_compare / "report.html", demo_compare / HOSTILE_PROPOSAL / "report.html",
                 demo_compare / HOSTILE_PROPOSAL / "map.html"):
        text = page.read_text(encoding="utf-8")
        for name in ALL_HOSTILE:
            assert name not in text, (page.name, name)


def _parsed(path: Path) -> Page:
    """The page, parsed; it holds no element or attribute that a name could have made."""
    text = path.read_text(encoding="utf-8")
    for name in (*ALL_HOSTILE, HOSTILE_QUOTES):
        assert name not in text, (path, name)
    page = read_html(text)
    assert page.handlers() == [], path
    assert not {"img", "i", "iframe"} & page.tags(), path
    return page


def _check_hostile_report(path: Path) -> None:
    """The report of the hostile proposal: every name shows as the text that was typed."""
    page = _parsed(path)
    assert "script" not in page.tags()
    assert page.texts_of("h1") == [f"Proposal: {HOSTILE_PROPOSAL}"]
    assert page.texts_of("title")[0] == f"Proposal {HOSTILE_PROPOSAL}: report"  # then SVGs
    warnings = page.texts_of("li")
    assert any(w.endswith(hostile_warning()) for w in warnings)  # the data warnings box
    cells = page.texts_of("td")
    assert HOSTILE in cells  # routes table
    assert f"{HOSTILE_ZONE} (DT021)" in cells and f"{HOSTILE_QUOTES} (DT028)" in cells
    assert any(c.endswith(f"/{HOSTILE_PROPOSAL}.geojson") for c in cells)  # inputs
    assert f"{HOSTILE_QUOTES} (DT028)" in page.text


def _tooltip_texts(path: Path) -> str:
    """The text of every tooltip of a map, as Leaflet shows it."""
    raw = re.findall(r'"tooltip":\s*("(?:[^"\\]|\\.)*")', path.read_text(encoding="utf-8"))
    return "\n".join(read_html(json.loads(t)).text for t in raw)


def _check_hostile_map(path: Path) -> None:
    page = _parsed(path)
    note = page.texts_of("div", class_="note")[0]
    assert note.startswith("Reachable areas are drawn from: ")
    assert f"{HOSTILE_QUOTES} (DT028)" in note and f"{HOSTILE_ZONE} (DT021)" in note
    tips = _tooltip_texts(path)
    for name in (HOSTILE_ZONE, HOSTILE_QUOTES, HOSTILE_SPACE, HOSTILE, HOSTILE_STOP):
        assert name in tips, name


@pytest.mark.slow
def test_cli_compare_pages_show_hostile_names_as_text(demo_compare: Path) -> None:
    _check_hostile_report(demo_compare / HOSTILE_PROPOSAL / "report.html")
    _check_hostile_map(demo_compare / HOSTILE_PROPOSAL / "map.html")
    page = _parsed(demo_compare / "report.html")
    assert "script" not in page.tags()
    assert any(w.endswith(hostile_warning()) for w in page.texts_of("li"))
    assert HOSTILE_PROPOSAL in page.texts_of("b")  # each proposal in one line
    assert HOSTILE_PROPOSAL in page.texts_of("td")  # ranking
    assert HOSTILE_PROPOSAL in page.texts_of("figcaption")  # small maps
    folder = "%3Cimg%20src%3Dx%20onerror%3Dalert%282%29%3E"
    assert {e.attrs["href"] for e in page.elements if e.tag == "a"} == {
        f"{folder}/report.html", f"{folder}/map.html", "hospital_shuttle/report.html",
        "hospital_shuttle/map.html"}


@pytest.mark.slow
def test_cli_evaluate_hostile_pages_and_pdf(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    hostile = write_hostile_demo(tmp_path)
    with warnings.catch_warnings():  # the data warning: shown, not an error
        warnings.simplefilter("default", RoutesWarning)
        result = CliRunner().invoke(main, ["-q", "--config", str(tmp_path / "routes.toml"),
                                           "evaluate", str(hostile), "--pdf"])
    assert result.exit_code == 0, result.output
    run = tmp_path / "outputs" / HOSTILE_PROPOSAL
    _check_hostile_report(run / "report.html")
    _check_hostile_map(run / "map.html")
    pdf = run / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):  # poppler-utils: read the PDF's text back
        done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True)
        text = " ".join(done.stdout.split())
        assert f"Proposal: {HOSTILE_PROPOSAL}" in text
        assert "Data warnings" in text and "stop_spacing_m is ignored" in text


def test_names_are_never_compiled_as_templates(tmp_path: Path) -> None:
    e = tiny_evaluation(tmp_path, HOSTILE_TEMPLATE)
    e.changes.loc["Z2", "name"] = HOSTILE_TEMPLATE
    manifest = {**tiny_manifest(), "warnings": [HOSTILE_TEMPLATE]}
    for page in (render_report(e.scorecard, e.changes, cost=e.cost, manifest=manifest),
                 render_comparison([e], tiny_zone_geometry(), manifest=manifest)):
        parsed = read_html(page)
        assert HOSTILE_TEMPLATE in parsed.texts_of("li")  # the warning
        assert HOSTILE_TEMPLATE in parsed.text and "49" not in parsed.text


def test_cli_compare_needs_two_proposals(tmp_path: Path) -> None:
    one = tmp_path / "a.geojson"
    one.write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "routes.toml"), "compare",
                                       str(one)])
    assert result.exit_code == 2
    assert "compare needs at least two proposals" in result.output


@pytest.mark.slow
def test_cli_compare_refuses_to_overwrite(demo_compare: Path) -> None:
    study = demo_compare.parents[1]
    result = CliRunner().invoke(main, [
        "--config", str(study / "routes.toml"), "compare",
        str(study / "examples" / "crosstown_link.geojson"),
        str(study / "examples" / "hospital_shuttle.geojson"), "--out", str(demo_compare)])
    assert result.exit_code == 1
    assert "exists; pass --force" in result.output


@pytest.mark.slow
def test_cli_evaluate_pdf(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    from routes.demo.study_area import write_demo_study_area

    write_demo_study_area(tmp_path)
    result = CliRunner().invoke(main, [
        "-q", "--config", str(tmp_path / "routes.toml"), "evaluate",
        str(tmp_path / "examples" / "hospital_shuttle.geojson"), "--pdf",
        "--map-zone", "DT021"])
    assert result.exit_code == 0, result.output
    run = tmp_path / "outputs" / "hospital_shuttle"
    assert (run / "report.pdf").read_bytes().startswith(b"%PDF-")
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"][-4:] == ["map.html", "report.html", "report.pdf",
                                        "manifest.json"]
    assert "Reachable areas are drawn from: Mill Hey (DT021)." in \
        (run / "map.html").read_text(encoding="utf-8")


def test_report_lists_changes_to_existing_routes(tmp_path: Path) -> None:
    import dataclasses

    from routes.proposal.model import ModificationKind, RouteModification

    e = tiny_evaluation(tmp_path, "mods")
    proposal = dataclasses.replace(e.proposal, modifications=(
        RouteModification(ModificationKind.REMOVE_ROUTE, f"feed:{HOSTILE}"),
        RouteModification(ModificationKind.CHANGE_HEADWAY, "feed:7", headway_s=600)))
    page = render_report(e.scorecard, e.changes, proposal=proposal)
    text = _text(page)
    assert f"feed:{HOSTILE}: withdrawn" in text and HOSTILE not in page
    assert "feed:7: a bus every 10 minutes" in text
