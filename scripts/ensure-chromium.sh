#!/usr/bin/env bash
# The portal's browser tests drive Debian's chromium through Playwright (no browser is downloaded).
# Install it when it is missing; as root directly, otherwise through sudo.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
echo "installing Debian's chromium for the browser tests" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo)
fi
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium
