#!/usr/bin/env bash
# The main job on a demo GlassFish domain inside the project (.demo/, ignored by git), through the
# real Pulumi CLI (stacks of the top-level Pulumi.yaml, program demo/index.ts):
#   npm run demo             pulumi up; shows the domain.xml diff and how each machine is reached,
#                            then checks that a second run would change nothing
#   npm run demo -- destroy  pulumi destroy; checks domain.xml is the original again, byte for byte
#   npm run demo -- lab      (root, lab tools) the same as the DAS inside a network namespace lab,
#                            plus a machine found by its MAC; removes it all again (demo/lab.ts)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
mode="${1:-up}"
case "$mode" in
  up | destroy) ;;
  lab) exec node dist/demo/lab.js ;;
  *)
    echo "usage: npm run demo [-- destroy | lab]" >&2
    exit 2
    ;;
esac

# virsh, for the machines' connection check (installed as root with apt-get; else unchecked).
bash scripts/install-system-deps.sh libvirt-clients
original="demo/domain.xml"
domain=".demo/domains/domain1/config/domain.xml"
if [ ! -f "$domain" ]; then
  mkdir -p "$(dirname "$domain")"
  cp "$original" "$domain"
  echo "demo: created a GlassFish domain at $domain (a copy of $original)"
fi
pulumi stack select demo --create --non-interactive >/dev/null

if [ "$mode" = destroy ]; then
  pulumi destroy --yes --non-interactive --skip-preview
  if cmp -s "$original" "$domain"; then
    echo "demo: $domain is byte for byte $original again"
  else
    diff -u --label "$original" --label "$domain" "$original" "$domain" || true
    echo "demo: $domain differs from $original (edited by hand?)" >&2
    exit 1
  fi
  exit 0
fi

pulumi up --yes --non-interactive --skip-preview --suppress-outputs
echo
echo "demo: what the stack made of $domain:"
diff -u --label "domain.xml (original)" --label "domain.xml (now)" "$original" "$domain" || true
echo
pulumi stack output --json --non-interactive | node dist/demo/report.js
# The same program again must be a no-op: --expect-no-changes fails the preview otherwise, and
# its --diff must show no stack output changing either (it would show `[unknown]`).
if ! out="$(pulumi preview --expect-no-changes --diff --non-interactive 2>&1)" ||
  grep -qF -- "--outputs:--" <<<"$out"; then
  echo "$out"
  echo "demo: FAILED: a second run would change something (above)" >&2
  exit 1
fi
echo "demo: a second run changes nothing (pulumi preview --expect-no-changes)"
echo "demo: npm run demo -- destroy takes it out again"
