#!/usr/bin/env bash
# The packages as a stranger meets them. Packs the solution into a local feed (artifacts/packages), then, in a
# temporary folder outside the repository and with a NuGet packages folder of its own (so no cached package of the
# same version stands in for a fresh pack), builds new projects that reference the packages BY VERSION from that
# feed and checks their exact answers:
#   - console app (deploy/consumer/console): a job in-process, then the same job through pymar-worker (installed as
#     a dotnet tool from the feed) on the local broker, the app in producer-only RabbitMQ mode;
#   - web app (deploy/consumer/web): Pymar.Hosting.Dashboard mapped at /pymar; a job, the page and its state API;
#   - pymar-dashboard (dotnet tool from the feed): its page answers;
#   - Pymar.Templates: `dotnet new pymar-worker` and `dotnet new pymar-producer` answer a job on the local broker.
# Usage: deploy/consumer/test.sh [--no-pack]      (--no-pack: use the packages already in artifacts/packages)
# Needs the local broker (deploy/rabbitmq/start-local.sh); PYMAR_CONSUMER_BROKER overrides its URI.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$repo/deploy/consumer"
feed="$repo/artifacts/packages"
broker="${PYMAR_CONSUMER_BROKER:-amqp://guest:guest@127.0.0.1:5672/}"
pack=true
for arg in "$@"; do
  case "$arg" in
    --no-pack) pack=false ;;
    *) echo "usage: $0 [--no-pack]" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=0
# The hosts below log to their console; their answers are checked from the lines they print.
unset Pymar__Transport Pymar__Broker__Uri Pymar__Broker__QueuePrefix

