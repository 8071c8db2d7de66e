"""A tiny study area for ``routes evaluate`` whose every result is derived by hand.

:func:`write_line_study` writes, into a folder::

    line.osm      one straight street with a spur (7 nodes, 6 edges)
    feed.zip      two routes: R1 (one trip in the window) and R2 (one trip at 07:00)
    zones.csv     four zones with population, deprivation decile, two groups
    jobs.csv      two job sites
    spaces.csv    two shared spaces, a library and a park
    routes.toml   dated Monday 2019-05-13, one departure at 08:00:00

and :func:`write_link_proposal` the proposal ``link.geojson``: a new
bidirectional route "Link" from zone Z2 through Z3 to Z4.

The map
-------
Every point sits exactly on a street node (so snapping adds 0 m). ``x`` is
metres east, ``y`` metres north of Z1; the origin is at 1.367° E, 0.01° N,
where the scale factor of UTM zone 31N is 1, so the proposal's projected
metres are ground metres::

       y
      350            S1 library
                     |  (spur, 350 m)
        0   Z1 --J1------------ Z2 ------------- Z3 --J2------------ Z4 = S2 park
            A                   B, P1            P2                  C, P3
    x       0  300             1000             2000 2300            3000

    Z = zone, J = job site, S = shared space; A, B, C = stops of feed.zip,
    P1, P2, P3 = stops of the proposed route Link.

Parameters (routes.toml): walking at 3.6 km/h = 1 m/s, so a walk of *d* m
takes *d* s; walks of at most 10 min = 600 m (access, egress, walk-only and
transfers); one departure, 08:00:00 (window "08:00-08:01"); no boarding slack
(``board_slack_s = 0``: a bus is caught if it leaves after one reaches its
stop, as R5 boards; R5's 60 s slack is tested in tests/engine/); job cutoff 20 min,
space and reach cutoff 15 min, decay half-life 10 min; deprived deciles 1-3.
Walks between neighbouring zones (1000 m) are too long, so zones connect by
bus only. Within 600 m on foot: Z1-J1 300 m, Z2-S1 350 m, Z3-J2 300 m,
Z4-S2 0 m; stops B-P1 and C-P3 share a node (0 m transfers).

=====  ========  ======  ======= =======  ==========================
zone   pop.      decile  group_a group_b  share of (a, b)
=====  ========  ======  ======= =======  ==========================
Z1     100       1       100     0        (1, 0)      deprived
Z2     200       2       100     100      (1/2, 1/2)  deprived
Z3     300       7       0       300      (0, 1)
Z4     400       10      300     100      (3/4, 1/4)
=====  ========  ======  ======= =======  ==========================

Jobs: J1 200, J2 1000. Spaces: S1 (category library), S2 (category park).

Timetables
----------
Baseline (feed.zip): R1 trip T1 A 08:02:00 -> B 08:06:00; R2 trip T2
C 07:00:00 -> B 07:10:00, gone before anyone leaves at 08:00, so it never
helps. Proposal: Link P1 (x 1000) - P2 (x 2000) - P3 (x 3000), 24 km/h
(1000 m in 150 s), dwell 30 s at P2, every 10 min from 08:01 to 09:01, both
directions. Forward trip leaving P1 at 08:01:00: P2 arr 08:03:30 dep 08:04:00,
P3 arr 08:06:30; reverse trip leaving P3 at 08:01:00: P2 08:03:30/08:04:00,
P1 arr 08:06:30; the next trips leave at 08:11:00.

Travel times, minutes, leaving at 08:00:00 (— = unreachable)
-------------------------------------------------------------
Baseline:

- Z1: Z1 0; J1 walk 300 s = 5; R1 from A 08:02 to B 08:06: Z2 6,
  S1 360 + 350 = 710 s = 11 5/6. Nothing else.
- Z2: Z2 0; S1 walk 350 s = 5 5/6. (R1 only runs towards B.)
- Z3: Z3 0; J2 walk 300 s = 5.
- Z4: Z4 0; S2 0.

Scenario (baseline plus Link):

- Z1: as baseline, and at B 08:06 a 0 m transfer to P1, Link 08:11:00 from
  P1: Z3 at 08:13:30 = 13.5; J2 + 300 s = 18.5; Z4 and S2 at 08:16:30 = 16.5.
- Z2: Link 08:01:00 from P1: Z3 3.5, J2 3.5 + 5 = 8.5, Z4 and S2 6.5; S1 walk 5 5/6.
- Z3: forward trip leaves P2 08:04:00: Z4 and S2 6.5; reverse trip leaves P2
  08:04:00: Z2 6.5, S1 6.5 + 350/60 = 12 1/3; J2 walk 5.
- Z4: reverse trip from P3 08:01:00: Z3 3.5, J2 8.5, Z2 6.5, S1 12 1/3; S2 0.

Metrics per zone (baseline -> scenario)
---------------------------------------
- ``jobs_within_20min`` (Σ jobs with t <= 20): Z1 200 -> 1200 (J2 at 18.5),
  Z2 0 -> 1000, Z3 1000 -> 1000, Z4 0 -> 1000.
- ``jobs_decay_h10min`` (Σ jobs · 2^(-t/10)): Z1 200·2^-0.5 = 141.421 ->
  141.421 + 1000·2^-1.85 = 418.814; Z2 0 -> 1000·2^-0.85 = 554.785;
  Z3 1000·2^-0.5 = 707.107 both; Z4 0 -> 554.785.
- ``nearest_space_min``: Z1 11 5/6 both; Z2 5 5/6 both (S1 on foot is nearer
  than S2 by Link at 6.5); Z3 — -> 6.5; Z4 0 both. ``nearest_space_library_min``:
  Z1 11 5/6 both, Z2 5 5/6 both, Z3 and Z4 — -> 12 1/3. ``nearest_space_park_min``:
  Z1 — -> 16.5, Z2 and Z3 — -> 6.5, Z4 0 both.
- ``spaces_within_15min``: Z1 1 -> 1 (S2 at 16.5 is over 15), Z2 1 -> 2,
  Z3 0 -> 2, Z4 1 -> 2.
- ``reach_other_groups_15min``: R_i = Σ_j [t_ij <= 15] Σ_g (1 - s_ig) n_jg,
  i.e. Z1 counts group b, Z2 half of everyone, Z3 group a, Z4 a/4 + 3b/4.
  Zones within 15 min: baseline Z1 {Z1, Z2}, others only themselves;
  scenario Z1 {Z1, Z2, Z3}, Z2-Z4 {Z2, Z3, Z4}.
  Baseline: Z1 0 + 100 = 100; Z2 200/2 = 100; Z3 0; Z4 300/4 + 3·100/4 = 150.
  Scenario: Z1 0 + 100 + 300 = 400; Z2 (200 + 300 + 400)/2 = 450;
  Z3 100 + 0 + 300 = 400; Z4 (100/4 + 3·100/4) + (0 + 3·300/4) + 150 = 475.
- ``meeting_potential_15min`` (other-group residents of zones sharing a space
  within 15 min): baseline Z1 and Z2 share S1, Z4 has S2 alone, Z3 has none:
  Z1 0 + 100 = 100; Z2 (100 + 200)/2 = 150; Z3 0; Z4 150. Scenario: S1 is
  within 15 min of every zone, so every zone meets all 500 a and 500 b:
  Z1 500 (b), Z2 1000/2, Z3 500 (a), Z4 500/4 + 3·500/4 — all 500.
- ``exposure_other_groups_15min`` (chance that someone met at the shared
  spaces a zone reaches is of another group than the resident, catchments
  pooled): baseline N(S1) = Z1 + Z2 = (a 200, b 100), N(S2) = Z4 = (300, 100):
  Z1 (all a) at S1 100/300 = 1/3; Z2 (half each) at S1 (100/300 + 200/300)/2
  = 1/2; Z3 reaches no space: 0; Z4 at S2 3/4 · 100/400 + 1/4 · 300/400 = 3/8.
  Scenario N(S1) = everyone (500, 500), N(S2) = Z2 + Z3 + Z4 = (400, 500);
  Z1 at S1 only (S2 at 15.5): 500/1000 = 1/2; Z2, Z3, Z4 at both, pooled
  (900, 1000): Z2 (1000/1900 + 900/1900)/2 = 1/2, Z3 (all b) 9/19, Z4
  3/4 · 10/19 + 1/4 · 9/19 = 39/76.
- Majority groups: Z1 a, Z2 a (a tie: the first listed group), Z3 b, Z4 a.
- Zone pairs connected within 15 min (either way): baseline {Z1, Z2};
  scenario also {Z1, Z3}, {Z2, Z3}, {Z2, Z4}, {Z3, Z4} ({Z1, Z4}: 16.5 one
  way, unreachable the other). ``new_zone_pairs_within_15min`` (partners
  newly connected): Z1 1 (Z3), Z2 2 (Z3, Z4), Z3 3, Z4 2; across majority
  groups Z1 1, Z2 1, Z3 3, Z4 1; nothing is lost.
- Per space (``spaces.csv``): S1 reached by Z1, Z2 -> everyone: residents
  300 -> 1000 (a 200 -> 500, b 100 -> 500), Simpson 1 - (2/3)² - (1/3)² = 4/9
  -> 1/2; S2 reached by Z4 -> Z2, Z3, Z4: 400 -> 900 (a 300 -> 400, b 100 ->
  500), Simpson 1 - (3/4)² - (1/4)² = 3/8 -> 1 - (4/9)² - (5/9)² = 40/81.

Social interaction (groups a, b; 500 each, 250,000 pairs of an a and a b)
-----------------------------------------------------------------------
- Potential Σ_s N_a(s) N_b(s): baseline 200·100 + 300·100 = 50,000;
  scenario 500·500 + 400·500 = 450,000; per pair 0.2 -> 1.8 spaces.
- Pairs able to meet (some common space): baseline Z1 and Z2 share S1, Z4
  has S2 alone: a of Z1 with b of Z2 100·100, a and b of Z2 100·100, a and b
  of Z4 300·100: 50,000, share 0.2; scenario every zone reaches S1: 250,000,
  share 1.0. No pair of groups is new (some could meet before).
- Neighbourhood pairs newly able to meet at a space (``community_pairs.csv``):
  baseline only {Z1, Z2} (S1); scenario every pair, so new: Z3-Z4, Z2-Z3,
  Z1-Z3 across groups (listed first, most residents first), Z2-Z4, Z1-Z4
  within. Where: Z1 with Z3 or Z4 only at S1 (both there after 12 1/3 min);
  the others at S2 (6.5 min) and S1 (12 1/3 min), in that order.
- Exposure of the deprived (Z1 100, Z2 200): (100/3 + 200/2)/300 = 4/9 ->
  1/2; of everyone (100/3 + 100 + 0 + 150)/1000 = 17/60 -> (50 + 100 +
  300·9/19 + 400·39/76)/1000 = 189/380.

Scorecard
---------
Job gains Δ = (1000, 1000, 0, 1000); deprived zones Z1, Z2 (300 residents).

- deprived residents gaining jobs 100 + 200 = 300; all residents gaining
  100 + 200 + 400 = 700; mean gain (deprived) 1000; total gain
  100·1000 + 200·1000 + 400·1000 = 700,000; deprived total 300,000.
- Gini (pop.-weighted, Σ_ij w_i w_j |x_i - x_j| / (2 W² μ)): baseline
  x = (200, 0, 1000, 0), μ = 320; Σ over unordered pairs 100·200·200 +
  100·300·800 + 100·400·200 + 200·300·1000 + 300·400·1000 = 216e6, so
  G = 432e6 / (2e6 · 320) = 0.675. Scenario x = (1200, 1000, 1000, 1000),
  μ = 1020, Σ = 100·900·200 = 18e6, G = 36e6 / 2.04e9 = 3/170.
- Palma (top 10 % share / bottom 40 % share): baseline the poorest 400 of
  1000 residents (Z2, Z4) hold 0 jobs, so Palma = inf (``null`` in
  scorecard.json). Scenario: bottom 400 hold 400·1000, top 100 (Z1) hold
  100·1200, Palma = 120,000 / 400,000 = 0.3.
- mean change in nearest space (zones reaching one in both): Z1 0, Z2 0,
  Z4 0 -> 0; residents newly reaching a space: Z3, 300;
  residents reaching more spaces within 15 min: Z2, Z3, Z4, 900; both spaces
  widen their catchment and become more mixed.
- mean gain in reach: (100·300 + 200·350 + 300·400 + 400·325)/1000 = 350.
- new zone pairs (1 + 2 + 3 + 2)/2 = 4, across groups (1 + 1 + 3 + 1)/2 = 3.
- Running cost: route km 2.0 (P1 to P3); run time 300 s + 30 s dwell = 5.5
  min; layover max(10 % · 5.5, 5) = 5 min at each end; cycle 2·5.5 + 2·5 =
  21 min; peak vehicles ⌈21/10⌉ = 3; vehicle-hours per day 1 h · 3 = 3,
  annual 3 · 52 · 5 = 780; trips per direction 6 (08:01 ... 08:51), vehicle-km
  per day 6 · 2 · 2 = 24, annual 24 · 260 = 6240; benefit per vehicle-hour
  300,000 / 780 = 384.615. Nothing is removed: saved 0, net = new.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from _feeds import MONDAY, service, write_feed
from _osm import M_PER_DEG_LAT, M_PER_DEG_LON, osm_xml

LON0 = 1.367
LAT0 = 0.01

STUDY_DATE = MONDAY

#: Street nodes ``id: (x_m, y_m)``.
NODE_XY: dict[int, tuple[float, float]] = {
    1: (0.0, 0.0),
    2: (300.0, 0.0),
    3: (1000.0, 0.0),
    4: (2000.0, 0.0),
    5: (2300.0, 0.0),
    6: (3000.0, 0.0),
    7: (1000.0, 350.0),
}
WAYS = [
    (201, [1, 2, 3, 4, 5, 6], {"highway": "residential", "name": "Line Street"}),
    (202, [3, 7], {"highway": "footway"}),
]

#: ``(id, x_m, y_m, population, decile, group_a, group_b)``
ZONES = [
    ("Z1", 0.0, 0.0, 100, 1, 100, 0),
    ("Z2", 1000.0, 0.0, 200, 2, 100, 100),
    ("Z3", 2000.0, 0.0, 300, 7, 0, 300),
    ("Z4", 3000.0, 0.0, 400, 10, 300, 100),
]
ZONE_IDS = [z[0] for z in ZONES]
POPULATION = {z[0]: float(z[3]) for z in ZONES}
#: ``(id, x_m, y_m, jobs)``
JOBS = [("J1", 300.0, 0.0, 200), ("J2", 2300.0, 0.0, 1000)]
#: ``(id, x_m, y_m, kind)``
SPACES = [("S1", 1000.0, 350.0, "library"), ("S2", 3000.0, 0.0, "park")]
#: ``(stop_id, x_m, y_m)``
STOPS = [("A", 0.0, 0.0), ("B", 1000.0, 0.0), ("C", 3000.0, 0.0)]
#: Stops of the proposed route, in running order.
LINK_STOPS = [("P1", 1000.0, 0.0), ("P2", 2000.0, 0.0), ("P3", 3000.0, 0.0)]

NAN = math.nan
_6 = 1.0 / 6.0
_3 = 1.0 / 3.0

#: Travel times (minutes) from each zone, leaving at 08:00:00; columns in this order.
POINTS = ["Z1", "Z2", "Z3", "Z4", "J1", "J2", "S1", "S2"]
BASELINE_MIN: dict[str, list[float]] = {
    #     Z1   Z2   Z3   Z4   J1   J2   S1        S2
    "Z1": [0.0, 6.0, NAN, NAN, 5.0, NAN, 11 + 5 * _6, NAN],
    "Z2": [NAN, 0.0, NAN, NAN, NAN, NAN, 5 + 5 * _6, NAN],
    "Z3": [NAN, NAN, 0.0, NAN, NAN, 5.0, NAN, NAN],
    "Z4": [NAN, NAN, NAN, 0.0, NAN, NAN, NAN, 0.0],
}
SCENARIO_MIN: dict[str, list[float]] = {
    "Z1": [0.0, 6.0, 13.5, 16.5, 5.0, 18.5, 11 + 5 * _6, 16.5],
    "Z2": [NAN, 0.0, 3.5, 6.5, NAN, 8.5, 5 + 5 * _6, 6.5],
    "Z3": [NAN, 6.5, 0.0, 6.5, NAN, 5.0, 12 + _3, 6.5],
    "Z4": [NAN, 6.5, 3.5, 0.0, NAN, 8.5, 12 + _3, 0.0],
}

_D05 = 2.0**-0.5
#: Per-zone metrics, ``column: (baseline Z1..Z4, scenario Z1..Z4)``.
METRICS: dict[str, tuple[list[float], list[float]]] = {
    "jobs_within_20min": ([200, 0, 1000, 0], [1200, 1000, 1000, 1000]),
    "jobs_decay_h10min": (
        [200 * _D05, 0, 1000 * _D05, 0],
        [200 * _D05 + 1000 * 2.0**-1.85, 1000 * 2.0**-0.85, 1000 * _D05, 1000 * 2.0**-0.85],
    ),
    "nearest_space_min": ([11 + 5 * _6, 5 + 5 * _6, NAN, 0.0],
                          [11 + 5 * _6, 5 + 5 * _6, 6.5, 0.0]),
    "nearest_space_library_min": (
        [11 + 5 * _6, 5 + 5 * _6, NAN, NAN],
        [11 + 5 * _6, 5 + 5 * _6, 12 + _3, 12 + _3],
    ),
    "nearest_space_park_min": ([NAN, NAN, NAN, 0.0], [16.5, 6.5, 6.5, 0.0]),
    "spaces_within_15min": ([1, 1, 0, 1], [1, 2, 2, 2]),
    "reach_other_groups_15min": ([100, 100, 0, 150], [400, 450, 400, 475]),
    "meeting_potential_15min": ([100, 150, 0, 150], [500, 500, 500, 500]),
    "exposure_other_groups_15min": ([1 / 3, 1 / 2, 0.0, 3 / 8], [1 / 2, 1 / 2, 9 / 19, 39 / 76]),
}
NEW_ZONE_PAIRS = [1, 2, 3, 2]
NEW_ZONE_PAIRS_ACROSS_GROUPS = [1, 1, 3, 1]
MAJORITY_GROUPS = ["group_a", "group_a", "group_b", "group_a"]
#: ``community_pairs.csv``: (zone_a, zone_b, across_groups, spaces, meeting_min), in order.
COMMUNITY_PAIRS = [
    ("Z3", "Z4", True, "S2; S1", 6.5),
    ("Z2", "Z3", True, "S2; S1", 6.5),
    ("Z1", "Z3", True, "S1", 12 + _3),
    ("Z2", "Z4", False, "S2; S1", 6.5),
    ("Z1", "Z4", False, "S1", 12 + _3),
]

#: Per space: ``column: (baseline S1, S2, scenario S1, S2)``.
SPACE_MIX: dict[str, tuple[float, float, float, float]] = {
    "reachable_residents_15min": (300, 400, 1000, 900),
    "reachable_group_a_15min": (200, 300, 500, 400),
    "reachable_group_b_15min": (100, 100, 500, 500),
    "simpson_diversity_15min": (4 / 9, 3 / 8, 1 / 2, 40 / 81),
}

#: Every scorecard indicator, by key.
SCORECARD: dict[str, float] = {
    "deprived_residents_gaining_jobs": 300,
    "deprived_residents_losing_jobs": 0,
    "residents_gaining_jobs": 700,
    "residents_losing_jobs": 0,
    "mean_gain_jobs_deprived_gainers": 1000,
    "mean_loss_jobs_deprived_losers": NAN,
    "mean_gain_jobs_gainers": 1000,
    "mean_loss_jobs_losers": NAN,
    "mean_gain_jobs_deprived": 1000,
    "total_gain_jobs": 700_000,
    "total_gain_jobs_deprived": 300_000,
    "gini_jobs_baseline": 0.675,
    "palma_jobs_baseline": math.inf,
    "gini_jobs_scenario": 3 / 170,
    "palma_jobs_scenario": 0.3,
    "benefit_per_vehicle_hour": 300_000 / 780,
    "mean_change_nearest_space_min": 0.0,
    "residents_newly_reaching_a_space": 300,
    "residents_no_longer_reaching_a_space": 0,
    "residents_with_more_shared_spaces": 900,
    "residents_with_fewer_shared_spaces": 0,
    "shared_spaces_wider_catchment": 2,
    "shared_spaces_narrower_catchment": 0,
    "mean_gain_reach_other_groups": 350,
    "new_zone_pairs": 4,
    "new_zone_pairs_across_groups": 3,
    "new_zone_pairs_within_groups": 1,
    "lost_zone_pairs": 0,
    "lost_zone_pairs_across_groups": 0,
    "social_interaction_potential_baseline": 50_000,
    "social_interaction_potential_scenario": 450_000,
    "social_interaction_potential_change": 400_000,
    "social_interaction_per_pair_baseline": 0.2,
    "social_interaction_per_pair_scenario": 1.8,
    "social_interaction_per_pair_change": 1.6,
    "social_interaction_share_able_to_meet_baseline": 0.2,
    "social_interaction_share_able_to_meet_scenario": 1.0,
    "social_interaction_share_able_to_meet_change": 0.8,
    "social_interaction_exposure_deprived_baseline": 4 / 9,
    "social_interaction_exposure_deprived_scenario": 1 / 2,
    "social_interaction_exposure_deprived_change": 1 / 18,
    "social_interaction_exposure_baseline": 17 / 60,
    "social_interaction_exposure_scenario": 189 / 380,
    "social_interaction_exposure_change": 189 / 380 - 17 / 60,
    "social_interaction_new_pairs_across_groups": 3,
    "social_interaction_new_pairs_within_groups": 2,
    "social_interaction_residents_newly_meeting_other_groups": 1000,
    "social_interaction_lost_pairs_across_groups": 0,
    "social_interaction_lost_pairs_within_groups": 0,
    "social_interaction_residents_no_longer_meeting_other_groups": 0,
    "social_interaction_spaces_more_mixed": 2,
    "social_interaction_spaces_less_mixed": 0,
    "social_interaction_group_pairs_newly_meeting": 0,
    "social_interaction_group_pairs_no_longer_meeting": 0,
    "route_km": 2.0,
    "peak_vehicles_new": 3,
    "peak_vehicles_saved": 0,
    "peak_vehicles": 3,
    "annual_vehicle_hours_new": 780,
    "annual_vehicle_hours_saved": 0,
    "annual_vehicle_hours": 780,
    "annual_vehicle_km_new": 6240,
    "annual_vehicle_km_saved": 0,
    "annual_vehicle_km": 6240,
}

ROUTING_TOML = """\
[routing]
departure_window = "{window}"
walk_speed_kmh = 3.6
max_walk_min = 10
board_slack_s = 0

