#!/usr/bin/env bash
# Stop the fault-test node started by start-chaos.sh (only if it started it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=chaos-env.sh
. "$here/chaos-env.sh"
exec "$here/stop-local.sh"
