#!/usr/bin/env bash
# npm run release: every release artifact of the version in package.json, into dist/release/:
#
#   pulumi-resource-glassfish-ims-v<v>-linux-amd64.tar.gz   the plugin: one executable (Node's
#   pulumi-resource-glassfish-ims-v<v>-linux-arm64.tar.gz   single-executable application) + schema
#   glassfish-ims-<v>.tgz                                  npm: dynamic mode + Node.js plugin SDK
#   pulumi_glassfish_ims-<v>.tar.gz, ...-py3-none-any.whl  Python SDK (sdist, wheel)
#   glassfish-ims-go-v<v>.tar.gz                           Go module (go.mod at its root)
#   SHA256SUMS
#
# The version is read from package.json only: schema.json must already carry it (npm run
# generate), the CHANGELOG must have a `## <version>` section, and the generated SDKs take it from
# the schema. The result is cached per user under the hash of every input (the tracked files of
# the build, the bundled Node version), so a second run with the same inputs only copies it.
# GLASSFISH_IMS_RELEASE_ARCHS (default "amd64 arm64") picks the plugin platforms.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
node_bin="$root/node_modules/.bin"
node="$node_bin/node"
out="$root/dist/release"
archs="${GLASSFISH_IMS_RELEASE_ARCHS:-amd64 arm64}"
cache_root="${GLASSFISH_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/glassfish-ims}"
say() { echo "release: $*" >&2; }

pkg() { "$node" -p "require(process.argv[1])$1" "$root/package.json"; }
version="$(pkg .version)"
name="$(pkg .name)"
# The runtime inside the plugin: the Node of this project's own toolchain (node_modules/node).
node_version="$("$node" -p 'require(process.argv[1]).version' "$root/node_modules/node/package.json")"

grep -qE "^## \\[?${version//./\\.}\\]?( |$)" CHANGELOG.md ||
  { say "CHANGELOG.md has no section '## $version' (package.json's version)"; exit 1; }

