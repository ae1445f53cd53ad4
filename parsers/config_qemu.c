/*
 * config_qemu.c - a QEMU command line (argv, or one string split like a
 * POSIX shell) reduced to a vmc__config.
 *
 * Stage: input.  Callers: vmc__config_parse (by content) and the CLI.
 * Output: parsers/config.h; docs/config-input.md lists every option.
 *
 * What is mirrored from QEMU 7.2 (files in the QEMU tree):
 *  - QemuOpts syntax, util/qemu-option.c get_opt_name_value/get_opt_value:
 *    params split at ','; ",," is a literal comma inside a value (names
 *    cannot hold ',' or '='); a first param without '=' is the option's
 *    implied name (-device DRIVER, -netdev TYPE, -machine TYPE, ...); any
 *    other param without '=' is a flag: "foo" is foo=on and "nofoo" is
 *    foo=off.  keyval (-machine, -blockdev) rejects flags; we accept them.
 *  - JSON forms, softmmu/vl.c: -device, -netdev, -object, -blockdev take a
 *    JSON object when the argument starts with '{'.  Scalars keep their
 *    text; JSON true/false become "on"/"off" (what qdev's bool parser takes
 *    on the command line), nested objects and arrays stay JSON text.
 *  - -global, softmmu/qdev-monitor.c qemu_global_option: "D.P=V" (sscanf
 *    "%63[^.=].%63[^=]"; V is raw, no ",," unescaping) or
 *    driver=D,property=P,value=V.
 *  - -m, softmmu/vl.c parse_memory_options: a size ending in a digit gets
 *    an "M" suffix; util/cutils.c do_strtosz: decimal (or 0x hex) with an
 *    optional fraction and a B/K/M/G/T/P/E suffix, rounded half up.
 *  - -smp, hw/core/machine-smp.c smp_parse: cpus, else maxcpus, else the
 *    product of sockets, dies, clusters, cores and threads (missing ones 1).
 *  - -nic, net/net.c net_param_nic + hw/i386/pc.c pc_nic_init +
 *    hw/pci/pci.c pci_nic_init_nofail: a netdev (type default "user", id
 *    default generated: QEMU's id_generate gives "#net<N><2 random digits>",
 *    we record "#net<N>") plus a NIC device with netdev= and mac=; model
 *    "virtio" is virtio-net-pci; no model is the machine's
 *    default_nic_model: e1000e on pc-q35 >= 2.12 (hw/i386/pc_q35.c), e1000
 *    otherwise (hw/i386/pc_piix.c, pc_q35_2_11_machine_options).
 *  - -drive if=virtio, blockdev.c drive_new: a "virtio-blk" device with
 *    only drive=<id> (the x86 alias is virtio-blk-pci, which we record);
 *    the id, when not given, is if_name + [bus] + ["-cd"|"-hd"] + unit
 *    with units handed out first-free per interface (if_max_devs: ide 2,
 *    scsi 7, others unbounded).
 *  - -virtfs, softmmu/vl.c: an fsdev with id = id= or mount_tag, and a
 *    virtio-9p-pci device with fsdev= and mount_tag=.
 *  - -bios is machine property "firmware" (vl.c QEMU_OPTION_bios), -no-acpi
 *    and -no-hpet are acpi=off and hpet=off; -cpu and -uuid are kept as
 *    machine properties "cpu" and "uuid" (CPU model and validate-uuid
 *    change what a stream must carry).
 *
 * Invariants: argv is read, never modified; on failure nothing is
 * returned and the partial config is freed.  Errors: VMC_EMALFORMED with
 * path = origin and, for the string form, the byte offset of the word.
 *
 * Non-goals: -readconfig, -set, -net, -hda..., option abbreviations,
 * shell expansions ($VAR, globs, `...`), resolving aliases or defaults.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* What an option does. */
enum {
	OPT_MACHINE,      /* -machine/-M                                   */
	OPT_DEVICE,       /* -device                                       */
	OPT_GLOBAL,       /* -global                                       */
	OPT_SMP,          /* -smp                                          */
	OPT_MEM,          /* -m                                            */
	OPT_ACCEL,        /* -accel                                        */
	OPT_ENABLE_KVM,   /* -enable-kvm                                   */
	OPT_BACKEND,      /* -netdev -blockdev -fsdev -chardev -object     */
	OPT_NIC,          /* -nic                                          */
	OPT_DRIVE,        /* -drive                                        */
	OPT_VIRTFS,       /* -virtfs                                       */
	OPT_MACHINE_PROP, /* -cpu -uuid -bios: machine property = argument */
	OPT_MACHINE_OFF,  /* -no-acpi -no-hpet: machine property = "off"   */
	OPT_NODEFAULTS,   /* -nodefaults                                   */
	OPT_VGA,          /* -vga                                          */
	OPT_IGNORED       /* no effect on the migration stream             */
};

typedef struct qopt {
	const char *name;  /* without the leading '-'                        */
	unsigned char kind;
	unsigned char arg; /* 1: takes the next word as its argument         */
	const char *key;   /* OPT_BACKEND: kind; OPT_MACHINE_PROP/OFF: prop   */
	const char *implied; /* OPT_BACKEND: QemuOpts implied_opt_name       */
	const char *idkey; /* OPT_BACKEND: the property naming the backend   */
} qopt;

