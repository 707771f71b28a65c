"""Datadog as code: the exercise's timeboard, the electricity dashboards, the monitors and their downtimes.

Builders (`dashboards`, `monitors`, `downtimes`) return `datadog-api-client` models and never talk to
the network; `client` is the one place that sends them; `sync` decides what to create, update or delete.

The models are imported one module each: `datadog_api_client.v2.models` loads every model of the
API, which takes seconds.
"""
