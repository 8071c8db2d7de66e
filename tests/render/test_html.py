"""Tests for routes.render.html: the jinja2 environment, its macros and the package data."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import jinja2
import pytest
from _html_reader import read_html
from _pages import ALL_HOSTILE, HOSTILE, HOSTILE_QUOTES
from markupsafe import Markup

import routes.render
from routes.render.html import Table, page_environment, render_macro, render_template

EVERY_HOSTILE = (*ALL_HOSTILE, HOSTILE_QUOTES)
RENDER = Path(routes.render.__file__).parent
PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_autoescape_is_on_for_every_template() -> None:
    env = page_environment()
    assert env.autoescape is True
    for name in env.list_templates():
        env.get_template(name)  # each compiles
    assert {"base.html", "macros.html", "sections.html", "report.html", "comparison.html",
            "map_parts.html"} <= set(env.list_templates())


def test_base_layout_escapes_the_title() -> None:
    page = render_template("base.html", title=HOSTILE_QUOTES)
    assert HOSTILE_QUOTES not in page
    title = read_html(page).texts_of("title")
    assert title == [HOSTILE_QUOTES]
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")


def test_a_missing_name_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_template("base.html")


@pytest.mark.parametrize("name", EVERY_HOSTILE)
def test_table_cells_are_text(name: str) -> None:
    table = Table.of([name, "n"], [(name, 1234.5), (Markup(name), None)], caption=name)
    out = render_macro("macros.html", "data_table", table)
    assert name not in out
    page = read_html(str(out))
    assert page.tags() == {"table", "caption", "thead", "tbody", "tr", "th", "td"}
    assert page.handlers() == []
    # Header, caption and both cells show the name as typed: Markup in a cell is text too.
    assert page.texts_of("th") == [name, "n"]
    assert page.texts_of("caption") == [name]
    assert page.texts_of("td") == [name, "1,234", name, ""]


def test_table_numbers_are_formatted_and_right_aligned() -> None:
    table = Table.of(["a", "b", "c"], [("x", 0.1664, float("nan")), ("y", 2340.4, True)],
                     cell_classes=[None, "hash", None])
    page = read_html(str(render_macro("macros.html", "data_table", table)))
    cells = [(e.text, e.attrs.get("class")) for e in page.elements if e.tag == "td"]
    assert cells == [("x", None), ("0.166", "num hash"), ("n/a", "num"),
                     ("y", None), ("2,340", "num hash"), ("True", None)]
    assert '<th scope="col">a</th><th scope="col">b</th>' in str(
        render_macro("macros.html", "data_table", table))


def test_warnings_box_lists_each_warning_as_text() -> None:
    assert str(render_macro("macros.html", "warnings_box", [])) == ""
    out = str(render_macro("macros.html", "warnings_box", [HOSTILE, HOSTILE_QUOTES]))
    page = read_html(out)
    assert page.texts_of("li") == [HOSTILE, HOSTILE_QUOTES]
    assert page.texts_of("h2") == ["Data warnings"]
    assert page.tags() == {"div", "h2", "ul", "li", "p"} and page.handlers() == []


def test_findings_mark_the_lead() -> None:
    out = str(render_macro("macros.html", "findings", ["first & foremost", "second"],
                           lead=True))
    items = [(e.text, e.attrs.get("class")) for e in read_html(out).elements if e.tag == "li"]
    assert items == [("first & foremost", "key"), ("second", None)]
    assert "first &amp; foremost" in out


def test_a_figure_passes_markup_and_escapes_plain_strings() -> None:
    svg = '<svg class="chart"><text>1 &lt; 2</text></svg>'
    trusted = str(render_macro("macros.html", "figure", Markup(svg), HOSTILE))
    assert trusted.startswith(f"<figure>{svg}<figcaption>")
    assert read_html(trusted).texts_of("figcaption") == [HOSTILE]
    plain = str(render_macro("macros.html", "figure", svg, "caption"))
    assert "<svg" not in plain
    assert read_html(plain).texts_of("figure") == [svg + "caption"]  # shown as text


def test_indicators_macro() -> None:
    from _pages import tiny_scorecard

    card = tiny_scorecard()
    page = read_html(str(render_macro("macros.html", "indicators", card.indicators)))
    rows = [e for e in page.elements if e.tag == "td"]
    assert len(rows) == 4 * len(card.indicators)
    first = card.indicators[0]
    assert [r.text for r in rows[:4]] == [first.label, "3,000", first.unit, first.source]
    assert [r.attrs.get("class") for r in rows[:4]] == [None, "num", None, "source"]


# --------------------------------------------------------------------------- package data


def _package_data_globs() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return list(config["tool"]["setuptools"]["package-data"]["routes.render"])


@pytest.mark.parametrize("folder", ["templates", "static"])
def test_every_template_and_asset_is_package_data(folder: str) -> None:
    """So the built wheel holds them (setuptools ships only what the globs match)."""
    globs = _package_data_globs()
    files = [p.relative_to(RENDER).as_posix() for p in (RENDER / folder).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    assert files
    left_out = [f for f in files if not any(fnmatch.fnmatchcase(f, g) for g in globs)]
    assert left_out == []
