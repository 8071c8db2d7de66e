"""Evaluating proposals in memory: the study, scenarios, evaluations, scorecards, rankings.

``study.py`` (``Study``, ``load_study``, the baseline, checks), ``scenario.py`` (a
proposal applied in memory; its GTFS files for engines that read files),
``evaluate.py`` (``Evaluation``, ``evaluate_proposal``: computes, writes nothing),
``isochrones.py`` (the map's), ``scoring.py``, ``compare.py`` (ranking) and
``manifest.py``.
"""