[scoring]
job_cutoff_min = 20
space_cutoff_min = 15
decay_half_life_min = 10
"""


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """WGS84 lon/lat of a point ``x_m`` east and ``y_m`` north of Z1."""
    return LON0 + x_m / M_PER_DEG_LON, LAT0 + y_m / M_PER_DEG_LAT


def _lonlat_text(x_m: float, y_m: float) -> tuple[str, str]:
    lon, lat = lonlat(x_m, y_m)
    return f"{lon:.7f}", f"{lat:.7f}"


def coords(x_m: float, y_m: float) -> list[float]:
    """GeoJSON position with the 7 decimals the OSM file uses (same node, 0 m snap)."""
    lon, lat = _lonlat_text(x_m, y_m)
    return [float(lon), float(lat)]


def feed_tables() -> dict[str, Any]:
    """GTFS tables of ``feed.zip``: R1 (T1, 08:02 A -> 08:06 B) and R2 (T2, 07:00 C -> 07:10 B)."""
    stops = []
    for stop_id, x, y in STOPS:
        lon, lat = _lonlat_text(x, y)
        stops.append({"stop_id": stop_id, "stop_name": f"Stop {stop_id}", "stop_lat": lat,
                      "stop_lon": lon})
    return {
        "agency": [{"agency_id": "AG", "agency_name": "Test", "agency_url": "http://x.org",
                    "agency_timezone": "Europe/London"}],
        "stops": stops,
        "routes": [
            {"route_id": r, "agency_id": "AG", "route_short_name": r, "route_long_name": r,
             "route_type": 3}
            for r in ("R1", "R2")
        ],
        "calendar": [service("WK", "1111100")],
        "trips": [{"route_id": "R1", "service_id": "WK", "trip_id": "T1"},
                  {"route_id": "R2", "service_id": "WK", "trip_id": "T2"}],
        "stop_times": [
            {"trip_id": t, "arrival_time": time, "departure_time": time, "stop_id": s,
             "stop_sequence": i}
            for t, i, s, time in (("T1", 1, "A", "08:02:00"), ("T1", 2, "B", "08:06:00"),
                                  ("T2", 1, "C", "07:00:00"), ("T2", 2, "B", "07:10:00"))
        ],
    }


def _csv(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def routes_toml(*, window: str = "08:00-08:01", gtfs: str = "feed.zip") -> str:
    """Text of the study area's routes.toml."""
    return (
        "[study_area]\n"
        'name = "Line street"\n'
        f"gtfs = [{gtfs!r}]\n"
        'osm = "line.osm"\n'
        f'date = "{STUDY_DATE}"\n'
        "\n[zones]\n"
        'file = "zones.csv"\nid = "id"\npopulation = "population"\n'
        'deprivation_decile = "decile"\ngroups = ["group_a", "group_b"]\nname = "name"\n'
        "\n[[destinations]]\n"
        'name = "jobs"\nfile = "jobs.csv"\nweight = "jobs"\n'
        "\n[[destinations]]\n"
        'name = "spaces"\nfile = "spaces.csv"\ncategory = "kind"\n'
        "\n" + ROUTING_TOML.format(window=window)
    )


