"""Travel times through the transit network: the engines and what they compute.

``base.py`` (the engine boundary: the ``TravelTimeEngine`` protocol, ``EngineKind``,
the built-in engine), ``backends.py`` (``open_engine``, engine agreement),
``request.py`` (``TravelTimeRequest``: window, percentiles, limits), ``table.py``
(the one long travel-time table), ``raptor.py`` (the built-in range-RAPTOR, with its
compiled ``_raptor_kernels.py``), ``isochrones.py``, ``r5/`` (R5 through r5py:
``runtime.py`` finds Java and the jar, ``backend.py`` routes) and ``dask.py`` (origins
sharded over a Dask cluster).
"""
