"""Read numbers the way Vietnamese officials write them: a decimal comma ("12,5"), a dot between
thousands ("2.100"), a percent sign ("12,5%") and word multipliers ("2,1 triệu").

A number is never guessed. One separator followed by exactly three digits ("2.100", "31,632") reads two
ways: a decimal (2.1, 31.632) or thousands (2100, 31632). The indicator's domain decides (a reading
outside its range is impossible, and a count is a whole number, so "2.100" for a count is 2100 and
"31.632" for a percentage is 31.632); where both readings remain possible, or neither, the value is
ambiguous and comes back with both readings instead of a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sources.index.methodology import Indicator

_MULTIPLIERS = {
    "nghìn": 1e3,
    "nghin": 1e3,
    "ngàn": 1e3,
    "ngan": 1e3,
    "triệu": 1e6,
    "trieu": 1e6,
    "tỷ": 1e9,
    "tỉ": 1e9,
    "ty": 1e9,
}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER = re.compile(r"^[+-]?(\d[\d.,]*|[.,]\d+)$")
_THOUSANDS_GROUPS = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_LEADING_GROUP = re.compile(r"^[1-9]\d{0,2}$")  # what may stand before a thousands separator


@dataclass(frozen=True)
class Domain:
    """What a value may be: the indicator's range and whether it counts things (whole numbers only).
    Used to choose between the two readings of "2.100"; `label` names the indicator in messages."""

    low: float
    high: float
    whole: bool = False
    label: str | None = None

    @classmethod
    def of(cls, indicator: Indicator) -> Domain:
        return cls(indicator.domain[0], indicator.domain[1], indicator.kind == "count", indicator.code)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def could_be(self, value: float) -> bool:
        """Whether a reading is possible: within the range, and whole for a count."""
        return self.contains(value) and (not self.whole or float(value).is_integer())


@dataclass(frozen=True)
class ParsedNumber:
    value: float | None
    percent: bool = False
    error: str | None = None
    # Set when the text reads two ways and the domain does not decide: (decimal reading, thousands
    # reading) and the separator. `value` is then None and `error` says why.
    readings: tuple[float, float] | None = None
    separator: str | None = None

    @property
    def ambiguous(self) -> bool:
        return self.readings is not None


def number_text(value: float, decimal: str = ".") -> str:
    """A number as plain digits, without exponent or thousands separators (decimal "," for Vietnamese)."""
    text = f"{value:.15g}"
    if "e" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal)


def say_number(value: float, decimals: int, lang: str) -> str:
    """A number as a reader writes it: Vietnamese groups thousands with '.' and writes decimals after ','."""
    text = f"{value:,.{max(decimals, 0)}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".") if lang == "vi" else text


def say_share(share: float | None, lang: str) -> str:
    """A share (0-1) as a whole percentage a reader writes ("96%"); "–" for none."""
    return "–" if share is None else f"{say_number(100 * share, 0, lang)}%"


def _fail(text: str, why: str) -> ParsedNumber:
    return ParsedNumber(None, error=f"'{text}' is not a number: {why}")


def _digits(body: str) -> float | tuple[float, float, str]:
    """Interpret separators in a string of digits, dots and commas: one value, or both readings
    (decimal, thousands, separator) when one separator stands before exactly three digits."""
    has_dot, has_comma = "." in body, "," in body
    if has_dot and has_comma:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, frac = body.rpartition(decimal)
        if not re.fullmatch(rf"\d{{1,3}}(\{thousands}\d{{3}})*", whole):
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
    if len(frac) == 3 and _LEADING_GROUP.fullmatch(whole):
        # "2.100": two point one, or two thousand one hundred (the Vietnamese thousands dot; the English
        # thousands comma for "2,100"). "12.5", "0.250" and "12,50" read one way only.
        return float(whole + "." + frac), float(whole + frac), separator
    return float((whole or "0") + "." + frac)


def parse_number(raw: object, domain: Domain | Indicator | None = None) -> ParsedNumber:
    """Parse a cell or CSV field. Numbers that are already numeric pass through.

    `domain` (a `Domain`, or an indicator of the methodology) decides between the two readings of
    "2.100"; without it, or when both readings (or neither) are possible, the result is ambiguous: no
    value, both readings and a message. The domain is not otherwise enforced here: a value that reads
    one way only is returned even when out of range, for the caller to report."""
    if domain is not None and not isinstance(domain, Domain):
        domain = Domain.of(domain)
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
        if body.endswith(" " + word) or (body.endswith(word) and body[: -len(word)].rstrip()[-1:].isdigit()):
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
    if not isinstance(value, tuple):
        return ParsedNumber(sign * value * multiplier, percent=percent)
    decimal, thousands, separator = value
    decimal, thousands = sign * decimal * multiplier, sign * thousands * multiplier
    possible = [r for r in (decimal, thousands) if domain is not None and domain.could_be(r)]
    if len(possible) == 1:
        return ParsedNumber(possible[0], percent=percent)
    return ParsedNumber(
        None,
        percent=percent,
        error=ambiguity_message(text, decimal, thousands, separator, domain),
        readings=(decimal, thousands),
        separator=separator,
    )


def ambiguity_message(text: str, decimal: float, thousands: float, separator: str, domain: Domain | None) -> str:
    """Why a value reads two ways, with both readings (English; rules.yaml has the Vietnamese)."""
    message = (
        f"'{text}' reads two ways: {number_text(decimal)} with '{separator}' as the decimal separator, "
        f"or {number_text(thousands)} with '{separator}' between thousands"
    )
    if domain is not None:
        message += f"; the range of {domain.label or 'the indicator'} is {number_text(domain.low)} to {number_text(domain.high)}"
    return message + "; write it without a thousands separator and with a decimal comma (e.g. 2100 or 2,1)"
