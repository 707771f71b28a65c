#!/usr/bin/env bash
# Provisions the exercise's VM (the Vagrantfile runs it as root): Agent 7 with host tags and APM, MariaDB with
# performance_schema, this package and its checks, the Agent's MySQL account, the traced Flask app as a systemd
# service; then it restarts the Agent, sends the app traffic, and ends non-zero unless the Agent runs each check
# without error and received the app's traces. Every step is safe to run again (vagrant provision), and a second
# run downloads nothing that is installed already.
#
# Settings, from the environment:
#   DD_API_KEY, DD_SITE     the Agent's API key and Datadog site (the Vagrantfile passes the host's)
#   PROJECT_DIR             this repository (default /vagrant)
#   VENV                    the virtualenv of the package and the app (default /opt/datadog-exercise)
#   WHEEL_DIR               where the package's wheel is built, for VENV and the Agent (default
#                           /var/cache/datadog-exercise)
#   AGENT_DIR               the Agent's configuration folder (default /etc/datadog-agent)
#   EMBEDDED_PIP            the Agent's pip (default: the installer finds /opt/datadog-agent/embedded/bin/pip)
#   MYSQL_SOCKET, MYSQL_PORT, MYSQL_ADMIN_PASSWORD
#                           the MariaDB server (default: the local one, root through its unix socket)
#   PROVISION_SKIP_AGENT=1  on a machine that is not the VM: only the steps that need neither root, the Agent,
#                           apt nor systemd run (the package into VENV, the checks into AGENT_DIR, the MySQL
#                           account on a running server). The tests run the script this way.
set -euo pipefail

AGENT_INSTALL_SCRIPT=https://install.datadoghq.com/scripts/install_script_agent7.sh
SITES=(datadoghq.com us3.datadoghq.com us5.datadoghq.com datadoghq.eu ap1.datadoghq.com ap2.datadoghq.com ddog-gov.com)
HOST_TAGS=(project:datadog-exercise role:exercise-vm provisioner:vagrant)
ENVIRONMENT=exercise # the host's env tag, and the app's DD_ENV
APM_SERVICE=exercise-app
APM_UNIT=datadog-exercise-apm.service
APM_URL=http://127.0.0.1:5050
TRACE_AGENT_URL=http://127.0.0.1:8126
CHECKS=(random_number elec_france mysql)
# MariaDB 10.11 starts with performance_schema off; the Agent's extra_performance_metrics need it.
MARIADB_SETTINGS=/etc/mysql/mariadb.conf.d/60-datadog-exercise.cnf
SETTINGS_BEGIN='# BEGIN datadog-exercise: host tags, env and APM. vagrant/provision.sh rewrites this block.'
SETTINGS_END='# END datadog-exercise'

fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

step() {
  printf '\n==> %s\n' "$*"
}

skip() {
  printf 'skip (PROVISION_SKIP_AGENT=1): %s\n' "$*"
}

load_settings() {
  skip_agent=${PROVISION_SKIP_AGENT:-0}
  project_dir=${PROJECT_DIR:-/vagrant}
  venv=${VENV:-/opt/datadog-exercise}
  wheel_dir=${WHEEL_DIR:-/var/cache/datadog-exercise}
  agent_dir=${AGENT_DIR:-/etc/datadog-agent}
  embedded_pip=${EMBEDDED_PIP:-}
  agent_command=datadog-agent
  traces_wait=150 # seconds: the trace-agent publishes its receiver counts about once a minute
  mysql_socket=${MYSQL_SOCKET:-/run/mysqld/mysqld.sock}
  mysql_port=${MYSQL_PORT:-3306}
  export DD_SITE=${DD_SITE:-datadoghq.com}

  case $skip_agent in
    0 | 1) ;;
    *) fail "PROVISION_SKIP_AGENT=$skip_agent: set it to 1 (no Agent, no root) or leave it unset" ;;
  esac
  if ((!skip_agent)); then
    [[ -n ${DD_API_KEY:-} ]] || fail 'DD_API_KEY is not set: give your Datadog API key in the environment' \
      '(on the host for vagrant up), or set PROVISION_SKIP_AGENT=1 to skip the Agent'
    [[ $DD_API_KEY =~ ^[0-9a-fA-F]{32}$ ]] || fail 'DD_API_KEY is not a Datadog API key' \
      '(32 hexadecimal characters; an application key has 40): copy an API key from Organization Settings > API Keys.'
    is_site "$DD_SITE" ||
      fail "DD_SITE=$DD_SITE is not a Datadog site: set it to one of $(join ', ' "${SITES[@]}")."
    ((EUID == 0)) || fail 'run as root (vagrant provision does), or set PROVISION_SKIP_AGENT=1 to skip the system steps'
  fi
  [[ -f $project_dir/pyproject.toml ]] ||
    fail "PROJECT_DIR=$project_dir holds no pyproject.toml: set PROJECT_DIR to this repository's folder"
}

