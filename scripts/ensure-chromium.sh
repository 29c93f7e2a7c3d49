#!/usr/bin/env bash
# Installs the system Chromium (Debian package `chromium`, /usr/bin/chromium) when it is missing: the dashboard's
# browser test drives it with playwright-core, which never downloads a browser. Needs root or sudo for apt-get.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and apt-get is not available; install Chromium at /usr/bin/chromium yourself" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
echo "ensure-chromium: installing chromium from the OS packages (apt-get)…" >&2
$SUDO apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium >&2
test -x /usr/bin/chromium
