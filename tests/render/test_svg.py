"""Tests for routes.render.svg: charts are Markup only after every label is escaped."""

from __future__ import annotations

import re

import pytest
import shapely
from _html_reader import read_html
from _pages import ALL_HOSTILE, HOSTILE, HOSTILE_QUOTES
from markupsafe import Markup

from routes.render.html import render_macro
from routes.render.svg import render_bar_chart, render_histogram, render_zone_map

EVERY_HOSTILE = (*ALL_HOSTILE, HOSTILE_QUOTES)
SVG_TAGS = {"svg", "title", "desc", "line", "text", "rect", "path"}


def _charts(name: str) -> list[Markup]:
    return [
        render_bar_chart([name, "2"], [10.0, 20.0], title=name, y_label=name, x_label=name,
                         annotations=[name, name]),
        render_histogram([1.0, 2.0], [2.0, 3.0], [5.0, 5.0], title=name, x_label=name,
                         y_label=name, labels=(name, name)),
        render_zone_map([shapely.box(0, 0, 10, 10)], [name], title=name,
                        lines=[shapely.LineString([(0, 0), (10, 10)])]),
    ]


@pytest.mark.parametrize("name", EVERY_HOSTILE)
def test_charts_are_markup_with_every_label_escaped(name: str) -> None:
    for chart in _charts(name):
        assert isinstance(chart, Markup)
        assert name not in chart
        page = read_html(str(chart))
        assert page.tags() <= SVG_TAGS and page.handlers() == []
        assert page.texts_of("title")[0] == name  # the chart's title, as typed
    bar, histogram, zone_map = (read_html(str(c)) for c in _charts(name))
    assert bar.texts_of("text").count(name) == 5  # two annotations, a category, two axes
    assert histogram.texts_of("text").count(name) == 4  # y label, x label, two legend labels
    assert [e.attrs["fill"] for e in zone_map.elements if e.tag == "path"][0] == name


def test_a_chart_is_written_into_a_page_as_it_is() -> None:
    chart = _charts(HOSTILE)[0]
    out = str(render_macro("macros.html", "figure", chart, HOSTILE))
    assert str(chart) in out  # not escaped a second time
    assert out.count("<svg") == 1 and HOSTILE not in out


def test_bar_heights_follow_the_values() -> None:
    chart = render_bar_chart(["a", "b", "c"], [10.0, 20.0, float("nan")], title="t",
                             y_label="y", x_label="x")
    bars = [e for e in read_html(str(chart)).elements
            if e.tag == "rect" and e.attrs.get("fill") == "#2166ac"]
    assert len(bars) == 2  # NaN draws no bar
    heights = [float(e.attrs["height"] or 0) for e in bars]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.15)  # drawn to 0.1 px
    assert [e.text for e in bars] == ["a: 10", "b: 20"]  # the bars' tooltips


def test_histogram_counts_residents_by_hand() -> None:
    # 12 equal bins over 0..12: today 5 residents at 0 and 7 at 12; after, all 12 at 12.
    chart = read_html(str(render_histogram([0.0, 12.0], [12.0, 12.0], [5.0, 7.0], title="t",
                                           x_label="x")))
    assert chart.texts_of("desc") == ["today: 12 residents; with the proposal: 12 residents"]
    tips = [t for t in chart.texts_of("rect") if t]
    assert len(tips) == 2 * 12  # a pair of bars per bin
    assert "today: 5 residents with 0 to 1" in tips
    assert "today: 7 residents with 11 to 12" in tips
    assert "with the proposal: 12 residents with 11 to 12" in tips
    counts = [int(m) for t in tips for m in re.findall(r": (\d+) residents", t)]
    assert sorted(c for c in counts if c) == [5, 7, 12]