static const qopt qopts[] = {
	{"machine", OPT_MACHINE, 1, NULL, NULL, NULL},
	{"M", OPT_MACHINE, 1, NULL, NULL, NULL},
	{"device", OPT_DEVICE, 1, NULL, NULL, NULL},
	{"global", OPT_GLOBAL, 1, NULL, NULL, NULL},
	{"smp", OPT_SMP, 1, NULL, NULL, NULL},
	{"m", OPT_MEM, 1, NULL, NULL, NULL},
	{"accel", OPT_ACCEL, 1, NULL, NULL, NULL},
	{"enable-kvm", OPT_ENABLE_KVM, 0, NULL, NULL, NULL},
	{"netdev", OPT_BACKEND, 1, "netdev", "type", "id"},
	{"blockdev", OPT_BACKEND, 1, "blockdev", "driver", "node-name"},
	{"fsdev", OPT_BACKEND, 1, "fsdev", "fsdriver", "id"},
	{"chardev", OPT_BACKEND, 1, "chardev", "backend", "id"},
	{"object", OPT_BACKEND, 1, "object", "qom-type", "id"},
	{"nic", OPT_NIC, 1, NULL, NULL, NULL},
	{"drive", OPT_DRIVE, 1, NULL, NULL, NULL},
	{"virtfs", OPT_VIRTFS, 1, NULL, NULL, NULL},
	{"cpu", OPT_MACHINE_PROP, 1, "cpu", NULL, NULL},
	{"uuid", OPT_MACHINE_PROP, 1, "uuid", NULL, NULL},
	{"bios", OPT_MACHINE_PROP, 1, "firmware", NULL, NULL},
	{"no-acpi", OPT_MACHINE_OFF, 0, "acpi", NULL, NULL},
	{"no-hpet", OPT_MACHINE_OFF, 0, "hpet", NULL, NULL},
	{"nodefaults", OPT_NODEFAULTS, 0, NULL, NULL, NULL},
	{"vga", OPT_VGA, 1, NULL, NULL, NULL},
	/* Host side, firmware load paths and run control: nothing in the
	 * stream depends on them (the fw_cfg and ROM contents of -kernel and
	 * -L are RAM, not device state). */
	{"display", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"nographic", OPT_IGNORED, 0, NULL, NULL, NULL},
	{"vnc", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"name", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"qmp", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"monitor", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"mon", OPT_IGNORED, 1, NULL, NULL, NULL},
	/* -serial / -parallel other than "none" create ISA devices with
	 * sections of their own ("serial", "parallel_isa"): not modeled */
	{"serial", OPT_VGA, 1, NULL, NULL, NULL},
	{"parallel", OPT_VGA, 1, NULL, NULL, NULL},
	{"S", OPT_IGNORED, 0, NULL, NULL, NULL},
	{"daemonize", OPT_IGNORED, 0, NULL, NULL, NULL},
	{"pidfile", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"rtc", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"boot", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"kernel", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"initrd", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"append", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"incoming", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"L", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"no-user-config", OPT_IGNORED, 0, NULL, NULL, NULL},
	{"no-shutdown", OPT_IGNORED, 0, NULL, NULL, NULL},
	{"no-reboot", OPT_IGNORED, 0, NULL, NULL, NULL},
	{"overcommit", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"msg", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"sandbox", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"audiodev", OPT_IGNORED, 1, NULL, NULL, NULL},
	{"snapshot", OPT_IGNORED, 0, NULL, NULL, NULL},
};

/* Parse state for one command line. */
typedef struct qstate {
	vmc__config *cfg;
	vmc_ctx *ctx;
	const char *origin;          /* error path                          */
	const uint64_t *offsets;     /* byte offset of each word, or NULL   */
	size_t nics;                 /* -nic options seen (generated ids)   */
	size_t *nic_default;         /* devices taking the default NIC model */
	size_t nnic_default;
	struct drive_slot {          /* -drive units handed out (drive_new)  */
		char iface[16];
		unsigned long bus, unit;
	} *drives;
	size_t ndrives;
} qstate;

