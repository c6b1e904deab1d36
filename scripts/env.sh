# Sourced by the project's scripts: the real Pulumi CLI and Node 24 first on PATH, a local file
# state backend (no cloud login), no update checks.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pulumi_bin="$(bash "$root/scripts/ensure-pulumi.sh")"
export PATH="$pulumi_bin:$root/node_modules/.bin:$PATH"
export PULUMI_HOME="${PULUMI_HOME:-$root/.pulumi/home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$root/.pulumi/state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-glassfish-ims-demo}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"
