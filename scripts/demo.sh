#!/usr/bin/env bash
# The main job: a demo GlassFish domain inside the project gets libvirt's embedded test driver as
# a virtualization, through a real `pulumi up`. Run again: no changes. `npm run demo -- destroy`
# removes it again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
domain="$root/.demo/domains/domain1/config/domain.xml"
if [ ! -f "$domain" ]; then
  mkdir -p "$(dirname "$domain")"
  cp "$root/demo/domain.xml" "$domain"
  echo "demo: created a GlassFish domain at $domain"
fi
pulumi stack select demo --create --non-interactive >/dev/null
pulumi config set domainXml "$domain" --non-interactive
before="$(mktemp)"
trap 'rm -f "$before"' EXIT
cp "$domain" "$before"
if [ "${1:-up}" = "destroy" ]; then
  pulumi destroy --yes --non-interactive --skip-preview
else
  pulumi up --yes --non-interactive --skip-preview
fi
echo
echo "demo: $domain"
if diff -u --label "domain.xml (before)" --label "domain.xml (after)" "$before" "$domain"; then
  echo "demo: domain.xml unchanged"
fi
