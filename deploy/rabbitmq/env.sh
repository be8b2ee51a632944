# shellcheck shell=bash
# Shared environment for the local (developer / CI) RabbitMQ node used by
# Pymar.Hosting tests. Sourced by start-local.sh, stop-local.sh and ctl.sh;
# not meant to be executed directly.
#
# Everything lives under PYMAR_RMQ_BASE (default /var/tmp/pymar-rabbitmq) and
# is independent of the distribution's /etc/rabbitmq and /var/lib/rabbitmq,
# so it never interferes with a system-wide rabbitmq-server service.

PYMAR_RMQ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYMAR_RMQ_BASE="${PYMAR_RMQ_BASE:-/var/tmp/pymar-rabbitmq}"
PYMAR_RMQ_NODE="${PYMAR_RMQ_NODE:-pymar@localhost}"
PYMAR_RMQ_HOST=127.0.0.1
PYMAR_RMQ_PORT="${PYMAR_RMQ_PORT:-5672}"
# shellcheck disable=SC2034  # used by the scripts that source this file
PYMAR_RMQ_MARKER="$PYMAR_RMQ_BASE/started-by-pymar"
PYMAR_RMQ_BIN=/usr/lib/rabbitmq/bin

# The node name uses the short host name "localhost", which always resolves,
# whatever the sandbox's own host name is.
export RABBITMQ_NODENAME="$PYMAR_RMQ_NODE"
export RABBITMQ_USE_LONGNAME=false
# 3.10 accepts the path with its ".conf" extension (the new-style sysctl
# format is chosen from the extension); a path without extension also works.
export RABBITMQ_CONFIG_FILE="${PYMAR_RMQ_CONFIG:-$PYMAR_RMQ_DIR/rabbitmq.conf}"
# The node port also sets the Erlang distribution port (node port + 20000): distinct per node.
export RABBITMQ_NODE_PORT="$PYMAR_RMQ_PORT"
export RABBITMQ_DIST_PORT="$((PYMAR_RMQ_PORT + 20000))"
# Do not pick up /etc/rabbitmq/{advanced.config,rabbitmq-env.conf,enabled_plugins}.
export RABBITMQ_ADVANCED_CONFIG_FILE="$PYMAR_RMQ_BASE/advanced.config"
export RABBITMQ_CONF_ENV_FILE="$PYMAR_RMQ_BASE/rabbitmq-env.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$PYMAR_RMQ_BASE/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$PYMAR_RMQ_BASE/mnesia"
export RABBITMQ_LOG_BASE="$PYMAR_RMQ_BASE/log"
export RABBITMQ_PID_FILE="$PYMAR_RMQ_BASE/$PYMAR_RMQ_NODE.pid"
# Erlang distribution (epmd, the node's inter-node port and the CLI tools)
# on loopback only.
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
# The Erlang cookie is $HOME/.erlang.cookie: give the server and the CLI the
# same private HOME so they always agree, whoever runs them.
export HOME="$PYMAR_RMQ_BASE"

# pymar_rmq_amqp_probe: succeeds if something on 127.0.0.1:5672 accepts a
# TCP connection and answers the AMQP 0-9-1 protocol header with a frame
# (Connection.Start is a method frame: first byte 0x01). Bounded to ~5 s.
pymar_rmq_amqp_probe() {
    # shellcheck disable=SC2016  # the inner script is single-quoted on purpose
    timeout 5 bash -c '
        exec 3<>/dev/tcp/'"$PYMAR_RMQ_HOST"'/'"$PYMAR_RMQ_PORT"' || exit 1
        printf "AMQP\x00\x00\x09\x01" >&3
        first=$(head -c 1 <&3 | od -An -tx1 | tr -d " \n")
        exec 3<&- 3>&-
        [ "$first" = "01" ]
    ' 2>/dev/null
}

# pymar_rmq_tcp_probe: plain TCP connect to 127.0.0.1:5672.
pymar_rmq_tcp_probe() {
    timeout 5 bash -c 'exec 3<>/dev/tcp/'"$PYMAR_RMQ_HOST"'/'"$PYMAR_RMQ_PORT" 2>/dev/null
}

pymar_rmq_ctl() {
    "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$PYMAR_RMQ_NODE" "$@"
}