static int qfail(qstate *st, size_t argi, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int qfail(qstate *st, size_t argi, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vmc__failv(st->ctx, code, st->offsets ? (int64_t)st->offsets[argi] : VMC_NO_OFFSET,
			st->origin, __FILE__, __LINE__, fmt, ap);
	va_end(ap);
	return rc;
}

/* Arena arrays of the parse state grow like config.c's (capacity implied
 * by length: 4, 8, 16, ...). */
static void *st_grow(qstate *st, void *arr, size_t n, size_t elem)
{
	size_t bytes;
	void *p;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return arr;
	if (!vmc__mul_size(n ? n * 2 : 4, elem, &bytes)) {
		VMC_OOM(st->ctx);
		return NULL;
	}
	p = vmc__arena_alloc(&st->cfg->arena, bytes);
	if (p && n)
		memcpy(p, arr, n * elem);
	return p;
}

/* ---- QemuOpts and JSON arguments -------------------------------------- */

/*
 * One QemuOpts string into kv (util/qemu-option.c opts_do_parse).
 * firstname: the implied name of a leading param without '=', or NULL.
 */
static int parse_opts(qstate *st, size_t argi, const char *arg, const char *firstname,
		      vmc__kv **kv, size_t *n)
{
	const char *p = arg;
	int first = 1;

	while (*p) {
		size_t len = strcspn(p, "=,");
		const char *name, *q;
		char namebuf[128];
		char *value, *w;

		if (p[len] != '=' && !(first && firstname)) {
			/* a flag: "foo" is foo=on, "nofoo" is foo=off */
			const char *on = "on";

			if (len == 0)
				return qfail(st, argi, VMC_EMALFORMED,
					     "expected a property in '%s', found an empty one", arg);
			if (len >= 2 && p[0] == 'n' && p[1] == 'o') {
				p += 2;
				len -= 2;
				on = "off";
			}
			if (len >= sizeof(namebuf))
				return qfail(st, argi, VMC_EMALFORMED,
					     "expected a property name of at most %zu bytes, found "
					     "%zu bytes in '%s'",
					     sizeof(namebuf) - 1, len, arg);
			memcpy(namebuf, p, len);
			namebuf[len] = '\0';
			VMC_TRY(vmc__config_kv_add(st->cfg, kv, n, namebuf, on));
			p += len;
		} else {
			if (p[len] == '=') {
				if (len == 0)
					return qfail(st, argi, VMC_EMALFORMED,
						     "expected a property name before '=' in '%s'",
						     arg);
				if (len >= sizeof(namebuf))
					return qfail(st, argi, VMC_EMALFORMED,
						     "expected a property name of at most %zu "
						     "bytes, found %zu bytes in '%s'",
						     sizeof(namebuf) - 1, len, arg);
				memcpy(namebuf, p, len);
				namebuf[len] = '\0';
				name = namebuf;
				p += len + 1;
			} else {
				name = firstname;
			}
			/* get_opt_value: up to a single ',', ",," is ',' */
			for (q = p; *q; q++) {
				if (*q == ',') {
					if (q[1] != ',')
						break;
					q++;
				}
			}
			value = vmc__arena_alloc(&st->cfg->arena, (size_t)(q - p) + 1);
			if (!value)
				return VMC_ENOMEM;
			for (w = value; p < q; p++) {
				*w++ = *p;
				if (*p == ',')
					p++; /* the second comma of ",," */
			}
			*w = '\0';
			VMC_TRY(vmc__config_kv_add(st->cfg, kv, n, name, value));
		}
		first = 0;
		if (*p == ',')
			p++;
	}
	return VMC_OK;
}

/* A JSON object argument into kv (vl.c: -device/-netdev/-object/-blockdev
 * arguments that start with '{'). */
static int parse_json(qstate *st, size_t argi, const char *arg, vmc__kv **kv, size_t *n)
{
	size_t len = strlen(arg);
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t end;
	int rc = VMC_OK;

	tok = json_tokener_new_ex((int)st->ctx->limits.max_json_depth);
	if (!tok)
		return VMC_OOM(st->ctx);
	obj = json_tokener_parse_ex(tok, arg, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success) {
		json_object_put(obj);
		return qfail(st, argi, VMC_EMALFORMED, "expected a JSON object, found %s in '%s'",
			     jerr == json_tokener_error_depth ? "nesting deeper than max_json_depth"
			     : jerr == json_tokener_continue	    ? "the end of the argument"
								    : json_tokener_error_desc(jerr),
			     arg);
	}
	while (end < len && strchr(" \t\r\n", arg[end]))
		end++;
	if (end != len || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return qfail(st, argi, VMC_EMALFORMED, "expected one JSON object, found '%s'", arg);
	}
	json_object_object_foreach(obj, key, val)
	{
		const char *text;

		switch (json_object_get_type(val)) {
		case json_type_boolean:
			text = json_object_get_boolean(val) ? "on" : "off";
			break;
		case json_type_string:
			text = json_object_get_string(val);
			if (strlen(text) != (size_t)json_object_get_string_len(val)) {
				rc = qfail(st, argi, VMC_EMALFORMED,
					   "expected \"%s\" to be a string without NUL, found a NUL",
					   key);
				goto out;
			}
			break;
		case json_type_null:
			rc = qfail(st, argi, VMC_EMALFORMED,
				   "expected \"%s\" to have a value, found null", key);
			goto out;
		default: /* numbers keep their text; objects and arrays are JSON */
			text = json_object_to_json_string_ext(
				val, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
			break;
		}
		if (!text) {
			rc = VMC_OOM(st->ctx);
			goto out;
		}
		rc = vmc__config_kv_add(st->cfg, kv, n, key, text);
		if (rc < 0)
			goto out;
	}
out:
	json_object_put(obj);
	return rc;
}

static int parse_arg(qstate *st, size_t argi, const char *arg, const char *firstname,
		     int json_ok, vmc__kv **kv, size_t *n)
{
	if (json_ok && arg[0] == '{')
		return parse_json(st, argi, arg, kv, n);
	return parse_opts(st, argi, arg, firstname, kv, n);
}

/* Split kv into key's value (last wins, all copies removed) and the rest. */
static const char *take(vmc__kv *kv, size_t *n, const char *key)
{
	const char *v = vmc__kv_get(kv, *n, key);
	size_t i, j;

	if (!v)
		return NULL;
	for (i = j = 0; i < *n; i++)
		if (strcmp(kv[i].key, key) != 0)
			kv[j++] = kv[i];
	*n = j;
	return v;
}

/* ---- numbers ------------------------------------------------------------ */

/* 64x64 -> 128 multiply: *lo, *hi. */
static void mul64(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
	uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);

	*lo = (ll & 0xffffffffu) | (mid << 32);
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* util/cutils.c do_strtosz with a default suffix: 0 on success. */
static int strtosz(const char *s, char default_suffix, uint64_t *out)
{
	const char *p = s;
	uint64_t val = 0, valf = 0, lo, hi, tmp, mul;
	int hex = 0, digits = 0;
	char c;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		hex = 1;
		p += 2;
	}
	for (;; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (hex && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (hex && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (__builtin_mul_overflow(val, hex ? 16u : 10u, &val) ||
		    __builtin_add_overflow(val, d, &val))
			return -1;
		digits++;
	}
	if (!digits)
		return -1;
	if (*p == '.' && !hex) {
		/* fraction as 0.64 fixed point, from at most 19 digits */
		double f = 0, scale = 0.1;
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			if (n < 19) {
				f += (*p - '0') * scale;
				scale /= 10;
			}
		}
		valf = f >= 1.0 ? UINT64_MAX : (uint64_t)(f * 18446744073709551616.0);
	}
	c = *p;
	switch (c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c) {
	case 'B': mul = 1; break;
	case 'K': mul = 1ull << 10; break;
	case 'M': mul = 1ull << 20; break;
	case 'G': mul = 1ull << 30; break;
	case 'T': mul = 1ull << 40; break;
	case 'P': mul = 1ull << 50; break;
	case 'E': mul = 1ull << 60; break;
	default: c = 0; break;
	}
	if (c)
		p++;
	else
		mul = default_suffix == 'M' ? 1ull << 20 : 1;
	if (*p)
		return -1;
	if (mul == 1)
		return valf ? -1 : (*out = val, 0);
	mul64(val, mul, &val, &hi);
	if (hi)
		return -1;
	mul64(valf, mul, &lo, &tmp); /* tmp: integer part of fraction * mul */
	if (__builtin_add_overflow(val, tmp, &val) ||
	    __builtin_add_overflow(val, lo >> 63, &val)) /* round half up */
		return -1;
	*out = val;
	return 0;
}

/* A decimal number that fits uint32: 0 on success. */
static int strtou32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static int do_machine(qstate *st, size_t argi, const char *arg)
{
	vmc__config *cfg = st->cfg;
	vmc__kv *kv = NULL;
	size_t n = 0, i;

	VMC_TRY(parse_opts(st, argi, arg, "type", &kv, &n));
	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "type") == 0)
			cfg->machine = kv[i].value;
		else if (strcmp(kv[i].key, "accel") == 0)
			cfg->accel = kv[i].value;
		else
			VMC_TRY(vmc__config_kv_add(cfg, &cfg->machine_props, &cfg->nmachine_props,
						   kv[i].key, kv[i].value));
	}
	return VMC_OK;
}

