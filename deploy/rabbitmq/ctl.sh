#!/usr/bin/env bash
# Run rabbitmqctl against the local Pymar test node started by start-local.sh,
# with the same environment (node name, Erlang cookie, loopback distribution).
#   deploy/rabbitmq/ctl.sh list_queues name messages
#   deploy/rabbitmq/ctl.sh close_all_connections "test"
#   deploy/rabbitmq/ctl.sh stop_app ; deploy/rabbitmq/ctl.sh start_app
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
exec "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$PYMAR_RMQ_NODE" "$@"
