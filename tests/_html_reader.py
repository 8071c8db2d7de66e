"""Read an HTML page as a browser's parser would: its elements and its text.

Used by the render tests to check escaping from the parsed page rather than from
its bytes: a hostile name must come out as the same text, and must create no
element and no attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose content is not text a reader sees.
_HIDDEN = {"style", "script", "title", "desc"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)
    text: str = ""  # the visible text, in order, with the text of every element

    def tags(self) -> set[str]:
        return {e.tag for e in self.elements}

    def handlers(self) -> list[str]:
        """``tag[attribute]`` of every event-handler attribute (``on...``)."""
        return [f"{e.tag}[{name}]" for e in self.elements for name in e.attrs
                if name.lower().startswith("on")]

    def texts_of(self, tag: str, **attrs: str) -> list[str]:
        return [e.text for e in self.elements if e.tag == tag
                and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[Element] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.page.elements.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data
        if not any(e.tag in _HIDDEN for e in self.open):
            self.visible.append(data)


def read_html(page: str) -> Page:
    """Parse ``page``: every element with its attributes (unescaped) and text."""
    reader = _Reader()
    reader.feed(page)
    reader.close()
    reader.page.text = " ".join(" ".join(reader.visible).split())
    return reader.page