def write_line_study(folder: Path, *, window: str = "08:00-08:01") -> Path:
    """Write the study area of this module's docstring into ``folder``; return routes.toml.

    ``window`` replaces the one-departure window (the hand-derived numbers
    assume the default).
    """
    folder.mkdir(parents=True, exist_ok=True)
    nodes = {n: lonlat(x, y) for n, (x, y) in NODE_XY.items()}
    (folder / "line.osm").write_text(osm_xml(nodes, WAYS), encoding="utf-8")
    write_feed(folder / "feed.zip", **feed_tables())
    zones = []
    for zone_id, x, y, pop, decile, a, b in ZONES:
        lon, lat = _lonlat_text(x, y)
        zones.append(f"{zone_id},Zone {zone_id[1]},{lon},{lat},{pop},{decile},{a},{b}")
    (folder / "zones.csv").write_text(
        _csv("id,name,lon,lat,population,decile,group_a,group_b", zones), encoding="utf-8")
    jobs = [f"{j},{','.join(_lonlat_text(x, y))},{n}" for j, x, y, n in JOBS]
    (folder / "jobs.csv").write_text(_csv("id,lon,lat,jobs", jobs), encoding="utf-8")
    spaces = [f"{s},{','.join(_lonlat_text(x, y))},{k},{k.title()} {s}" for s, x, y, k in SPACES]
    (folder / "spaces.csv").write_text(_csv("id,lon,lat,kind,name", spaces), encoding="utf-8")
    toml = folder / "routes.toml"
    toml.write_text(routes_toml(window=window), encoding="utf-8")
    return toml


