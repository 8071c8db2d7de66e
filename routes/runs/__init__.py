"""Run folders on disk, written aside and renamed into place, manifest last.

``folder.py`` (the folders themselves), ``evaluate.py`` and ``compare.py`` (the commands'
runs), ``write.py`` (``routes access``, folder names) and ``pages.py`` (map and report).
"""
