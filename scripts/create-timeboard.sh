#!/usr/bin/env bash
# Creates the exercise's timeboard with curl: the call that failed in the original exercise, quoted right.
#
#   DD_API_KEY=... DD_APP_KEY=... [DD_SITE=datadoghq.eu] scripts/create-timeboard.sh HOST
#
# HOST is the host my_metric comes from (`datadog-agent hostname` prints it). Each run creates one more
# dashboard: `datadog-exercise apply` is the idempotent way. The body is apply's own, identity included
# (datadog-exercise:id:exercise_timeboard in the description), so apply then manages this dashboard; after
# two runs it stops and asks to delete one of the two.
# DD_API_URL, when set, replaces https://api.$DD_SITE (the tests point it at a local stand-in).
set -euo pipefail

fail() {
  echo "error: $*" >&2
  exit 2
}

[[ $# -eq 1 ]] || fail "usage: $0 HOST, the host my_metric comes from (\`datadog-agent hostname\` prints it)"
host=$1
[[ $host =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || fail "'$host' is not a host name: give it as \`datadog-agent hostname\` prints it"
[[ -n ${DD_API_KEY:-} ]] || fail 'DD_API_KEY is not set: export an API key of your Datadog organisation'
[[ -n ${DD_APP_KEY:-} ]] || fail 'DD_APP_KEY is not set: export an application key of your Datadog organisation'
api_url=${DD_API_URL:-https://api.${DD_SITE:-datadoghq.com}}

# A quoted heredoc delimiter ('JSON') turns off every expansion inside, so the single quotes around
# 'basic' reach the API as written. The original call passed the body as one single-quoted argument:
# the quote before robust closed that argument, and the API received `anomalies(..., robust, 2)`.
body=$(
  cat <<'JSON'
{
  "title": "Datadog exercise: my_metric and MySQL",
  "description": "The Datadog hands-on exercise: my_metric and MySQL. Managed by `datadog-exercise apply` (datadog-exercise:id:exercise_timeboard). Changes made in the UI are overwritten by the next apply.",
  "layout_type": "ordered",
  "widgets": [
    {"definition": {"type": "timeseries", "title": "my_metric on __HOST__", "requests": [{
      "response_format": "timeseries", "display_type": "line",
      "queries": [{"data_source": "metrics", "name": "query1", "query": "avg:my_metric{host:__HOST__}"}],
      "formulas": [{"formula": "query1"}]}]}},
    {"definition": {"type": "timeseries", "title": "MySQL CPU time, with the anomaly band (basic, 2 deviations)", "requests": [{
      "response_format": "timeseries", "display_type": "line",
      "queries": [{"data_source": "metrics", "name": "query1", "query": "avg:mysql.performance.cpu_time{*}"}],
      "formulas": [{"formula": "anomalies(query1, 'basic', 2)"}]}]}},
    {"definition": {"type": "timeseries", "title": "my_metric summed per hour", "requests": [{
      "response_format": "timeseries", "display_type": "bars",
      "queries": [{"data_source": "metrics", "name": "query1", "query": "sum:my_metric{*}.rollup(sum, 3600)"}],
      "formulas": [{"formula": "query1"}]}]}}
  ]
}
JSON
)
body=${body//__HOST__/$host}

# The keys go in headers read from a file descriptor (printf is a shell builtin): never in the URL,
# and never in a command line, which other users can read in `ps`.
curl --silent --show-error --fail-with-body \
  --request POST "$api_url/api/v1/dashboard" \
  --header 'Content-Type: application/json' \
  --header @<(printf 'DD-API-KEY: %s\nDD-APPLICATION-KEY: %s\n' "$DD_API_KEY" "$DD_APP_KEY") \
  --data-binary @- <<<"$body"
echo