work=$(mktemp -d "${TMPDIR:-/tmp}/pymar-consumer.XXXXXX")
case "$work" in "$repo"/*) echo "error: the temporary folder $work is inside the repository" >&2; exit 1 ;; esac
prefix="pymar.consumer$(date +%s)$$."   # this run's queues on the shared broker
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # This run's queues (rabbitmqctl reads standard input: not from the list being read).
  local queue
  for queue in $("$repo/deploy/rabbitmq/ctl.sh" list_queues name --silent </dev/null 2>&1 | grep -F "$prefix" || true); do
    "$repo/deploy/rabbitmq/ctl.sh" delete_queue "$queue" </dev/null >/dev/null 2>&1 || echo "consumer: could not delete queue $queue" >&2
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summary=()
note() { summary+=("$*"); echo "consumer: $*"; }
fail() { echo "consumer: error: $*" >&2; exit 1; }
seconds_since() { echo $(( SECONDS - $1 ))s; }

# Runs a command with its output in a log file; on failure, prints the log's end and fails the run.
run_logged() {
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    echo "consumer: error: '$*' failed; last 40 lines of its output:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

# Starts a program in the background with its output in a log file; its pid is added to pids (stopped on exit).
start_logged() {
  local log="$1"; shift
  "$@" >"$log" 2>&1 &
  pids+=("$!")
  last_pid=$!
}

# Waits until the log has a line matching the pattern, failing if the process ends or the deadline passes.
wait_for_line() {
  local log="$1" pattern="$2" pid="$3" deadline=$(( SECONDS + $4 ))
  until grep -qE -- "$pattern" "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "consumer: error: the process ended before printing /$pattern/; its output:" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "consumer: error: no line /$pattern/ within $4 s; the output so far:" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

# Stops a background process with SIGTERM and checks that it exits with 0 within the deadline.
stop_process() {
  local pid="$1" name="$2" deadline=$(( SECONDS + 30 ))
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$name did not stop within 30 s of SIGTERM"
    sleep 0.1
  done
  local code=0
  wait "$pid" || code=$?
  [ "$code" -eq 0 ] || fail "$name exited with $code after SIGTERM"
}

# The one line of a log that starts with a label, without the label.
answer_of() { sed -n "s/^$2 //p" "$1" | tail -n 1; }

expect_answer() {
  local log="$1" label="$2" expected="$3" what="$4"
  local got
  got=$(answer_of "$log" "$label")
  if [ "$got" != "$expected" ]; then
    echo "consumer: error: $what answered '$got', expected '$expected'; its output:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

# --------------------------------------------------------------------------------------------------------- pack
started=$SECONDS
if $pack; then
  rm -rf "$feed"
  run_logged "$work/pack.log" dotnet pack "$repo/Pymar.Hosting.sln" -c Release -o "$feed" -warnaserror
  note "packed the solution into artifacts/packages in $(seconds_since "$started")"
fi
shopt -s nullglob
hosting=("$feed"/Pymar.Hosting.[0-9]*.nupkg)
shopt -u nullglob
[ "${#hosting[@]}" -eq 1 ] || fail "expected one Pymar.Hosting package in $feed, found ${#hosting[@]} (run without --no-pack)"
version=$(basename "${hosting[0]}" .nupkg)
version=${version#Pymar.Hosting.}
note "version $version; packages: $(cd "$feed" && ls -- *.nupkg | sed "s/\.$version\.nupkg//" | tr '\n' ' ')"
missing=""
for id in Pymar.Hosting Pymar.Hosting.RabbitMq Pymar.Hosting.Sql Pymar.Hosting.Dashboard Pymar.Hosting.WorkerService Pymar.Hosting.Testing \
          Pymar.Templates pymar-worker pymar-dashboard; do
  [ -f "$feed/$id.$version.nupkg" ] || missing+=" $id"
done
[ -z "$missing" ] || fail "not in the feed:${missing}"

# The apps' nuget.config: the machine's NuGet sources, plus the feed, from which alone packages named Pymar.* and
# pymar-* come. The tools install from outside it, as a user would, with --add-source.
apps="$work/apps"
mkdir -p "$apps"
hosting_version=$(sed -n 's/.*Include="Microsoft.Extensions.Hosting" Version="\([^"]*\)".*/\1/p' "$repo/Directory.Packages.props")
sources=$(cd "$work" && dotnet nuget list source --format short | sed -n 's/^E[^ ]* //p')
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"pymar-local\" value=\"$feed\" />"
  n=0
  for source in $sources; do
    n=$((n + 1))
    echo "    <add key=\"machine$n\" value=\"$source\" />"
  done
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="pymar-local"><package pattern="Pymar.*" /><package pattern="pymar-*" /></packageSource>'
  for i in $(seq 1 "$n"); do
    echo "    <packageSource key=\"machine$i\"><package pattern=\"*\" /></packageSource>"
  done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} >"$apps/nuget.config"
export NUGET_PACKAGES="$work/nuget-packages"
cd "$work"   # nothing below reads the repository's files (its appsettings.json, nuget.config, global.json)

# ---------------------------------------------------------------------------------------------- console app
expected_sum=333332833333500000   # the sum of x^2 for x in 0 .. 999,999
app="$apps/SquaredSum"
started=$SECONDS
run_logged "$work/new-console.log" dotnet new console -o "$app" -n SquaredSum
cp "$here"/console/*.cs "$app/"
(
  cd "$app"
  run_logged "$work/add-console.log" dotnet add package Pymar.Hosting --version "$version"
  run_logged "$work/add-console.log" dotnet add package Pymar.Hosting.RabbitMq --version "$version"
  run_logged "$work/add-console.log" dotnet add package Microsoft.Extensions.Hosting --version "$hosting_version"
  run_logged "$work/build-console.log" dotnet build -c Release -warnaserror --disable-build-servers
)
app_dll="$app/bin/Release/net10.0/SquaredSum.dll"
note "console app: new, packages by version, built in $(seconds_since "$started")"

started=$SECONDS
run_logged "$work/run-inprocess.log" timeout 120 dotnet "$app_dll"
expect_answer "$work/run-inprocess.log" squared-sum "$expected_sum" "the console app (in-process)"
note "in-process job: squared-sum $expected_sum in $(seconds_since "$started")"

# ------------------------------------------------------------------------------------------- pymar-worker tool
started=$SECONDS
(run_logged "$work/tool-worker.log" dotnet tool install --tool-path "$work/tools" --add-source "$feed" pymar-worker --version "$version")
worker_log="$work/worker.log"
start_logged "$worker_log" env Pymar__Broker__Uri="$broker" Pymar__Broker__QueuePrefix="$prefix" \
  "$work/tools/pymar-worker" "$app_dll" -p SquaredSumProducer -s RangeDataSource -w 2
worker_pid=$last_pid
wait_for_line "$worker_log" "consuming producers" "$worker_pid" 90
worker_version=$(sed -n 's/.*pymar-worker \([^ ]*\) serving.*/\1/p' "$worker_log" | head -n 1)
case "$worker_version" in "$version"|"$version+"*) ;; *) fail "pymar-worker $version from the feed says it is '$worker_version'" ;; esac
note "pymar-worker $worker_version installed from the feed and consuming in $(seconds_since "$started")"

