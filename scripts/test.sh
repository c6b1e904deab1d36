#!/usr/bin/env bash
# Runs every test: unit, integration (real files, processes) and e2e (the real Pulumi CLI).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
exec jest --ci "$@"
