"""The monitors: my_metric too high on a host, the eCO2mix data going stale, and eCO2mix disagreeing with ODRE.

Found again by their identity tag (see ownership.py), so a rename in the UI is undone by the next apply.
Each message has one block per state, and each block @-mentions the handle given with `--notify`, so
every notification (alert, warning, no data, recovery) reaches it.
"""

from string import Template

from datadog_api_client.v1.model.monitor import Monitor
from datadog_api_client.v1.model.monitor_options import MonitorOptions
from datadog_api_client.v1.model.monitor_thresholds import MonitorThresholds
from datadog_api_client.v1.model.monitor_type import MonitorType

from . import ownership
from .freshness import in_words

MY_METRIC = 'my_metric is high on {{host.name}}'
DATA_FRESHNESS = 'France electricity: eCO2mix data is stale'
FEED_CONSISTENCY = 'France electricity: eCO2mix and ODRE disagree'

# The quiet-hours downtime silences the monitor carrying all of these tags (see downtimes.py).
MY_METRIC_TAGS = tuple(ownership.tags('my_metric'))

MY_METRIC_WARNING = 500
MY_METRIC_ALERT = 800
MY_METRIC_NO_DATA_MINUTES = 10

# {{host.name}} and {{host.ip}} exist because the monitor is a multi-alert grouped by host.
MY_METRIC_MESSAGE = Template("""\
{{#is_alert}}
my_metric is {{value}} on {{host.name}} ({{host.ip}}): above {{threshold}} on average over the last 5 minutes. $notify
{{/is_alert}}
{{#is_warning}}
my_metric is {{value}} on {{host.name}}: above {{warn_threshold}} on average over the last 5 minutes. $notify
{{/is_warning}}
{{#is_no_data}}
my_metric has not been reported by {{host.name}} for $minutes minutes: is the Agent running there, \
and does `datadog-agent check random_number` pass? $notify
{{/is_no_data}}
{{#is_recovery}}
my_metric is back to {{value}} on {{host.name}}. $notify
{{/is_recovery}}""")

FRESHNESS_NO_DATA_MINUTES = 60

# The thresholds and why: freshness.py.
DATA_FRESHNESS_MESSAGE = Template("""\
{{#is_warning}}
The eCO2mix data has been more than $warning old for 30 minutes ({{value}} s), past the check's \
max_data_age: production is no longer reported. RTE stopped publishing, or the elec_france check cannot \
read the feed (see `datadog-agent check elec_france`). $notify
{{/is_warning}}
{{#is_alert}}
The eCO2mix data is {{value}} s old: neither eCO2mix nor the ODRE fallback has delivered for $alert. $notify
{{/is_alert}}
{{#is_no_data}}
elec_france.data.age has not been reported for $minutes minutes: the Agent or the elec_france check \
is not running. $notify
{{/is_no_data}}
{{#is_recovery}}
The eCO2mix data is fresh again ({{value}} s old). $notify
{{/is_recovery}}""")


# The check compares the feeds at each éCO2mix answer against ODRE's latest, which changes every hour: a figure
# revised by RTE between the two copies differs for an hour at most; a label read as the wrong series differs at
# every comparison. Two hours of differences without a break is the second.
FEED_CONSISTENCY_MINUTES = 120

FEED_CONSISTENCY_MESSAGE = Template("""\
{{#is_alert}}
eCO2mix and ODRE have published different figures for the same quarter-hour ({{value}} series) for $minutes \
minutes: RTE's XML has most likely changed (a renamed or swapped label). The service check \
elec_france.feed_consistency names each series with both values, and `datadog-exercise doctor` says what an \
unknown label most likely is; map it with `label_overrides` in the elec_france configuration. $notify
{{/is_alert}}
{{#is_recovery}}
eCO2mix and ODRE agree again. $notify
{{/is_recovery}}""")


def my_metric_monitor(notify):
    """Warning over 500, alert over 800, per host, on the 5-minute average; no data after 10 minutes."""
    return Monitor(
        name=MY_METRIC,
        type=MonitorType.QUERY_ALERT,
        query=f'avg(last_5m):avg:my_metric{{*}} by {{host}} > {MY_METRIC_ALERT}',
        message=MY_METRIC_MESSAGE.substitute(notify=notify, minutes=MY_METRIC_NO_DATA_MINUTES),
        tags=list(MY_METRIC_TAGS),
        options=MonitorOptions(
            thresholds=MonitorThresholds(critical=MY_METRIC_ALERT, warning=MY_METRIC_WARNING),
            notify_no_data=True,
            no_data_timeframe=MY_METRIC_NO_DATA_MINUTES,
        ),
    )


def data_freshness_monitor(notify, freshness):
    """Warns when even the freshest report of elec_france.data.age stayed over max_data_age for 30 minutes."""
    return Monitor(
        name=DATA_FRESHNESS,
        type=MonitorType.QUERY_ALERT,
        # min over time: above the threshold the whole 30 minutes, so one late publication does not
        # warn; min across sources: stale only when every Agent and feed reporting it is.
        query=f'min(last_30m):min:elec_france.data.age{{*}} > {freshness.alert}',
        message=DATA_FRESHNESS_MESSAGE.substitute(
            notify=notify,
            minutes=FRESHNESS_NO_DATA_MINUTES,
            warning=in_words(freshness.warning),
            alert=in_words(freshness.alert),
        ),
        tags=ownership.tags('elec_france_freshness'),
        options=MonitorOptions(
            thresholds=MonitorThresholds(critical=freshness.alert, warning=freshness.warning),
            # A metric that is no longer reported at all is the other way the data stops.
            notify_no_data=True,
            no_data_timeframe=FRESHNESS_NO_DATA_MINUTES,
        ),
    )


def feed_consistency_monitor(notify):
    """Alerts when the check's comparison of éCO2mix with ODRE found differences for two hours without a break.

    No data is not an alert: the gauge is only sent once both feeds have a quarter-hour in common (`cross_check`)."""
    return Monitor(
        name=FEED_CONSISTENCY,
        type=MonitorType.QUERY_ALERT,
        query=f'min(last_{FEED_CONSISTENCY_MINUTES // 60}h):max:elec_france.feed.mismatches{{*}} > 0',
        message=FEED_CONSISTENCY_MESSAGE.substitute(notify=notify, minutes=FEED_CONSISTENCY_MINUTES),
        tags=ownership.tags('elec_france_feed_consistency'),
        options=MonitorOptions(thresholds=MonitorThresholds(critical=0), notify_no_data=False),
    )


def monitors(notify, freshness):
    """Each monitor, in the order apply sends them. Its key is the identity tag it carries."""
    return [my_metric_monitor(notify), data_freshness_monitor(notify, freshness), feed_consistency_monitor(notify)]
