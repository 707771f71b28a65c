"""The Agent checks this package ships. Each module here is what goes into the Agent's `checks.d`.

`random_number` is self-contained. `elec_france` imports the `datadog_exercise` package (its feed
parser), which the installer therefore puts into the Agent's embedded Python.
"""

# check name -> the package it imports that the Agent's embedded Python does not ship
NEEDS_PACKAGE = {'elec_france': 'datadog_exercise'}
