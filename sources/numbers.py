"""Read numbers the way Vietnamese officials write them: a decimal comma ("12,5"), a dot between
thousands ("2.100"), a percent sign ("12,5%") and word multipliers ("2,1 triệu").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MULTIPLIERS = {
    "nghìn": 1e3, "nghin": 1e3, "ngàn": 1e3, "ngan": 1e3,
    "triệu": 1e6, "trieu": 1e6,
    "tỷ": 1e9, "tỉ": 1e9, "ty": 1e9,
}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER = re.compile(r"^[+-]?(\d[\d.,]*|[.,]\d+)$")
_THOUSANDS_GROUPS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


@dataclass(frozen=True)
class ParsedNumber:
    value: float | None
    percent: bool = False
    error: str | None = None


def _fail(text: str, why: str) -> ParsedNumber:
    return ParsedNumber(None, error=f"'{text}' is not a number: {why}")


def _digits(body: str) -> float:
    """Interpret separators in a string of digits, dots and commas."""
    has_dot, has_comma = "." in body, "," in body
    if has_dot and has_comma:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, frac = body.rpartition(decimal)
        if not re.fullmatch(r"\d{1,3}(\%s\d{3})*" % thousands, whole):
            raise ValueError("mixed separators in an unexpected pattern")
        return float(whole.replace(thousands, "") + "." + frac)
    separator = "," if has_comma else "." if has_dot else ""
    if not separator:
        return float(body)
    if body.count(separator) > 1:
        if not _THOUSANDS_GROUPS.fullmatch(body):
            raise ValueError(f"'{separator}' repeated but not between groups of three digits")
        return float(body.replace(separator, ""))
    whole, frac = body.split(separator)
    # "2.100" is two thousand one hundred (Vietnamese thousands dot); "12.5" and "0.250" are decimals.
    if separator == "." and len(frac) == 3 and whole not in ("", "0"):
        return float(whole + frac)
    return float((whole or "0") + "." + frac)


def parse_number(raw: object) -> ParsedNumber:
    """Parse a cell or CSV field. Numbers that are already numeric pass through."""
    if raw is None:
        return ParsedNumber(None)
    if isinstance(raw, bool):
        return _fail(str(raw), "a true/false value")
    if isinstance(raw, (int, float)):
        return ParsedNumber(float(raw))
    text = _SPACES.sub(" ", str(raw)).strip()
    if not text:
        return ParsedNumber(None)
    body = text.lower()
    multiplier = 1.0
    for word, factor in _MULTIPLIERS.items():
        if body.endswith(" " + word) or body.endswith(word) and body[: -len(word)].rstrip()[-1:].isdigit():
            body = body[: -len(word)].strip()
            multiplier = factor
            break
    percent = body.endswith("%")
    if percent:
        body = body[:-1].strip()
    if percent and multiplier != 1.0:
        return _fail(text, "a percentage cannot carry a multiplier")
    body = body.replace(" ", "")
    if body.startswith("−"):
        body = "-" + body[1:]
    if not _NUMBER.fullmatch(body):
        return _fail(text, "expected digits with an optional decimal comma, e.g. 12,5 or 2.100 or 12,5%")
    sign = -1.0 if body.startswith("-") else 1.0
    try:
        value = _digits(body.lstrip("+-"))
    except ValueError as exc:
        return _fail(text, str(exc))
    return ParsedNumber(sign * value * multiplier, percent=percent)
