#!/bin/sh
# Installs what tcplab needs to build, run and test on Debian 12 (as root).
# Safe to run again: apt-get skips what is already there.
set -e
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then
	echo "scripts/setup.sh: run as root (it installs Debian packages)" >&2
	exit 1
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config clang llvm bpftool \
	libbpf-dev libelf-dev zlib1g-dev libpcap-dev libnftables-dev libmnl-dev \
	libjson-c-dev libcmocka-dev \
	iproute2 nftables tcpdump net-tools procps util-linux time bpftrace python3-jsonschema chromium libclang-rt-14-dev >/dev/null
