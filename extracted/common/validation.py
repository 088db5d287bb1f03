"""Input rules that answer exactly like the monolith's DRF serializers.

A `Form` is a set of named fields. `Form.validate(data)` checks a JSON body,
`Form.validate_query(args)` checks query parameters (DRF's HTML-input rules: the
last value wins, an empty optional value counts as absent). Both return the clean
values of the fields given, or raise InvalidInput with DRF's messages per field.
"""
from __future__ import annotations

import decimal
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from extracted.common.errors import InvalidInput

__all__ = [
    "BooleanField",
    "CharField",
    "DecimalField",
    "Form",
    "IntegerField",
    "SlugField",
]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
_MAX_STRING_LENGTH = 1000


class _Invalid(Exception):
    def __init__(self, *messages: str):
        self.messages = list(messages)


class _Skip(Exception):
    pass


class Field:
    """One input value: required or not, null or not, then type and limits."""

    def __init__(self, *, required: bool = True, allow_null: bool = False, default: Any = MISSING):
        self.required = required and default is MISSING
        self.allow_null = allow_null
        self.default = default

    def run(self, value: Any, *, partial: bool) -> Any:
        if value is MISSING:
            if partial:
                raise _Skip
            if self.required:
                raise _Invalid("This field is required.")
            if self.default is MISSING:
                raise _Skip
            return self.default
        if value is None:
            if not self.allow_null:
                raise _Invalid("This field may not be null.")
            return None
        clean = self.to_internal(value)
        errors = self.check(clean)
        if errors:
            raise _Invalid(*errors)
        return clean

    def to_internal(self, value: Any) -> Any:
        return value

    def check(self, value: Any) -> list[str]:
        return []

    def from_query(self, given: bool, value: str) -> Any:
        """The value DRF's HTML-input reading hands to validation."""
        if not given:
            return MISSING
        if value == "" and self.allow_null:
            return None
        if value == "" and not self.required:
            return MISSING
        return value


def _limits(value: Any, low: Any, high: Any) -> list[str]:
    errors = []
    if high is not None and value > high:
        errors.append(f"Ensure this value is less than or equal to {high}.")
    if low is not None and value < low:
        errors.append(f"Ensure this value is greater than or equal to {low}.")
    return errors


