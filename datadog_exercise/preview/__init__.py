"""Local previews for the docs (screenshots/): terminal output and dashboards drawn to PNG (`scripts/screenshots`).

Not part of the checks or of the command line: nothing here is imported by `datadog_exercise.cli`.
The dashboards are drawn by evaluating their dry-run JSON against what the real checks submit when
run on a simulated clock; nothing comes from Datadog.
"""
