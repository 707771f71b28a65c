"""Datadog as code: the exercise's timeboard, the electricity dashboards, the monitors and their downtimes.

Builders (`dashboards`, `monitors`, `downtimes`) return `datadog-api-client` models and never talk to
the network; `client` is the one place that sends them; `sync` decides what to create, update or delete.
"""
