"""The oracle's extended plan (issue 9, deliverable 5): what users run.

Imported by tests/oracle/generate.  Adds four parts to the standard grid
(generate's build_plan):

* cross-version pairs, never-booted guests (group "xver", controls "xver-self"):
  every ordered pair of the QEMU versions available (5.2, 7.2, 10.0, 11.1),
  generic flavour, all 7 families, i440fx and q35-rootport, on every machine
  type both sides have among pc-*-5.2 and the older version's own newest;
* booted guests (groups "booted", "booted-self", "booted-xver"): the source is
  a committed booted fixture stream (fixtures/qemu-7.2/{i440fx,q35}-booted:
  Linux 6.1 with all 7 virtio drivers bound, features negotiated), referenced
  by the chunk store and not stored again; destinations are the same 7-device
  command line with ONE device changed (a feature property, a backend
  property, a flavour) or another machine type / QEMU version;
* machine-type and topology settings (groups "sendcfg", "smp", "children",
  "rom", each with "<group>-self" controls): migration.send-configuration=off
  (-global form and the pc-i440fx-2.3 compat form), -smp 1 <-> 2, child
  devices on virtio-serial and virtio-scsi, rombar=0, a romfile of another
  size.

Every config here is still (machine, bus, one varied virtio device): the
fields `extra` (argv after -machine) and `children` (argv after the device)
carry the rest; booted configs carry `template` (the fixture's argv).
"""

import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VERSIONS_BIN = "/var/cache/qemu-versions/bin"
ALL_VERSIONS = ["5.2", "7.2", "10.0", "11.1"]
FAMS = ["9p", "blk", "scsi", "net", "serial", "balloon", "rng"]
XBUSES = ["i440fx", "q35-rootport"]

# which part of the report a case group belongs to
PART_OF_GROUP = {
    "xver": "cross-version", "xver-self": "cross-version",
    "cross-version": "cross-version",
    "booted": "booted", "booted-self": "booted", "booted-xver": "booted",
    "sendcfg": "settings", "sendcfg-self": "settings",
    "smp": "settings", "smp-self": "settings",
    "children": "settings", "children-self": "settings",
    "rom": "settings", "rom-self": "settings",
}


def part_of(group):
    return PART_OF_GROUP.get(group, "never-booted")


def version_key(v):
    return tuple(int(x) for x in v.split("."))


def other_binaries():
    """{X.Y: path} for the QEMU builds installed by ../shared/tools/qemu-versions.sh."""
    out = {}
    for v in ALL_VERSIONS:
        p = os.path.join(VERSIONS_BIN, "qemu-" + v)
        if os.access(p, os.X_OK):
            out[v] = p
    return out


_machines = {}


