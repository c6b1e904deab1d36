#!/usr/bin/env bash
# Makes the Pulumi Go language host available for programs on the provider plugin and prints the
# directory that holds it (put it on PATH beside the CLI).
#
# - A pulumi-language-go already on PATH is used as it is.
# - Otherwise it is built once from github.com/pulumi/pulumi/sdk/v3@v3.62.0 (the last release of
#   sdk/v3 that carried sdk/v3/go/pulumi-language-go; the module proxy refuses the host's own
#   module) into the per-user cache.
#
# Exits 3 (with the reason on stderr) when it cannot be had (no Go, a failed build), so tests skip.
set -euo pipefail

host_version="3.62.0"
cache="${GLASSFISH_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/glassfish-ims}/pulumi-language-go-v$host_version"
bin="$cache/bin"

if command -v pulumi-language-go >/dev/null 2>&1 && [ -z "${GLASSFISH_IMS_BUILD_GO:-}" ]; then
  dirname "$(command -v pulumi-language-go)"
  exit 0
fi
[ -x "$bin/pulumi-language-go" ] && { echo "$bin"; exit 0; }
command -v go >/dev/null 2>&1 || { echo "ensure-go: Go is needed to build pulumi-language-go" >&2; exit 3; }
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
[ -x "$bin/pulumi-language-go" ] && { echo "$bin"; exit 0; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "ensure-go: building pulumi-language-go v$host_version (first time only)..." >&2
mkdir -p "$work/host" "$work/bin"
cd "$work/host"
go mod init glassfish-ims/pulumi-language-go >/dev/null 2>&1
echo "require github.com/pulumi/pulumi/sdk/v3 v$host_version" >>go.mod
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go"\n' >tools.go
if ! { GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod tidy >&2 &&
  GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o "$work/bin/pulumi-language-go" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$host_version" \
    github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go >&2; }; then
  echo "ensure-go: the build of pulumi-language-go v$host_version failed" >&2
  exit 3
fi
rm -rf "$bin"
mv "$work/bin" "$bin"
echo "ensure-go: built in $(($(date +%s) - start)) s into $bin" >&2
echo "$bin"
