#!/usr/bin/env bash
# Makes the Pulumi Python language host available for programs on the provider plugin, and prints
# two lines: the directory holding pulumi-language-python (put it on PATH beside the CLI) and a
# virtualenv with the pulumi Python SDK (activate it: this host ignores the program's
# `virtualenv` option).
#
# - A pulumi-language-python already on PATH is used as it is (with the venv below).
# - Otherwise the host is built once from github.com/pulumi/pulumi/sdk/v3@v3.68.0 (the last release
#   of sdk/v3 that carried it; the module proxy refuses the host's own module), with
#   pulumi-language-python-exec from the same module beside it, into the per-user cache.
# - The venv gets `pip install pulumi==<the @pulumi/pulumi version>` and what the generated SDK
#   needs (parver, semver), plus wheel, once (wheel: to
#   install the generated SDK, sdks/python, offline).
#
# Exits 3 (with the reason on stderr) when the host or the venv cannot be had, so tests can skip.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_bin="$root/node_modules/.bin"
version="$("$node_bin/node" -p 'require(process.argv[1]).version' "$root/node_modules/@pulumi/pulumi/package.json")"
host_version="3.68.0"
base="${GLASSFISH_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/glassfish-ims}"
cache="$base/pulumi-language-python-v$host_version"
bin="$cache/bin"
venv="$base/python-venv-pulumi-$version"
mkdir -p "$base"
exec 9>"$base/.python.lock"
flock 9

if command -v pulumi-language-python >/dev/null 2>&1 && [ -z "${GLASSFISH_IMS_BUILD_PYTHON:-}" ]; then
  bin="$(dirname "$(command -v pulumi-language-python)")"
elif [ ! -x "$bin/pulumi-language-python" ]; then
  command -v go >/dev/null 2>&1 || { echo "ensure-python: Go is needed to build pulumi-language-python" >&2; exit 3; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  start=$(date +%s)
  echo "ensure-python: building pulumi-language-python v$host_version (first time only)..." >&2
  mkdir -p "$work/host" "$work/bin"
  cd "$work/host"
  go mod init glassfish-ims/pulumi-language-python >/dev/null 2>&1
  echo "require github.com/pulumi/pulumi/sdk/v3 v$host_version" >>go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"\n' >tools.go
  if ! { GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod tidy >&2 &&
    GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o "$work/bin/pulumi-language-python" \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$host_version" \
      github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python >&2; }; then
    echo "ensure-python: the build of pulumi-language-python v$host_version failed" >&2
    exit 3
  fi
  src="$(GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  cp "$src/python/cmd/pulumi-language-python-exec" "$work/bin/pulumi-language-python-exec"
  chmod +x "$work/bin/pulumi-language-python-exec"
  rm -rf "$bin"
  mkdir -p "$cache"
  mv "$work/bin" "$bin"
  echo "ensure-python: built in $(($(date +%s) - start)) s into $bin" >&2
fi

# Made in place (a venv's scripts name their own path) and marked complete at the end.
if [ ! -f "$venv/.complete-with-sdk-deps" ]; then
  python=$(command -v python3 || true)
  [ -n "$python" ] || { echo "ensure-python: python3 is not installed" >&2; exit 3; }
  rm -rf "$venv"
  if ! { "$python" -m venv "$venv" >&2 &&
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pulumi==$version" wheel "parver>=0.2.1" "semver>=2.8.1" >&2; }; then
    rm -rf "$venv"
    echo "ensure-python: could not make a venv with pulumi==$version (pip install)" >&2
    exit 3
  fi
  touch "$venv/.complete-with-sdk-deps"
fi
echo "$bin"
echo "$venv"
