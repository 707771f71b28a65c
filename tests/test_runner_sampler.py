"""The check sampler on anything a check can submit: series and sketches, never an exception.

pkg/aggregator/check_sampler.go and pkg/metrics/*.go take any float64 and any bucket; so does the runner.
"""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.runner.builtins import Aggregator
from datadog_exercise.runner.sampler import CheckSampler, Context

FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**6), 10**6)
SUBMISSIONS = st.lists(
    st.one_of(
        st.tuples(st.just('metric'), st.integers(0, 6), st.sampled_from(['a', 'b']), FLOATS, st.booleans()),
        st.tuples(st.just('bucket'), st.integers(-5, 10**12), FLOATS, FLOATS, st.booleans(), st.booleans()),
    ),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(runs=st.lists(SUBMISSIONS, max_size=3), clock=st.lists(st.floats(1.7e9, 1.8e9), min_size=1, max_size=5))
def test_any_submissions_commit_to_series_and_sketches(runs, clock):
    times = iter(clock * 200)
    aggregator = Aggregator('host', clock=lambda: next(times))
    sampler = CheckSampler()
    for run, submissions in enumerate(runs):
        for kind, *fields in submissions:
            if kind == 'metric':
                mtype, name, value, flush_first = fields
                aggregator.submit_metric(None, 'id', mtype, name, value, ['t:1'], '', flush_first)
            else:
                value, lower, upper, monotonic, flush_first = fields
                aggregator.submit_histogram_bucket(None, 'id', 'b', value, lower, upper, monotonic, '', [], flush_first)
        taken = aggregator.take('id')
        for sample in taken.metrics:
            sampler.add_sample(sample, Context(sample.name, sample.host, sample.tags))
        for bucket in taken.buckets:
            sampler.add_bucket(bucket, Context(bucket.name, bucket.host, bucket.tags))
        series, sketches = sampler.commit(1.8e9 + run)

        assert all(serie.type in ('gauge', 'rate', 'count') for serie in series)
        assert all(point.summary.Cnt > 0 and not math.isnan(point.summary.Sum) for s in sketches for point in s.points)
