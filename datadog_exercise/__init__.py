"""Datadog Agent checks and the Datadog hands-on exercise, as code."""

__version__ = '0.1.0'
