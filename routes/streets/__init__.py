"""The walking street network: read from OpenStreetMap, snapped to, walked on.

``graph.py`` (:class:`~routes.streets.graph.StreetNetwork`, CSR arrays), ``osm.py``
(building it from an extract), ``snapping.py`` (points onto street segments) and
``walking.py`` (bounded shortest-path walks, compiled in ``_walk_kernels.py``).
"""
