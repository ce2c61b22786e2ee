"""What a read-only endpoint refuses before running a query: SPARQL UPDATE, SERVICE,
`file:` IRIs and queries too deeply nested to plan.

Why the SERVICE check is lexical: pyoxigraph evaluates SERVICE by fetching the remote endpoint
and does not expose the parsed algebra, so the query text is scanned (see `mentions_service`).
"""

from __future__ import annotations

import re
import sys

UPDATE_KEYWORDS = frozenset(
    ["INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"]
)
READ_ONLY_MESSAGE = "this endpoint is read-only: SPARQL UPDATE (INSERT, DELETE, LOAD...) is refused"
SERVICE_MESSAGE = (
    "this endpoint does not run federated queries: SERVICE is refused (it would make the "
    "server fetch other sites); the word is refused anywhere outside strings, comments, IRIs, "
    "variable names and the local part of prefixed names"
)
FILE_MESSAGE = (
    "this endpoint never reads local files: file: IRIs are refused (FROM <file:...> would only "
    "name a graph of the store, never read the file)"
)
# pyoxigraph 0.5 parses and optimises recursively: about 1,000 nested groups (FILTER EXISTS
# {...}), 5,000 nested brackets or 20,000 chained operators overflow the stack and kill the
# process (SIGSEGV). Real queries stay far below these limits.
MAX_QUERY_NESTING = 128
MAX_QUERY_OPERATORS = 2_000
_NOT_BRACKET = re.compile(r"[^(){}\[\]]+")

_ESCAPE = r"""\\(?:[tbnrf"'\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
_STRING_LONG = {  # exactly SPARQL's STRING_LITERAL_LONG1 and 2
    "'": re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|" + _ESCAPE + r"))*'''"),
    '"': re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|' + _ESCAPE + r'))*"""'),
}
# Any escape: where pyoxigraph would reject the long string and read an empty '' instead.
_STRING_LONG_LOOSE = {
    "'": re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''", re.DOTALL),
    '"': re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""', re.DOTALL),
}
_STRING_SHORT = {
    "'": re.compile(r"'(?:[^'\\\n\r]|\\.)*'"),
    '"': re.compile(r'"(?:[^"\\\n\r]|\\.)*"'),
}
_IRI = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
_VARIABLE = re.compile(r"[?$]\w+")
_LOCAL_PART = re.compile(r":[\w\-:%]*")
_LINE_END = re.compile(r"[\n\r]")
_INTERESTING = re.compile(r"""[sS'"<#\\?$:()]""")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# After one of these characters the next token is an operand, so `<` there starts an IRI.
_BEFORE_OPERAND = frozenset("(,=!&|+-*/^{;.[")
_NOISE = re.compile(
    "|".join(p.pattern for p in (*_STRING_LONG.values(), *_STRING_SHORT.values(), _IRI))
    + r"|#[^\n\r]*",
    re.DOTALL,
)

State = tuple[int, int, bool]  # position, bracket depth, "the last token was an operand"


def refusal(query: str) -> str | None:
    """Why the query is refused (an update, SERVICE, a file: IRI, nesting that would crash
    pyoxigraph), or None when it may run."""
    if first_keyword(query) in UPDATE_KEYWORDS:
        return READ_ONLY_MESSAGE
    if mentions_service(query):
        return SERVICE_MESSAGE
    if mentions_file_iri(query):
        return FILE_MESSAGE
    return complexity_problem(query)


def code_and_iris(query: str) -> str:
    """The query with its strings and comments blanked out, its IRIs kept."""
    return _NOISE.sub(lambda m: m[0] if m[0].startswith("<") else " ", query)


def mentions_file_iri(query: str) -> bool:
    """Whether an IRI of the query (a FROM, a PREFIX or BASE declaration...) is a file: IRI,
    codepoint escapes decoded; strings and comments are skipped."""
    decoded = _CODEPOINT.sub(_decode_codepoint, query)
    return any(
        token[0][:6].lower() == "<file:"
        for text in (query, decoded)
        for token in _NOISE.finditer(text)
    )


def complexity_problem(query: str) -> str | None:
    """Why the query is too deeply nested for pyoxigraph (see MAX_QUERY_NESTING), or None.
    Counted outside strings, IRIs and comments."""
    code = _NOISE.sub(" ", query)
    brackets = _NOT_BRACKET.sub("", code).translate(str.maketrans("{}[]", "()()"))
    for _ in range(MAX_QUERY_NESTING):  # each pass removes the innermost pairs
        inner_removed = brackets.replace("()", "")
        if inner_removed == brackets:
            break
        brackets = inner_removed
    else:
        if "()" in brackets:
            return (
                f"queries nesting brackets over {MAX_QUERY_NESTING} levels deep are refused "
                "(pyoxigraph would crash); simplify it"
            )
    if len(_OPERATOR.findall(code)) > MAX_QUERY_OPERATORS:
        return (
            f"queries with over {MAX_QUERY_OPERATORS} operators (UNION, ||, &&, +, /...) are "
            "refused (pyoxigraph would crash); simplify it"
        )
    return None


_OPERATOR = re.compile(r"\|\||&&|[!+\-*/|^<>=]|\bUNION\b|\bMINUS\b", re.IGNORECASE)


def first_keyword(query: str) -> str:
    """The query form keyword after the prologue (SELECT, INSERT...), upper case.

    Only used to word the error: an update never runs anyway, Store.query() cannot execute one.
    """
    words = re.findall(r"[A-Za-z_][\w.-]*:?|:", _NOISE.sub(" ", query))
    index = 0
    while index < len(words) and words[index].upper() in ("BASE", "PREFIX"):
        index += 2 if words[index].upper() == "PREFIX" else 1
    return words[index].upper() if index < len(words) else ""


def mentions_service(query: str) -> bool:
    """Whether the SERVICE keyword can be in the query, under any reading of its tokens.

    A plain tokenizer is not enough: pyoxigraph's parser needs no space around keywords
    (`?o trueSERVICE<...>`, `SERVICEex:x` both run a SERVICE), and `<` is an IRI or a
    less-than depending on context (`FILTER(1<2)SERVICE#>` hides the keyword from a tokenizer
    that reads an IRI there). So the text is walked along every reading at once: wherever a
    token is ambiguous (`<`, `'''`, `\\`) both continuations are explored, and "service" in any
    case, at any position read as code, refuses the query. Only variable names and the local
    part of prefixed names are exempt (the parser reads both greedily). Codepoint escapes
    (\\uXXXX) are checked both as written and decoded, as the SPARQL spec decodes them first.
    This refuses a few harmless queries (e.g. a full IRI containing "service" inside a FILTER:
    write it as a prefixed name), never the other way round.
    """
    decoded = _CODEPOINT.sub(_decode_codepoint, query)
    return any(_service_reachable(text) for text in {query, decoded})


def _decode_codepoint(match: re.Match[str]) -> str:
    code = int(match[1] or match[2], 16)
    return chr(code) if code <= sys.maxunicode else match[0]


def _service_reachable(text: str) -> bool:
    start: State = (0, 0, False)
    seen = {start}
    pending = [start]
    budget = 8 * len(text) + 1000  # states; a real query needs about one per token
    while pending:
        found, following = _step(text, *pending.pop())
        if found or len(seen) > budget:
            return True  # fail closed on a pathological text
        for state in following:
            if state not in seen:
                seen.add(state)
                pending.append(state)
    return False


def _step(text: str, position: int, depth: int, operand: bool) -> tuple[bool, list[State]]:
    """(SERVICE found here, next states) from one position read as code."""
    match = _INTERESTING.search(text, position)
    if match is None:
        return False, []
    here = match.start()
    skipped = text[position:here].rstrip()
    if skipped:
        operand = skipped[-1] not in _BEFORE_OPERAND
    char = text[here]
    if char in "sS":
        return text[here : here + 7].lower() == "service", [(here + 1, depth, True)]
    if char in "?$:":
        token = (_VARIABLE if char != ":" else _LOCAL_PART).match(text, here)
        return False, [(token.end() if token else here + 1, depth, True)]
    if char == "#":
        line_end = _LINE_END.search(text, here)
        return False, [(line_end.start() if line_end else len(text), depth, operand)]
    if char == "(":
        return False, [(here + 1, depth + 1, False)]
    if char == ")":
        return False, [(here + 1, max(depth - 1, 0), True)]
    if char == "\\":  # an escape in a prefixed name, or a stray character
        return False, [(here + 2, depth, True), (here + 1, depth, True)]
    if char == "<":
        return False, _after_angle(text, here, depth, operand)
    return False, _after_quote(text, here, depth)


def _after_angle(text: str, here: int, depth: int, operand: bool) -> list[State]:
    iri = _IRI.match(text, here)
    states: list[State] = [(iri.end(), depth, True)] if iri else []
    # Inside brackets after an operand, pyoxigraph may read `<` as less-than instead.
    if iri is None or (depth > 0 and operand):
        states.append((here + 1, depth, False))
    return states


def _after_quote(text: str, here: int, depth: int) -> list[State]:
    quote = text[here]
    exact = _STRING_LONG[quote].match(text, here)
    if exact:  # pyoxigraph tries the long form first and keeps it when it parses
        return [(exact.end(), depth, True)]
    ends = [
        token.end()
        for pattern in (_STRING_LONG_LOOSE[quote], _STRING_SHORT[quote])
        if (token := pattern.match(text, here))
    ]
    return [(end, depth, True) for end in ends] or [(here + 1, depth, True)]