static int do_device(qstate *st, size_t argi, const char *arg)
{
	vmc__kv *kv = NULL;
	size_t n = 0;
	const char *driver, *id;
	vmc__cfg_device *d;
	char origin[48];

	VMC_TRY(parse_arg(st, argi, arg, "driver", 1, &kv, &n));
	driver = take(kv, &n, "driver");
	if (!driver || !*driver)
		return qfail(st, argi, VMC_EMALFORMED,
			     "expected a driver in -device '%s', found none", arg);
	id = take(kv, &n, "id");
	snprintf(origin, sizeof(origin), "argument %zu", argi);
	VMC_TRY(vmc__config_device_add(&d, st->cfg, driver, id, origin));
	d->props = kv;
	d->nprops = n;
	return VMC_OK;
}

static int do_global(qstate *st, size_t argi, const char *arg)
{
	vmc__config *cfg = st->cfg;
	size_t dlen = strcspn(arg, ".="), plen;
	vmc__kv *kv = NULL;
	size_t n = 0;
	const char *drv, *prop, *val;
	char *key;

	/* "%63[^.=].%63[^=]%n" then '=' */
	if (dlen > 0 && dlen < 64 && arg[dlen] == '.') {
		plen = strcspn(arg + dlen + 1, "=");
		if (plen > 0 && plen < 64 && arg[dlen + 1 + plen] == '=') {
			key = vmc__arena_strndup(&cfg->arena, arg, dlen + 1 + plen);
			if (!key)
				return VMC_ENOMEM;
			return vmc__config_kv_add(cfg, &cfg->globals, &cfg->nglobals, key,
						  arg + dlen + 2 + plen);
		}
	}
	VMC_TRY(parse_opts(st, argi, arg, NULL, &kv, &n));
	drv = vmc__kv_get(kv, n, "driver");
	prop = vmc__kv_get(kv, n, "property");
	val = vmc__kv_get(kv, n, "value");
	if (!drv || !prop || !val)
		return qfail(st, argi, VMC_EMALFORMED,
			     "expected -global DRIVER.PROP=VALUE or driver=,property=,value=, "
			     "found '%s'",
			     arg);
	key = vmc__config_printf(cfg, "%s.%s", drv, prop);
	if (!key)
		return VMC_ENOMEM;
	return vmc__config_kv_add(cfg, &cfg->globals, &cfg->nglobals, key, val);
}

static int do_smp(qstate *st, size_t argi, const char *arg)
{
	static const char *const topo[] = {"sockets", "dies", "clusters", "cores", "threads"};
	vmc__kv *kv = NULL;
	size_t n = 0, i;
	uint64_t product = 1;
	uint32_t v;
	const char *s;

	VMC_TRY(parse_opts(st, argi, arg, "cpus", &kv, &n));
	for (i = 0; i < n; i++)
		if (strtou32(kv[i].value, &v) != 0)
			return qfail(st, argi, VMC_EMALFORMED,
				     "expected a CPU count in -smp %s=, found '%s'", kv[i].key,
				     kv[i].value);
	if ((s = vmc__kv_get(kv, n, "cpus")) != NULL && strtou32(s, &v) == 0 && v) {
		st->cfg->smp_cpus = v;
		return VMC_OK;
	}
	if ((s = vmc__kv_get(kv, n, "maxcpus")) != NULL && strtou32(s, &v) == 0 && v) {
		st->cfg->smp_cpus = v;
		return VMC_OK;
	}
	for (i = 0; i < sizeof(topo) / sizeof(topo[0]); i++)
		if ((s = vmc__kv_get(kv, n, topo[i])) != NULL && strtou32(s, &v) == 0 && v) {
			product *= v;
			if (product > UINT32_MAX)
				return qfail(st, argi, VMC_EMALFORMED,
					     "expected at most %u CPUs in -smp, found '%s'",
					     UINT32_MAX, arg);
		}
	st->cfg->smp_cpus = (uint32_t)product;
	return VMC_OK;
}

