#!/usr/bin/env bash
# Runs the project's Pulumi CLI with the project's environment: `npm run pulumi -- stack ls`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
exec pulumi "$@"
