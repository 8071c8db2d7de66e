"""Small helpers for the HTML outputs: escaping, tables, page skeletons.

Numbers are formatted by :func:`routes._format.format_number`.

Every string that reaches HTML from a user file (route, zone, space and
proposal names, paths) goes through :func:`escape` or :func:`element`; the
pages are assembled from escaped fragments, never from raw names.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from routes._format import format_number

__all__ = [
    "escape",
    "element",
    "json_for_script",
    "render_page",
    "render_table",
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


def element(tag: str, content: str = "", **attributes: object) -> str:
    """One HTML element: ``content`` is already-safe HTML, attribute values are escaped.

    An attribute name ending in ``_`` loses it (``class_`` → ``class``);
    ``None`` and ``False`` attributes are left out.
    """
    parts = [tag]
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        parts.append(key if value is True else f'{key}="{escape(value)}"')
    return f"<{' '.join(parts)}>{content}</{tag}>"


def json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>``, ``&`` or quotes)."""
    text = json.dumps(data, allow_nan=False, sort_keys=True)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def render_table(
    header: Sequence[str], rows: Iterable[Sequence[object]], *,
    numeric: Sequence[bool] | None = None, class_: str = "data",
    caption: str | None = None, cell_classes: Sequence[str | None] | None = None,
) -> str:
    """Render an HTML table; every cell is escaped text (numbers are formatted first).

    Parameters
    ----------
    header
        Column headings (plain text).
    rows
        Cell values: numbers go through :func:`routes._format.format_number`, anything else
        is escaped as text.
    numeric
        Per column, whether to right-align it (default: numbers are).
    class_
        CSS class of the table.
    caption
        Plain-text caption.
    cell_classes
        Per column, an extra CSS class of its cells.
    """
    head = "".join(element("th", escape(h), scope="col") for h in header)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                text, is_number = format_number(float(value)), True
            else:
                text, is_number = escape(value), False
            right = numeric[i] if numeric is not None else is_number
            extra = cell_classes[i] if cell_classes is not None else None
            names = " ".join(c for c in ("num" if right else None, extra) if c)
            cells.append(element("td", text, class_=names or None))
        body.append(element("tr", "".join(cells)))
    cap = element("caption", escape(caption)) if caption else ""
    return element("table", cap + element("thead", element("tr", head))
                   + element("tbody", "".join(body)), class_=class_)


def render_page(title: str, body: str, *, css: str, lang: str = "en",
                meta: Mapping[str, str] | None = None) -> str:
    """Render a complete, self-contained HTML page (no external resources).

    Parameters
    ----------
    title
        Plain-text title (escaped here).
    body
        Safe HTML of the body.
    css
        Style sheet (trusted, written by this package).
    lang
        Document language.
    meta
        Extra ``<meta name=… content=…>`` pairs (escaped).
    """
    metas = "".join(f'<meta name="{escape(k)}" content="{escape(v)}">'
                    for k, v in (meta or {}).items())
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{metas}<title>{escape(title)}</title>\n<style>\n{css}\n</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