static int do_mem(qstate *st, size_t argi, const char *arg)
{
	vmc__kv *kv = NULL;
	size_t n = 0, len;
	const char *size;
	uint64_t bytes;

	VMC_TRY(parse_opts(st, argi, arg, "size", &kv, &n));
	size = vmc__kv_get(kv, n, "size");
	if (!size)
		return VMC_OK; /* "-m maxmem=..." only: the default size */
	len = strlen(size);
	if (strtosz(size, len && size[len - 1] >= '0' && size[len - 1] <= '9' ? 'M' : 'B',
		    &bytes) != 0)
		return qfail(st, argi, VMC_EMALFORMED,
			     "expected a size in -m (N, NM, NG, size=...), found '%s'", size);
	st->cfg->ram_bytes = bytes;
	return VMC_OK;
}

static int do_accel(qstate *st, size_t argi, const char *arg)
{
	vmc__kv *kv = NULL;
	size_t n = 0;
	const char *a;

	VMC_TRY(parse_opts(st, argi, arg, "accel", &kv, &n));
	a = vmc__kv_get(kv, n, "accel");
	if (!a)
		return qfail(st, argi, VMC_EMALFORMED,
			     "expected an accelerator in -accel, found '%s'", arg);
	/* QEMU tries each -accel in order and keeps the first that works:
	 * the first one given is the one a working VM runs with. */
	if (!st->cfg->accel)
		st->cfg->accel = a;
	return VMC_OK;
}

static int do_backend(qstate *st, size_t argi, const qopt *o, const char *arg)
{
	vmc__kv *kv = NULL;
	size_t n = 0;
	const char *type, *id;
	vmc__cfg_backend *b;

	/* -fsdev and -chardev are QemuOpts only; the others also take JSON */
	VMC_TRY(parse_arg(st, argi, arg, o->implied,
			  strcmp(o->key, "fsdev") != 0 && strcmp(o->key, "chardev") != 0, &kv, &n));
	type = take(kv, &n, o->implied);
	id = take(kv, &n, o->idkey);
	if (!id || !*id)
		return qfail(st, argi, VMC_EMALFORMED, "expected %s= in -%s '%s', found none",
			     o->idkey, o->name, arg);
	VMC_TRY(vmc__config_backend_add(&b, st->cfg, o->key, type, id));
	b->props = kv;
	b->nprops = n;
	return VMC_OK;
}

static int do_nic(qstate *st, size_t argi, const char *arg)
{
	vmc__config *cfg = st->cfg;
	vmc__kv *kv = NULL;
	size_t n = 0;
	const char *type, *id, *model, *mac;
	vmc__cfg_backend *b;
	vmc__cfg_device *d;
	char origin[48];

	VMC_TRY(parse_opts(st, argi, arg, "type", &kv, &n));
	type = take(kv, &n, "type");
	if (type && strcmp(type, "none") == 0)
		return vmc__config_note_ignored(cfg, "-nic none");
	id = take(kv, &n, "id");
	model = take(kv, &n, "model");
	mac = take(kv, &n, "mac");
	if (!id) {
		id = vmc__config_printf(cfg, "#net%zu", st->nics);
		if (!id)
			return VMC_ENOMEM;
	}
	st->nics++;
	VMC_TRY(vmc__config_backend_add(&b, cfg, "netdev", type ? type : "user", id));
	b->props = kv;
	b->nprops = n;

	snprintf(origin, sizeof(origin), "argument %zu", argi);
	if (model && strcmp(model, "virtio") == 0)
		model = "virtio-net-pci";
	VMC_TRY(vmc__config_device_add(&d, cfg, model, NULL, origin));
	VMC_TRY(vmc__config_kv_add(cfg, &d->props, &d->nprops, "netdev", id));
	if (mac)
		VMC_TRY(vmc__config_kv_add(cfg, &d->props, &d->nprops, "mac", mac));
	if (!model) {
		/* the machine's default model: known once every -machine is read */
		size_t *arr = st_grow(st, st->nic_default, st->nnic_default, sizeof(*arr));

		if (!arr)
			return VMC_ENOMEM;
		st->nic_default = arr;
		arr[st->nnic_default++] = cfg->ndevices - 1;
	}
	return VMC_OK;
}

/* blockdev.c if_max_devs: units per bus of an interface (0: unbounded). */
static unsigned long if_max_devs(const char *iface)
{
	if (strcmp(iface, "ide") == 0)
		return 2;
	if (strcmp(iface, "scsi") == 0)
		return 7;
	return 0;
}

static int drive_used(const qstate *st, const char *iface, unsigned long bus, unsigned long unit)
{
	size_t i;

	for (i = 0; i < st->ndrives; i++)
		if (st->drives[i].bus == bus && st->drives[i].unit == unit &&
		    strcmp(st->drives[i].iface, iface) == 0)
			return 1;
	return 0;
}