def route_feature(name: str, xs: list[float], **props: Any) -> dict[str, Any]:
    """A proposal route drawn along Line Street (``y = 0``) through ``xs`` metres."""
    return {
        "type": "Feature",
        "properties": {"name": name, **props},
        "geometry": {"type": "LineString", "coordinates": [coords(x, 0.0) for x in xs]},
    }


def stop_feature(route: str, name: str, x_m: float, y_m: float = 0.0) -> dict[str, Any]:
    """An explicit stop of a proposal route."""
    return {
        "type": "Feature",
        "properties": {"route": route, "name": name},
        "geometry": {"type": "Point", "coordinates": coords(x_m, y_m)},
    }


def modification_feature(kind: str, gtfs_route_id: str, **props: Any) -> dict[str, Any]:
    """A ``remove_route`` or ``change_headway`` feature (``geometry: null``)."""
    return {"type": "Feature", "properties": {"type": kind, "gtfs_route_id": gtfs_route_id,
                                              **props}, "geometry": None}


def write_proposal(path: Path, *features: dict[str, Any]) -> Path:
    """Write a proposal FeatureCollection."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)},
                               indent=1), encoding="utf-8")
    return path


def link_features() -> list[dict[str, Any]]:
    """Features of the Link proposal: the route and its three explicit stops."""
    route = route_feature("Link", [1000.0, 3000.0], headway_min=10, start="08:01",
                          end="09:01", speed_kmh=24, dwell_s=30)
    return [route, *(stop_feature("Link", s, x, y) for s, x, y in LINK_STOPS)]


def write_link_proposal(folder: Path, name: str = "link") -> Path:
    """Write the Link proposal of this module's docstring as ``<name>.geojson``."""
    return write_proposal(folder / f"{name}.geojson", *link_features())