started=$SECONDS
run_logged "$work/run-rabbitmq.log" env Pymar__Transport=RabbitMq Pymar__Broker__Uri="$broker" Pymar__Broker__QueuePrefix="$prefix" \
  timeout 120 dotnet "$app_dll"
expect_answer "$work/run-rabbitmq.log" squared-sum "$expected_sum" "the console app (producer-only, RabbitMQ)"
note "job through RabbitMQ and pymar-worker: squared-sum $expected_sum in $(seconds_since "$started")"
stop_process "$worker_pid" pymar-worker
note "pymar-worker stopped on SIGTERM with exit code 0"

# ----------------------------------------------------------------------------------------- dashboard in a web app
started=$SECONDS
web="$apps/DashboardApp"
run_logged "$work/new-web.log" dotnet new web -o "$web" -n DashboardApp
cp "$here/web/Program.cs" "$here/console/SquaredSumProducer.cs" "$here/console/RangeDataSource.cs" "$web/"
(
  cd "$web"
  run_logged "$work/add-web.log" dotnet add package Pymar.Hosting --version "$version"
  run_logged "$work/add-web.log" dotnet add package Pymar.Hosting.Dashboard --version "$version"
  run_logged "$work/build-web.log" dotnet build -c Release -warnaserror --disable-build-servers
)
note "web app with the dashboard: new, packages by version, built in $(seconds_since "$started")"

# Listens on a port of its own choosing; the address is read from its log.
listening_url() { sed -n 's/.*Now listening on: \(http:[^ ]*\).*/\1/p' "$1" | head -n 1; }

started=$SECONDS
web_log="$work/web.log"
start_logged "$web_log" env ASPNETCORE_URLS=http://127.0.0.1:0 dotnet "$web/bin/Release/net10.0/DashboardApp.dll"
web_pid=$last_pid
wait_for_line "$web_log" "Now listening on: http:" "$web_pid" 60
web_url=$(listening_url "$web_log")
web_sum=$(curl -fsS --max-time 120 -X POST "$web_url/squared-sum") || fail "POST $web_url/squared-sum failed; $(tail -n 20 "$web_log")"
[ "$web_sum" = "$expected_sum" ] || fail "the web app answered '$web_sum', expected '$expected_sum'"
page_status=$(curl -sS --max-time 30 -o "$work/page.html" -w '%{http_code}' "$web_url/pymar/")
[ "$page_status" = 200 ] || fail "GET /pymar/ answered $page_status"
# The job's events reach the dashboard's state a moment after the answer: wait for them, with a deadline.
deadline=$(( SECONDS + 30 ))
until curl -fsS --max-time 10 "$web_url/pymar/api/state" >"$work/state.json" &&
      grep -q '"producer":"SquaredSumProducer"' "$work/state.json" && grep -q '"answered":8' "$work/state.json"; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the dashboard's state never listed the finished job (8 slices answered): $(head -c 600 "$work/state.json")"
  sleep 0.2
done
stop_process "$web_pid" "the web app"
note "web app: POST /squared-sum $web_sum, GET /pymar/ 200, /pymar/api/state lists the job (8 of 8 slices) in $(seconds_since "$started")"