def machines(qemu):
    """Machine type names `qemu -machine help` lists (cached)."""
    if qemu not in _machines:
        out = subprocess.run([qemu, "-machine", "help"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, check=True).stdout.decode()
        _machines[qemu] = {l.split()[0] for l in out.splitlines()[1:] if l.strip()}
    return _machines[qemu]


# ---------------------------------------------------------------------------
# 1. cross-version pairs (never-booted)

def add_cross_versions(p, bins):
    """bins: {X.Y: binary path}, including the host's."""
    vs = sorted(bins, key=version_key)
    for i, a in enumerate(vs):
        for b in vs[i + 1:]:
            for bus in XBUSES:
                mfam = "i440fx" if bus.startswith("i440fx") else "q35"
                machs = []
                for mv in ("5.2", a):
                    m = "pc-%s-%s" % (mfam, mv)
                    if (m not in machs and m in machines(bins[a])
                            and m in machines(bins[b])):
                        machs.append(m)
                for m in machs:
                    for fam in FAMS:
                        x = p.config(a, bus, fam, machine=m)
                        y = p.config(b, bus, fam, machine=m)
                        p.case("xver", x, y)
                        p.case("xver", y, x)
                        p.case("xver-self", x, x)
                        p.case("xver-self", y, y)


# ---------------------------------------------------------------------------
# 2. booted guests: the committed booted fixtures as sources

BOOTED_FIXTURES = {
    # bus key -> fixture (machine pc-<i440fx|q35>-7.2, one device per family)
    "i440fx": "fixtures/qemu-7.2/i440fx-booted",
    "q35-rootport": "fixtures/qemu-7.2/q35-booted",
}
BOOT_DEV = {"9p": "vfs0", "blk": "vblk0", "scsi": "vscsi0", "net": "vnet0",
            "serial": "vser0", "balloon": "vbal0", "rng": "vrng0"}

# destination variants: (variant name, device props, families); the common
# virtio feature properties (include/hw/virtio/virtio.h
# DEFINE_VIRTIO_COMMON_FEATURES, 7.2) on every family, then device ones
COMMON_FEATURES = ["event_idx=off", "indirect_desc=off", "any_layout=off",
                   "packed=on", "queue_reset=off"]
DEVICE_FEATURES = {
    "blk": ["discard=off", "write-zeroes=off", "config-wce=off", "queue-size=128",
            "num-queues=2,vectors=2", "backend:read-only=on"],
    "net": ["csum=off", "guest_csum=off", "gso=off", "host_tso4=off", "guest_tso4=off",
            "mrg_rxbuf=off", "ctrl_vq=off", "ctrl_rx=off", "status=off",
            "guest_announce=off", "mq=on", "rx_queue_size=1024", "rx_queue_size=128",
            "host_mtu=9000"],
    "scsi": ["hotplug=off", "param_change=off", "num_queues=2,vectors=4",
             "virtqueue_size=128"],
    "serial": ["max_ports=2", "emergency-write=on"],
    "balloon": ["deflate-on-oom=on", "free-page-reporting=on"],
    "rng": ["max-bytes=1024"],
    "9p": ["mount_tag=other"],
}
BOOT_FLAVOURS = ["transitional", "non-transitional", "disable-legacy", "disable-modern"]


def fixture_sidecar(bus):
    with open(os.path.join(ROOT, BOOTED_FIXTURES[bus] + ".json")) as f:
        return json.load(f)


def booted_template(bus):
    """The booted fixture's argv, without the binary, as a destination
    runs it: QMP fd placeholder, COM1 on a null chardev, no -kernel/-initrd/
    -append (the kernel is in the migrated RAM; SeaBIOS loads it from
    fw_cfg, which adds no RAM block and no migrated state)."""
    argv = fixture_sidecar(bus)["argv"][1:]
    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a in ("-kernel", "-initrd", "-append"):
            i += 2
            continue
        if a == "-chardev" and argv[i + 1].startswith("socket,id=ser0,"):
            out += ["-chardev", "null,id=ser0"]
            i += 2
            continue
        out.append(re.sub(r"socket,id=qmp,fd=\d+", "socket,id=qmp,fd=QMPFD", a))
        i += 1
    return out


def booted_config(p, qv, bus, vary_family=None, props=(), flavour="generic",
                  machine=None, variant=None, source=False, all_props=(), extra=(),
                  boot=False, tag=None):
    """A 7-device config of the booted fixture's command line.
    source=True: the committed fixture itself (its stream is the fixture's).
    boot=True: a guest the generator boots itself (7.2 fixture command line
    plus all_props on every virtio device and extra after -machine), saved
    into the page store (stream.py put_paged).  tag names the
    all_props/extra setting in the id."""
    mfam = "i440fx" if bus.startswith("i440fx") else "q35"
    mach = machine or ("pc-%s-%s" % (mfam, qv))
    cid = "%s_%s_booted7" % (qv, bus)
    if tag:
        cid += "+" + tag
    if source or boot:
        cid += "+booted"
    if variant:
        cid += "+" + variant
    if mach != "pc-%s-%s" % (mfam, qv):
        cid += "@" + mach
    if cid not in p.configs:
        p.configs[cid] = {
            "id": cid, "qemu": qv, "machine": mach, "bus": bus,
            "family": vary_family or "all7", "flavour": flavour,
            "type": None, "flavour_props": [], "props": list(props), "slot": None,
            "variant": variant, "template": booted_template(bus),
            "booted_from": BOOTED_FIXTURES[bus] if source else None,
            "boot": boot, "all_props": list(all_props), "extra": list(extra),
        }
    return cid


def add_booted(p, host_qv, bins):
    for bus in XBUSES:
        src = booted_config(p, host_qv, bus, source=True)
        same = booted_config(p, host_qv, bus)
        p.case("booted-self", src, same)   # DST_REF: never-booted, same config
        p.case("booted-self", src, src)    # DST_REF: the booted stream itself
        for fam in FAMS:
            names = ["%s:%s" % (fam, v) for v in COMMON_FEATURES + DEVICE_FEATURES[fam]]
            for n in names:
                d = booted_config(p, host_qv, bus, fam, [n.split(":", 1)[1]], variant=n)
                p.case("booted", src, d)
            for fl in BOOT_FLAVOURS:
                d = booted_config(p, host_qv, bus, fam, flavour=fl,
                                  variant="%s:%s" % (fam, fl))
                p.case("booted", src, d)
        mfam = "i440fx" if bus.startswith("i440fx") else "q35"
        d = booted_config(p, host_qv, bus, machine="pc-%s-7.1" % mfam)
        p.case("booted", src, d)
        booted_more(p, host_qv, bus, bins)
        # the same guest into newer QEMUs on the same machine type
        for v, path in sorted(bins.items()):
            if v == host_qv or version_key(v) < version_key(host_qv):
                continue
            if "pc-%s-7.2" % mfam in machines(path):
                d = booted_config(p, v, bus, machine="pc-%s-7.2" % mfam)
                p.case("booted-xver", src, d)


BOOT_APPEND = ("console=ttyS0 quiet nokaslr panic=-1 init_on_free=1 "
               "mitigations=off rdinit=/init")  # as fixtures/generate


def boot_argv(spec, qemu, qmp_fd, ser_fd, kit):
    """The argv that boots a booted source: booted_argv plus COM1 on a
    socketpair and the fixtures' kernel, initramfs and command line."""
    argv = booted_argv(spec, qemu, qmp_fd, None)
    i = argv.index("null,id=ser0")
    argv[i] = "socket,id=ser0,fd=%d,server=off" % ser_fd
    return argv + ["-kernel", kit["vmlinuz"], "-initrd", kit["initramfs"],
                   "-append", BOOT_APPEND]


def booted_more(p, hv, bus, bins):
    """Guests booted by the generator itself (stored in the page store):
    send-configuration=off (machine type changes without a configuration
    section), packed=on on every device, and a QEMU 10.0 guest."""
    mfam = "i440fx" if bus.startswith("i440fx") else "q35"
    # 1. send-configuration=off: pc-*-7.2 -> pc-*-7.1 drops queue_reset
    #    (hw_compat_7_1) while QEMU no longer compares machine types
    src = booted_config(p, hv, bus, extra=SC_OFF, boot=True, tag="sc=off")
    p.case("booted-self", src, booted_config(p, hv, bus, extra=SC_OFF, tag="sc=off"))
    p.case("booted", src, booted_config(p, hv, bus, extra=SC_OFF, tag="sc=off",
                                        machine="pc-%s-7.1" % mfam))
    for fam in ("blk", "net", "rng"):
        p.case("booted", src, booted_config(p, hv, bus, fam, ["queue_reset=off"], extra=SC_OFF,
                                            tag="sc=off", variant=fam + ":queue_reset=off"))
    for v in ("10.0", "11.1"):
        if v in bins:
            p.case("booted-xver", src, booted_config(p, v, bus, extra=SC_OFF, tag="sc=off"))
            p.case("booted-xver", src, booted_config(p, v, bus, extra=SC_OFF, tag="sc=off",
                                                     machine="pc-%s-7.2" % mfam))
    # 2. packed=on everywhere: a destination without it on one device
    src = booted_config(p, hv, bus, all_props=["packed=on"], boot=True, tag="packed")
    p.case("booted-self", src, booted_config(p, hv, bus, all_props=["packed=on"],
                                             tag="packed"))
    for fam in FAMS:
        p.case("booted", src, booted_config(p, hv, bus, fam, ["packed=off"],
                                            all_props=["packed=on"], tag="packed",
                                            variant=fam + ":packed=off"))
    # 3. a QEMU 10.0 guest: into 11.1 (Debian's builds differ in queue sizes)
    if "10.0" in bins and "11.1" in bins:
        src = booted_config(p, "10.0", bus, boot=True)
        p.case("booted-self", src, booted_config(p, "10.0", bus))
        p.case("booted-xver", src, booted_config(p, "11.1", bus, machine="pc-%s-10.0" % mfam))
        p.case("booted", src, booted_config(p, "10.0", bus, "blk", ["event_idx=off"],
                                            variant="blk:event_idx=off"))


def booted_argv(spec, qemu, qmp_fd, backend_props):
    """Destination/DST_REF argv for a booted config (spec["template"]), with
    one device changed.  backend_props: device variants that change the
    backend (blk "backend:read-only=on")."""
    # the fixture's 9p export directory must exist for QEMU to start
    os.makedirs("/tmp/vmcompat-fixtures-9p", exist_ok=True)
    out = [qemu]
    fam = spec["family"]
    dev_id = BOOT_DEV.get(fam)
    t = spec["template"]
    i = 0
    while i < len(t):
        a = t[i]
        if a == "-machine":
            # x-events: the incoming side reports MIGRATION events (generate)
            out += (["-machine", spec["machine"], "-global", "migration.x-events=on"]
                    + spec.get("extra", []))
            i += 2
            continue
        if a == "-device" and spec.get("all_props") and t[i + 1].startswith("virtio-") \
                and not (dev_id and (",id=%s," % dev_id) in t[i + 1]):
            out += ["-device", ",".join([t[i + 1]] + spec["all_props"])]
            i += 2
            continue
        if a == "-device" and dev_id and (",id=%s," % dev_id) in t[i + 1]:
            opts = t[i + 1].split(",") + list(spec.get("all_props", []))
            qom = opts[0]
            if spec["flavour"] in ("transitional", "non-transitional"):
                qom += "-" + spec["flavour"]
            elif spec["flavour"] == "disable-legacy":
                opts.append("disable-legacy=on")
            elif spec["flavour"] == "disable-modern":
                opts.append("disable-modern=on")
                if spec["bus"] == "q35-rootport":
                    opts.append("disable-legacy=off")
            for pr in spec["props"]:
                if pr.startswith("backend:"):
                    continue
                for one in pr.split(","):
                    k = one.split("=", 1)[0] + "="
                    opts = [o for o in opts if not o.startswith(k)] + [one]
            out += ["-device", ",".join([qom] + opts[1:])]
            i += 2
            continue
        if a == "-blockdev" and fam == "blk" and any(
                x.startswith("backend:") for x in spec["props"]):
            extra = [x.split(":", 1)[1] for x in spec["props"] if x.startswith("backend:")]
            out += ["-blockdev", ",".join([t[i + 1]] + extra)]
            i += 2
            continue
        out.append(a.replace("fd=QMPFD", "fd=%d" % qmp_fd))
        i += 1
    return out


# ---------------------------------------------------------------------------
# 3. machine-type and topology settings (never-booted)

SC_OFF = ["-global", "migration.send-configuration=off"]
PXE_ROM = "/usr/lib/ipxe/qemu/pxe-virtio.rom"  # 75776 bytes -> a 128 KiB block


def add_settings(p, host_qv, bins):
    hv = host_qv
    maj, mnr = hv.split(".")
    prev = "%s.%d" % (maj, int(mnr) - 1)
    for bus in XBUSES:
        mfam = "i440fx" if bus.startswith("i440fx") else "q35"
        for fam in FAMS:
            base = p.config(hv, bus, fam)
            # send-configuration=off on both sides: machine type change
            a = p.config(hv, bus, fam, variant="sc=off", extra=SC_OFF)
            b = p.config(hv, bus, fam, variant="sc=off", extra=SC_OFF,
                         machine="pc-%s-%s" % (mfam, prev))
            p.case("sendcfg", a, b)
            p.case("sendcfg", b, a)
            p.case("sendcfg-self", a, a)
            p.case("sendcfg-self", b, b)
            # one side only
            p.case("sendcfg", a, base)
            p.case("sendcfg", base, a)
            # upgrades with a machine type change, configuration not sent
            for v1, v2 in (("7.2", "10.0"), ("10.0", "11.1")):
                if v1 not in bins or v2 not in bins:
                    continue
                x = p.config(v1, bus, fam, variant="sc=off", extra=SC_OFF)
                y = p.config(v2, bus, fam, variant="sc=off", extra=SC_OFF)
                p.case("sendcfg", x, y)
                p.case("sendcfg", y, x)
                p.case("sendcfg-self", x, x)
                p.case("sendcfg-self", y, y)
        # the -machine form: pc-i440fx-2.3 and older set it off (hw_compat_2_3)
        if mfam == "i440fx":
            for fam in ("rng", "net", "blk"):
                m = {v: p.config(hv, bus, fam, machine="pc-i440fx-%s" % v)
                     for v in ("2.2", "2.3", "2.4")}
                for s, d in (("2.3", "2.2"), ("2.2", "2.3"), ("2.3", "2.4"),
                             ("2.4", "2.3")):
                    p.case("sendcfg", m[s], m[d])
                for v in m.values():
                    p.case("sendcfg-self", v, v)
        # -smp 1 <-> 2
        for fam in ("rng", "net", "blk"):
            base = p.config(hv, bus, fam)
            s2 = p.config(hv, bus, fam, variant="smp=2", extra=["-smp", "2"])
            p.case("smp", base, s2)
            p.case("smp", s2, base)
            p.case("smp-self", s2, s2)
        # children of virtio-serial
        ser = {"": p.config(hv, bus, "serial")}
        for name, kids in (
                ("port=agent", ["-chardev", "null,id=c0", "-device",
                                "virtserialport,bus=dev0.0,chardev=c0,"
                                "name=org.qemu.guest_agent.0"]),
                ("port=other", ["-chardev", "null,id=c0", "-device",
                                "virtserialport,bus=dev0.0,chardev=c0,name=other.0"]),
                ("console", ["-chardev", "null,id=c0", "-device",
                             "virtconsole,bus=dev0.0,chardev=c0"]),
                ("port=agent+console", ["-chardev", "null,id=c0", "-device",
                                        "virtserialport,bus=dev0.0,chardev=c0,"
                                        "name=org.qemu.guest_agent.0",
                                        "-chardev", "null,id=c1", "-device",
                                        "virtconsole,bus=dev0.0,chardev=c1"])):
            ser[name] = p.config(hv, bus, "serial", variant=name, children=kids)
        for s, d in (("", "port=agent"), ("port=agent", ""), ("port=agent", "port=other"),
                     ("port=agent", "console"), ("console", "port=agent"),
                     ("", "console"), ("console", ""),
                     ("port=agent", "port=agent+console"),
                     ("port=agent+console", "port=agent")):
            p.case("children", ser[s], ser[d])
        for k, v in ser.items():
            if k:
                p.case("children-self", v, v)
        # children of virtio-scsi
        hd = ["-blockdev", "driver=null-co,node-name=hd0,size=67108864"]
        scsi = {"": p.config(hv, bus, "scsi")}
        for name, kids in (
                ("scsi-hd", hd + ["-device", "scsi-hd,bus=dev0.0,drive=hd0,lun=0"]),
                ("scsi-hd-lun1", hd + ["-device", "scsi-hd,bus=dev0.0,drive=hd0,lun=1"]),
                ("scsi-cd", ["-device", "scsi-cd,bus=dev0.0,lun=0"])):
            scsi[name] = p.config(hv, bus, "scsi", variant=name, children=kids)
        for s, d in (("", "scsi-hd"), ("scsi-hd", ""), ("scsi-hd", "scsi-cd"),
                     ("scsi-cd", "scsi-hd"), ("scsi-hd", "scsi-hd-lun1"),
                     ("", "scsi-cd"), ("scsi-cd", "")):
            p.case("children", scsi[s], scsi[d])
        for k, v in scsi.items():
            if k:
                p.case("children-self", v, v)
        # option ROMs: rombar=0, a romfile of another size
        for fam, names in (("net", ("rombar=0", "romfile=pxe")), ("rng", ("rombar=0",)),
                           ("blk", ("rombar=0",))):
            base = p.config(hv, bus, fam)
            for n in names:
                props = ["romfile=%s" % PXE_ROM] if n == "romfile=pxe" else [n]
                v = p.config(hv, bus, fam, props=props, variant=n)
                p.case("rom", base, v)
                p.case("rom", v, base)
                p.case("rom-self", v, v)
