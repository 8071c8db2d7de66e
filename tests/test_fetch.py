"""``routes fetch`` end to end against a loopback server, and its parts.

The "public sources" are small fixtures made from Demo Town (see
``tests/_fetch_fixtures.py``); nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from cli import main
from routes.config import load_study_area
from routes.errors import DownloadError, InputError, OutputExistsError, RoutesWarning
from routes.fetch import fetch_study_area, load_fetch_sources
from routes.fetch.arcgis import query_features, where_in
from routes.fetch.download import Downloads
from routes.fetch.osm_extract import choose_geofabrik_extract, restrict_osm_to_area
from tests._fetch_fixtures import (
    CODE,
    NAME,
    OTHER_LSOA,
    OTHER_LSOA_JOBS,
    PATHS,
    WHITE_OTHER,
    FetchFixture,
    build_fetch_fixture,
    point_index_at,
)
from tests._fetch_server import ArcgisLayer, FixtureServer, StaticFile, serve

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> FetchFixture:
    return build_fetch_fixture(tmp_path_factory.mktemp("fetch-fixture"))


@pytest.fixture
def server(fixture: FetchFixture) -> Iterator[FixtureServer]:
    with serve(fixture.server()) as running:
        point_index_at(running)
        yield running


@pytest.fixture
def sources_file(server: FixtureServer, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(FetchFixture.sources_toml(server))
    return path


@pytest.fixture
def fetched(sources_file: Path, tmp_path: Path) -> Path:
    fetch_study_area(NAME, tmp_path / "area", sources=load_fetch_sources(sources_file),
                     downloads_dir=tmp_path / "downloads", today=dt.date(2026, 3, 1))
    return tmp_path / "area"


# ---------------------------------------------------------------------- end to end


def test_fetch_writes_a_study_area_routes_check_accepts(
    fetched: Path, fixture: FetchFixture, server: FixtureServer,
) -> None:
    study = load_study_area(fetched / "routes.toml")
    assert study.name == NAME
    assert study.service_date == dt.date(2026, 3, 3)  # first Tuesday on or after today
    assert study.zones is not None and study.zones.centroids_path is not None

    zones = gpd.read_file(fetched / "zones" / "lsoa.geojson").set_index("LSOA21CD")
    assert len(zones) == 30 and OTHER_LSOA not in zones.index
    first = fixture.zones[0]
    row = zones.loc[first["code"]]
    props = first["properties"]
    assert row["imd_decile"] == props["imd_decile"]
    assert row["white_british"] == props["white_british"]
    assert row["white_other"] == WHITE_OTHER
    assert row["pop"] == props["pop"] + WHITE_OTHER
    assert row["pop_iod"] == props["pop"] + 40  # File 7's "1,607": thousands separator read
    groups = ["white_british", "white_other", "asian", "black", "mixed", "other"]
    assert (zones[groups].sum(axis=1) == zones["pop"]).all()

    jobs = gpd.read_file(fetched / "zones" / "jobs.geojson").set_index("LSOA21CD")
    assert jobs.loc[OTHER_LSOA, "jobs"] == OTHER_LSOA_JOBS  # within the buffer, so counted
    assert jobs["jobs"].sum() == sum(fixture.jobs.values())
    assert (jobs["jobs"] > 0).all()

    with zipfile.ZipFile(fetched / "gtfs" / "bods_north_west.zip") as feed:
        trips = pd.read_csv(feed.open("trips.txt"), dtype=str)
    assert "FAR" not in set(trips["route_id"])  # the Manchester route is outside the area
    assert len(trips) == 1055

    manifest = json.loads((fetched / "fetch_manifest.json").read_text())
    assert manifest["district"] == {"code": CODE, "name": NAME, "asked_for": NAME}
    pbf = next(s for s in manifest["sources"] if s["url"].endswith("lancashire-latest.osm.pbf"))
    body = server.routes[PATHS["pbf"]]
    assert isinstance(body, StaticFile)
    assert pbf["sha256"] == hashlib.sha256(body.body).hexdigest()

    result = CliRunner().invoke(main, ["--config", str(fetched / "routes.toml"), "check"])
    assert result.exit_code == 0, result.output
    assert "zones: 30 features, 30 snapped" in result.output
    assert "bods_north_west" in result.output


def test_fetch_cli_by_code_reuses_downloads_and_refuses_to_overwrite(
    sources_file: Path, server: FixtureServer, tmp_path: Path,
) -> None:
    args = ["fetch", "--lad", CODE.lower(), str(tmp_path / "area"), "--sources",
            str(sources_file), "--downloads", str(tmp_path / "dl")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert f"{NAME} ({CODE}): 30 LSOAs" in first.output
    assert "next: routes --config" in first.output

    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1
    assert "already holds files; pass --force" in again.output

    forced = CliRunner().invoke(main, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert len(server.requests_for(PATHS["bods"])) == 1  # the second run reused the copy
    assert len(server.requests_for(PATHS["pbf"])) == 1


def test_fetch_default_folder_is_named_after_the_district(
    sources_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fetch", "--lad", CODE, "--sources", str(sources_file),
                                       "--downloads", str(tmp_path / "dl")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo-borough" / "routes.toml").is_file()


def test_unknown_district_suggests_the_closest_name(sources_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["fetch", "--lad", "Demo Borogh", str(tmp_path / "a"),
                                       "--sources", str(sources_file), "--downloads",
                                       str(tmp_path / "dl")])
    assert result.exit_code == 1
    assert "no local authority district 'Demo Borogh'" in result.output
    assert f"did you mean 'Demo Borough' ({CODE})" in result.output
    assert not (tmp_path / "a").exists()


def test_offline_fails_with_one_line_naming_what_it_could_not_reach(tmp_path: Path) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "sources.toml").write_text(
        f'[sources]\niod_file7 = "http://127.0.0.1:{port}/File_7.csv"\n')
    result = CliRunner().invoke(main, ["fetch", "--lad", CODE, str(tmp_path / "a"), "--sources",
                                       str(tmp_path / "sources.toml"), "--downloads",
                                       str(tmp_path / "dl")])
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert f"could not reach 127.0.0.1:{port} to download IoD 2025 File 7" in message
    assert "check the internet connection" in message


def test_a_failed_fetch_leaves_no_folder_behind(
    fixture: FetchFixture, tmp_path: Path,
) -> None:
    with serve(fixture.server()) as running:
        point_index_at(running)
        running.routes[PATHS["md5"]] = StaticFile(b"0123456789abcdef0123456789abcdef  x\n")
        sources = tmp_path / "sources.toml"
        sources.write_text(FetchFixture.sources_toml(running))
        with pytest.raises(DownloadError, match="not the published"):
            fetch_study_area(CODE, tmp_path / "area", sources=load_fetch_sources(sources),
                             downloads_dir=tmp_path / "dl")
    assert not (tmp_path / "area").exists()
    assert not list(tmp_path.glob(".area.fetching-*"))


def test_existing_folder_is_refused_before_any_download(tmp_path: Path) -> None:
    (tmp_path / "area").mkdir()
    (tmp_path / "area" / "keep.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="already holds files"):
        fetch_study_area(CODE, tmp_path / "area", downloads_dir=tmp_path / "dl")
    assert not (tmp_path / "dl").exists()


# ---------------------------------------------------------------------- downloads


@pytest.fixture
def payload_server() -> Iterator[FixtureServer]:
    body = bytes(range(256)) * 40  # 10,240 bytes
    state = FixtureServer(routes={"/f": StaticFile(body), "/norange": StaticFile(body,
                                                                                 ranges=False)})
    with serve(state) as running:
        yield running


def test_an_interrupted_download_resumes_with_a_range_request(
    payload_server: FixtureServer, tmp_path: Path,
) -> None:
    route = payload_server.routes["/f"]
    assert isinstance(route, StaticFile)
    route.cut_after = 4000
    downloads = Downloads(tmp_path)
    with pytest.raises(DownloadError, match="stopped at 4,000 of 10,240 bytes; run the command "
                                            "again to resume"):
        downloads.file(payload_server.url("/f"), what="test file", name="f.bin")
    assert (tmp_path / "f.bin.part").stat().st_size == 4000
    path = downloads.file(payload_server.url("/f"), what="test file", name="f.bin")
    assert path.read_bytes() == route.body
    assert [r[2] for r in payload_server.requests_for("/f")] == [None, "bytes=4000-"]
    assert not (tmp_path / "f.bin.part").exists()


def test_a_server_ignoring_range_is_downloaded_again_from_the_start(
    payload_server: FixtureServer, tmp_path: Path,
) -> None:
    (tmp_path / "f.bin.part").write_bytes(b"stale bytes")
    path = Downloads(tmp_path).file(payload_server.url("/norange"), what="test", name="f.bin")
    route = payload_server.routes["/norange"]
    assert isinstance(route, StaticFile)
    assert path.read_bytes() == route.body


def test_a_finished_copy_is_reused_unless_refreshed(
    payload_server: FixtureServer, tmp_path: Path,
) -> None:
    url = payload_server.url("/f")
    Downloads(tmp_path).file(url, what="test", name="f.bin")
    Downloads(tmp_path).file(url, what="test", name="f.bin")
    assert len(payload_server.requests_for("/f")) == 1
    Downloads(tmp_path, refresh=True).file(url, what="test", name="f.bin")
    assert len(payload_server.requests_for("/f")) == 2


def test_a_copy_that_no_longer_matches_the_published_md5_is_downloaded_again(
    payload_server: FixtureServer, tmp_path: Path,
) -> None:
    route = payload_server.routes["/f"]
    assert isinstance(route, StaticFile)
    (tmp_path / "f.bin").write_bytes(b"an older edition")
    path = Downloads(tmp_path).file(payload_server.url("/f"), what="test", name="f.bin",
                                    expected_md5=hashlib.md5(route.body).hexdigest())
    assert path.read_bytes() == route.body


def test_an_md5_mismatch_is_an_error_and_nothing_is_kept(
    payload_server: FixtureServer, tmp_path: Path,
) -> None:
    with pytest.raises(DownloadError, match="has MD5 .* not the published 0{32}; it was deleted"):
        Downloads(tmp_path).file(payload_server.url("/f"), what="test", name="f.bin",
                                 expected_md5="0" * 32)
    assert list(tmp_path.iterdir()) == []


def test_an_http_error_names_the_status_and_the_address(
    payload_server: FixtureServer, tmp_path: Path,
) -> None:
    with pytest.raises(DownloadError, match=r"test: 127\.0\.0\.1:\d+ answered HTTP 404"):
        Downloads(tmp_path).file(payload_server.url("/missing"), what="test")


# ---------------------------------------------------------------------- parts


def test_arcgis_pages_through_results_and_chunks_long_in_lists(tmp_path: Path) -> None:
    features = [{"type": "Feature", "properties": {"CODE": f"C{i:03d}"},
                 "geometry": {"type": "Point", "coordinates": [i * 0.01, 50.0]}}
                for i in range(250)]
    with serve(FixtureServer(routes={"/q": ArcgisLayer(features)})) as running:
        codes = [f"C{i:03d}" for i in range(0, 250, 2)]  # 125 codes: two IN clauses
        found = query_features(Downloads(tmp_path), running.url("/q"),
                               where=where_in("CODE", codes), out_fields=["CODE"], what="t",
                               page_size=40)
        assert sorted(found["CODE"]) == codes
        assert len(running.log) == 3 + 1  # 100 codes in 3 pages of 40, then 25 in 1 page
        boxed = query_features(Downloads(tmp_path), running.url("/q"), out_fields=["CODE"],
                               bbox=(0.995, 49.0, 1.205, 51.0), what="t")
        assert sorted(boxed["CODE"]) == [f"C{i:03d}" for i in range(100, 121)]


def test_where_in_doubles_quotes() -> None:
    assert where_in("NAME", ["O'Brien"]) == ["NAME IN ('O''Brien')"]


def test_an_arcgis_error_answer_is_reported_and_not_kept(tmp_path: Path) -> None:
    feature = {"type": "Feature", "properties": {"CODE": "x"},
               "geometry": {"type": "Point", "coordinates": [0.0, 50.0]}}
    with (serve(FixtureServer(routes={"/q": ArcgisLayer([feature])})) as running,
          pytest.raises(DownloadError, match="answered with an error .*cannot parse where")):
        query_features(Downloads(tmp_path), running.url("/q"), where=["CODE LIKE 'x%'"],
                       out_fields=["CODE"], what="boundaries")
    assert list(tmp_path.iterdir()) == []


def test_the_smallest_covering_geofabrik_extract_is_chosen() -> None:
    def extract(name: str, box: tuple[float, float, float, float]) -> dict[str, object]:
        return {"type": "Feature", "properties": {"id": name, "urls": {"pbf": f"{name}.pbf"}},
                "geometry": shapely.geometry.mapping(shapely.box(*box))}

    index = {"features": [extract("europe", (-30, 30, 40, 70)),
                          extract("england", (-6, 49, 2, 56)),
                          extract("lancashire", (-3.1, 53.4, -2.0, 54.3)),
                          extract("greater-manchester", (-2.8, 53.3, -1.9, 53.7))]}
    blackburn = shapely.box(-2.57, 53.61, -2.36, 53.79)
    assert choose_geofabrik_extract(index, blackburn).id == "lancashire"
    with pytest.raises(DownloadError, match="no Geofabrik extract covers the study area"):
        choose_geofabrik_extract(index, shapely.box(100, 0, 101, 1))


def test_clipping_keeps_ways_that_cross_the_edge_whole(
    fixture: FetchFixture, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
) -> None:
    pbf = next(tmp_path_factory.getbasetemp().glob("fetch-fixture*/lancashire.osm.pbf"))
    nodes = {n.id: (n.location.lon, n.location.lat)
             for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE)}
    lons = sorted(lon for lon, _ in nodes.values())
    west = shapely.box(lons[0] - 1, 50, lons[len(lons) // 2], 56)  # the western half
    out = restrict_osm_to_area(pbf, west, tmp_path / "west.osm.pbf")
    kept_nodes = {n.id for n in osmium.FileProcessor(str(out), osmium.osm.NODE)}
    kept_ways = [[n.ref for n in w.nodes]
                 for w in osmium.FileProcessor(str(out), osmium.osm.WAY)]
    assert 0 < len(kept_nodes) < len(nodes)
    inside = {i for i, (lon, lat) in nodes.items() if shapely.contains_xy(west, lon, lat)}
    assert inside <= kept_nodes
    crossing = [refs for refs in kept_ways if any(r not in inside for r in refs)]
    assert crossing, "some ways should cross the edge of the western half"
    assert all(r in kept_nodes for refs in crossing for r in refs)  # whole, not cut


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sources]\nbods = "http://x"\n', r"\[sources\]\.bods: unknown key; allowed keys are"),
        ('[sources]\nbods_gtfs = "http://x/all/"\n', r"must contain '\{region\}'"),
        ('[sources]\niod_file7 = "not an address"\n', r"expected an address like"),
        ('[sources]\narcgis_page_size = 0\n', r"expected a positive whole number"),
        ("[other]\n", r"\[other\]: unknown table"),
        ("[sources\n", r"cannot read the sources file"),
    ],
)
def test_bad_sources_files_say_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_fetch_sources(path)


def test_restricting_a_real_feed_keeps_whole_trips_that_call_in_the_area(
    rnv_dir: Path, tmp_path: Path,
) -> None:
    from routes.fetch.timetables import choose_service_date, restrict_feed_to_area

    heidelberg = shapely.box(8.64, 49.38, 8.72, 49.43)
    out = tmp_path / "rnv_heidelberg.zip"
    n_trips = len(restrict_feed_to_area(rnv_dir / "rnv.zip", heidelberg, out).trips)
    with zipfile.ZipFile(rnv_dir / "rnv.zip") as full, zipfile.ZipFile(out) as cut:
        stops = pd.read_csv(full.open("stops.txt"), dtype={"stop_id": str})
        times = pd.read_csv(full.open("stop_times.txt"), dtype={"stop_id": str, "trip_id": str},
                            usecols=["trip_id", "stop_id"])
        kept = pd.read_csv(cut.open("stop_times.txt"), dtype={"stop_id": str, "trip_id": str},
                           usecols=["trip_id", "stop_id"])
    inside = set(stops.loc[shapely.contains_xy(heidelberg, stops["stop_lon"],
                                               stops["stop_lat"]), "stop_id"])
    expected = set(times.loc[times["stop_id"].isin(inside), "trip_id"])
    assert set(kept["trip_id"]) == expected and n_trips == len(expected)
    assert 0 < n_trips < times["trip_id"].nunique()
    # whole trips: every stop time of a kept trip is kept, inside the area or not
    assert len(kept) == int(times["trip_id"].isin(expected).sum())
    assert not set(kept["stop_id"]) <= inside
    date = choose_service_date(out, today=dt.date(2016, 11, 1))
    assert date.weekday() == 1 and date >= dt.date(2016, 11, 1)
    with pytest.warns(RoutesWarning, match="does not include today .2026-12-06.; the service "
                                           "date is taken from its first weeks"):
        old = choose_service_date(out, today=dt.date(2026, 12, 6))
    assert old.weekday() == 1 and old.year == 2016
