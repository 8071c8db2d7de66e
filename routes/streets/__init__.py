"""The walking street network: read from OpenStreetMap, snapped to, walked on.

``graph.py`` (:class:`~routes.streets.graph.StreetNetwork`, CSR arrays), ``osm.py``
(building it from an extract), ``graphml.py`` (osmnx's GraphML files, read and
written; their XML in ``_graphml_xml.py``, their checks and shapes in
``_graphml_build.py``), ``snapping.py`` (points onto street segments) and
``walking.py`` (bounded shortest-path walks, compiled in ``_walk_kernels.py``).
"""
