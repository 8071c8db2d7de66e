"""Rendering results for people: HTML pages, SVG charts, maps and reports."""
