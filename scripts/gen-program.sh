#!/usr/bin/env bash
# Prints the program `pulumi import --out` would generate for the imported resources of a stack
# in a language whose host implements GenerateProgram (scripts/progen: the CLI's own import code
# generation and pkg/v3's program generators, offline), since the language hosts this project
# builds do not, except YAML's.
#
#   bash scripts/gen-program.sh <state.json> <import file> <python|go|nodejs>
#
# state.json is `pulumi stack export --show-secrets` after `pulumi import --file <import file>`.
#
# The generator is built once against pkg/v3 at @pulumi/pulumi's version (as gen-sdks.sh builds
# sdkgen) and cached per user.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_bin="$root/node_modules/.bin"
version="$("$node_bin/node" -p 'require(process.argv[1]).version' "$root/node_modules/@pulumi/pulumi/package.json")"
cache="${GLASSFISH_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/glassfish-ims}/progen-pkg-v$version"
gen="$cache/bin/progen"
src_hash="$(sha256sum "$root/scripts/progen/main.go" | cut -c1-16)"

mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ ! -x "$gen" ] || [ "$(cat "$cache/source" 2>/dev/null)" != "$src_hash" ]; then
  command -v go >/dev/null 2>&1 || { echo "gen-program: Go is needed to build the program generator" >&2; exit 3; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/gen"
  cp "$root/scripts/progen/main.go" "$work/gen/"
  cd "$work/gen"
  go mod init glassfish-ims/progen >/dev/null 2>&1
  gomod="$(GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version" | "$node_bin/node" -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const j = JSON.parse(s); if (j.Error) { console.error(j.Error); process.exit(1); } console.log(j.GoMod); });')"
  {
    echo "require github.com/pulumi/pulumi/pkg/v3 v$version"
    echo "require github.com/pulumi/pulumi/sdk/v3 v$version"
    grep -E '^replace .* => [^.][^ ]* v[^ ]+$' "$gomod" || true
  } >>go.mod
  if ! { GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod tidy >&2 &&
    GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o "$work/progen" . >&2; }; then
    echo "gen-program: the build of the program generator failed" >&2
    exit 3
  fi
  mkdir -p "$cache/bin"
  mv "$work/progen" "$gen"
  echo "$src_hash" >"$cache/source"
  cd "$root"
fi
exec "$gen" "$root/schema.json" "$@"