static int opt_ulong(qstate *st, size_t argi, const vmc__kv *kv, size_t n, const char *key,
		     unsigned long *out)
{
	const char *s = vmc__kv_get(kv, n, key);
	uint32_t v;

	if (!s)
		return 0;
	if (strtou32(s, &v) != 0)
		return qfail(st, argi, VMC_EMALFORMED, "expected a number in -drive %s=, found '%s'",
			     key, s);
	*out = v;
	return 1;
}

static int do_drive(qstate *st, size_t argi, const char *arg)
{
	vmc__config *cfg = st->cfg;
	vmc__kv *kv = NULL;
	size_t n = 0;
	const char *iface, *id, *media;
	unsigned long bus = 0, unit = 0, index = 0, max;
	int has_unit, has_index;
	vmc__cfg_backend *b;
	struct drive_slot *slots;
	char origin[48];
	int rc;

	VMC_TRY(parse_opts(st, argi, arg, NULL, &kv, &n));
	iface = vmc__kv_get(kv, n, "if");
	if (!iface)
		iface = "ide"; /* block_default_type of the pc machines */
	if (strlen(iface) >= sizeof(st->drives[0].iface))
		return qfail(st, argi, VMC_EMALFORMED, "expected a -drive interface, found '%s'",
			     iface);
	max = if_max_devs(iface);
	VMC_TRY(rc = opt_ulong(st, argi, kv, n, "bus", &bus));
	VMC_TRY(has_unit = opt_ulong(st, argi, kv, n, "unit", &unit));
	VMC_TRY(has_index = opt_ulong(st, argi, kv, n, "index", &index));
	if (has_index) {
		if (rc || has_unit)
			return qfail(st, argi, VMC_EMALFORMED,
				     "expected index= or bus=/unit= in -drive, found both");
		bus = max ? index / max : 0;
		unit = max ? index % max : index;
	} else if (!has_unit) {
		for (unit = 0; drive_used(st, iface, bus, unit);) {
			unit++;
			if (max && unit >= max) {
				unit -= max;
				bus++;
			}
		}
	}
	if (max && unit >= max)
		return qfail(st, argi, VMC_EMALFORMED,
			     "expected unit < %lu for if=%s in -drive, found %lu", max, iface, unit);
	if (drive_used(st, iface, bus, unit))
		return qfail(st, argi, VMC_EMALFORMED,
			     "expected one -drive per if=%s bus=%lu unit=%lu, found two", iface,
			     bus, unit);
	slots = st_grow(st, st->drives, st->ndrives, sizeof(*slots));
	if (!slots)
		return VMC_ENOMEM;
	st->drives = slots;
	snprintf(slots[st->ndrives].iface, sizeof(slots[0].iface), "%s", iface);
	slots[st->ndrives].bus = bus;
	slots[st->ndrives].unit = unit;
	st->ndrives++;

	id = take(kv, &n, "id");
	if (!id) {
		media = vmc__kv_get(kv, n, "media");
		media = strcmp(iface, "ide") != 0 && strcmp(iface, "scsi") != 0 ? ""
			: media && strcmp(media, "cdrom") == 0			 ? "-cd"
										 : "-hd";
		id = max ? vmc__config_printf(cfg, "%s%lu%s%lu", iface, bus, media, unit)
			 : vmc__config_printf(cfg, "%s%s%lu", iface, media, unit);
		if (!id)
			return VMC_ENOMEM;
	}
	VMC_TRY(vmc__config_backend_add(&b, cfg, "drive", vmc__kv_get(kv, n, "format"), id));
	b->props = kv;
	b->nprops = n;

	snprintf(origin, sizeof(origin), "argument %zu", argi);
	if (strcmp(iface, "virtio") == 0) {
		vmc__cfg_device *d;

		VMC_TRY(vmc__config_device_add(&d, cfg, "virtio-blk-pci", NULL, origin));
		return vmc__config_kv_add(cfg, &d->props, &d->nprops, "drive", id);
	}
	if (strcmp(iface, "none") == 0)
		return VMC_OK;
	{
		char *what = vmc__config_printf(cfg, "-drive if=%s (%s): a disk on a built-in "
						     "controller",
						iface, origin);

		return what ? vmc__config_note_unmapped(cfg, what) : VMC_ENOMEM;
	}
}

static int do_virtfs(qstate *st, size_t argi, const char *arg)
{
	static const char *const copied[] = {"writeout", "path",     "security_model", "socket",
					     "sock_fd",	 "readonly", "multidevs"};
	vmc__config *cfg = st->cfg;
	vmc__kv *kv = NULL;
	size_t n = 0, i;
	const char *fsdriver, *tag, *id;
	vmc__cfg_backend *b;
	vmc__cfg_device *d;
	char origin[48];

	VMC_TRY(parse_opts(st, argi, arg, "fsdriver", &kv, &n));
	fsdriver = vmc__kv_get(kv, n, "fsdriver");
	tag = vmc__kv_get(kv, n, "mount_tag");
	if (!fsdriver || !tag)
		return qfail(st, argi, VMC_EMALFORMED,
			     "expected -virtfs FSDRIVER,mount_tag=TAG,..., found '%s'", arg);
	id = vmc__kv_get(kv, n, "id");
	if (!id)
		id = tag;
	VMC_TRY(vmc__config_backend_add(&b, cfg, "fsdev", fsdriver, id));
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		const char *v = vmc__kv_get(kv, n, copied[i]);

		if (v)
			VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, copied[i], v));
	}
	snprintf(origin, sizeof(origin), "argument %zu", argi);
	VMC_TRY(vmc__config_device_add(&d, cfg, "virtio-9p-pci", NULL, origin));
	VMC_TRY(vmc__config_kv_add(cfg, &d->props, &d->nprops, "fsdev", id));
	return vmc__config_kv_add(cfg, &d->props, &d->nprops, "mount_tag", tag);
}

