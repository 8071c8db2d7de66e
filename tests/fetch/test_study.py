"""``routes fetch`` end to end against a loopback server, and its parts.

The "public sources" are small fixtures made from Demo Town (see
``tests/_fetch_fixtures.py``); nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import socket
import urllib.parse
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
from routes.config.study_area import load_study_area
from routes.errors import DownloadError, GtfsError, InputError, OutputExistsError, RoutesWarning
from routes.fetch import fetch_study_area, load_fetch_sources
from routes.fetch.arcgis import query_features, where_in
from routes.fetch.census import load_ethnic_groups
from routes.fetch.deprivation import load_district, load_lsoa_districts
from routes.fetch.download import Downloads
from routes.fetch.jobs import download_jobs
from routes.fetch.osm_extract import choose_geofabrik_extract, restrict_osm_to_area
from routes.fetch.regions import bods_region_of, choose_bods_regions
from routes.fetch.sources import SOURCE_EVIDENCE, FetchSources
from routes.fetch.timetables import merge_feeds
from tests._fetch_fixtures import (
    BRES_PAGE_ROWS,
    CODE,
    FAR_LSOAS,
    NAME,
    OTHER_LSOA,
    OTHER_LSOA_JOBS,
    PATHS,
    WHITE_OTHER,
    FetchFixture,
    build_fetch_fixture,
    far_only_feed,
    lancashire_iod_file7,
    lancashire_ts021_zip,
    point_index_at,
)
from tests._fetch_server import ArcgisLayer, BresTable, FixtureServer, StaticFile, serve
from tests.conftest import shared_data_dir

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


@pytest.fixture(scope="module")
def lancashire_dir() -> Path:
    return shared_data_dir("lancashire")


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

    readme = (fetched / "README.md").read_text()
    for statement in ("Source: Office for National Statistics licensed under the Open "
                      "Government Licence v.3.0", "Contains OS data © Crown copyright and "
                      "database right 2025", "Contains public sector information licensed "
                      "under the Open Government Licence v3.0.", "© OpenStreetMap "
                      "contributors", "Open Database License 1.0", "rounded by ONS"):
        assert statement in " ".join(readme.split()), statement

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


def test_fetch_queries_as_the_publishers_document(fetched: Path, server: FixtureServer) -> None:
    """BRES: the whole TYPE151 table page by page; ArcGIS: ordered, past empty pages."""
    import urllib.parse

    bres = [dict(urllib.parse.parse_qsl(q)) for _, q, _ in server.requests_for(PATHS["bres"])]
    n_rows = 31 + len(FAR_LSOAS)
    assert [int(q["recordoffset"]) for q in bres] == list(range(0, n_rows, BRES_PAGE_ROWS))
    assert {q["geography"] for q in bres} == {"TYPE151"}
    assert {(q["industry"], q["employment_status"], q["measure"], q["measures"])
            for q in bres} == {("37748736", "4", "1", "20100")}
    centroids = [dict(urllib.parse.parse_qsl(q))
                 for _, q, _ in server.requests_for(PATHS["centroids"])]
    assert {q["orderByFields"] for q in centroids} == {"LSOA21CD"}
    # the 14 far LSOAs sort first: their two pages of 7 come back empty, flag set, and
    # the client carries on (the 31 centroids were found, as the e2e test shows)
    assert [int(q["resultOffset"]) for q in centroids[:3]] == [0, 7, 14]
    assert not server.requests_for(PATHS["centroids_old"])


def test_an_area_on_an_nptg_boundary_merges_both_regional_feeds(
    fixture: FetchFixture, tmp_path: Path,
) -> None:
    """E01900099 lies in Cumberland: ONS North West, NPTG North East."""
    with serve(fixture.server(nptg_boundary=True)) as running:
        point_index_at(running)
        (tmp_path / "sources.toml").write_text(FetchFixture.sources_toml(running))
        done = fetch_study_area(CODE, tmp_path / "area",
                                sources=load_fetch_sources(tmp_path / "sources.toml"),
                                downloads_dir=tmp_path / "dl", today=dt.date(2026, 3, 1))
        assert len(running.requests_for(PATHS["bods_ne"])) == 1
    assert done.regions == ("north_west", "north_east")
    feed = tmp_path / "area" / "gtfs" / "bods_north_west-north_east.zip"
    with zipfile.ZipFile(feed) as z:
        trips = pd.read_csv(z.open("trips.txt"), dtype=str)
        stops = pd.read_csv(z.open("stops.txt"), dtype=str)
    assert len(trips) == 1055 + 2 == done.n_trips  # the demo's, CROSS_T1 once, NE_T1
    assert sorted(trips.loc[~trips["route_id"].isin(["1", "2", "3", "4", "5", "6"]),
                            "trip_id"]) == ["CROSS_T1", "NE_T1"]
    assert stops["stop_id"].is_unique and {"CUMB1", "CUMB2"} <= set(stops["stop_id"])
    assert "`north_west`, `north_east`" in (tmp_path / "area" / "README.md").read_text()
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "area" / "routes.toml"),
                                       "check"])
    assert result.exit_code == 0, result.output


def test_a_regional_feed_with_no_stop_in_the_area_stops_with_one_line(
    fixture: FetchFixture, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
) -> None:
    demo_zip = next(tmp_path_factory.getbasetemp().glob("fetch-fixture*/demo/gtfs/*.zip"))
    with serve(fixture.server()) as running:
        point_index_at(running)
        running.routes[PATHS["bods"]] = StaticFile(far_only_feed(demo_zip))
        (tmp_path / "sources.toml").write_text(FetchFixture.sources_toml(running))
        result = CliRunner().invoke(main, ["-q", "fetch", "--lad", CODE, str(tmp_path / "a"),
                                           "--sources", str(tmp_path / "sources.toml"),
                                           "--downloads", str(tmp_path / "dl")])
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "bods_north_west_gtfs.zip: no trip of the regional feed stops in the study area" \
        in message
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing", r"3 of the 31 LSOAs in the area are not in Nomis's table or have no "
                    r"value \(e\.g\. E01900001, E01900002, E01900099\), so their jobs are "
                    r"unknown, not 0"),
        ("blank", r"1 of the 31 LSOAs .* \(e\.g\. E01900005\)"),
        ("lsoa2011", r"holds \['2011 super output areas - lower layer'\] rows, not only "
                     r"'2021 super output areas - lower layer' \(TYPE151\)"),
    ],
)
def test_bres_lsoas_missing_from_the_answer_are_an_error_never_zero_jobs(
    fixture: FetchFixture, tmp_path: Path, change: str, message: str,
) -> None:
    with serve(fixture.server()) as running:
        point_index_at(running)
        table = running.routes[PATHS["bres"]]
        assert isinstance(table, BresTable)
        if change == "missing":
            for code in ("E01900001", "E01900002", OTHER_LSOA):
                del table.jobs[code]
        elif change == "blank":
            table.jobs["E01900005"] = ""
        else:
            table.geography_type = "2011 super output areas - lower layer"
        (tmp_path / "sources.toml").write_text(FetchFixture.sources_toml(running))
        with pytest.raises(DownloadError, match=message):
            fetch_study_area(CODE, tmp_path / "area",
                             sources=load_fetch_sources(tmp_path / "sources.toml"),
                             downloads_dir=tmp_path / "dl")
    assert not (tmp_path / "area").exists()


def test_centroids_fall_back_to_the_older_release(
    fixture: FetchFixture, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    with serve(fixture.server()) as running:
        point_index_at(running)
        running.routes[PATHS["centroids_old"]] = running.routes.pop(PATHS["centroids"])
        (tmp_path / "sources.toml").write_text(FetchFixture.sources_toml(running))
        with caplog.at_level(logging.WARNING, logger="routes.fetch"):
            done = fetch_study_area(CODE, tmp_path / "area",
                                    sources=load_fetch_sources(tmp_path / "sources.toml"),
                                    downloads_dir=tmp_path / "dl", today=dt.date(2026, 3, 1))
        assert running.requests_for(PATHS["centroids_old"])
    assert done.n_zones == 30
    assert "answered HTTP 404" in caplog.text
    assert "using the older release (lsoa_centroids_fallback)" in caplog.text


def test_centroids_failing_at_both_addresses_name_both(
    fixture: FetchFixture, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    with serve(fixture.server()) as running:
        point_index_at(running)
        layer = running.routes[PATHS["centroids"]]
        assert isinstance(layer, ArcgisLayer)
        layer.features = [f for f in layer.features if f["properties"]["LSOA21CD"] != "E01900007"]
        (tmp_path / "sources.toml").write_text(FetchFixture.sources_toml(running))
        with (caplog.at_level(logging.CRITICAL, logger="routes.fetch"),
              pytest.raises(DownloadError, match=r"2 problems:\n.*none for 1 of the district's "
                                                 r"LSOAs \(e\.g\. E01900007\) at the "
                                                 r"lsoa_centroids address.*\n.*HTTP 404")):
            fetch_study_area(CODE, tmp_path / "area",
                             sources=load_fetch_sources(tmp_path / "sources.toml"),
                             downloads_dir=tmp_path / "dl")


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
        ('[sources]\narcgis_page_size = 0\n', r"expected a whole number of features from 1"),
        ('[sources]\narcgis_page_size = 5000\n', r"from 1 to 2,000 .*got 5000"),
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


# ---------------------------------------------------------------------- corrections of issue 18


def test_arcgis_pages_on_while_the_flag_is_set_even_past_empty_pages(tmp_path: Path) -> None:
    """ArcGIS Online cuts a page before its spatial filter: pages come back short or empty."""
    features = [{"type": "Feature", "properties": {"CODE": f"C{i:03d}"},
                 "geometry": {"type": "Point", "coordinates": [i * 0.01, 50.0]}}
                for i in reversed(range(250))]  # stored out of order: orderByFields sorts
    with serve(FixtureServer(routes={"/q": ArcgisLayer(features, index_filtered=True)})) as run:
        found = query_features(Downloads(tmp_path), run.url("/q"), out_fields=["CODE"],
                               bbox=(0.995, 49.0, 1.205, 51.0), what="t", page_size=40)
        offsets = [int(dict(urllib.parse.parse_qsl(q))["resultOffset"]) for _, q, _ in run.log]
    assert sorted(found["CODE"]) == [f"C{i:03d}" for i in range(100, 121)]  # each once
    # 0 and 40: empty, flag set; 80: C100-C119 (20 of 40); 100: C100-C120 (21);
    # 121, 161, 201: empty; 241: the last candidates, no flag
    assert offsets == [0, 40, 80, 100, 121, 161, 201, 241]


def test_an_invalid_geofabrik_polygon_is_made_valid_before_it_is_compared() -> None:
    """Two overlapping parts: GEOS says the raw multipolygon does not cover the area."""
    lancashire = shapely.MultiPolygon([shapely.box(-3.1, 53.4, -2.4, 54.3),
                                       shapely.box(-2.6, 53.4, -2.0, 54.3)])
    assert not lancashire.is_valid
    index = {"features": [
        {"type": "Feature", "properties": {"id": i, "urls": {"pbf": f"{i}.pbf"}},
         "geometry": shapely.geometry.mapping(g)}
        for i, g in (("england", shapely.box(-6, 49, 2, 56)), ("lancashire", lancashire))]}
    blackburn = shapely.box(-2.57, 53.61, -2.36, 53.79)  # across the overlap
    assert not lancashire.covers(blackburn)
    assert choose_geofabrik_extract(index, blackburn).id == "lancashire"


@pytest.mark.parametrize(
    ("lad", "ons_region", "expected"),
    [
        ("E07000243", "East of England", "south_east"),  # Stevenage, Hertfordshire
        ("E07000103", "East of England", "south_east"),  # Watford, Hertfordshire
        ("E07000070", "East of England", "south_east"),  # Chelmsford, Essex
        ("E06000055", "East of England", "south_east"),  # Bedford
        ("E06000056", "East of England", "south_east"),  # Central Bedfordshire
        ("E06000032", "East of England", "south_east"),  # Luton
        ("E06000033", "East of England", "south_east"),  # Southend-on-Sea
        ("E06000034", "East of England", "south_east"),  # Thurrock
        ("E06000031", "East of England", "east_midlands"),  # Peterborough
        ("E06000013", "Yorkshire and The Humber", "east_midlands"),  # North Lincolnshire
        ("E06000012", "Yorkshire and The Humber", "east_midlands"),  # North East Lincs
        ("E06000063", "North West", "north_east"),  # Cumberland
        ("E06000064", "North West", "north_east"),  # Westmorland and Furness
        ("E07000094", "South East", "south_west"),  # Winchester, Hampshire
        ("E06000045", "South East", "south_west"),  # Southampton
        ("E06000044", "South East", "south_west"),  # Portsmouth
        ("E06000046", "South East", "south_east"),  # Isle of Wight: NPTG South East too
        ("E07000008", "East of England", "east_anglia"),  # Cambridge
        ("E08000035", "Yorkshire and The Humber", "yorkshire"),  # Leeds
        ("E06000008", "North West", "north_west"),  # Blackburn with Darwen
    ],
)
def test_the_bods_region_is_the_nptg_region(lad: str, ons_region: str, expected: str) -> None:
    assert bods_region_of(lad, ons_region) == expected


def test_a_hertfordshire_district_picks_south_east_and_its_neighbours_regions(
    tmp_path: Path,
) -> None:
    lookup = ArcgisLayer([{"type": "Feature", "geometry": None,
                           "properties": {"LAD24CD": c, "RGN24NM": r}}
                          for c, r in (("E07000243", "East of England"),
                                       ("E07000012", "East of England"))])
    with serve(FixtureServer(routes={"/lu": lookup})) as running:
        sources = FetchSources(lad_regions=running.url("/lu"))
        alone = choose_bods_regions(Downloads(tmp_path), sources, "E07000243",
                                    {"E01023710": "E07000243", "E01023800": "E07000241"},
                                    ["E01023710", "E01023800"])
        assert running.log == []  # Hertfordshire districts need no lookup
        wider = choose_bods_regions(
            Downloads(tmp_path), sources, "E07000243",
            {"E01023710": "E07000243", "E01018300": "E07000012"},
            ["E01023710", "E01018300", "W01000001"])
    assert alone == ("south_east",)
    assert wider == ("south_east", "east_anglia", "wales")


def test_blackburn_with_darwen_picks_north_west_from_real_lancashire_rows(
    lancashire_dir: Path, tmp_path: Path,
) -> None:
    iod = tmp_path / "File_7.csv"
    iod.write_bytes(lancashire_iod_file7(lancashire_dir))
    district = load_district(iod, "Blackburn with Darwen")
    assert district.code == "E06000008" and len(district.lsoas) == 91
    assert district.lsoas.loc["E01012571", "imd_decile"] == 1  # the real decile
    with (lancashire_dir / "lookup_lsoa21_ward24_ltla24_lancs14.csv").open() as fh:
        lookup = pd.read_csv(fh, dtype=str)
    everywhere = sorted(lookup["lsoa21_code"])
    lsoa_districts = load_lsoa_districts(iod, everywhere)
    assert lsoa_districts == dict(zip(lookup["lsoa21_code"], lookup["ltla24_code"], strict=True))
    layer = ArcgisLayer([{"type": "Feature", "geometry": None,
                          "properties": {"LAD24CD": c, "RGN24NM": "North West"}}
                         for c in sorted(set(lookup["ltla24_code"]))])
    with serve(FixtureServer(routes={"/lu": layer})) as running:
        regions = choose_bods_regions(Downloads(tmp_path), FetchSources(
            lad_regions=running.url("/lu")), district.code, lsoa_districts, everywhere)
    assert regions == ("north_west",)


def test_bres_whole_table_of_real_lancashire_codes_pages_and_reports_missing(
    lancashire_dir: Path, tmp_path: Path,
) -> None:
    with (lancashire_dir / "lookup_lsoa21_ward24_ltla24_lancs14.csv").open() as fh:
        lookup = pd.read_csv(fh, dtype=str)
    # made-up jobs (BRES is not in the folder), keyed by the real codes: 7 per code digit sum
    jobs = {c: 7 * sum(int(d) for d in c[3:]) for c in lookup["lsoa21_code"]}
    bwd = sorted(lookup.loc[lookup["ltla24_code"] == "E06000008", "lsoa21_code"])
    with serve(FixtureServer(routes={"/bres": BresTable(dict(jobs), page_rows=200)})) as run:
        got = download_jobs(Downloads(tmp_path / "a"), run.url("/bres"), bwd)
        assert len(run.log) == 5  # 945 rows, 200 a page
        table = run.routes["/bres"]
        assert isinstance(table, BresTable)
        del table.jobs[bwd[0]], table.jobs[bwd[-1]]
        with pytest.raises(DownloadError, match=f"2 of the 91 LSOAs .*e\\.g\\. {bwd[0]}, "
                                                f"{bwd[-1]}"):
            download_jobs(Downloads(tmp_path / "b"), run.url("/bres"), bwd)
    assert got.to_dict() == {c: jobs[c] for c in bwd}


def test_real_ts021_rows_give_blackburn_with_darwens_census_population(
    lancashire_dir: Path, tmp_path: Path,
) -> None:
    lookup = pd.read_csv(lancashire_dir / "lookup_lsoa21_ward24_ltla24_lancs14.csv", dtype=str)
    bwd = sorted(lookup.loc[lookup["ltla24_code"] == "E06000008", "lsoa21_code"])
    (tmp_path / "ts021.zip").write_bytes(lancashire_ts021_zip(lancashire_dir))
    groups = load_ethnic_groups(tmp_path / "ts021.zip", bwd)
    assert int(groups["population"].sum()) == 154_762  # the folder README's published total
    long = pd.read_csv(lancashire_dir / "census21_ts021_ethnicity_lsoa21_lancs14.csv")
    asian = long[long["lsoa21_code"].isin(bwd)
                 & (long["ethnic_group"] == "Asian, Asian British or Asian Welsh")]
    assert int(groups["asian"].sum()) == int(asian["n"].sum())


def test_merging_feeds_that_disagree_under_one_identifier_is_an_error() -> None:
    import gtfs_kit

    def feed(route_name: str) -> object:
        return gtfs_kit.Feed(dist_units="km", routes=pd.DataFrame(
            {"route_id": ["R1"], "route_short_name": [route_name], "route_type": [3]}))

    assert len(merge_feeds([feed("1"), feed("1")], ["a.zip", "b.zip"]).routes) == 1
    with pytest.raises(GtfsError, match=r"a\.zip \+ b\.zip: routes\.txt holds different rows "
                                        r"for route_id='R1'.*--refresh"):
        merge_feeds([feed("1"), feed("1X")], ["a.zip", "b.zip"])


def test_every_default_address_names_its_evidence() -> None:
    addresses = [f.name for f in dataclasses.fields(FetchSources) if f.type in (str, "str")]
    assert sorted(SOURCE_EVIDENCE) == sorted(addresses)
    assert "LSOA_PopCentroids_EW_2021_V4" in FetchSources().lsoa_centroids
