#!/usr/bin/env bash
# A worker "host" of the test cluster: a network namespace pymar-h-NAME on the cluster's bridge with its own address
# (10.77.0.11 and up, kept in /var/tmp/pymar-cluster/hosts/NAME), created on first use.
#
#   deploy/cluster/host.sh w1 -- dotnet Pymar.Examples.dll worker …   # runs the command inside host w1
#   deploy/cluster/host.sh w1 partition | heal                         # cut / restore the host's link
#   deploy/cluster/host.sh w1 address                                  # prints its address
# The command runs with the caller's environment and working directory; its exit status is returned.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
cluster_require_root
[ $# -ge 2 ] || cluster_die "usage: $0 NAME -- COMMAND… | $0 NAME partition|heal|address"
name="$1"; shift
[[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,15}$ ]] || cluster_die "host name '$name' must be 1-16 of [a-z0-9-]"
ip link show "$PYMAR_CLUSTER_BRIDGE" >/dev/null 2>&1 || cluster_die "bridge $PYMAR_CLUSTER_BRIDGE is missing: run deploy/cluster/start.sh first"
ns="pymar-h-$name"

# The host's address: allocated once (under a lock) from .11 up.
mkdir -p "$PYMAR_CLUSTER_HOSTS_DIR"
exec 8>"$PYMAR_CLUSTER_HOSTS_DIR/.lock"
flock -w 30 8 || cluster_die "could not lock $PYMAR_CLUSTER_HOSTS_DIR"
if [ ! -s "$PYMAR_CLUSTER_HOSTS_DIR/$name" ]; then
    used="$(cat "$PYMAR_CLUSTER_HOSTS_DIR"/* 2>/dev/null || true)"
    octet=""
    for o in $(seq 11 250); do
        grep -qx "$PYMAR_CLUSTER_NET.$o" <<<"$used" || { octet=$o; break; }
    done
    [ -n "$octet" ] || cluster_die "no free host address left in $PYMAR_CLUSTER_NET.11-250"
    echo "$PYMAR_CLUSTER_NET.$octet" > "$PYMAR_CLUSTER_HOSTS_DIR/$name"
fi
addr="$(cat "$PYMAR_CLUSTER_HOSTS_DIR/$name")"
veth="pymar-vh${addr##*.}"
if ! ip netns list | grep -qw "^$ns" || ! ip link show "$veth" >/dev/null 2>&1; then
    cluster_link "$ns" "$veth" "$addr"
fi
exec 8>&-

case "$1" in
    --)
        shift
        [ $# -ge 1 ] || cluster_die "no command after --"
        exec ip netns exec "$ns" "$@"
        ;;
    partition) ip link set "$veth" down; cluster_log "partitioned host $name ($addr, link $veth down)";;
    heal) ip link set "$veth" up; cluster_log "healed host $name ($addr, link $veth up)";;
    address) echo "$addr";;
    *) cluster_die "unknown action '$1' (-- COMMAND…|partition|heal|address)";;
esac
