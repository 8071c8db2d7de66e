"""Fares: the fare model of a study area and its compiled form for the engine.

``routes.fares.compiled`` holds :class:`~routes.fares.compiled.CompiledFares`,
the arrays the fare-aware engine reads (one price per pattern and boarding-time
regime, ticket groups, transfer allowances, day caps). The model read from
``routes.toml``, the GTFS fare tables and a proposal's fare changes are compiled
into it against a timetable.
"""
