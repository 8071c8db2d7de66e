"""The transit network: streets, timetable, stop links, transfers, and data checks.

``transit.py`` (the network and its building), ``scenario.py`` (a scenario's network on
the baseline's), ``coverage.py`` and ``check.py`` (what is lost, the data report).
"""