/* hw/i386/pc_q35.c, pc_piix.c: default_nic_model. */
static const char *default_nic_model(const char *machine)
{
	unsigned major = 0, minor = 0;

	if (!machine || strncmp(machine, "pc-q35-", 7) != 0) {
		if (machine && strcmp(machine, "q35") == 0)
			return "e1000e";
		return "e1000";
	}
	/* pc-q35-2.11 and older: e1000 (pc_q35_2_11_machine_options) */
	if (sscanf(machine + 7, "%u.%u", &major, &minor) == 2 &&
	    (major < 2 || (major == 2 && minor <= 11)))
		return "e1000";
	return "e1000e";
}

static int note_ignored(qstate *st, const qopt *o, const char *arg)
{
	char *what = arg ? vmc__config_printf(st->cfg, "-%s %s", o->name, arg)
			 : vmc__config_printf(st->cfg, "-%s", o->name);

	return what ? vmc__config_note_ignored(st->cfg, what) : VMC_ENOMEM;
}

static const qopt *find_opt(const char *word)
{
	const char *name = word + 1;
	size_t i;

	if (*name == '-') /* QEMU accepts --option too */
		name++;
	for (i = 0; i < sizeof(qopts) / sizeof(qopts[0]); i++)
		if (strcmp(qopts[i].name, name) == 0)
			return &qopts[i];
	return NULL;
}

/* The program name: a first word that is not an option and names QEMU. */
static int is_program(const char *word)
{
	const char *base = strrchr(word, '/');

	base = base ? base + 1 : word;
	return strncmp(base, "qemu", 4) == 0;
}

static int parse_args(qstate *st, const char *const *argv, size_t argc)
{
	vmc__config *cfg = st->cfg;
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < argc; i++) {
		if (!argv[i])
			return VMC_FAIL_AT(st->ctx, VMC_EINVAL, VMC_NO_OFFSET, st->origin,
					   "expected argv[%zu] to be a string, found NULL", i);
		total += strlen(argv[i]) + (i > 0); /* as one line, blank-separated */
	}
	if (total > st->ctx->limits.max_libvirt_xml)
		return VMC_FAIL_AT(st->ctx, VMC_ELIMIT, VMC_NO_OFFSET, st->origin,
				   "a command line of %llu bytes exceeds max_libvirt_xml (%llu bytes)",
				   (unsigned long long)total,
				   (unsigned long long)st->ctx->limits.max_libvirt_xml);

	i = argc > 0 && argv[0][0] != '-' && is_program(argv[0]) ? 1 : 0;
	for (; i < argc; i++) {
		const char *word = argv[i], *arg = NULL;
		const qopt *o;

		if (word[0] != '-' || word[1] == '\0')
			return qfail(st, i, VMC_EMALFORMED, "expected a QEMU option, found '%s'",
				     word);
		o = find_opt(word);
		if (!o)
			return qfail(st, i, VMC_EMALFORMED,
				     "expected a QEMU option vmcompat knows, found '%s'", word);
		if (o->arg) {
			if (i + 1 >= argc)
				return qfail(st, i, VMC_EMALFORMED,
					     "expected an argument after %s, found the end of the "
					     "command line",
					     word);
			arg = argv[++i];
		}
		switch (o->kind) {
		case OPT_MACHINE:
			VMC_TRY(do_machine(st, i, arg));
			break;
		case OPT_DEVICE:
			VMC_TRY(do_device(st, i, arg));
			break;
		case OPT_GLOBAL:
			VMC_TRY(do_global(st, i, arg));
			break;
		case OPT_SMP:
			VMC_TRY(do_smp(st, i, arg));
			break;
		case OPT_MEM:
			VMC_TRY(do_mem(st, i, arg));
			break;
		case OPT_ACCEL:
			VMC_TRY(do_accel(st, i, arg));
			break;
		case OPT_ENABLE_KVM:
			if (!cfg->accel)
				cfg->accel = "kvm";
			break;
		case OPT_BACKEND:
			VMC_TRY(do_backend(st, i, o, arg));
			break;
		case OPT_NIC:
			VMC_TRY(do_nic(st, i, arg));
			break;
		case OPT_DRIVE:
			VMC_TRY(do_drive(st, i, arg));
			break;
		case OPT_VIRTFS:
			VMC_TRY(do_virtfs(st, i, arg));
			break;
		case OPT_MACHINE_PROP:
			VMC_TRY(vmc__config_kv_add(cfg, &cfg->machine_props, &cfg->nmachine_props,
						   o->key, arg));
			break;
		case OPT_MACHINE_OFF:
			VMC_TRY(vmc__config_kv_add(cfg, &cfg->machine_props, &cfg->nmachine_props,
						   o->key, "off"));
			break;
		case OPT_NODEFAULTS:
			cfg->flags |= VMC__CFG_NODEFAULTS;
			VMC_TRY(note_ignored(st, o, NULL));
			break;
		case OPT_VGA:
			if (strcmp(arg, "none") == 0) {
				VMC_TRY(note_ignored(st, o, arg));
			} else {
				char *what = vmc__config_printf(cfg, "-%s %s (argument %zu)",
								o->name, arg, i);

				if (!what)
					return VMC_ENOMEM;
				VMC_TRY(vmc__config_note_unmapped(cfg, what));
			}
			break;
		default:
			VMC_TRY(note_ignored(st, o, arg));
			break;
		}
	}
	for (i = 0; i < st->nnic_default; i++) {
		vmc__cfg_device *d = &cfg->devices[st->nic_default[i]];

		d->driver = default_nic_model(cfg->machine);
	}
	return VMC_OK;
}

