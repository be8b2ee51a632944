#!/usr/bin/env bash
# rabbitmqctl against the fault-test node: deploy/rabbitmq/ctl-chaos.sh stop_app | start_app | list_queues …
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=chaos-env.sh
. "$here/chaos-env.sh"
exec "$here/ctl.sh" "$@"