join() {
  local separator=$1 first=$2
  shift 2
  printf '%s' "$first" "${@/#/$separator}"
}

is_site() {
  local site
  for site in "${SITES[@]}"; do
    [[ $1 == "$site" ]] && return
  done
  return 1
}

is_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

apt_install() {
  local missing=() package
  for package in "$@"; do
    is_installed "$package" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "already installed: $*"
  fi
}

# wait_for SECONDS WHAT LOG COMMAND...: runs COMMAND until it succeeds, for at most SECONDS seconds.
wait_for() {
  local seconds=$1 what=$2 log=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what is not ready after ${seconds} s: see $log"
    sleep 1
  done
}

# Writes CONTENT to FILE, unless FILE holds it already; an existing file keeps its owner and mode. Sets
# `changed` to 1 when it wrote, 0 when not.
replace_if_changed() {
  local file=$1 content=$2
  if [[ -f $file && $(<"$file") == "$content" ]]; then
    echo "keep $file: already up to date"
    changed=0
  else
    printf '%s\n' "$content" >"$file"
    echo "wrote $file"
    changed=1
  fi
}

# datadog.yaml with `KEY: VALUE` as its top-level KEY line (appended when missing). Bash only, so that the
# value (the API key) never appears in a process's arguments.
with_top_level_setting() {
  local key=$1 value=$2 file=$3 line found=0
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line == "$key:"* ]]; then
      ((found)) || printf '%s: %s\n' "$key" "$value"
      found=1
    else
      printf '%s\n' "$line"
    fi
  done <"$file"
  ((found)) || printf '%s: %s\n' "$key" "$value"
}

# datadog.yaml with the host tags, env and APM in one block of its own at the end, replacing the previous
# block. Any other top-level tags, env or apm_config would be a duplicate key: that is refused.
with_host_settings() {
  local file=$1 line inside=0
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line == "$SETTINGS_BEGIN" ]]; then
      inside=1
    elif ((inside)); then
      [[ $line == "$SETTINGS_END" ]] && inside=0
    elif [[ $line =~ ^(tags|env|apm_config): ]]; then
      fail "$file already sets ${BASH_REMATCH[1]} on the line '$line': remove it; the host's tags, env and APM" \
        "settings are in the block that provision.sh writes (edit HOST_TAGS and ENVIRONMENT in the script)"
    else
      printf '%s\n' "$line"
    fi
  done <"$file"
  printf '%s\n' "$SETTINGS_BEGIN" 'tags:'
  printf '  - %s\n' "${HOST_TAGS[@]}"
  printf '%s\n' "env: $ENVIRONMENT" 'apm_config:' '  enabled: true' "$SETTINGS_END"
}

# The app's unit, running from VENV.
apm_unit() {
  sed "s|/opt/datadog-exercise/|$venv/|g" "$project_dir/vagrant/$APM_UNIT"
}

install_agent() {
  step 'Datadog Agent 7'
  if is_installed datadog-agent; then
    echo "already installed: datadog-agent $(dpkg-query -W -f='${Version}' datadog-agent)"
    return
  fi
  apt_install curl ca-certificates
  local work
  work=$(mktemp -d)
  curl -fsSL --retry 3 -o "$work/install_script_agent7.sh" "$AGENT_INSTALL_SCRIPT"
  # DD_API_KEY and DD_SITE come from the environment; the script logs to its working folder.
  (cd "$work" && DD_AGENT_MAJOR_VERSION=7 bash install_script_agent7.sh)
  rm -rf "$work"
}

configure_agent() {
  step "The Agent's key, site, host tags, env and APM ($agent_dir/datadog.yaml)"
  local config=$agent_dir/datadog.yaml updated
  [[ -f $config ]] || fail "$config not found: the Agent's installation did not finish (see its output above)"
  updated=$(with_top_level_setting api_key "$DD_API_KEY" "$config")
  replace_if_changed "$config" "$updated"
  updated=$(with_top_level_setting site "$DD_SITE" "$config")
  replace_if_changed "$config" "$updated"
  updated=$(with_host_settings "$config")
  replace_if_changed "$config" "$updated"
}

# MariaDB's settings for the Agent: mariadbd reads the [mariadb] group of every file in mariadb.conf.d.
mariadb_settings() {
  printf '%s\n' "# Written by vagrant/provision.sh: the Agent's mysql check reads performance_schema" \
    '# (extra_performance_metrics in conf.d/mysql.d/conf.yaml), which MariaDB starts with off.' \
    '[mariadb]' 'performance_schema = ON'
}