# --------------------------------------------------------------------------- scorecard sources


def naive_gini(values: list[float] | Any, weights: list[float] | Any) -> float:
    """Σ_ij w_i w_j |x_i - x_j| / (2 W² μ) over all ordered pairs, by brute force."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    mean = float((w * x).sum() / total)
    if mean == 0.0:
        return 0.0
    pairs = (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum()
    return float(pairs / (2.0 * total**2 * mean))


def naive_palma(values: list[float] | Any, weights: list[float] | Any) -> float:
    """Share of the richest 10 % of people over that of the poorest 40 %, people ranked by value.

    Walks through the zones from the poorest, giving each person the zone's
    value, and splits a zone where the 40 % or 90 % boundary falls inside it.
    """
    people = sorted(zip((float(v) for v in values), (float(w) for w in weights), strict=True))
    total_people = sum(w for _, w in people)
    total = sum(v * w for v, w in people)
    if total == 0:
        return math.nan
    bottom = top = 0.0
    seen = 0.0
    for value, weight in people:
        bottom += value * min(weight, max(0.0, 0.4 * total_people - seen))
        top += value * min(weight, max(0.0, seen + weight - 0.9 * total_people))
        seen += weight
    return math.inf if bottom == 0 else top / bottom


def recompute_indicator(source: str, zones: Any, costs: dict[str, float],
                        tables: dict[str, Any] | None = None) -> float:
    """Recompute a scorecard value from ``zones.csv`` by following its ``source`` text.

    ``zones`` is ``zones.csv`` read with pandas; ``costs`` maps the costing
    indicators (``route_km``, ``peak_vehicles``, ``annual_vehicle_hours``,
    ``annual_vehicle_km`` and their ``_new`` and ``_saved`` parts) to values
    recomputed from the proposal; ``tables`` maps the other files of a run
    (``spaces.csv``, ``community_pairs.csv``, ``group_pairs.csv``) to their
    tables. Indicators about deprived residents are NaN when the zones have no
    deprivation decile.
    """
    import re

    pop = zones["population"].astype(float)
    has_deciles = bool(zones["deprivation_decile"].notna().any())
    deprived = zones["deprived"].astype(bool)

    def mean(values: Any, mask: Any = None) -> float:
        ok = values.notna() if mask is None else values.notna() & mask
        total = pop[ok].sum()
        return float((values[ok] * pop[ok]).sum() / total) if total > 0 else math.nan

    def sign(column: str, op: str) -> Any:
        return zones[column] > 0 if op == ">" else zones[column] < 0

    patterns: list[tuple[str, Any]] = [
        (r"sum of population where deprived and (\w+) ([<>]) 0",
         lambda c, op: pop[deprived & sign(c, op)].sum() if has_deciles else math.nan),
        (r"sum of population where (\w+) ([<>]) 0", lambda c, op: pop[sign(c, op)].sum()),
        (r"population-weighted mean of (\w+) over deprived zones where \1 > 0",
         lambda c: mean(zones[c], deprived & (zones[c] > 0))),
        (r"minus the population-weighted mean of (\w+) over deprived zones where \1 < 0",
         lambda c: -mean(zones[c], deprived & (zones[c] < 0))),
        (r"population-weighted mean of (\w+) where \1 > 0", lambda c: mean(zones[c], zones[c] > 0)),
        (r"minus the population-weighted mean of (\w+) where \1 < 0",
         lambda c: -mean(zones[c], zones[c] < 0)),
        (r"population-weighted mean of (\w+) over deprived zones",
         lambda c: mean(zones[c], deprived)),
        (r"sum of population x (\w+) over deprived zones",
         lambda c: (pop * zones[c])[deprived].sum() if has_deciles else math.nan),
        (r"sum of population x (\w+)", lambda c: (pop * zones[c]).sum()),
        (r"population-weighted Gini of (\w+)", lambda c: naive_gini(zones[c], pop)),
        (r"population-weighted Palma of (\w+)", lambda c: naive_palma(zones[c], pop)),
        (r"population-weighted mean of (\w+) \(zones reaching a space in both\)",
         lambda c: mean(zones[c])),
        (r"population-weighted mean of (\w+)", lambda c: mean(zones[c])),
        (r"sum of population where baseline_(\w+) is empty and scenario_\1 is not",
         lambda c: pop[zones[f"baseline_{c}"].isna() & zones[f"scenario_{c}"].notna()].sum()),
        (r"sum of population where scenario_(\w+) is empty and baseline_\1 is not",
         lambda c: pop[zones[f"scenario_{c}"].isna() & zones[f"baseline_{c}"].notna()].sum()),
        (r"half the sum of (\w+) minus half the sum of (\w+)",
         lambda a, b: (zones[a].sum() - zones[b].sum()) / 2),
        (r"half the sum of (\w+)", lambda c: zones[c].sum() / 2),
        (r"sum of (\w+)", lambda c: zones[c].sum()),
        (r"proposal costing: (\w+), (new|saved)", lambda k, part: costs[f"{k}_{part}"]),
        (r"proposal costing: (\w+), new minus saved", lambda k: costs[k]),
        (r"proposal costing", lambda: costs["route_km"]),
    ]
    for pattern, compute in patterns:
        match = re.fullmatch(pattern, source)
        if match:
            return float(compute(*match.groups()))
    match = re.fullmatch(r"(total_gain_\w+_deprived) / net annual vehicle-hours", source)
    if match:
        job_layer = match.group(1).removeprefix("total_gain_").removesuffix("_deprived")
        deprived_total = recompute_indicator(
            f"sum of population x delta_{job_layer}_within_{_job_cutoff(zones, job_layer)}min "
            "over deprived zones", zones, costs)
        hours = costs["annual_vehicle_hours"]
        return deprived_total / hours if hours > 0 else math.nan
    if tables is not None:
        return _recompute_from_tables(source, zones, tables)
    msg = f"no rule to recompute an indicator from {source!r}"
    raise AssertionError(msg)


def _recompute_from_tables(source: str, zones: Any, tables: dict[str, Any]) -> float:
    """Follow a ``source`` that names rows of spaces.csv, community_pairs.csv or group_pairs.csv."""
    import re

    def rows(file: str, condition: str) -> Any:
        table = tables[file]
        mask = table.index == table.index
        for part in condition.split(" and "):
            column, op, value = re.fullmatch(r"(\w+) (is|>|<) (\w+)", part).groups()
            if op == "is" and value in ("true", "false"):
                mask &= table[column].astype(bool) == (value == "true")
            elif op == "is" and re.fullmatch(r"\d+", value):
                mask &= table[column] == float(value)
            elif op == "is":
                mask &= table[column].astype(str) == value
            elif op == ">":
                mask &= table[column] > float(value)
            else:
                mask &= table[column] < float(value)
        return table[mask]

    match = re.fullmatch(r"sum of (\w+) / sum of (\w+) in (\S+)", source)
    if match:
        table = tables[match.group(3)]
        return float(table[match.group(1)].sum() / table[match.group(2)].sum())
    match = re.fullmatch(r"sum of (\w+) in (\S+)", source)
    if match:
        return float(tables[match.group(2)][match.group(1)].sum())
    match = re.fullmatch(r"sum of population of the zones in rows of (\S+) where (.+)", source)
    if match:
        chosen = rows(match.group(1), match.group(2))
        ids = set(chosen["zone_a"].astype(str)) | set(chosen["zone_b"].astype(str))
        return float(zones.loc[zones["id"].astype(str).isin(ids), "population"].sum())
    match = re.fullmatch(r"rows of (\S+) where (.+)", source)
    if match:
        return float(len(rows(match.group(1), match.group(2))))
    msg = f"no rule to recompute an indicator from {source!r}"
    raise AssertionError(msg)


def _job_cutoff(zones: Any, job_layer: str) -> str:
    import re

    [column] = [c for c in zones.columns if re.fullmatch(rf"delta_{job_layer}_within_\d+min", c)]
    return column.removeprefix(f"delta_{job_layer}_within_").removesuffix("min")


def costing_values(proposal_path: Path) -> dict[str, float]:
    """The costing indicators, recomputed from the proposal's route costs.

    Peak vehicles are ⌈cycle time / shortest headway⌉ per route, summed. The
    proposals recomputed here add routes and change none: nothing is saved.
    """
    from routes.proposal.costing import compute_proposal_cost
    from routes.proposal.load import load_proposal

    proposal = load_proposal(proposal_path)
    assert not proposal.modifications, "costing_values recomputes new routes only"
    cost = compute_proposal_cost(proposal)
    new = {
        "peak_vehicles": sum(math.ceil(round(r.cycle_time_min / r.min_headway_min, 9))
                             for r in cost.routes),
        "annual_vehicle_hours": sum(r.annual_vehicle_hours for r in cost.routes),
        "annual_vehicle_km": sum(r.annual_vehicle_km for r in cost.routes),
    }
    values = {"route_km": sum(r.route_km for r in cost.routes)}
    for key, value in new.items():
        values |= {key: value, f"{key}_new": value, f"{key}_saved": 0.0}
    return values


def recompute_scorecard(scorecard: dict[str, Any], zones: Any, proposal_path: Path,
                        folder: Path | None = None) -> dict[str, tuple[float | None, float]]:
    """``key -> (value in scorecard.json, value recomputed from the run's tables or the costing)``.

    ``folder`` is the run folder, whose ``spaces.csv``, ``community_pairs.csv``
    and ``group_pairs.csv`` are read when it has them.
    """
    import pandas as pd

    costs = costing_values(proposal_path)
    tables = {}
    if folder is not None:
        for name in ("spaces.csv", "community_pairs.csv", "group_pairs.csv"):
            if (folder / name).exists():
                tables[name] = pd.read_csv(folder / name, dtype={"zone_a": str, "zone_b": str})
    return {row["key"]: (row["value"], recompute_indicator(row["source"], zones, costs, tables))
            for row in scorecard["indicators"]}


def assert_same_value(key: str, written: float | None, expected: float, *,
                      rel: float = 1e-9) -> None:
    """``scorecard.json`` writes NaN and infinities as ``null``; else values match."""
    import pytest

    if not math.isfinite(expected):
        assert written is None, (key, written, expected)
    else:
        assert written == pytest.approx(expected, rel=rel, abs=1e-9), key


#: The Porto Alegre study area of ``../shared/data/poa`` (``{poa}``: that folder), as the
#: real-data evaluation tests and ``benchmarks/check_same_results.py`` run it.
POA_TOML = """\
[study_area]
name = "Porto Alegre"
gtfs = ["{poa}/poa_eptc.zip", "{poa}/poa_trensurb.zip"]
osm = "{poa}/poa_osm.pbf"
date = 2019-05-13

[zones]
file = "{poa}/poa_hexgrid.csv"
id = "id"
population = "population"

[[destinations]]
name = "jobs"
file = "{poa}/poa_hexgrid.csv"
weight = "jobs"

[[destinations]]
name = "spaces"
file = "{poa}/poa_points_of_interest.csv"

[routing]
departure_window = "14:00-15:00"
max_walk_min = 20
walk_speed_kmh = 5.04

[scoring]
job_cutoff_min = 45
space_cutoff_min = 30
"""
