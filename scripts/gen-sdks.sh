#!/usr/bin/env bash
# Generates the Node.js (compiled into sdks/nodejs/bin), Python and Go SDKs of the provider plugin
# from schema.json into sdks/<language> (ignored by git), offline, with pkg/v3's code generators
# (scripts/sdkgen, built once into the per-user cache at the version of @pulumi/pulumi, like the
# CLI). Prints the directory. Arguments: the languages (default: nodejs python go).
#
# Exits 3 (with the reason on stderr) when the generator cannot be built (no Go), so tests can skip.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_bin="$root/node_modules/.bin"
version="$("$node_bin/node" -p 'require(process.argv[1]).version' "$root/node_modules/@pulumi/pulumi/package.json")"
cache="${GLASSFISH_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/glassfish-ims}/sdkgen-pkg-v$version"
gen="$cache/bin/sdkgen"
src_hash="$(sha256sum "$root/scripts/sdkgen/main.go" | cut -c1-16)"

mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ ! -x "$gen" ] || [ "$(cat "$cache/source" 2>/dev/null)" != "$src_hash" ]; then
  command -v go >/dev/null 2>&1 || { echo "gen-sdks: Go is needed to build the SDK generator" >&2; exit 3; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  start=$(date +%s)
  echo "gen-sdks: building the SDK generator against pkg/v3 v$version (first time only)..." >&2
  mkdir -p "$work/gen"
  cp "$root/scripts/sdkgen/main.go" "$work/gen/"
  cd "$work/gen"
  go mod init glassfish-ims/sdkgen >/dev/null 2>&1
  gomod="$(GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version" | "$node_bin/node" -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const j = JSON.parse(s); if (j.Error) { console.error(j.Error); process.exit(1); } console.log(j.GoMod); });')"
  {
    echo "require github.com/pulumi/pulumi/pkg/v3 v$version"
    echo "require github.com/pulumi/pulumi/sdk/v3 v$version"
    grep -E '^replace .* => [^.][^ ]* v[^ ]+$' "$gomod" || true
  } >>go.mod
  if ! { GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod tidy >&2 &&
    GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o "$work/sdkgen" . >&2; }; then
    echo "gen-sdks: the build of the SDK generator failed" >&2
    exit 3
  fi
  mkdir -p "$cache/bin"
  mv "$work/sdkgen" "$gen"
  echo "$src_hash" >"$cache/source"
  echo "gen-sdks: built in $(($(date +%s) - start)) s into $gen" >&2
  cd "$root"
fi
out="$root/sdks"
langs=("$@")
[ ${#langs[@]} -gt 0 ] || langs=(nodejs python go)
"$gen" "$root/schema.json" "$out" "${langs[@]}" >&2
# The Node.js SDK compiled (offline, with this project's TypeScript) into sdks/nodejs/bin, with
# the package.json its code reads its version from.
if [ -d "$out/nodejs" ]; then
  "$node_bin/tsc" -p "$out/nodejs/tsconfig.json" >&2
  cp "$out/nodejs/package.json" "$out/nodejs/bin/package.json"
fi
# The Go SDK as a module of its own, for a program's `replace` (the generator writes no go.mod).
if [ -d "$out/go" ]; then
  printf 'module %s\n\ngo 1.24\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n' \
    "$("$node_bin/node" -p 'require(process.argv[1]).language.go.importBasePath.replace(/\/glassfishims$/, "")' "$root/schema.json")" \
    "$version" >"$out/go/go.mod"
fi
echo "$out"
