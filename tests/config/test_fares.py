"""``[fares]`` and ``[scoring] fare_budget`` in routes.toml: defaults, every key, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from routes.config.fares import (
    ENCTS,
    FareParams,
    OperatorFare,
    RouteFare,
    ThroughTicket,
    TicketRules,
    parse_fares,
)
from routes.config.parameters import Problems
from routes.config.study_area import load_study_area
from routes.errors import InputError
from routes.fares.levels import fare_report_max_minor


def _write(folder: Path, body: str) -> Path:
    (folder / "streets.osm").write_text("<osm/>", encoding="utf-8")
    (folder / "feed.zip").write_bytes(b"")
    path = folder / "routes.toml"
    path.write_text('[study_area]\ngtfs = ["feed.zip"]\nosm = "streets.osm"\n'
                    'date = 2026-03-10\n' + body, encoding="utf-8")
    return path


def test_no_fares_table_means_fares_not_modelled(tmp_path: Path) -> None:
    study = load_study_area(_write(tmp_path, ""))
    assert study.fares is None
    assert study.scoring.fare_budget_minor is None  # one single fare


def test_an_empty_fares_table_has_the_defaults(tmp_path: Path) -> None:
    fares = load_study_area(_write(tmp_path, "[fares]\n")).fares
    assert fares == FareParams()
    assert (fares.currency, fares.single_minor, fares.single_cap_minor) == ("GBP", 300, None)
    assert fares.persona.name == "adult" and not fares.persona.ever_free
    assert fares.tickets == TicketRules(0.0, 0, 1, None)  # every boarding pays


def test_every_key_is_read(tmp_path: Path) -> None:
    study = load_study_area(_write(tmp_path, """
