#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium and its WebDriver for the dashboard's browser tests.
#
#   deploy/browser/install.sh     # idempotent; a fast no-op when both are installed
#
# Only Debian's packages `chromium` (/usr/bin/chromium) and `chromium-driver` (/usr/bin/chromedriver) are used:
# nothing downloads a browser build of its own (Selenium Manager is never asked, the tests name the driver's path).
set -euo pipefail

log() { echo "browser: $*"; }

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    log "chromium and chromium-driver already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

log "installing Debian's chromium and chromium-driver"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "browser: error: /usr/bin/chromium or /usr/bin/chromedriver is missing after the install" >&2
    exit 1
fi
log "$(/usr/bin/chromium --version 2>/dev/null || echo chromium) / $(/usr/bin/chromedriver --version 2>/dev/null | head -n 1)"
