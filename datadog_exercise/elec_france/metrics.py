"""The metrics of a snapshot: names, values and the tags that tell them apart. Pure."""

import math


def snapshot_metrics(snapshot):
    """(name without the `elec_france.` prefix, value, extra tags) for every figure the snapshot has.

    Readings are plausible (eco2mix/plausible.py) and shares are percentages or absent; a figure that is
    not finite is left out all the same, so that nothing but a number ever reaches Datadog.
    """
    metrics = [('production', value, [f'fuel:{fuel}']) for fuel, value in snapshot.production.items()]
    metrics.append(('production.total', snapshot.production_total, []))
    metrics += [
        ('production.breakdown', value, [f'fuel:{key.series}', f'technology:{key.technology}'])
        for key, value in sorted(snapshot.breakdown.items())
    ]
    metrics += [
        ('pumping', snapshot.pumping, []),
        ('exchange.balance', snapshot.exchange_balance, []),
        ('consumption', snapshot.consumption, []),
    ]
    if snapshot.co2_intensity is not None:
        metrics.append(('co2_intensity', snapshot.co2_intensity, []))
    for name, share in (('share.low_carbon', snapshot.low_carbon_share), ('share.renewable', snapshot.renewable_share)):
        if share is not None:
            metrics.append((name, share, []))
    return [(name, value, tags) for name, value, tags in metrics if math.isfinite(value)]
