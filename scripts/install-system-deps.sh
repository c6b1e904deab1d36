#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing and this runs as root: the
# network lab (iproute2, nftables, arp-scan, fping) and libvirt connections (virsh from
# libvirt-clients, ssh and sshd); otherwise says why those tests will skip.
set -euo pipefail
need=()
for pair in ip:iproute2 nft:nftables arp-scan:arp-scan fping:fping virsh:libvirt-clients ssh:openssh-client /usr/sbin/sshd:openssh-server; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: cannot install ${need[*]} (needs root and apt-get): the network lab and libvirt connection tests will skip" >&2
  exit 0
fi
echo "install-system-deps: installing ${need[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
