#!/usr/bin/env bash
# Fetches a GlassFish distribution from Maven Central with Maven (the zip stays in the local Maven
# repository, ~/.m2, which CI keeps) and unpacks it once into the cache directory. Prints the
# GlassFish install directory (the one holding bin/asadmin) on stdout.
# Usage: scripts/fetch-glassfish.sh [version]   (default 7.0.21)
# Exit status 3: Maven is missing or the download failed (the caller skips, saying why).
set -euo pipefail
version="${1:-7.0.21}"
cache="${GLASSFISH_IMS_CACHE:-$HOME/.cache/glassfish-ims}"
dest="$cache/glassfish-$version"
installed() { find "$dest" -mindepth 2 -maxdepth 3 -path '*/bin/asadmin' -print -quit 2>/dev/null; }
found="$(installed || true)"
if [ -n "$found" ]; then
  dirname "$(dirname "$found")"
  exit 0
fi
if ! command -v mvn >/dev/null; then
  echo "fetch-glassfish: Maven (mvn) is not installed" >&2
  exit 3
fi
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/.fetch-glassfish.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
artifact="org.glassfish.main.distributions:glassfish:$version:zip"
if ! mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact="$artifact" -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
  echo "fetch-glassfish: Maven could not fetch $artifact:" >&2
  tail -n 20 "$tmp/mvn.log" >&2
  exit 3
fi
unzip -q "$tmp/glassfish-$version.zip" -d "$tmp/unpacked"
# Rename into place last, so an interrupted run never leaves a half-unpacked install behind.
mv "$tmp/unpacked" "$dest"
found="$(installed)"
dirname "$(dirname "$found")"
