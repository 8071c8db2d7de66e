"""Travel times through the transit network: the engines and what they compute.

``raptor.py`` (the built-in range-RAPTOR, with its compiled ``_raptor_kernels.py``),
``backends.py`` (the engine protocol and the travel-time table), ``isochrones.py``,
``r5/`` (R5 through r5py: ``runtime.py`` finds Java and the jar, ``backend.py`` routes)
and ``dask.py`` (origins sharded over a Dask cluster).
"""
