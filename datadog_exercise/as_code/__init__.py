"""Datadog as code: the exercise's timeboard, the electricity dashboards, the monitors and their downtimes.

Builders (`dashboards`, `monitors`, `downtimes`) return `datadog-api-client` models and never talk to
the network, each carrying the identity `ownership` writes and reads back; `catalog` lists them; `client`
is the one place that sends them; `compare` says which fields differ from what exists; `sync` decides
per object between create, update and nothing (and what `destroy` removes).

The models are imported one module each: `datadog_api_client.v2.models` loads every model of the
API, which takes seconds.
"""
