"""The summary of an Agent sketch, built from histogram buckets as the Agent builds it.

A check's histogram buckets become DDSketch points: `CheckSampler.addBucket` (pkg/aggregator/check_sampler.go)
hands each bucket to `quantile.Agent.InsertInterpolate` (DataDog/opentelemetry-mapping-go pkg/quantile/agent.go),
which spreads the bucket's count over the sketch's bins between the two bounds. `agent check` prints only
the sketch's summary (Min, Max, Sum, Avg, Cnt: pkg/quantile/summary), so that is what is kept here, with the
same float arithmetic; the bins themselves (`--full-sketches`) are not.
"""

import math
from dataclasses import dataclass

# pkg/quantile/config.go Default(): eps 1/128, so gamma = 1 + 2/128; the smallest value with key 1 is 1e-9.
_GAMMA = 1 + 2 / 128
_LN_GAMMA = math.log1p(2 / 128)
_BIAS = -math.floor(math.log(1e-9) / _LN_GAMMA) + 1
_MIN_VALUE = _GAMMA ** (1 - _BIAS)
_MAX_KEY = (1 << 15) - 2
_INF_KEY = (1 << 15) - 1


@dataclass
class Summary:
    """pkg/quantile/summary Summary: incremental Min, Max, Sum, Avg and Cnt."""

    Min: float = 0.0
    Max: float = 0.0
    Sum: float = 0.0
    Avg: float = 0.0
    Cnt: int = 0

    def insert_n(self, value, count):
        self.merge(Summary(value, value, count * value, value, int(count)))

    def merge(self, other):
        if self.Cnt == 0:
            self.Min, self.Max, self.Sum, self.Avg, self.Cnt = other.Min, other.Max, other.Sum, other.Avg, other.Cnt
            return
        if other.Cnt == 0:
            return
        self.Max = max(self.Max, other.Max)
        self.Min = min(self.Min, other.Min)
        self.Cnt += other.Cnt
        self.Sum += other.Sum
        self.Avg = self.Avg + (other.Avg - self.Avg) * float(other.Cnt) / float(self.Cnt)


def key(value):
    """Config.key: the bin of `value` (0 near zero, negative for negative values)."""
    if value < 0:
        return -key(-value)
    if value < _MIN_VALUE:
        return 0
    index = round(math.log(value) / _LN_GAMMA) + _BIAS  # Go's math.RoundToEven, as Python's round
    if index > _MAX_KEY:
        return _INF_KEY
    return max(index, 1)


def bin_low(bin_key):
    """Config.binLow: the lower bound of a bin."""
    if bin_key < 0:
        return -bin_low(-bin_key)
    if bin_key == _INF_KEY:
        return math.inf
    if bin_key == 0:
        return 0.0
    return go_pow(_GAMMA, bin_key - _BIAS)


def go_pow(base, exponent):
    """Go's math.Pow for a positive base and an integer exponent: repeated squaring on the mantissa.

    Go computes powers itself rather than with the C library, so the last bit can differ from Python's
    `**`; the printed Min, Max and Sum depend on it.
    """
    if exponent == 0:
        return 1.0
    mantissa, power = 1.0, 0
    square, square_power = math.frexp(base)
    remaining = abs(exponent)
    while remaining:
        if abs(square_power) > (1 << 12):
            power += square_power
            break
        if remaining & 1:
            mantissa *= square
            power += square_power
        square *= square
        square_power <<= 1
        if square < 0.5:
            square += square
            square_power -= 1
        remaining >>= 1
    if exponent < 0:
        mantissa, power = 1 / mantissa, -power
    return math.ldexp(mantissa, power)


def insert_interpolate(summary, lower, upper, count):
    """quantile.Agent.InsertInterpolate: spread `count` values between `lower` and `upper` into `summary`.

    Bounds are finite and ordered (addBucket checks them); keys lie within the int16 range the Agent uses,
    so the number of bins walked is bounded by that range, whatever the check submitted.
    """
    keys = range(key(lower), key(upper) + 1)
    if not keys:
        return
    left = count
    distance = upper - lower
    start = 0
    lower_bound = bin_low(keys[start])
    remainder = 0.0
    end = 1
    while end < len(keys) and left > 0:
        upper_bound = bin_low(keys[end])
        share = (upper_bound - lower_bound) / distance * float(count)
        if share > 1:
            remainder += share - float(int(share))
        part = int(share)
        if remainder > 1:
            part += 1
            remainder -= 1
        if part > 0:
            part = min(part, left)
            summary.insert_n(lower_bound, float(part))
            left -= part
            start = end
            lower_bound = upper_bound
        end += 1
    if left > 0:
        summary.insert_n(bin_low(keys[start]), float(left))