install_mariadb() {
  step "MariaDB, with performance_schema on ($MARIADB_SETTINGS)"
  apt_install mariadb-server
  replace_if_changed "$MARIADB_SETTINGS" "$(mariadb_settings)"
  systemctl enable mariadb
  if ((changed)); then
    systemctl restart mariadb # performance_schema is read at start only
  else
    systemctl start mariadb
  fi
}

# The package is built once into a wheel, which VENV and then the Agent's embedded Python install: no build
# isolation, so the build backend (hatchling, installed into VENV once) is not fetched again on every run.
install_package() {
  step "This package, with the APM app, in $venv (built into $wheel_dir)"
  ((skip_agent)) || apt_install python3-venv
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  local pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check) wheel
  "${pip[@]}" install 'hatchling>=1.24' # nothing to do once it is there
  rm -rf "$wheel_dir"
  mkdir -p "$wheel_dir" # the Agent's user reads the wheel from there
  "${pip[@]}" wheel --no-deps --no-build-isolation --wheel-dir "$wheel_dir" "$project_dir"
  wheel=$(printf '%s\n' "$wheel_dir"/datadog_exercise-*.whl)
  "${pip[@]}" install "${wheel}[apm]" # the dependencies: nothing to do when they are installed
  # This build, even when its version is installed already (the repository may have changed since).
  "${pip[@]}" install --no-deps --no-index --force-reinstall "$wheel"
  "$venv/bin/datadog-exercise" --version
}

install_checks() {
  step "The checks, into $agent_dir (and this package into the Agent's embedded Python)"
  "$venv/bin/datadog-exercise" install --agent-dir "$agent_dir" ${embedded_pip:+--embedded-pip "$embedded_pip"}
}

set_up_mysql() {
  step "The Agent's MySQL account, and $agent_dir/conf.d/mysql.d/conf.yaml"
  MYSQL_ADMIN_PASSWORD=${MYSQL_ADMIN_PASSWORD-} "$venv/bin/datadog-exercise" mysql setup \
    --socket "$mysql_socket" --port "$mysql_port" --confd "$agent_dir/conf.d" --drop-anonymous
  "$venv/bin/datadog-exercise" mysql verify --confd "$agent_dir/conf.d"
}

install_apm_service() {
  step "The APM app as the systemd service $APM_UNIT, on $APM_URL"
  local version unit
  version=$("$venv/bin/python" -c 'import datadog_exercise; print(datadog_exercise.__version__)')
  unit=$(apm_unit)
  replace_if_changed "/etc/systemd/system/$APM_UNIT" "$unit"
  replace_if_changed /etc/default/datadog-exercise-apm "$(
    printf '%s\n' '# Written by vagrant/provision.sh: the unified service tags of the traced app.' \
      "DD_SERVICE=$APM_SERVICE" "DD_ENV=$ENVIRONMENT" "DD_VERSION=$version"
  )"
  systemctl daemon-reload
  systemctl enable "$APM_UNIT"
  systemctl restart "$APM_UNIT"
  wait_for 60 "the APM app on $APM_URL" "journalctl -u $APM_UNIT" curl -fsS -o /dev/null "$APM_URL/"
}

restart_agent() {
  step 'The Agent, restarted'
  systemctl restart datadog-agent
  wait_for 60 'the Agent' 'journalctl -u datadog-agent' datadog-agent health
}

send_traffic() {
  step "Traffic to the app, traced to the trace-agent ($TRACE_AGENT_URL)"
  wait_for 60 'the trace-agent' 'journalctl -u datadog-agent-trace' curl -fsS -o /dev/null "$TRACE_AGENT_URL/info"
  "$venv/bin/datadog-exercise" apm traffic --url "$APM_URL" --count 20 --rate 10
}

# Each check run once by the Agent itself, as dd-agent, and the app's traces counted by the trace-agent.
verify_agent() {
  step "The exercise under the Agent: ${CHECKS[*]}, and the app's traces"
  if ! "$venv/bin/datadog-exercise" verify-agent --agent "$agent_command" --wait "$traces_wait" \
    "${CHECKS[@]/#/--check=}"; then
    fail "the Agent does not run the whole exercise: see the FAIL lines above" \
      "(sudo -u dd-agent $agent_command check <name> shows one run in full)"
  fi
}

main() {
  load_settings
  if ((skip_agent)); then
    skip 'the Agent, datadog.yaml and MariaDB'
  else
    install_agent
    configure_agent
    install_mariadb
  fi
  install_package
  install_checks
  set_up_mysql
  if ((skip_agent)); then
    skip "the systemd service $APM_UNIT, the Agent's restart, and the checks and traces under the Agent"
  else
    install_apm_service
    restart_agent
    send_traffic
    verify_agent
  fi
  printf '\nProvisioned.\n'
}

# Sourced (by the tests), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main
fi
