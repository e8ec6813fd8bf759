#!/usr/bin/env bash
# Builds the desktop app and lets it capture its main screens into docs/screenshots/.
# Needs a display: `make screenshots` runs it under Xvfb through scripts/with-session.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin docs/screenshots
go build -tags migrated_fynedo -o bin/restoredesk ./cmd/restoredesk
./bin/restoredesk --demo --screenshots docs/screenshots
ls -1 docs/screenshots/*.png
