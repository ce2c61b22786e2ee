"""Is a literal's lexical form valid for its XSD datatype? (sh:datatype's well-formedness test)

SHACL's sh:datatype fails an ill-formed literal of the right datatype ("300"^^xsd:byte). rdflib
misses some (it accepts "2020-01-01"^^xsd:dateTime and "1e5"^^xsd:decimal, and cannot tell for
xsd:gYear or xsd:dateTimeStamp), and pyoxigraph keeps no trace of an integer subtype's range,
so the lexical spaces of XML Schema 1.1 Part 2 are checked here directly. A datatype not listed
is not checked (SHACL only asks for the datatype IRI then).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable

__all__ = ["lexical_form_valid"]

XSD = "http://www.w3.org/2001/XMLSchema#"
_TZ = r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?([1-9]\d{3,}|0\d{3})"
_TIME = r"(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?|24:00:00(\.0+)?)"
_DECIMAL = r"[+-]?(\d+(\.\d*)?|\.\d+)"
_DURATION = r"-?P(?=.)(\d+Y)?(\d+M)?(\d+D)?(T(?=.)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_NAME_START = r"A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"  # noqa: E501
_NAME_CHAR = _NAME_START + r"\-.0-9\u00B7\u0300-\u036F\u203F-\u2040"

# every pattern is matched against the whole (whitespace-collapsed) lexical form
_PATTERNS: dict[str, str] = {
    "decimal": _DECIMAL,
    "float": _DECIMAL + r"([eE][+-]?\d+)?|[+-]?INF|NaN",
    "double": _DECIMAL + r"([eE][+-]?\d+)?|[+-]?INF|NaN",
    "boolean": r"true|false|1|0",
    "date": _YEAR + r"-(\d\d)-(\d\d)" + _TZ,
    "dateTime": _YEAR + r"-(\d\d)-(\d\d)T" + _TIME + _TZ,
    "dateTimeStamp": _YEAR + r"-(\d\d)-(\d\d)T" + _TIME + r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))",
    "time": _TIME + _TZ,
    "gYear": _YEAR + _TZ,
    "gYearMonth": _YEAR + r"-(0[1-9]|1[0-2])" + _TZ,
    "gMonth": r"--(0[1-9]|1[0-2])" + _TZ,
    "gDay": r"---(0[1-9]|[12]\d|3[01])" + _TZ,
    "gMonthDay": r"--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])" + _TZ,
    "duration": _DURATION,
    "dayTimeDuration": r"-?P(?=.)(\d+D)?(T(?=.)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?",
    "yearMonthDuration": r"-?P(?=.)(\d+Y)?(\d+M)?",
    "hexBinary": r"([0-9a-fA-F]{2})*",
    "base64Binary": r"(([A-Za-z0-9+/] ?){4})*(([A-Za-z0-9+/] ?){3}[A-Za-z0-9+/]"
    r"|([A-Za-z0-9+/] ?){2}[AEIMQUYcgkosw048] ?=|[A-Za-z0-9+/] ?[AQgw] ?= ?=)?",
    "language": r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*",
    "Name": f"[{_NAME_START}:][{_NAME_CHAR}:]*",
    "NCName": f"[{_NAME_START}][{_NAME_CHAR}]*",
    "NMTOKEN": f"[{_NAME_CHAR}:]+",
}
_COMPILED = {name: re.compile(pattern) for name, pattern in _PATTERNS.items()}
_INTEGER = re.compile(r"[+-]?\d+")
# (lowest, highest) of xsd:integer and the types derived from it; None: unbounded
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}
_XML_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def lexical_form_valid(lexical: str, datatype: str) -> bool:
    """False when `lexical` is not in the lexical space of the XSD `datatype`; True for a
    datatype outside XSD or one not checked here (anyURI, QName...)."""
    if not datatype.startswith(XSD):
        return True
    name = datatype[len(XSD) :]
    if _XML_CHARS.search(lexical):
        return False
    if name in ("string", "anyURI"):
        return True
    if name == "normalizedString":
        return not re.search(r"[\t\n\r]", lexical)
    if name == "token":
        return " ".join(lexical.split()) == lexical and not re.search(r"[\t\n\r]", lexical)
    collapsed = " ".join(lexical.split())  # whiteSpace="collapse" for every other type
    if name in _INTEGER_RANGES:
        return _integer_valid(collapsed, *_INTEGER_RANGES[name])
    pattern = _COMPILED.get(name)
    if pattern is None or not pattern.fullmatch(collapsed):
        return pattern is None
    check = _CALENDAR_CHECKS.get(name)
    return check is None or check(collapsed)


def _integer_valid(text: str, lowest: int | None, highest: int | None) -> bool:
    if not _INTEGER.fullmatch(text):
        return False
    number = int(text)
    return (lowest is None or number >= lowest) and (highest is None or number <= highest)


def _day_exists(text: str) -> bool:
    """The day of a date or dateTime exists in its month (February 29 in leap years only)."""
    match = re.match(r"(-?\d{4,})-(\d\d)-(\d\d)", text)
    assert match is not None
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        return False
    # XSD years count a year 0 (1 BCE), which is a leap year like the proleptic calendar's
    leap = calendar.isleap(year if year > 0 else year + 4000 * (1 - year // 4000))
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return 1 <= day <= days


def _month_day_exists(text: str) -> bool:
    month, day = int(text[2:4]), int(text[5:7])
    return day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


_CALENDAR_CHECKS: dict[str, Callable[[str], bool]] = {
    "date": _day_exists,
    "dateTime": _day_exists,
    "dateTimeStamp": _day_exists,
    "gMonthDay": _month_day_exists,
}