[scoring]
fare_budget = 4.5
[fares]
currency = "GBP"
single = 2.80
single_cap = 3
feed_fares = "ignore"
rider_category = "adult"
fare_media = "card"
persona = "encts"
transfer_window_min = 30
transfer_price = 0.5
max_transfers = "unlimited"
day_cap = 7.00
[[fares.operators]]
noc = "NWPT"
single = 2.50
transfer_window_min = 60
transfer_price = 0
max_transfers = 2
day_cap = "none"
capped = false
[[fares.operators]]
agency = "feed:OP17"
[[fares.routes]]
route = "feed:X1"
single = 0
capped = true
[[fares.through_tickets]]
operators = "all"
[[fares.through_tickets]]
operators = ["NWPT", "feed:OP17"]
transfer_window_min = 90
transfer_price = 1.05
max_transfers = 1
"""))
    f = study.fares
    assert f is not None
    assert study.scoring.fare_budget_minor == 450
    assert (f.single_minor, f.single_cap_minor, f.feed_fares) == (280, 300, "ignore")
    assert (f.rider_category, f.fare_media, f.persona) == ("adult", "card", ENCTS)
    assert f.tickets == TicketRules(30.0, 50, -1, 700)
    assert f.operators == (
        OperatorFare(noc="NWPT", single_minor=250, transfer_window_min=60.0,
                     transfer_price_minor=0, max_transfers=2, day_cap_minor=-1, capped=False),
        OperatorFare(agency="feed:OP17"),
    )
    assert f.routes == (RouteFare("feed:X1", 0, True),)
    assert f.through_tickets == (ThroughTicket(None, 60.0, 0, -1),
                                 ThroughTicket(("NWPT", "feed:OP17"), 90.0, 105, 1))


@pytest.mark.parametrize(("body", "message"), [
    ("[fares]\nsingle = 3.001\n", r"\[fares\].single: expected an amount from 0 to 1000 with "
     r"at most two decimals, such as 3.00, got 3.001"),
    ("[fares]\nsingle = -1\n", r"\[fares\].single: expected an amount"),
    ("[fares]\nsingle = true\n", r"\[fares\].single: expected an amount"),
    ("[fares]\nsingle = \"none\"\n", r"\[fares\].single: expected an amount"),
    ("[fares]\nprice = 3\n", r"\[fares\].price: unknown key; allowed keys are currency, single"),
    ("[fares]\ncurrency = \"pounds\"\n", r"\[fares\].currency: expected an ISO 4217 code"),
    ("[fares]\npersona = \"student\"\n", r"\[fares\].persona: expected one of 'adult', 'encts'"),
    ("[fares]\nfeed_fares = \"v3\"\n", r"\[fares\].feed_fares: expected one of 'auto'"),
    ("[fares]\nmax_transfers = 11\n", r"\[fares\].max_transfers: expected a whole number from "
     r"0 to 10 or \"unlimited\", got 11"),
    ("[fares]\ntransfer_window_min = 2000\n", r"\[fares\].transfer_window_min: expected minutes"),
    ("[[fares.operators]]\nsingle = 2\n", r"\[\[fares.operators\]\] row 1: give exactly one of "
     r"agency"),
    ("[[fares.operators]]\nnoc = \"A\"\nagency = \"f:A\"\n", r".*row 1: give exactly one of"),
    ("[[fares.operators]]\nnoc = \"A\"\n[[fares.operators]]\nnoc = \"A\"\n",
     r"\[\[fares.operators\]\] row 2: noc A is priced twice"),
    ("[[fares.operators]]\nnoc = \"A\"\nfare = 2\n",
     r"\[\[fares.operators\]\] row 1.fare: unknown key"),
    ("[[fares.operators]]\nnoc = \"A\"\ncapped = \"no\"\n", r".*row 1.capped: expected true or"),
    ("[[fares.routes]]\nsingle = 1\n", r"\[\[fares.routes\]\] row 1.route: missing"),
    ("[[fares.through_tickets]]\noperators = []\n",
     r"\[\[fares.through_tickets\]\] row 1.operators: expected \"all\" or a list"),
    ("[fares]\noperators = 3\n", r"\[\[fares.operators\]\]: expected tables"),
    ("[scoring]\nfare_budget = 1e9\n", r"\[scoring\].fare_budget: expected an amount"),
    ("[scoring]\nfare_report_max = 3.001\n", r"\[scoring\].fare_report_max: expected an amount"),
    ("[scoring]\nfare_budget = 4\nfare_report_max = 3.5\n",
     r"\[scoring\].fare_report_max: 3.50 is below fare_budget \(4.00\)"),
    ("[scoring]\nfare_report_max = 2.5\n[fares]\nsingle = 3\n",
     r"\[scoring\].fare_report_max: 2.50 is below the fare budget, one single \(3.00\)"),
])
def test_errors_name_the_key_and_the_fix(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(InputError, match=r"routes.toml " + message):
        load_study_area(_write(tmp_path, body))


def test_persona_chosen_per_run() -> None:
    fares = FareParams()
    assert fares.with_persona("encts").persona == ENCTS
    assert fares.with_persona("encts").single_minor == 300
    with pytest.raises(InputError, match="persona 'pensioner' is unknown; choose one of "
                                         "'adult', 'encts'"):
        fares.with_persona("pensioner")


def test_encts_is_the_statutory_scheme() -> None:
    # free 09:30-23:00 on weekdays, all day at weekends and on bank holidays, buses only
    assert ENCTS.weekday_free_s == (34_200, 82_800)
    assert ENCTS.weekend_free and ENCTS.bank_holiday_free
    assert ENCTS.free_route_types == frozenset({3, 11})


def test_fares_must_be_a_table() -> None:
    problems = Problems(Path("routes.toml"))
    assert parse_fares({"fares": 3}, problems) is None
    assert problems.items == ["routes.toml [fares]: expected a table, got 3"]


def test_fare_report_max_defaults_to_twice_the_budget(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    study = load_study_area(_write(tmp_path / "a", "[fares]\nsingle = 2.5\n"))
    assert study.scoring.fare_report_max_minor is None
    assert fare_report_max_minor(study) == 500  # 2 x one single
    study = load_study_area(_write(tmp_path / "b", "[scoring]\nfare_budget = 4\n[fares]\n"))
    assert fare_report_max_minor(study) == 800
    study = load_study_area(_write(tmp_path / "c", "[scoring]\nfare_report_max = 3\n[fares]\n"))
    assert fare_report_max_minor(study) == study.scoring.fare_report_max_minor == 300
