"""`elec_france`: France's live electricity mix from RTE's éCO2mix feed.

This is the file that goes into the Agent's `checks.d`. The check itself lives in the
`datadog_exercise` package, which must be installed in the Agent's embedded Python
(`datadog-exercise install` does it).
"""

from datadog_exercise import __version__
from datadog_exercise.elec_france.check import ElecFranceCheck

__all__ = ['ElecFranceCheck', '__version__']