class CharField(Field):
    invalid = "Not a valid string."

    def __init__(self, *, max_length: int | None = None, min_length: int | None = None,
                 allow_blank: bool = False, trim_whitespace: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_length, self.min_length = max_length, min_length
        self.allow_blank, self.trim_whitespace = allow_blank, trim_whitespace

    def run(self, value: Any, *, partial: bool) -> Any:
        # DRF tests for blank before anything else, so blank never reaches the type check.
        if value is not MISSING and value is not None and (
            value == "" or (self.trim_whitespace and str(value).strip() == "")
        ):
            if not self.allow_blank:
                raise _Invalid("This field may not be blank.")
            return ""
        return super().run(value, partial=partial)

    def to_internal(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _Invalid(self.invalid)
        text = str(value)
        return text.strip() if self.trim_whitespace else text

    def check(self, value: str) -> list[str]:
        errors = []
        if self.max_length is not None and len(value) > self.max_length:
            errors.append(f"Ensure this field has no more than {self.max_length} characters.")
        if self.min_length is not None and len(value) < self.min_length:
            errors.append(f"Ensure this field has at least {self.min_length} characters.")
        if "\x00" in value:
            errors.append("Null characters are not allowed.")
        surrogate = next((ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), None)
        if surrogate is not None:
            errors.append(f"Surrogate characters are not allowed: U+{ord(surrogate):X}.")
        return errors


class SlugField(CharField):
    # DRF's SlugField replaces CharField's "invalid" message, for non-strings too.
    invalid = 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
    _SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")

    def check(self, value: str) -> list[str]:
        errors = super().check(value)
        if not self._SLUG.search(value):
            errors.append(self.invalid)
        return errors


class IntegerField(Field):
    _DECIMAL_ZEROS = re.compile(r"\.0*\s*$")

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def to_internal(self, value: Any) -> int:
        if isinstance(value, str) and len(value) > _MAX_STRING_LENGTH:
            raise _Invalid("String value too large.")
        try:
            return int(self._DECIMAL_ZEROS.sub("", str(value)))
        except (ValueError, TypeError):
            raise _Invalid("A valid integer is required.") from None

    def check(self, value: int) -> list[str]:
        return _limits(value, self.min_value, self.max_value)


class DecimalField(Field):
    def __init__(self, *, max_digits: int, decimal_places: int, min_value: Any = None,
                 max_value: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_digits, self.decimal_places = max_digits, decimal_places
        self.min_value, self.max_value = min_value, max_value

    def to_internal(self, value: Any) -> decimal.Decimal:
        text = str(value).strip()
        if len(text) > _MAX_STRING_LENGTH:
            raise _Invalid("String value too large.")
        try:
            number = decimal.Decimal(text)
        except decimal.DecimalException:
            raise _Invalid("A valid number is required.") from None
        if number.is_nan() or number.is_infinite():
            raise _Invalid("A valid number is required.")
        self._check_precision(number)
        context = decimal.getcontext().copy()
        context.prec = self.max_digits
        return number.quantize(decimal.Decimal(".1") ** self.decimal_places, context=context)

    def _check_precision(self, number: decimal.Decimal) -> None:
        _, digits, exponent = number.as_tuple()
        if exponent >= 0:
            total, whole, places = len(digits) + exponent, len(digits) + exponent, 0
        elif len(digits) > abs(exponent):
            total, whole, places = len(digits), len(digits) - abs(exponent), abs(exponent)
        else:
            total, whole, places = abs(exponent), 0, abs(exponent)
        if total > self.max_digits:
            raise _Invalid(f"Ensure that there are no more than {self.max_digits} digits in total.")
        if places > self.decimal_places:
            raise _Invalid(
                f"Ensure that there are no more than {self.decimal_places} decimal places.")
        whole_limit = self.max_digits - self.decimal_places
        if whole > whole_limit:
            raise _Invalid(
                f"Ensure that there are no more than {whole_limit} digits before the decimal point.")

    def check(self, value: decimal.Decimal) -> list[str]:
        return _limits(value, self.min_value, self.max_value)


class BooleanField(Field):
    _TRUE = {"t", "y", "yes", "true", "on", "1", 1, True}
    _FALSE = {"f", "n", "no", "false", "off", "0", 0, 0.0, False}

    def to_internal(self, value: Any) -> bool:
        lowered = value.lower() if isinstance(value, str) else value
        try:
            if lowered in self._TRUE:
                return True
            if lowered in self._FALSE:
                return False
        except TypeError:  # unhashable, like a list
            pass
        raise _Invalid("Must be a valid boolean.")

    def from_query(self, given: bool, value: str) -> Any:
        # DRF's BooleanField reads an absent HTML input as False.
        if not given:
            return False
        return super().from_query(given, value)


class Form:
    """Named fields, checked together; errors come back per field, in field order."""

    def __init__(self, **fields: Field):
        self.fields = fields

    def _run(self, values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, field in self.fields.items():
            try:
                clean[name] = field.run(values[name], partial=partial)
            except _Skip:
                continue
            except _Invalid as invalid:
                errors[name] = invalid.messages
        if errors:
            raise InvalidInput(errors)
        return clean

    def validate(self, data: Any, *, partial: bool = False) -> dict[str, Any]:
        if data is None:
            raise InvalidInput({"non_field_errors": ["No data provided"]})
        if not isinstance(data, Mapping):
            raise InvalidInput({"non_field_errors": [
                f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]})
        return self._run({name: data.get(name, MISSING) for name in self.fields}, partial=partial)

    def validate_query(self, args: MultiDict) -> dict[str, Any]:
        values = {}
        for name, field in self.fields.items():
            given = args.getlist(name)
            values[name] = field.from_query(bool(given), given[-1] if given else "")
        return self._run(values, partial=False)
