"""Run folders on disk, written aside and renamed into place, manifest last.

``folder.py`` (the folders themselves), ``write.py`` (``write_evaluation``,
``write_access``, folder names), ``evaluate.py`` and ``compare.py`` (the commands: evaluate
in memory, then write) and ``pages.py`` (map and report).
"""
