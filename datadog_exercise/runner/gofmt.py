"""Go's formatting rules, as the Agent (a Go program) prints numbers and durations."""

import decimal
import json
import math

# Go's time.Duration.String() units of a minute and more, largest first, in nanoseconds.
_NS_PER = (('h', 3_600_000_000_000), ('m', 60_000_000_000))


def go_float(value):
    """Format a float64 like Go's `%v` (strconv 'g' format, shortest representation).

    >>> [go_float(v) for v in (433, 58902.4, 8502900, 0.00001, -4132.0)]
    ['433', '58902.4', '8.5029e+06', '1e-05', '-4132']
    """
    value = float(value)
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return '+Inf' if value > 0 else '-Inf'
    if value == 0:
        return '-0' if math.copysign(1, value) < 0 else '0'
    # repr() gives the shortest digits that round-trip, as Go's shortest formatting does.
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    digits = ''.join(map(str, digits))
    point = len(digits) + exponent  # position of the decimal point from the left of `digits`
    exp10 = point - 1
    prefix = '-' if sign else ''
    # Go: %e when the exponent is < -4 or >= the precision, which is 6 for the shortest form.
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ('.' + digits[1:] if len(digits) > 1 else '')
        return f'{prefix}{mantissa}e{"-" if exp10 < 0 else "+"}{abs(exp10):02d}'
    if point <= 0:
        return f'{prefix}0.{"0" * -point}{digits}'
    if point >= len(digits):
        return prefix + digits + '0' * (point - len(digits))
    return f'{prefix}{digits[:point]}.{digits[point:]}'


def go_duration(seconds):
    """Format a duration like Go's time.Duration.String(): `0s`, `211ms`, `2.537s`, `1m5s`."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return '0s'
    prefix = '-' if ns < 0 else ''
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (('ms', 1_000_000), ('µs', 1_000), ('ns', 1)):
            if ns >= size:
                return prefix + _trim(ns, size) + unit
    text = ''
    for unit, size in _NS_PER:
        # Go prints every unit below the largest one present: `1h0m0s`.
        if ns >= size or text:
            text += f'{ns // size}{unit}'
            ns %= size
    return prefix + text + _trim(ns, 1_000_000_000) + 's'


def _trim(amount, size):
    """`amount / size` with the fractional digits Go keeps (no trailing zeros)."""
    whole, fraction = divmod(amount, size)
    if not fraction:
        return str(whole)
    width = len(str(size)) - 1
    return f'{whole}.{fraction:0{width}d}'.rstrip('0')


def thousands(count):
    """Go humanize.Comma: `1234567` -> `1,234,567`."""
    return f'{count:,}'


def go_json_float(value):
    """Format a float64 like Go's encoding/json: fixed notation unless < 1e-6 or >= 1e21."""
    value = float(value)
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
        digits = ''.join(map(str, digits))
        exp10 = len(digits) + exponent - 1
        mantissa = digits[0] + ('.' + digits[1:] if len(digits) > 1 else '')
        # Go writes e+21 and e-7 (two digits at least for positive exponents, none padded for negative).
        exponent_text = f'-{abs(exp10)}' if exp10 < 0 else f'+{exp10:02d}'
        return f'{"-" if sign else ""}{mantissa}e{exponent_text}'
    return go_fixed(value)


def go_fixed(value):
    """strconv.FormatFloat(v, 'f', -1, 64): the shortest digits, never an exponent."""
    value = float(value)
    if not math.isfinite(value):
        return go_float(value)
    return format(decimal.Decimal(repr(value)).normalize(), 'f')


class RawJSON(str):
    """A literal that go_json writes as is (the Agent's points, printed with %v)."""


def go_json(value, indent='  ', level=0):
    """Serialise like Go's json.MarshalIndent(value, "", indent): dict order kept, Go string escaping."""
    pad, inner = indent * level, indent * (level + 1)
    if isinstance(value, RawJSON):
        return str(value)
    if value is None:
        return 'null'
    if value is True or value is False:
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_json_float(value)
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, dict):
        if not value:
            return '{}'
        items = [f'{inner}{_go_string(str(key))}: {go_json(item, indent, level + 1)}' for key, item in value.items()]
        return '{\n' + ',\n'.join(items) + f'\n{pad}}}'
    items = list(value)
    if not items:
        return '[]'
    return '[\n' + ',\n'.join(f'{inner}{go_json(item, indent, level + 1)}' for item in items) + f'\n{pad}]'


def _go_string(text):
    encoded = json.dumps(text, ensure_ascii=False)
    for character, escape in (
        ('<', '\\u003c'),
        ('>', '\\u003e'),
        ('&', '\\u0026'),
        ('\u2028', '\\u2028'),
        ('\u2029', '\\u2029'),
    ):
        encoded = encoded.replace(character, escape)
    return encoded
