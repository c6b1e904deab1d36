#!/usr/bin/env bash
# Makes the real Pulumi CLI, its Node.js language host and the dynamic-provider launcher
# available, and prints the directory that holds them (put it first on PATH).
#
# - A compatible `pulumi` already on PATH (same version as @pulumi/pulumi, with
#   pulumi-language-nodejs beside it) is used as it is.
# - Otherwise both are built with `go build` from the Go module proxy into a per-user cache keyed
#   by version (first build: about 5 minutes on 2 cores; later runs: instant).
#
# The CLI is built at the version of the installed @pulumi/pulumi. The Node.js language host is
# its own Go module (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which the
# module proxy refuses here ("403 Forbidden: This module version is not available"), so it is
# built from the last github.com/pulumi/pulumi/sdk/v3 release that still carried it
# (v3.68.0, sdk/v3/nodejs/cmd/pulumi-language-nodejs). See README "Pulumi CLI".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_bin="$root/node_modules/.bin"
# GLASSFISH_IMS_PULUMI_VERSION builds (or finds) another CLI version into its own cache directory,
# e.g. to try a newer engine before moving the pin.
version="${GLASSFISH_IMS_PULUMI_VERSION:-$("$node_bin/node" -p 'require(process.argv[1]).version' "$root/node_modules/@pulumi/pulumi/package.json")}"
langhost_version="3.68.0"
cache="${GLASSFISH_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/glassfish-ims}/pulumi-v$version-nodejs-v$langhost_version"
bin="$cache/bin"

write_launcher() {
  # The engine runs dynamic providers as the plugin `pulumi-resource-pulumi-nodejs`: it starts
  # @pulumi/pulumi's dynamic-provider host, resolved from the Pulumi program's directory.
  mkdir -p "$1"
  cat >"$1/pulumi-resource-pulumi-nodejs.tmp" <<'SH'
#!/bin/sh
host=$(node -p 'require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd()] })') || exit 1
exec node "$host" "$@"
SH
  chmod +x "$1/pulumi-resource-pulumi-nodejs.tmp"
  mv "$1/pulumi-resource-pulumi-nodejs.tmp" "$1/pulumi-resource-pulumi-nodejs"
}

if command -v pulumi >/dev/null 2>&1 && command -v pulumi-language-nodejs >/dev/null 2>&1 &&
  [ "$(pulumi version 2>/dev/null)" = "v$version" ] && [ -z "${GLASSFISH_IMS_BUILD_PULUMI:-}" ]; then
  dir="$cache/launcher"
  write_launcher "$dir"
  echo "$dir:$(dirname "$(command -v pulumi)")"
  exit 0
fi

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || { echo "ensure-pulumi: Go is needed to build the Pulumi CLI" >&2; exit 1; }
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  echo "$bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

# The CLI: a throwaway module that requires pkg/v3 and repeats its non-local replace directives
# (go install module@version refuses modules that carry replaces).
mkdir -p "$work/cli"
cd "$work/cli"
go mod init glassfish-ims/pulumi-cli >/dev/null 2>&1
gomod="$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version" | "$node_bin/node" -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const j = JSON.parse(s); if (j.Error) { console.error(j.Error); process.exit(1); } console.log(j.GoMod); });')"
{
  echo "require github.com/pulumi/pulumi/pkg/v3 v$version"
  echo "require github.com/pulumi/pulumi/sdk/v3 v$version"
  # Keep `replace X => Y vN` lines; drop local ones (`=> ../sdk`), satisfied by the require above.
  grep -E '^replace .* => [^.][^ ]* v[^ ]+$' "$gomod" || true
} >>go.mod
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >tools.go
echo "ensure-pulumi: building pulumi v$version (first time only, ~5 minutes)..." >&2
go mod tidy >&2
go build -o "$work/bin/pulumi" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2

mkdir -p "$work/lang"
cd "$work/lang"
go mod init glassfish-ims/pulumi-language-nodejs >/dev/null 2>&1
echo "require github.com/pulumi/pulumi/sdk/v3 v$langhost_version" >>go.mod
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"\n' >tools.go
echo "ensure-pulumi: building pulumi-language-nodejs v$langhost_version..." >&2
go mod tidy >&2
go build -o "$work/bin/pulumi-language-nodejs" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$langhost_version" \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs >&2

write_launcher "$work/bin"
rm -rf "$bin"
mv "$work/bin" "$bin"
echo "ensure-pulumi: built in $(($(date +%s) - start)) s into $bin" >&2
echo "$bin"
