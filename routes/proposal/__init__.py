"""Proposals: the model, loading and validation, stops and schedules, trips, costing, export.

``trips.py`` (new routes as arrays and as a feed's trips), ``modifications.py``
(modifications in memory) and ``gtfs_modifications.py`` (the same on GTFS files),
``export.py`` (a proposal's new routes as a GTFS zip).
"""
