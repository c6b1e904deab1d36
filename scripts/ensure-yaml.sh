#!/usr/bin/env bash
# Makes the Pulumi YAML language host (pulumi-language-yaml) available and prints the directory
# that holds it (put it on PATH beside the CLI from ensure-pulumi.sh).
#
# - A pulumi-language-yaml already on PATH is used as it is.
# - Otherwise it is built once with `go install` from the Go module proxy into the same per-user
#   cache as the CLI (first build: about 3 minutes on 2 cores; later runs: instant). v1.25.0 is
#   built against its own pinned pkg/v3 (building it against pkg/v3 v3.259.0 does not compile);
#   it speaks the language-host protocol the 3.259.0 CLI expects.
#
# Exits 3 (with the reason on stderr) when the host cannot be had: Go is missing or the build
# fails, so tests can skip instead of failing.
set -euo pipefail

yaml_version="1.25.0"
cache="${GLASSFISH_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/glassfish-ims}/pulumi-language-yaml-v$yaml_version"
bin="$cache/bin"

if command -v pulumi-language-yaml >/dev/null 2>&1 && [ -z "${GLASSFISH_IMS_BUILD_YAML:-}" ]; then
  dirname "$(command -v pulumi-language-yaml)"
  exit 0
fi
if [ -x "$bin/pulumi-language-yaml" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "ensure-yaml: Go is needed to build pulumi-language-yaml" >&2; exit 3; }
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ -x "$bin/pulumi-language-yaml" ]; then
  echo "$bin"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "ensure-yaml: building pulumi-language-yaml v$yaml_version (first time only, ~3 minutes)..." >&2
if ! GOBIN="$work/bin" GOTOOLCHAIN=local go install \
  "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$yaml_version" >&2; then
  echo "ensure-yaml: go install of pulumi-language-yaml v$yaml_version failed" >&2
  exit 3
fi
rm -rf "$bin"
mv "$work/bin" "$bin"
echo "ensure-yaml: built in $(($(date +%s) - start)) s into $bin" >&2
echo "$bin"
