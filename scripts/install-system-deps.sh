#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing and this runs as root: the
# network lab (iproute2, nftables, arp-scan, fping) and libvirt connections (virsh from
# libvirt-clients, ssh and sshd), Java and Maven (the real GlassFish and the conformance tests);
# otherwise says why those tests will skip.
set -euo pipefail
need=()
for pair in ip:iproute2 nft:nftables arp-scan:arp-scan fping:fping virsh:libvirt-clients ssh:openssh-client /usr/sbin/sshd:openssh-server /usr/sbin/libvirtd:libvirt-daemon /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so:libvirt-daemon-driver-qemu qemu-system-x86_64:qemu-system-x86 javac:openjdk-17-jdk-headless mvn:maven; do
  what="${pair%%:*}"
  if [ "${what#/}" != "$what" ]; then [ -e "$what" ] || need+=("${pair#*:}"); continue; fi
  command -v "$what" >/dev/null 2>&1 || need+=("${pair#*:}")
done
prepare_libvirtd() {
  # What a system libvirtd needs that Debian's libvirt-daemon-system would set up (it pulls in
  # systemd, so it is not used): the qemu user and group, a qemu.conf that runs guests as root
  # without a security driver (containers have no AppArmor/SELinux), and the log directory.
  [ "$(id -u)" = 0 ] || return 0
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  mkdir -p /etc/libvirt /var/log/libvirt
  [ -f /etc/libvirt/qemu.conf ] || printf 'user = "root"\ngroup = "root"\nsecurity_driver = "none"\n' >/etc/libvirt/qemu.conf
}
if [ ${#need[@]} -eq 0 ]; then
  prepare_libvirtd
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: cannot install ${need[*]} (needs root and apt-get): the network lab and libvirt connection tests will skip" >&2
  exit 0
fi
echo "install-system-deps: installing ${need[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
prepare_libvirtd