static int parse_words(vmc__config **out, vmc_ctx *ctx, const char *const *argv, size_t argc,
		       const uint64_t *offsets, const char *origin)
{
	qstate st;
	vmc__config *cfg;
	int rc;

	VMC_TRY(vmc__config_new(&cfg, ctx, origin));
	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.ctx = ctx;
	st.origin = cfg->origin;
	st.offsets = offsets;
	rc = parse_args(&st, argv, argc);
	if (rc < 0) {
		vmc__config_free(cfg);
		return rc;
	}
	*out = cfg;
	return VMC_OK;
}

int vmc__config_parse_argv(vmc__config **out, vmc_ctx *ctx, const char *const *argv, size_t argc,
			   const char *origin)
{
	if (!out || !ctx || (!argv && argc))
		return ctx ? VMC_FAIL(ctx, VMC_EINVAL, VMC_NO_OFFSET,
				      "expected out, ctx and argv, found NULL")
			   : VMC_EINVAL;
	return parse_words(out, ctx, argv, argc, NULL, origin);
}

/* ---- POSIX shell word splitting ---------------------------------------- */

/*
 * Split text into words (XCU 2.2 Quoting, 2.6.5 Field Splitting without
 * expansions): blanks separate words; backslash outside quotes takes the
 * next character literally (backslash-newline is removed); '...' is
 * literal; inside "...", backslash escapes only $ ` " \ and newline.
 * With argv NULL, only counts words (*nwords) and bytes (*nbytes, NULs
 * included) and checks the quotes.
 */
static int shell_split(vmc_ctx *ctx, const char *origin, const char *text, char **argv,
		       uint64_t *offs, char *buf, size_t *nwords, size_t *nbytes)
{
	size_t i = 0, w = 0, b = 0;

#define EMIT(c)                                                                                   \
	do {                                                                                      \
		if (buf)                                                                          \
			buf[b] = (c);                                                             \
		b++;                                                                              \
	} while (0)

	for (;;) {
		while (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
		       (text[i] == '\\' && text[i + 1] == '\n'))
			i += text[i] == '\\' ? 2 : 1;
		if (!text[i])
			break;
		if (argv) {
			argv[w] = buf + b;
			offs[w] = i;
		}
		w++;
		while (text[i] && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') {
			char c = text[i];
			size_t q = i;

			if (c == '\\') {
				if (text[i + 1] && text[i + 1] != '\n')
					EMIT(text[i + 1]);
				i += text[i + 1] ? 2 : 1;
			} else if (c == '\'') {
				for (i++; text[i] && text[i] != '\''; i++)
					EMIT(text[i]);
				if (!text[i])
					return VMC_FAIL_AT(ctx, VMC_EMALFORMED, q, origin,
							   "expected a closing ' for the quote at "
							   "offset %zu, found the end of the input",
							   q);
				i++;
			} else if (c == '"') {
				for (i++; text[i] && text[i] != '"';) {
					if (text[i] == '\\' && text[i + 1] &&
					    strchr("$`\"\\\n", text[i + 1])) {
						if (text[i + 1] != '\n')
							EMIT(text[i + 1]);
						i += 2;
					} else {
						EMIT(text[i]);
						i++;
					}
				}
				if (!text[i])
					return VMC_FAIL_AT(ctx, VMC_EMALFORMED, q, origin,
							   "expected a closing \" for the quote at "
							   "offset %zu, found the end of the input",
							   q);
				i++;
			} else {
				EMIT(c);
				i++;
			}
		}
		EMIT('\0');
	}
#undef EMIT
	*nwords = w;
	*nbytes = b;
	return VMC_OK;
}

int vmc__config_parse_string(vmc__config **out, vmc_ctx *ctx, const char *text,
			     const char *origin)
{
	size_t nwords, nbytes, len;
	char **argv = NULL, *buf = NULL;
	uint64_t *offs = NULL;
	int rc;

	if (!out || !ctx || !text)
		return ctx ? VMC_FAIL(ctx, VMC_EINVAL, VMC_NO_OFFSET,
				      "expected out, ctx and text, found NULL")
			   : VMC_EINVAL;
	if (!origin)
		origin = "command line";
	len = strlen(text);
	if (len > ctx->limits.max_libvirt_xml)
		return VMC_FAIL_AT(ctx, VMC_ELIMIT, VMC_NO_OFFSET, origin,
				   "a command line of %zu bytes exceeds max_libvirt_xml (%llu "
				   "bytes)",
				   len, (unsigned long long)ctx->limits.max_libvirt_xml);
	VMC_TRY(shell_split(ctx, origin, text, NULL, NULL, NULL, &nwords, &nbytes));
	argv = vmc__calloc(ctx, nwords ? nwords : 1, sizeof(*argv));
	offs = argv ? vmc__calloc(ctx, nwords ? nwords : 1, sizeof(*offs)) : NULL;
	buf = offs ? vmc__malloc(ctx, nbytes ? nbytes : 1) : NULL;
	if (!buf) {
		rc = VMC_ENOMEM;
		goto out;
	}
	rc = shell_split(ctx, origin, text, argv, offs, buf, &nwords, &nbytes);
	if (rc == VMC_OK)
		rc = parse_words(out, ctx, (const char *const *)argv, nwords, offs, origin);
out:
	vmc__free(ctx, buf);
	vmc__free(ctx, offs);
	vmc__free(ctx, argv);
	return rc;
}
