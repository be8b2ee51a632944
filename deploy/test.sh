#!/usr/bin/env bash
# Runs every test of Pymar.Hosting: starts what the tests need (a local RabbitMQ broker), then `dotnet test`.
# Usage: ./deploy/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./deploy/rabbitmq/start-local.sh
./deploy/postgres/start-local.sh
./deploy/rabbitmq/start-chaos.sh   # a second broker that fault tests may restart (5673, TLS on 5674)
./deploy/browser/install.sh        # Debian's chromium and chromium-driver for the dashboard's browser tests

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

status=0
# The cluster tests (Category=Cluster) need the 3-node cluster: they run in their own block below, not here.
dotnet test Pymar.Hosting.sln --filter "Category!=Cluster" \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@" || status=$?

# A test that failed is run once more, alone. If it passes then, the run goes on but the closing lines name it as
# FLAKY, with the first failure's message: an intermittent failure is reported, never hidden, and never blocks alone.
failed_tests() {
  grep -ho '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$@" 2>/dev/null |
    sed -n 's/.* testName="\([^"(]*\).*/\1/p' | sort -u
}
flaky=""
if [ "$status" -ne 0 ] && ls "$results"/*.trx >/dev/null 2>&1; then
  mapfile -t first_failures < <(failed_tests "$results"/*.trx)
  if [ "${#first_failures[@]}" -gt 0 ] && [ "${#first_failures[@]}" -le 3 ]; then
    filter=$(printf 'FullyQualifiedName~%s|' "${first_failures[@]}")
    echo "rerunning the failed test(s) once, alone: ${first_failures[*]}"
    if dotnet test Pymar.Hosting.sln --filter "${filter%|}" --logger "trx" --logger "console;verbosity=normal" \
      --results-directory "$results/rerun" "$@"; then
      status=0
      flaky="${first_failures[*]}"
    fi
  fi
fi

# The packages from the outside: `dotnet pack` of the solution (warnings as errors) into artifacts/packages, then fresh
# projects outside the repository that use them by version, the tools and the templates (deploy/consumer/test.sh).
echo "consumer test: pack, then fresh projects against artifacts/packages"
if ! ./deploy/consumer/test.sh; then
  echo "error: the consumer test failed (its output is above)" >&2
  status=1
fi

# The benchmark harness on tiny sizes: every scenario runs and checks its answers. No time is asserted (the figures
# of a --quick run mean nothing); the real figures come from a full run, see README "Performance".
bench_log="$results/benchmark-quick.log"
echo "benchmark smoke run (--quick): $bench_log"
if ! dotnet run -c Release --project tests/Pymar.Hosting.Benchmarks -- --quick --json "$results/benchmark-quick.json" >"$bench_log" 2>&1; then
  echo "error: the benchmark smoke run failed; last 40 lines of $bench_log:" >&2
  tail -n 40 "$bench_log" >&2
  status=1
fi

# ---------------------------------------------------------------------------------------------------------------
# The 3-node RabbitMQ cluster: nodes and worker hosts in network namespaces on a private bridge (root).
# Started once for every cluster test, removed afterwards whatever happened.
cluster_log="$results/cluster-start.log"
echo "cluster tests: starting the 3-node cluster ($cluster_log)"
if ./deploy/cluster/start.sh >"$cluster_log" 2>&1; then
  cat "$cluster_log"
  dotnet test tests/Pymar.Hosting.Cluster.Tests \
    --logger "trx" --logger "console;verbosity=normal" \
    --results-directory "$results" || status=1
  # A short seeded fault campaign on the same cluster (docs/reliability.md): every job exact, every fault recovered
  # from, no message or consumer left over. It draws from all twelve fault kinds.
  campaign_log="$results/campaign.log"
  campaign_faults=HostPartition,WorkerKill,WorkerPause,ControlExchangeDelete,ForgedMessages,NodeStop,QueueLeaderKill,NodeKill,NodePartition,CloseConnections,ReplyQueueDelete,OversizedSlice
  echo "fault campaign: 12 jobs, seed 7, faults $campaign_faults ($campaign_log; report $results/campaign-report.html)"
  if ! dotnet run --project tests/Pymar.Hosting.Campaign -- --seed 7 --jobs 12 --faults "$campaign_faults" \
    --history "$results/campaign-history.jsonl" --report "$results/campaign-report.html" >"$campaign_log" 2>&1; then
    echo "error: the fault campaign failed; last 40 lines of $campaign_log:" >&2
    tail -n 40 "$campaign_log" >&2
    # What the producer and the workers said that was not routine (warnings, errors, RabbitMQ.Client's own reports).
    echo "the campaign's producer log, warnings and errors (last 60 of $results/campaign-producer.log):" >&2
    grep -E "warn|fail|crit|RabbitMQ.Client" "$results/campaign-producer.log" 2>/dev/null | cut -c1-400 | tail -n 60 >&2 || true
    for worker_log in "$results"/campaign-workers/*.log; do
      [ -e "$worker_log" ] || continue
      echo "$(basename "$worker_log"), warnings and errors (last 15):" >&2
      grep -E "warn|fail|crit" "$worker_log" | cut -c1-300 | tail -n 15 >&2 || true
    done
    status=1
  fi
  sed -n '/^jobs exact:/,$p' "$campaign_log"
else
  echo "error: the 3-node cluster did not start; last 40 lines of $cluster_log:" >&2
  tail -n 40 "$cluster_log" >&2
  status=1
fi
./deploy/cluster/stop.sh || status=1
# ---------------------------------------------------------------------------------------------------------------

# One plain closing line over all test projects: "N passed, N failed".
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
flaky_count=0
for name in $flaky; do
  flaky_count=$((flaky_count + 1))
done
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "error: no test ran" >&2
  status=1
fi
# Name each failed test and the first lines of its message last, where a truncated CI log still shows them.
if [ "$failed" -gt 0 ]; then
  [ -z "$flaky" ] || echo "FLAKY: these failed, then passed when run alone (their first failure follows): $flaky"
  for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    python3 - "$trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
    message = result.findtext(".//t:Message", default="", namespaces=ns).strip().splitlines()
    print("FAILED " + result.get("testName", "?"))
    for line in message[:6]:
        print("    " + line[:300])
PY
  done
fi
if [ "$flaky_count" -gt 0 ]; then
  echo "$passed passed, $((failed - flaky_count)) failed, $skipped skipped, $flaky_count flaky (failed once, passed alone)"
else
  echo "$passed passed, $failed failed, $skipped skipped"
fi
exit "$status"
