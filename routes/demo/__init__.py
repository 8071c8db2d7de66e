"""The synthetic Demo Town study area (``routes demo``).

``study_area.py`` writes it; ``town.py`` (streets), ``osm.py``, ``gtfs.py``, ``zones.py``
and ``geojson.py`` generate its files.
"""
