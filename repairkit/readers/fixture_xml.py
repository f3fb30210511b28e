"""Parse an XML fixture into elements that know their line, keeping text exactly.

``defusedxml`` refuses DTDs, entity declarations and external references.
Django's XML serializer writes a text's carriage returns raw, and an XML
parser must turn those into line feeds; so inside the root element they
are passed as character references (split out of CDATA sections, where a
reference would be read as text) and survive as Django meant them. The
line endings of the markup itself may be CRLF.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import TreeBuilder

from repairkit.errors import DumpFormatError

# Markup that is not character data: CDATA, comments, processing instructions, tags.
_MARKUP = re.compile(r"(<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?.*?\?>|<![^>]*>|<[^>]*>)", re.DOTALL)
_DECLARED_ENCODING = re.compile(r"""\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


class _LineBuilder(TreeBuilder):
    """A tree builder that notes the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.lines: dict[int, int] = {}

    def start(self, tag: Any, attrs: Any) -> Any:
        element = super().start(tag, attrs)
        self.lines[id(element)] = self.expat.CurrentLineNumber
        return element


def parse_xml_tree(path: Any, text: str) -> tuple[Any, dict[int, int]]:
    """Return the root element of ``text`` and the line of each element (by ``id``).

    :raises DumpFormatError: if it is not well-formed XML, declares an
        encoding other than UTF-8, or holds a DTD, an entity or an external reference.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    declared = _DECLARED_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise DumpFormatError(
            path, 1, f"declares encoding {declared.group(1)!r}; XML fixtures are read as UTF-8"
        )
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        parser.feed(_keep_carriage_returns(text).encode("utf-8"))
        root = parser.close()
    except ParseError as err:
        raise DumpFormatError(path, err.position[0], f"not valid XML: {err}") from err
    except DefusedXmlException as err:
        raise DumpFormatError(path, parser.parser.CurrentLineNumber, f"refused XML: {err}") from err
    return root, builder.lines


def _keep_carriage_returns(text: str) -> str:
    if "\r" not in text:
        return text
    parts = _MARKUP.split(text)  # character data at even indexes, markup at odd ones
    tags = [i for i in range(1, len(parts), 2) if re.match(r"</?[^!?/]", parts[i])]
    if not tags:
        return text
    first, last = tags[0], tags[-1]
    for index in range(first + 1, last):
        part = parts[index]
        if index % 2 == 0:
            parts[index] = part.replace("\r", "&#13;")
        elif part.startswith("<![CDATA["):
            parts[index] = part.replace("\r", "]]>&#13;<![CDATA[")
    return "".join(parts)


def check_children(field: Any, allowed: str, what: str, alone: bool = False) -> list[Any]:
    """Return the child elements of ``field``, refusing others and text between them.

    :raises ValueError: for a child not named ``allowed``, for text beside the
        children, or for more than one where it must be ``alone``.
    """
    children = list(field)
    for child in children:
        if child.tag != allowed:
            raise ValueError(f"unexpected <{child.tag}> inside {what}")
        if child.tail and not child.tail.isspace():
            raise ValueError(f"unexpected text {child.tail[:30]!r} inside {what}")
    if children and field.text and not field.text.isspace():
        raise ValueError(f"unexpected text {field.text[:30]!r} beside <{allowed}> in {what}")
    if alone and len(children) > 1:
        raise ValueError(f"more than one <{allowed}> inside {what}")
    return children
