"""The exercise's Flask app, served by gunicorn and traced by ddtrace-run, and a traffic generator for it."""
