#!/usr/bin/env bash
# Runs every test: unit, integration (real files, processes, the network lab) and e2e (the real
# Pulumi CLI). First installs the Debian packages the tests need where it can (root, apt-get;
# a few ms when they are there); test/preflight.ts then says which tests skip and why.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
bash scripts/install-system-deps.sh
exec jest --ci "$@"
