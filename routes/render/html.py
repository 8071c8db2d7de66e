"""The HTML of the pages: jinja2 templates that escape by default, and escaping helpers.

Pages are the templates under ``routes/render/templates/`` (``base.html``, the
layout; ``macros.html``, tables, lists and boxes; ``sections.html``, the parts
the report and the comparison share), rendered with autoescape on: every value a
template writes is HTML-escaped, quotes included, unless it is
:class:`markupsafe.Markup`. Markup comes from two places only: the templates'
own macros, and the SVG charts of :mod:`routes.render.svg`, which are built with
:meth:`markupsafe.Markup.format`, so each label is escaped on the way in. A
user's string (route, zone, space and proposal names, paths, warnings) is never
wrapped in ``Markup``.

:func:`escape` remains for the map, whose tooltips are HTML inside folium's
JSON data rather than in a template. Numbers are formatted by
:func:`routes._format.format_number` (the ``number`` filter in templates).
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from routes._format import format_number

__all__ = [
    "Cell",
    "Table",
    "escape",
    "json_for_script",
    "page_environment",
    "render_macro",
    "render_template",
]


def escape(value: object) -> str:
    """HTML-escape any value as text (quotes included); ``None`` and NaN become ``""``.

    Examples
    --------
    >>> escape("<script>alert('x')</script>")
    '&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>``, ``&`` or quotes)."""
    text = json.dumps(data, allow_nan=False, sort_keys=True)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


# --------------------------------------------------------------------------- tables


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cell_text(value: object) -> str:
    """Return a table cell's text: numbers formatted, ``None`` empty (not yet escaped).

    Examples
    --------
    >>> [cell_text(v) for v in (1234.5, None, float("nan"), "a & b")]
    ['1,234', '', 'n/a', 'a & b']
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(float(value))
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a :class:`Table`: plain text (escaped by the template) and CSS classes."""

    text: str
    class_: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table to render with the ``data_table`` macro: plain values, escaped when written.

    Attributes
    ----------
    header
        Column headings (plain text).
    rows
        Cell values: numbers go through :func:`routes._format.format_number`, anything
        else is written as escaped text (``None`` and NaN as nothing).
    numeric
        Per column, whether to right-align it (default: numbers are).
    class_
        CSS class of the table.
    caption
        Plain-text caption.
    cell_classes
        Per column, an extra CSS class of its cells.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    numeric: tuple[bool, ...] | None = None
    class_: str = "data"
    caption: str | None = None
    cell_classes: tuple[str | None, ...] | None = None

    @classmethod
    def of(cls, header: Sequence[str], rows: Iterable[Sequence[object]], *,
           numeric: Sequence[bool] | None = None, class_: str = "data",
           caption: str | None = None,
           cell_classes: Sequence[str | None] | None = None) -> Table:
        """Build a table from any sequences (rows may be an iterator)."""
        return cls(tuple(header), tuple(tuple(r) for r in rows),
                   None if numeric is None else tuple(numeric), class_, caption,
                   None if cell_classes is None else tuple(cell_classes))

    def body(self) -> list[list[Cell]]:
        """Return the cells of each row, with their text and classes."""
        out = []
        for row in self.rows:
            cells = []
            for i, value in enumerate(row):
                right = self.numeric[i] if self.numeric is not None else _is_number(value)
                extra = self.cell_classes[i] if self.cell_classes is not None else None
                names = " ".join(c for c in ("num" if right else None, extra) if c)
                cells.append(Cell(cell_text(value), names or None))
            out.append(cells)
        return out


# --------------------------------------------------------------------------- templates


@functools.cache
def page_environment() -> jinja2.Environment:
    """Return the pages' jinja2 environment: package templates, autoescape on, strict names.

    Filters: ``number`` (:func:`routes._format.format_number`). An undefined name in a
    template is an error, not an empty string.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("routes.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = format_number
    return env


def render_template(name: str, /, **context: Any) -> str:
    """Render one page template (e.g. ``"report.html"``) with autoescape on.

    Examples
    --------
    >>> page = render_template("base.html", title="<Rates & fares>")
    >>> "<title>&lt;Rates &amp; fares&gt;</title>" in page
    True
    """
    return page_environment().get_template(name).render(**context)


def render_macro(template: str, macro: str, /, *args: Any, **kwargs: Any) -> Markup:
    """Call one macro of a template (e.g. ``"sections.html"``, ``"method"``): safe HTML.

    Examples
    --------
    >>> str(render_macro("macros.html", "bullets", ["a < b"]))
    '<ul><li>a &lt; b</li></ul>'
    """
    module = page_environment().get_template(template).make_module()
    result = getattr(module, macro)(*args, **kwargs)
    return Markup(result)
