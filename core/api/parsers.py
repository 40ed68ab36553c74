"""The API's parsers, with the edge's rules (core/edge.py) applied to what they read.

JSON: no control characters in keys or strings (tabs and line breaks allowed), at most
MAX_DEPTH levels of nesting (Python's own parser fails with RecursionError somewhere past a
thousand), integers that fit 64 bits and floats that are finite. Each refusal is a 400 in
the error shape, naming the field where there is one. Forms get the same character checks.
"""

import codecs
import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

from core.inputs import control_character, describe

MAX_DEPTH = 32
# The largest integer any field takes (a 64-bit id); more digits is never a real value.
MAX_INTEGER = 2**63 - 1


class _Refused(Exception):
    pass


class _Oversized:
    """A number too large for any field, kept in place so the refusal can name its field."""

    def __init__(self, text: str):
        self.text = text


def _parse_int(text: str):
    # Judged by its digits first: Python refuses (slowly) to convert more than 4,300 of them.
    if len(text.lstrip("-")) > len(str(MAX_INTEGER)) or abs(int(text)) > MAX_INTEGER:
        return _Oversized(text)
    return int(text)


def _parse_float(text: str):
    value = float(text)
    if len(text) > 100 or value in (float("inf"), float("-inf")):
        return _Oversized(text)
    return value


def _refuse_constant(name: str):
    raise _Refused(f"{name} is not a number this API accepts.")


def check_data(data, *, max_depth: int = MAX_DEPTH) -> None:
    """Walks parsed data without recursion; raises ValidationError naming each field with a
    control character or an oversized number, or ParseError when it is nested deeper than
    `max_depth`."""
    problems: dict[str, list[str]] = {}
    stack = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > max_depth:
            raise ParseError(f"The JSON is nested too deeply: at most {max_depth} levels.")
        if isinstance(value, str):
            _check_string(value, path, problems)
        elif isinstance(value, _Oversized):
            _problem(problems, path, f"Enter a number no larger than {MAX_INTEGER:,}")
        elif isinstance(value, dict):
            for key, inner in value.items():
                inner_path = f"{path}.{key}" if path else str(key)
                _check_string(str(key), inner_path, problems)
                stack.append((inner, inner_path, depth + 1))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                stack.append((inner, f"{path}.{index}" if path else str(index), depth + 1))
    if problems:
        raise ValidationError(problems)


def _check_string(text: str, path: str, problems: dict) -> None:
    found = control_character(text)
    if found is not None:
        _problem(problems, path, f"Remove the control character {describe(found)}")


def _problem(problems: dict, path: str, message: str) -> None:
    """Filed under the top-level field, as the serializers name their fields; a nested
    place is said in the message."""
    field, _, rest = path.partition(".")
    problems.setdefault(field or "non_field_errors", []).append(
        f"{message} (at {path})." if rest else f"{message}."
    )


class CheckedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_int=_parse_int,
                parse_float=_parse_float,
                parse_constant=_refuse_constant if api_settings.STRICT_JSON else None,
            )
        except _Refused as refusal:
            raise ParseError(str(refusal)) from None
        except RecursionError:
            raise ParseError(
                f"The JSON is nested too deeply: at most {MAX_DEPTH} levels."
            ) from None
        except ValueError as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
        check_data(data)
        return data


class CheckedFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_data(dict(data.lists()), max_depth=3)
        return data


class CheckedMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_data(dict(parsed.data.lists()), max_depth=3)
        return parsed
