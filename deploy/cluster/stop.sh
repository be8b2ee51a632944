#!/usr/bin/env bash
# Stop the test cluster and remove everything deploy/cluster/ made on the network: every process left in its
# namespaces, the namespaces pymar-n1..3 and pymar-h-*, their veths and the bridge. Idempotent.
# State (mnesia, logs, password) stays under /var/tmp/pymar-cluster; `stop.sh --purge` removes it too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
cluster_require_root

rm -f "$PYMAR_CLUSTER_MARKER"
# A clean stop first (in parallel), then whatever is left in our namespaces is killed by its pid.
for n in $PYMAR_CLUSTER_NODES; do
    if [ -n "$(cluster_node_beam_pid "$n")" ]; then
        ( CLUSTER_CTL_TIMEOUT=30 cluster_ctl "$n" -q stop >/dev/null 2>&1 || true ) &
    fi
done
wait
for ns in $(ip netns list | awk '{print $1}' | grep -E '^pymar-(n[0-9]+|h-[a-z0-9-]+)$' || true); do
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
done
for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^pymar-v(n|h)[0-9]+$' || true); do
    ip link del "$link" 2>/dev/null || true
done
if ip link show "$PYMAR_CLUSTER_BRIDGE" >/dev/null 2>&1; then
    ip link del "$PYMAR_CLUSTER_BRIDGE"
fi
rm -f "$PYMAR_CLUSTER_HOSTS_DIR"/* 2>/dev/null || true
if [ "${1:-}" = "--purge" ]; then
    rm -rf "$PYMAR_CLUSTER_BASE"
fi
left="$(ip -o link show | grep -E 'pymar-(br0|vn|vh)' || true)$(ip netns list | grep -E '^pymar-(n|h-)' || true)"
[ -z "$left" ] || cluster_die "left behind: $left"
cluster_log "stopped; no pymar namespace, veth or bridge left"