# What the artifacts are made of; any change makes a new cache entry.
inputs="$(
  {
    echo "node $node_version archs $archs"
    git ls-files -z -- provider sdk bin scripts package.json package-lock.json schema.json \
      tsconfig.json README.md CHANGELOG.md | xargs -0 sha256sum
  } | sha256sum | cut -c1-20
)"
cached="$cache_root/release-v$version-$inputs"
mkdir -p "$cache_root"
exec 9>"$cache_root/.release.lock"
flock 9
if [ -f "$cached/SHA256SUMS" ]; then
  say "inputs unchanged ($inputs): copying $cached"
  rm -rf "$out"
  mkdir -p "$out"
  cp -p "$cached"/* "$out/"
  echo "$out"
  exit 0
fi

start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"

say "compiling (tsc) and checking that schema.json is what the field tables give for v$version"
"$node_bin/tsc" -p tsconfig.json
"$node" -e '
  const s = require(process.argv[1]);
  if (s.version !== process.argv[2]) {
    console.error(`release: schema.json says ${s.version}, package.json ${process.argv[2]}: run npm run generate`);
    process.exit(1);
  }' "$root/schema.json" "$version"
"$node_bin/ts-node" --transpile-only scripts/generate.ts --check

say "generating the SDKs from schema.json"
bash scripts/gen-sdks.sh nodejs python go >/dev/null

# --- the plugin: one JS file injected into a Node binary per platform --------------------------
# Not minified: an error at start prints its source line, which must stay one line of code.
# Native addons cannot be bundled: ssh2's optional ones (sshcrypto, cpu-features) stay runtime
# requires, which fail inside the executable and are caught by ssh2, which then uses Node's
# own crypto.
say "bundling the plugin (esbuild)"
"$node_bin/esbuild" dist/provider/plugin/main.js --bundle --platform=node \
  --external:'*.node' \
  --target="node${node_version%%.*}" --format=cjs --legal-comments=none \
  --log-level=warning --outfile="$work/plugin.js"

# The official Node binary of a platform, as the npm registry serves it (node-linux-<arch>),
# fetched once per version into the cache.
node_binary() {
  local npm_arch="$1" dir="$cache_root/node-v$node_version-linux-$1"
  if [ ! -x "$dir/node" ]; then
    say "fetching node-linux-$npm_arch@$node_version (first time only)"
    mkdir -p "$work/fetch-$npm_arch" "$dir"
    (cd "$work/fetch-$npm_arch" && npm pack --silent "node-linux-$npm_arch@$node_version" >/dev/null)
    tar -xzf "$work/fetch-$npm_arch"/*.tgz -C "$work/fetch-$npm_arch" package/bin/node
    mv "$work/fetch-$npm_arch/package/bin/node" "$dir/node.partial"
    mv "$dir/node.partial" "$dir/node"
  fi
  echo "$dir/node"
}

host_arch="$("$node" -p process.arch)"
for arch in $archs; do
  case "$arch" in
    amd64) npm_arch=x64 ;;
    arm64) npm_arch=arm64 ;;
    *) say "unknown arch $arch (amd64, arm64)"; exit 1 ;;
  esac
  base="$(node_binary "$npm_arch")"
  stage="$work/plugin-$arch"
  mkdir -p "$stage"
  # V8's code cache is made by the building Node for its own CPU: only for the host's platform.
  code_cache=false
  [ "$npm_arch" = "$host_arch" ] && code_cache=true
  printf '{"main":"%s","output":"%s","disableExperimentalSEAWarning":true,"useCodeCache":%s}\n' \
    "$work/plugin.js" "$work/sea-$arch.blob" "$code_cache" >"$work/sea-$arch.json"
  "$node" --experimental-sea-config "$work/sea-$arch.json" >/dev/null
  exe="$stage/pulumi-resource-$name"
  cp "$base" "$exe"
  chmod 0755 "$exe"
  "$node_bin/postject" "$exe" NODE_SEA_BLOB "$work/sea-$arch.blob" \
    --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >/dev/null 2>&1 ||
    { say "postject could not inject the plugin into node-linux-$npm_arch"; exit 1; }
  # The server reads its version and schema from the files beside it (its __dirname is the
  # executable's directory). No PulumiPlugin.yaml: the engine reads one only for a plugin without
  # an executable, and `pulumi plugin install` would run its runtime's dependency install (with
  # `runtime: nodejs`, npm: it fails where there is no Node, as tried with the CLI 3.259.0).
  cp schema.json "$stage/"
  "$node" -e 'const p = require(process.argv[1]); console.log(JSON.stringify({ name: p.name, version: p.version, license: p.license }, null, 2))' \
    "$root/package.json" >"$stage/package.json"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf - . |
    gzip -n >"$out/pulumi-resource-$name-v$version-linux-$arch.tar.gz"
  say "plugin linux-$arch: $(du -h "$exe" | cut -f1) executable"
done

# --- npm: the dynamic mode with the generated Node.js SDK (plugin mode) under dist/plugin-sdk ---
rm -rf dist/plugin-sdk
cp -r sdks/nodejs/bin dist/plugin-sdk
# Its package.json only gives the SDK its version: without "pulumi" (resource: true), which would
# make every program of the dynamic mode ask the engine for the plugin.
"$node" -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  fs.writeFileSync(process.argv[1], JSON.stringify({ name: p.name, version: p.version }, null, 2) + "\n");' \
  dist/plugin-sdk/package.json
npm pack --silent --ignore-scripts --pack-destination "$out" >/dev/null
[ -f "$out/$name-$version.tgz" ] || { say "npm pack wrote no $name-$version.tgz"; exit 1; }

# --- Python: sdist and wheel -------------------------------------------------------------------
python_lines="$(bash scripts/ensure-python.sh)"
venv="$(echo "$python_lines" | tail -1)"
cp -r sdks/python "$work/python"
cat >"$work/python/README.md" <<EOF
# pulumi_glassfish_ims

The Python SDK of the glassfish-ims Pulumi provider (v$version): the IMS (virtualization)
configuration of a GlassFish domain.xml as Pulumi resources. It needs the plugin:
\`pulumi plugin install resource glassfish-ims $version --file pulumi-resource-glassfish-ims-v$version-linux-amd64.tar.gz\`.
EOF
(cd "$work/python" && "$venv/bin/python" setup.py -q sdist -d "$out" >/dev/null 2>&1 &&
  "$venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
    -w "$out" . >/dev/null) || { say "the Python sdist or wheel could not be built"; exit 1; }

# --- Go: the module as a tarball (go.mod at its root), for a user's `replace` ---------------------
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C sdks/go -cf - . |
  gzip -n >"$out/$name-go-v$version.tar.gz"

(cd "$out" && sha256sum -- * >SHA256SUMS)
rm -rf "$cached.partial"
mkdir -p "$cache_root"
cp -rp "$out" "$cached.partial"
rm -rf "$cached"
mv "$cached.partial" "$cached"
# Keep the three newest releases (about 90 MB each); older inputs are rebuilt if they come back.
find "$cache_root" -maxdepth 1 -name 'release-v*' -type d -printf '%T@ %p\n' | sort -rn |
  tail -n +4 | cut -d' ' -f2- | xargs -r rm -rf
say "built in $(($(date +%s) - start)) s:"
(cd "$out" && ls -l -- * | awk '{ printf "release:   %10d  %s\n", $5, $9 }' >&2)
echo "$out"
