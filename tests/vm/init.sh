#!/bin/busybox sh
# tests/vm/init.sh — /init of the guest vm.sh boots (busybox sh, PID 1).
#
# It mounts the pseudo file systems, loads the modules vm.sh listed in
# /etc/pvkit-vm/modules, optionally starts systemd-udevd and the 9p share,
# runs the test named in /etc/pvkit-vm/config under its time limit, prints
#   PVKIT-VM-EXIT: <status>
# on the console (or PVKIT-VM-ERROR: <why> when the rig itself failed) and
# powers off.  PID 1 must never exit, so every path ends in poweroff.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=dumb

halt_guest() {
	sync
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
	while :; do sleep 60; done
}

rig_error() {
	echo "PVKIT-VM-ERROR: $*"
	halt_guest
}

mount -t proc proc /proc || rig_error "mount /proc failed"
mount -t sysfs sysfs /sys || rig_error "mount /sys failed"
mount -t devtmpfs devtmpfs /dev || rig_error "mount devtmpfs on /dev failed"
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
ln -sf /proc/self/fd /dev/fd

. /etc/pvkit-vm/config

while read -r ko params; do
	[ -n "$ko" ] || continue
	# shellcheck disable=SC2086 # params are words by design
	out=$(insmod "$ko" $params 2>&1) || rig_error "insmod $ko $params: $out"
done </etc/pvkit-vm/modules

if [ "$PVKIT_VM_UDEV" = 1 ]; then
	mkdir -p /run/udev
	SYSTEMD_LOG_LEVEL=err systemd-udevd --resolve-names=never \
		>/run/udevd.log 2>&1 &
	i=0
	while [ ! -S /run/udev/control ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S /run/udev/control ] ||
		rig_error "systemd-udevd did not start: $(cat /run/udevd.log)"
	udevadm trigger --action=add --type=subsystems
	udevadm trigger --action=add --type=devices
	udevadm settle --timeout=30 || echo "pvkit-vm: udevadm settle timed out"
fi

if [ "$PVKIT_VM_SHARE" = 1 ]; then
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 pvkit /mnt/host ||
		rig_error "mount of the 9p share failed"
fi

cd /test || rig_error "no /test"
echo
echo "pvkit-vm: running $* (limit ${PVKIT_VM_TIMEOUT}s) on $(uname -r)"
timeout "$PVKIT_VM_TIMEOUT" "$@"
status=$?
# busybox timeout kills with SIGTERM: the status is then 128 + 15.
[ $status != 143 ] ||
	echo "pvkit-vm: the test was stopped after ${PVKIT_VM_TIMEOUT}s (or killed by SIGTERM)"
[ "$PVKIT_VM_SHARE" = 1 ] && umount /mnt/host
echo "PVKIT-VM-EXIT: $status"
halt_guest
