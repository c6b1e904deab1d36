#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing and this runs as root with
# apt-get: the network lab (iproute2, nftables, arp-scan, fping) and libvirt connections (virsh
# from libvirt-clients, ssh and sshd, libvirtd with its QEMU driver; the remote DAS host's sshd
# and, for its password user, openssl). Run by `npm test` before
# every run, so a machine that has them pays one dpkg-query (a few ms); the demo asks for
# libvirt-clients only (`install-system-deps.sh libvirt-clients`). Java and Maven serve the real
# GlassFish and the conformance tests. Never fails: where it cannot
# install, the tests that need a missing package skip, and test/preflight.ts says which.
set -uo pipefail
packages=(iproute2 nftables arp-scan fping libvirt-clients openssh-client openssh-server openssl
  libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 openjdk-17-jdk-headless maven)
[ $# -eq 0 ] || packages=("$@")

missing_packages() {
  if command -v dpkg-query >/dev/null 2>&1; then
    local installed
    installed="$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null |
      awk '$2 == "installed" { print $1 }')"
    for p in "${packages[@]}"; do grep -qx "$p" <<<"$installed" || echo "$p"; done
    return
  fi
  # Not a Debian system: nothing to install with; the tests look for the tools themselves.
  return 0
}

prepare_libvirtd() {
  # What a system libvirtd needs that Debian's libvirt-daemon-system would set up (it pulls in
  # systemd, so it is not used): the qemu user and group, a qemu.conf that runs guests as root
  # without a security driver (containers have no AppArmor/SELinux), and the log directory.
  [ "$(id -u)" = 0 ] && [ -e /usr/sbin/libvirtd ] || return 0
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  mkdir -p /etc/libvirt /var/log/libvirt
  [ -f /etc/libvirt/qemu.conf ] ||
    printf 'user = "root"\ngroup = "root"\nsecurity_driver = "none"\n' >/etc/libvirt/qemu.conf
}

mapfile -t need < <(missing_packages)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: not installing ${need[*]} (needs root and apt-get)" >&2
  else
    echo "install-system-deps: installing ${need[*]}" >&2
    # One installer at a time: several test runs may start together on a fresh machine.
    exec 9>/tmp/glassfish-ims-apt.lock
    flock 9
    if apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
      echo "install-system-deps: installed ${need[*]}" >&2
    else
      echo "install-system-deps: apt-get failed: the tests that need ${need[*]} will skip" >&2
    fi
    exec 9>&-
  fi
fi
prepare_libvirtd
exit 0
