"""Checks made on a user's RDF file before pyoxigraph parses it, for what pyoxigraph 0.5 does
not bound by itself (each one measured, and kept by tests/test_hostile.py):

- RDF/XML internal entities are expanded when they are declared, with no limit: ten entities
  of ten references each ("billion laughs", under 1 KB) build a 3 GB string in 2 minutes, even
  when nothing refers to them. External entities are refused by pyoxigraph, with a misleading
  message ("values should be enclosed in double quotes"): they are named here.
- RDF/XML parse time grows with the square of element nesting (20,000 levels, 1 MB: 3 s).
- Deep nesting overflows the stack and kills the process (SIGSEGV): JSON-LD objects or scoped
  contexts a few thousand levels deep, Turtle/N-Triples triple terms `<<( )>>` 100,000 deep.

So nesting is limited to MAX_NESTING levels (real files need fewer than 20) and what entities
expand to, to MAX_ENTITY_EXPANSION_BYTES plus the file's own size. The scans are lexical and err
on the side of refusing: they count brackets outside JSON strings, `<<`/`>>` anywhere, and
every `<!ENTITY` declaration wherever it is (pyoxigraph reads those inside comments too).
"""

from __future__ import annotations

import re
from xml.parsers import expat

import pyoxigraph as ox

MAX_NESTING = 256
MAX_ENTITY_EXPANSION_BYTES = 16 << 20

_SPACE = rb"[ \t\n\r\f]"
# As pyoxigraph reads a declaration: the text from `<!ENTITY` to the next `<`, an optional `%`,
# a name up to the first space, then a value in double quotes.
_ENTITY = re.compile(
    rb"<!ENTITY" + _SPACE + rb"*%?" + _SPACE + rb"*([^ \t\n\r\f<]+)(?:" + _SPACE + rb"+([^<]*))?"
)
_REFERENCE = re.compile(rb"&([^&;]*);")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_TRIPLE_TERM_MARKS = re.compile(rb"<<|>>")


def input_problem(data: bytes, rdf_format: ox.RdfFormat) -> str | None:
    """Why `data` must not be handed to pyoxigraph (one line), or None."""
    if rdf_format == ox.RdfFormat.RDF_XML:
        return _entity_problem(data) or _xml_nesting_problem(data)
    if rdf_format == ox.RdfFormat.JSON_LD:
        return _json_nesting_problem(data)
    return _triple_term_nesting_problem(data)


# -- RDF/XML ---------------------------------------------------------------------------------


def _entity_problem(data: bytes) -> str | None:
    if b"<!ENTITY" not in data:
        return None
    limit = MAX_ENTITY_EXPANSION_BYTES + len(data)
    too_big = (
        f"its XML entities expand to over {limit} bytes (an entity expansion attack, "
        "'billion laughs'); write the values out instead"
    )
    sizes: dict[bytes, int] = {}
    expansion = 0
    for declaration in _ENTITY.finditer(data):
        name, rest = declaration[1], (declaration[2] or b"")
        if rest.startswith((b"SYSTEM", b"PUBLIC")):
            shown = name.decode("utf-8", "replace")
            return (
                f"XML external entity {shown!r} refused: reading other files or the network "
                "while parsing is not allowed; write the value out instead"
            )
        if not rest.startswith(b'"'):
            continue  # pyoxigraph refuses the declaration itself, before expanding it
        sizes[name] = _expanded_size(rest[1:].split(b'"', 1)[0], sizes)
        expansion += sizes[name]
        if expansion > limit:
            return too_big
    for reference in _REFERENCE.finditer(data):
        expansion += sizes.get(reference[1], 0)
        if expansion > limit:
            return too_big
    return None


def _expanded_size(value: bytes, sizes: dict[bytes, int]) -> int:
    """The length of an entity's value once the entities declared before it are expanded."""
    size = len(value)
    for reference in _REFERENCE.finditer(value):
        if reference[1] in sizes:
            size += sizes[reference[1]] - len(reference[0])
    return size


class _TooDeep(Exception):
    pass


def _xml_nesting_problem(data: bytes) -> str | None:
    """Element nesting, measured by expat (which reads no DTD and fetches nothing)."""
    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_NESTING:
            raise _TooDeep

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _TooDeep:
        return f"XML elements nested over {MAX_NESTING} levels deep"
    except expat.ExpatError as error:
        return f"not well-formed XML: {error}"
    return None


# -- JSON-LD, Turtle, N-Triples --------------------------------------------------------------


def _json_nesting_problem(data: bytes) -> str | None:
    brackets = _JSON_STRING.sub(b"", data).translate(_JSON_BRACKETS, _NOT_BRACKETS)
    if _nesting_exceeds(brackets.replace(b"[", b"(").replace(b"]", b")")):
        return f"JSON objects and arrays nested over {MAX_NESTING} levels deep"
    return None


def _triple_term_nesting_problem(data: bytes) -> str | None:
    if b"<<" not in data:
        return None
    marks = b"".join(b"(" if m[0] == b"<<" else b")" for m in _TRIPLE_TERM_MARKS.finditer(data))
    if _nesting_exceeds(marks):
        return f"triple terms << >> nested over {MAX_NESTING} levels deep"
    return None


def _nesting_exceeds(parentheses: bytes) -> bool:
    """Whether matched "(" ")" pairs nest over MAX_NESTING deep: each pass removes the innermost
    pairs (at C speed), so the number of passes is the depth."""
    for _ in range(MAX_NESTING):
        inner_removed = parentheses.replace(b"()", b"")
        if inner_removed == parentheses:
            return False
        parentheses = inner_removed
    return b"()" in parentheses