# ------------------------------------------------------------------------------------------ pymar-dashboard tool
started=$SECONDS
run_logged "$work/tool-dashboard.log" dotnet tool install --tool-path "$work/tools" --add-source "$feed" pymar-dashboard --version "$version"
dashboard_log="$work/dashboard.log"
start_logged "$dashboard_log" env Pymar__Broker__Uri="$broker" Pymar__Broker__QueuePrefix="$prefix" \
  "$work/tools/pymar-dashboard" --urls http://127.0.0.1:0
dashboard_pid=$last_pid
wait_for_line "$dashboard_log" "Now listening on: http:" "$dashboard_pid" 60
dashboard_url=$(listening_url "$dashboard_log")
page_status=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$dashboard_url/pymar/")
[ "$page_status" = 200 ] || fail "pymar-dashboard: GET /pymar/ answered $page_status"
stop_process "$dashboard_pid" pymar-dashboard
note "pymar-dashboard installed from the feed: GET /pymar/ 200 in $(seconds_since "$started")"

# ----------------------------------------------------------------------------------------------------- templates
started=$SECONDS
hive="$work/template-hive"
run_logged "$work/template-install.log" dotnet new install "$feed/Pymar.Templates.$version.nupkg" --debug:custom-hive "$hive"
run_logged "$work/template-new.log" dotnet new pymar-worker -o "$apps/TemplateWorker" -n TemplateWorker --debug:custom-hive "$hive"
run_logged "$work/template-new.log" dotnet new pymar-producer -o "$apps/TemplateProducer" -n TemplateProducer --debug:custom-hive "$hive"
for project in TemplateWorker TemplateProducer; do
  grep -q "Include=\"Pymar.Hosting\" Version=\"$version\"" "$apps/$project/$project.csproj" ||
    fail "dotnet new made $project.csproj without Pymar.Hosting $version: $(grep Pymar "$apps/$project/$project.csproj")"
  (cd "$apps/$project" && run_logged "$work/build-$project.log" dotnet build -c Release -warnaserror --disable-build-servers)
done
[ -f "$apps/TemplateWorker/TemplateWorker.service" ] || fail "dotnet new pymar-worker made no TemplateWorker.service"
note "templates installed from the feed; pymar-worker and pymar-producer projects made and built in $(seconds_since "$started")"

started=$SECONDS
template_prefix="${prefix}template."
template_worker_log="$work/template-worker.log"
start_logged "$template_worker_log" env -C "$apps/TemplateWorker/bin/Release/net10.0" \
  Pymar__Broker__Uri="$broker" Pymar__Broker__QueuePrefix="$template_prefix" dotnet TemplateWorker.dll
template_worker_pid=$last_pid
wait_for_line "$template_worker_log" "consuming producers" "$template_worker_pid" 90
run_logged "$work/template-producer.log" env -C "$apps/TemplateProducer/bin/Release/net10.0" \
  Pymar__Broker__Uri="$broker" Pymar__Broker__QueuePrefix="$template_prefix" timeout 120 dotnet TemplateProducer.dll
expect_answer "$work/template-producer.log" squared-sum "$expected_sum" "the pymar-producer project (through the pymar-worker project)"
stop_process "$template_worker_pid" "the pymar-worker project"
note "template projects through RabbitMQ: squared-sum $expected_sum in $(seconds_since "$started"); the worker stopped on SIGTERM with 0"
# Without a broker (nothing listens on port 1): the producer computes the slices itself when told to.
run_logged "$work/template-local.log" env -C "$apps/TemplateProducer/bin/Release/net10.0" Pymar__Broker__Port=1 \
  timeout 120 dotnet TemplateProducer.dll --Pymar:ComputeLocally=true
expect_answer "$work/template-local.log" squared-sum "$expected_sum" "the pymar-producer project with --Pymar:ComputeLocally=true"
note "pymar-producer project without a broker (--Pymar:ComputeLocally=true): squared-sum $expected_sum"

echo
echo "consumer test summary:"
printf '  %s\n' "${summary[@]}"
