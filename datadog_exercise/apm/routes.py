"""The app's paths, in one place for the app and for `traffic` (which must not import Flask)."""

ENTRYPOINT = '/'
APM = '/api/apm'
TRACE = '/api/trace'
# Always fails, so that Datadog's error tracking has something to show.
ERROR = '/api/error'

ALL = (ENTRYPOINT, APM, TRACE, ERROR)
