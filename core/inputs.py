"""What text the platform accepts, checked once at the edge and once per field kind.

- `control_character(text, ...)`: the first character no input may carry (NUL and the other
  C0 controls, DEL and the C1 controls), or None. Line breaks and tabs are allowed in
  ordinary text (a complaint's description has paragraphs); single-line values refuse them.
- `validate_single_line`: the validator for titles and names, anything that can end up in an
  email subject or header: no line breaks, no control characters.
- `single_line(text)`: the same text made safe for a subject line, for values stored before
  the rule existed.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Everything that breaks a line, including Unicode's own separators, plus all controls.
_LINE_BREAK_OR_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\x85]")


def describe(character: str) -> str:
    """U+0000 (NULL), the way a developer would look it up."""
    name = unicodedata.name(character, "")
    if not name:
        name = {
            "\x00": "NULL",
            "\t": "TAB",
            "\n": "LINE FEED",
            "\r": "CARRIAGE RETURN",
            "\x7f": "DELETE",
        }.get(character, "a control character")
    return f"U+{ord(character):04X} ({name})"


def control_character(text: str, *, single_line: bool = False) -> str | None:
    pattern = _LINE_BREAK_OR_CONTROL if single_line else _CONTROL
    found = pattern.search(text)
    return found.group() if found else None


@deconstructible
class SingleLineValidator:
    """Refuses line breaks and control characters: a title or name with a line break broke
    every email about it (its subject became two headers)."""

    code = "single_line"

    def __call__(self, value):
        if not isinstance(value, str):
            return
        found = control_character(value, single_line=True)
        if found is None:
            return
        if found in "\r\n\u2028\u2029\x85":
            message = "Enter this on one line, without line breaks"
        else:
            message = f"Remove the control character {describe(found)}"
        raise ValidationError(message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, SingleLineValidator)


validate_single_line = SingleLineValidator()


def single_line_problem(value: str) -> str | None:
    """The single-line rule's message for `value`, or None: for services that check their
    arguments one by one rather than through a model's full_clean()."""
    try:
        validate_single_line(value)
    except ValidationError as error:
        return error.messages[0]
    return None


def single_line(text: str) -> str:
    """`text` with each run of line breaks and control characters turned into one space."""
    return re.sub(r"\s+", " ", _LINE_BREAK_OR_CONTROL.sub(" ", text or "")).strip()


# Dates the platform's own arithmetic (contract periods, reviews, renewals, working days) can
# always work with: years further out overflow Python's calendar at year 9999.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between 1 January 1900 and 31 December 2199"


def date_problem(value) -> str | None:
    """The date-range rule's message for `value` (a date), or None."""
    if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        return DATE_RANGE_MESSAGE
    return None
