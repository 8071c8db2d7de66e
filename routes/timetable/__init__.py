"""GTFS timetables, from feed files to the routing timetable.

``read.py`` (opening a feed), ``calendar.py``, ``gtfs_time.py`` (every GTFS time,
-1 for missing), ``feed.py`` and ``_stop_times.py`` (one feed's trips on one date,
``FeedTrips``), the feed doctor (``trips.py``, ``diagnosis.py``, ``doctor.py``,
``_doctor_rules.py``), ``timetable.py`` (:class:`~routes.timetable.timetable.Timetable`,
all feeds assembled), ``scenario.py`` (a feed's trips changed in memory) and
``export.py`` (writing GTFS zips).
"""
