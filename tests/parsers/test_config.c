/*
 * test_config.c - parsers/config.c and parsers/config_qemu.c: QEMU command
 * lines (argv, and one string split like a POSIX shell) reduced to a
 * vmc__config.
 *
 * Real input: the argv of every fixture sidecar (fixtures/qemu-7.2 and
 * qemu-10.0, *.json "argv", run by fixtures/generate) and of every
 * configuration of the oracle matrix (tests/oracle/matrix.json
 * configs[].argv, 407 command lines QEMU really ran).  Their expected
 * devices come from the same sidecars (devices[].qom_type and id; the
 * oracle's type, flavour_props, props, bus kind and PCI path), not from a
 * second parse of the argv.  Edge cases: QemuOpts quoting (",,", flags),
 * JSON arguments, each option's forms; errors name the option, the offset
 * (string form) and the origin.
 */
#include "fixtures.h"

#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "parsers/config.h"
#include "config_render.h"

/* ---- helpers ---------------------------------------------------------- */


/* Parse a string and compare its rendering with expect. */
static void check_string(const char *text, const char *expect)
{
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	char *got;
	int rc;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	rc = vmc__config_parse_string(&cfg, ctx, text, "cmd");
	if (rc != VMC_OK)
		fail_msg("'%s': %d %s", text, rc, vmc_error_last(ctx)->message);
	got = vmc_test_render_config(cfg);
	if (strcmp(got, expect) != 0)
		fail_msg("'%s': got\n%s\nexpected\n%s", text, got, expect);
	free(got);
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
}

/* Parse a string and expect an error (offset -1: none). */
static void expect_fail(const char *text, int code, int64_t offset, const char *msg)
{
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	const vmc_error *e;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse_string(&cfg, ctx, text, "cmd"), code);
	assert_null(cfg);
	e = vmc_error_last(ctx);
	assert_int_equal(e->code, code);
	assert_string_equal(e->path, "cmd");
	if (offset < 0) {
		assert_int_equal(e->has_offset, 0);
	} else {
		assert_int_equal(e->has_offset, 1);
		assert_int_equal(e->offset, (uint64_t)offset);
	}
	if (strcmp(e->message, msg) != 0)
		fail_msg("'%s': message '%s', expected '%s'", text, e->message, msg);
	vmc_ctx_free(ctx);
}

/* argv of a JSON array (borrowed strings). */
static const char **json_argv(json_object *arr, size_t *argc)
{
	size_t i, n = json_object_array_length(arr);
	const char **argv = calloc(n ? n : 1, sizeof(*argv));

	assert_non_null(argv);
	for (i = 0; i < n; i++)
		argv[i] = json_object_get_string(json_object_array_get_idx(arr, i));
	*argc = n;
	return argv;
}

static const vmc__cfg_device *find_device(const vmc__config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ndevices; i++)
		if (cfg->devices[i].id && strcmp(cfg->devices[i].id, id) == 0)
			return &cfg->devices[i];
	return NULL;
}

static const vmc__cfg_backend *find_backend(const vmc__config *cfg, const char *kind,
					    const char *id)
{
	size_t i;

	for (i = 0; i < cfg->nbackends; i++)
		if (strcmp(cfg->backends[i].kind, kind) == 0 && strcmp(cfg->backends[i].id, id) == 0)
			return &cfg->backends[i];
	return NULL;
}

/* Every netdev=, drive=, fsdev= and bus= of a device names something the
 * same command line defines (or a root bus). */
static void check_references(const vmc__config *cfg, const char *what)
{
	size_t i;

	for (i = 0; i < cfg->ndevices; i++) {
		const vmc__cfg_device *d = &cfg->devices[i];
		const char *v;

		if ((v = vmc__kv_get(d->props, d->nprops, "netdev")) && !find_backend(cfg, "netdev", v))
			fail_msg("%s: %s netdev=%s undefined", what, d->driver, v);
		if ((v = vmc__kv_get(d->props, d->nprops, "drive")) &&
		    !find_backend(cfg, "blockdev", v) && !find_backend(cfg, "drive", v))
			fail_msg("%s: %s drive=%s undefined", what, d->driver, v);
		if ((v = vmc__kv_get(d->props, d->nprops, "fsdev")) && !find_backend(cfg, "fsdev", v))
			fail_msg("%s: %s fsdev=%s undefined", what, d->driver, v);
		if ((v = vmc__kv_get(d->props, d->nprops, "bus")) && strcmp(v, "pci.0") != 0 &&
		    strcmp(v, "pcie.0") != 0 && !find_device(cfg, v)) {
			/* "<id>.<n>": child bus n of device <id> (virtio-serial-bus,
			 * SCSI bus; qbus_init_internal names it so) */
			char parent[128];
			const char *dot = strrchr(v, '.');

			snprintf(parent, sizeof(parent), "%.*s", dot ? (int)(dot - v) : 0, v);
			if (!dot || !find_device(cfg, parent))
				fail_msg("%s: %s bus=%s undefined", what, d->driver, v);
		}
	}
}

/* ---- real command lines -------------------------------------------------- */

/* One fixture sidecar: machine, RAM and each device it lists. */
static void check_sidecar(const char *path)
{
	json_object *side = json_object_from_file(path), *o, *devs;
	const char **argv;
	size_t argc, i, ndev = 0, nunmapped = 0;
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	int rc;

	assert_non_null(side);
	assert_true(json_object_object_get_ex(side, "argv", &o));
	argv = json_argv(o, &argc);
	for (i = 0; i < argc; i++) {
		ndev += strcmp(argv[i], "-device") == 0;
		/* -serial / -parallel create ISA devices the model does not hold */
		nunmapped += (strcmp(argv[i], "-serial") == 0 || strcmp(argv[i], "-parallel") == 0) &&
			     i + 1 < argc && strcmp(argv[i + 1], "none") != 0;
	}
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	rc = vmc__config_parse_argv(&cfg, ctx, argv, argc, path);
	if (rc != VMC_OK)
		fail_msg("%s: %s", path, vmc_error_last(ctx)->message);
	assert_true(json_object_object_get_ex(side, "machine", &o));
	assert_string_equal(cfg->machine, json_object_get_string(o));
	assert_true(json_object_object_get_ex(side, "ram_mb", &o));
	assert_int_equal(cfg->ram_bytes, (uint64_t)json_object_get_int64(o) << 20);
	assert_string_equal(cfg->accel, "tcg");
	assert_int_equal(cfg->flags & VMC__CFG_NODEFAULTS, VMC__CFG_NODEFAULTS);
	assert_int_equal(cfg->ndevices, ndev);
	assert_int_equal(cfg->nunmapped, nunmapped);
	assert_true(json_object_object_get_ex(side, "devices", &devs));
	for (i = 0; i < json_object_array_length(devs); i++) {
		json_object *dev = json_object_array_get_idx(devs, i), *id, *type;
		const vmc__cfg_device *d;

		assert_true(json_object_object_get_ex(dev, "id", &id));
		assert_true(json_object_object_get_ex(dev, "qom_type", &type));
		d = find_device(cfg, json_object_get_string(id));
		if (!d)
			fail_msg("%s: no device %s", path, json_object_get_string(id));
		assert_string_equal(d->driver, json_object_get_string(type));
		assert_non_null(vmc__kv_get(d->props, d->nprops, "bus"));
		assert_non_null(vmc__kv_get(d->props, d->nprops, "addr"));
	}
	check_references(cfg, path);
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
	free(argv);
	json_object_put(side);
}

static void test_config__fixtures(void **state)
{
	static const char *const dirs[] = {"qemu-7.2", "qemu-10.0"};
	size_t d, n = 0;

	(void)state;
	for (d = 0; d < 2; d++) {
		char *dir = vmc_test_fixture(dirs[d]);
		DIR *dp = opendir(dir);
		struct dirent *e;

		assert_non_null(dp);
		while ((e = readdir(dp)) != NULL) {
			size_t l = strlen(e->d_name);
			char path[4096];

			if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			check_sidecar(path);
			n++;
		}
		closedir(dp);
		free(dir);
	}
	assert_true(n >= 24);
}

/* One fixture in full: fixtures/qemu-7.2/q35-generic.json. */
static void test_config__q35_generic(void **state)
{
	char *path = vmc_test_fixture("qemu-7.2/q35-generic.json"), *got;
	json_object *side = json_object_from_file(path), *o;
	const char **argv;
	size_t argc;
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;

	(void)state;
	assert_true(json_object_object_get_ex(side, "argv", &o));
	argv = json_argv(o, &argc);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse_argv(&cfg, ctx, argv, argc, "q35-generic"), VMC_OK);
	got = vmc_test_render_config(cfg);
	assert_string_equal(
		got,
		"machine=pc-q35-7.2 accel=tcg ram=33554432 smp=0 flags=1\n"
		"-chardev socket,id=qmp,fd=4,server=off\n"
		"-fsdev local,id=fs0,path=/tmp/vmcompat-fixtures-9p,security_model=none\n"
		"-blockdev null-co,id=null0,size=67108864\n"
		"-netdev user,id=n0\n"
		"-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x3 [argument 24]\n"
		"-device virtio-9p-pci,id=vfs0,bus=rp1,addr=0x0,fsdev=fs0,mount_tag=vmcompat "
		"[argument 26]\n"
		"-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x4 [argument 28]\n"
		"-device virtio-blk-pci,id=vblk0,bus=rp2,addr=0x0,drive=null0 [argument 30]\n"
		"-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,addr=0x5 [argument 32]\n"
		"-device virtio-scsi-pci,id=vscsi0,bus=rp3,addr=0x0 [argument 34]\n"
		"-device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,addr=0x6 [argument 36]\n"
		"-device virtio-net-pci,id=vnet0,bus=rp4,addr=0x0,netdev=n0 [argument 38]\n"
		"-device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,addr=0x7 [argument 40]\n"
		"-device virtio-serial-pci,id=vser0,bus=rp5,addr=0x0 [argument 42]\n"
		"-device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,addr=0x8 [argument 44]\n"
		"-device virtio-balloon-pci,id=vbal0,bus=rp6,addr=0x0 [argument 46]\n"
		"-device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,addr=0x9 [argument 48]\n"
		"-device virtio-rng-pci,id=vrng0,bus=rp7,addr=0x0 [argument 50]\n"
		"ignored -nodefaults\n"
		"ignored -display none\n"
		"ignored -S\n"
		"ignored -rtc base=2020-01-01T00:00:00,clock=vm\n"
		"ignored -mon chardev=qmp,mode=control\n");
	free(got);
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
	free(argv);
	json_object_put(side);
	free(path);
}

/* The device under test of an oracle configuration: its driver, its
 * properties (flavour, then variant: the last wins), its bus and slot. */
static void check_oracle(const char *name, json_object *c)
{
	json_object *o, *lists[2];
	const char **argv;
	size_t argc, i, l;
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	const vmc__cfg_device *d;
	const char *bus, *kind, *pci, *slot;
	char want_addr[16];
	unsigned s;
	int rc;

	assert_true(json_object_object_get_ex(c, "argv", &o));
	argv = json_argv(o, &argc);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	rc = vmc__config_parse_argv(&cfg, ctx, argv, argc, name);
	if (rc != VMC_OK)
		fail_msg("%s: %s", name, vmc_error_last(ctx)->message);
	assert_true(json_object_object_get_ex(c, "machine", &o));
	assert_string_equal(cfg->machine, json_object_get_string(o));
	if (json_object_object_get_ex(c, "layout", &o)) {
		/* a booted-fixture command line (7 devices, no dev0): every
		 * device and its references parse */
		assert_string_equal(json_object_get_string(o), "booted7");
		assert_non_null(find_device(cfg, "vrng0"));
		check_references(cfg, name);
		vmc__config_free(cfg);
		vmc_ctx_free(ctx);
		free(argv);
		return;
	}
	d = find_device(cfg, "dev0");
	if (!d)
		fail_msg("%s: no dev0", name);
	assert_true(json_object_object_get_ex(c, "type", &o));
	assert_string_equal(d->driver, json_object_get_string(o));
	assert_true(json_object_object_get_ex(c, "flavour_props", &lists[0]));
	assert_true(json_object_object_get_ex(c, "props", &lists[1]));
	for (l = 0; l < 2; l++)
		for (i = 0; i < json_object_array_length(lists[l]); i++) {
			const char *kv = json_object_get_string(json_object_array_get_idx(lists[l], i));
			const char *eq = strchr(kv, '=');
			char key[64];
			size_t j, k;
			int later = 0;

			assert_non_null(eq);
			snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
			/* a later list entry with the same key wins */
			for (k = l; k < 2; k++)
				for (j = k == l ? i + 1 : 0; j < json_object_array_length(lists[k]); j++)
					if (strncmp(json_object_get_string(
							    json_object_array_get_idx(lists[k], j)),
						    kv, (size_t)(eq - kv) + 1) == 0)
						later = 1;
			if (later)
				continue;
			if (!vmc__kv_get(d->props, d->nprops, key) ||
			    strcmp(vmc__kv_get(d->props, d->nprops, key), eq + 1) != 0)
				fail_msg("%s: %s is '%s', expected '%s'", name, key,
					 vmc__kv_get(d->props, d->nprops, key), eq + 1);
		}
	assert_true(json_object_object_get_ex(c, "bus", &o));
	kind = json_object_get_string(o);
	bus = strcmp(kind, "i440fx") == 0 ? "pci.0"
	      : strcmp(kind, "q35") == 0  ? "pcie.0"
	      : strstr(kind, "rootport")  ? "rp0"
					  : "br0";
	assert_string_equal(vmc__kv_get(d->props, d->nprops, "bus"), bus);
	assert_true(json_object_object_get_ex(c, "pci_path", &o));
	pci = json_object_get_string(o);
	slot = strrchr(pci, ':');
	assert_non_null(slot);
	assert_int_equal(sscanf(slot + 1, "%x", &s), 1);
	snprintf(want_addr, sizeof(want_addr), "0x%x", s);
	assert_string_equal(vmc__kv_get(d->props, d->nprops, "addr"), want_addr);
	if (find_backend(cfg, "chardev", "qmp") == NULL)
		fail_msg("%s: no qmp chardev", name);
	check_references(cfg, name);
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
	free(argv);
}

static void test_config__oracle_matrix(void **state)
{
	json_object *m = json_object_from_file(VMC_SOURCE_DIR "/tests/oracle/matrix.json");
	json_object *configs;
	size_t n = 0;

	(void)state;
	assert_non_null(m);
	assert_true(json_object_object_get_ex(m, "configs", &configs));
	json_object_object_foreach(configs, name, c)
	{
		check_oracle(name, c);
		n++;
	}
	assert_true(n >= 400);
	json_object_put(m);
}

/* ---- forms of each option ------------------------------------------------ */

static void test_config__quoting(void **state)
{
	(void)state;
	/* ",," is a literal comma in a value (get_opt_value), names never hold
	 * one; a first param without '=' is the implied name, later ones are
	 * flags ("foo" on, "nofoo" off) */
	check_string("-device 'virtio-net-pci,id=n,,1,romfile=/a,,b.rom,x-flag,noioeventfd,"
		     "mac=52:54:00:00:00:01,' -device virtio-rng-pci,driver=virtio-rng-pci-transitional",
		     "machine=- accel=- ram=0 smp=0 flags=0\n"
		     "-device virtio-net-pci,id=n,1,romfile=/a,b.rom,x-flag=on,ioeventfd=off,"
		     "mac=52:54:00:00:00:01 [argument 1]\n"
		     "-device virtio-rng-pci-transitional [argument 3]\n");
	/* shell words: single quotes literal, double quotes with \" \\ \$,
	 * backslash outside quotes, backslash-newline continuation, a leading
	 * program path, --option */
	check_string("/usr/bin/qemu-system-x86_64 \\\n  --device \"virtio-blk-pci,serial=a \\\"b\\\" "
		     "\\$c\\d\"',id=x' \\\n -device virtio-rng-pci,id=r\\ 1",
		     "machine=- accel=- ram=0 smp=0 flags=0\n"
		     "-device virtio-blk-pci,id=x,serial=a \"b\" $c\\d [argument 2]\n"
		     "-device virtio-rng-pci,id=r 1 [argument 4]\n");
	/* JSON -device (QEMU >= 6.2): strings as given, true/false on/off,
	 * numbers as text, objects as JSON */
	check_string("-device '{\"driver\":\"virtio-net-pci\",\"id\":\"n0\",\"bus\":\"pci.0\","
		     "\"addr\":\"0x3\",\"multifunction\":true,\"packed\":false,\"vectors\":4,"
		     "\"x\":{\"a\":[1,2]}}' -blockdev '{\"driver\":\"qcow2\",\"node-name\":\"d0\","
		     "\"file\":{\"driver\":\"file\",\"filename\":\"/a,b\"}}' -netdev "
		     "'{\"type\":\"user\",\"id\":\"u\"}' -object '{\"qom-type\":\"rng-random\","
		     "\"id\":\"o\",\"filename\":\"/dev/urandom\"}'",
		     "machine=- accel=- ram=0 smp=0 flags=0\n"
		     "-blockdev qcow2,id=d0,file={\"driver\":\"file\",\"filename\":\"/a,b\"}\n"
		     "-netdev user,id=u\n"
		     "-object rng-random,id=o,filename=/dev/urandom\n"
		     "-device virtio-net-pci,id=n0,bus=pci.0,addr=0x3,multifunction=on,packed=off,"
		     "vectors=4,x={\"a\":[1,2]} [argument 1]\n");
}

static void test_config__options(void **state)
{
	(void)state;
	/* -machine (positional and type=, later wins, accel=), -M, -global
	 * both forms (the D.P=V value is raw), -smp, -m, -cpu/-uuid/-bios,
	 * -no-acpi, -no-hpet, -accel keeps the first */
	check_string("-machine pc,smm=off -M type=pc-q35-7.2,accel=kvm -accel tcg "
		     "-global virtio-pci.disable-legacy=on,,x -global driver=e1000,property=romfile,"
		     "value= -smp 4,sockets=2,cores=2 -m 1.5G -cpu host,+x2apic "
		     "-uuid 5f0c5b1e-3a53-4c0e-9d7e-1f2a3b4c5d6e -bios /b.bin -no-acpi -no-hpet "
		     "-enable-kvm",
		     "machine=pc-q35-7.2 accel=kvm ram=1610612736 smp=4 flags=0\n"
		     "machine smm=off\n"
		     "machine cpu=host,+x2apic\n"
		     "machine uuid=5f0c5b1e-3a53-4c0e-9d7e-1f2a3b4c5d6e\n"
		     "machine firmware=/b.bin\n"
		     "machine acpi=off\n"
		     "machine hpet=off\n"
		     "global virtio-pci.disable-legacy=on,,x\n"
		     "global e1000.romfile=\n");
	check_string("-m size=512 -smp maxcpus=8,sockets=2", "machine=- accel=- ram=536870912 "
							     "smp=8 flags=0\n");
	check_string("-m 2G -smp sockets=2,dies=1,cores=3,threads=2",
		     "machine=- accel=- ram=2147483648 smp=12 flags=0\n");
	/* "0x1000000" ends in a digit, so vl.c appends "M": 16 Mi MiB */
	check_string("-m 0x1000000 -smp 1", "machine=- accel=- ram=17592186044416 smp=1 flags=0\n");
	check_string("-m 0x100000k", "machine=- accel=- ram=1073741824 smp=0 flags=0\n");
	check_string("-m 1.5", "machine=- accel=- ram=1572864 smp=0 flags=0\n");
	check_string("-m 4096k -accel kvm -accel tcg",
		     "machine=- accel=kvm ram=4194304 smp=0 flags=0\n");
	/* -nic: netdev (user by default, id generated) + NIC; the default
	 * model follows the machine, wherever -machine comes */
	check_string("-nic user,model=virtio,mac=52:54:00:12:34:56 -nic tap,id=t0,ifname=tap0 "
		     "-nic none -machine pc-q35-7.2",
		     "machine=pc-q35-7.2 accel=- ram=0 smp=0 flags=0\n"
		     "-netdev user,id=#net0\n"
		     "-netdev tap,id=t0,ifname=tap0\n"
		     "-device virtio-net-pci,netdev=#net0,mac=52:54:00:12:34:56 [argument 1]\n"
		     "-device e1000e,netdev=t0 [argument 3]\n"
		     "ignored -nic none\n");
	check_string("-nic user -M pc-q35-2.11", "machine=pc-q35-2.11 accel=- ram=0 smp=0 flags=0\n"
						  "-netdev user,id=#net0\n"
						  "-device e1000,netdev=#net0 [argument 1]\n");
	check_string("-nic user", "machine=- accel=- ram=0 smp=0 flags=0\n"
				  "-netdev user,id=#net0\n"
				  "-device e1000,netdev=#net0 [argument 1]\n");
	/* -drive: if=virtio is a virtio-blk-pci with drive= only; ids as
	 * drive_new makes them; other interfaces are noted */
	check_string("-drive file=a.img,if=virtio -drive file=b.img,if=virtio,format=qcow2 "
		     "-drive file=c,if=virtio,index=5 -drive if=none,id=d9 -drive file=x "
		     "-drive file=y,media=cdrom -drive if=scsi,unit=3",
		     "machine=- accel=- ram=0 smp=0 flags=0\n"
		     "-drive -,id=virtio0,file=a.img,if=virtio\n"
		     "-drive qcow2,id=virtio1,file=b.img,if=virtio,format=qcow2\n"
		     "-drive -,id=virtio5,file=c,if=virtio,index=5\n"
		     "-drive -,id=d9,if=none\n"
		     "-drive -,id=ide0-hd0,file=x\n"
		     "-drive -,id=ide0-cd1,file=y,media=cdrom\n"
		     "-drive -,id=scsi0-hd3,if=scsi,unit=3\n"
		     "-device virtio-blk-pci,drive=virtio0 [argument 1]\n"
		     "-device virtio-blk-pci,drive=virtio1 [argument 3]\n"
		     "-device virtio-blk-pci,drive=virtio5 [argument 5]\n"
		     "unmapped -drive if=ide (argument 9): a disk on a built-in controller\n"
		     "unmapped -drive if=ide (argument 11): a disk on a built-in controller\n"
		     "unmapped -drive if=scsi (argument 13): a disk on a built-in controller\n");
	/* -virtfs: fsdev (id = mount_tag) + virtio-9p-pci; -fsdev, -chardev,
	 * -object in QemuOpts form; -vga std is noted, -vga none ignored */
	check_string("-virtfs local,path=/srv,mount_tag=srv,security_model=none,readonly=on "
		     "-virtfs local,id=v2,path=/x,mount_tag=x -chardev pty,id=c0 "
		     "-object memory-backend-ram,id=m,size=1G -vga std -vga none -name 'my vm' "
		     "-display none -daemonize -pidfile /p",
		     "machine=- accel=- ram=0 smp=0 flags=0\n"
		     "-fsdev local,id=srv,path=/srv,security_model=none,readonly=on\n"
		     "-fsdev local,id=v2,path=/x\n"
		     "-chardev pty,id=c0\n"
		     "-object memory-backend-ram,id=m,size=1G\n"
		     "-device virtio-9p-pci,fsdev=srv,mount_tag=srv [argument 1]\n"
		     "-device virtio-9p-pci,fsdev=v2,mount_tag=x [argument 3]\n"
		     "ignored -vga none\n"
		     "ignored -name my vm\n"
		     "ignored -display none\n"
		     "ignored -daemonize\n"
		     "ignored -pidfile /p\n"
		     "unmapped -vga std (argument 9)\n");
	check_string("", "machine=- accel=- ram=0 smp=0 flags=0\n");
}

/* ---- errors ----------------------------------------------------------- */

static void test_config__errors(void **state)
{
	(void)state;
	expect_fail("-m 1G -foo bar", VMC_EMALFORMED, 6,
		    "expected a QEMU option vmcompat knows, found '-foo'");
	expect_fail("-readconfig x.cfg", VMC_EMALFORMED, 0,
		    "expected a QEMU option vmcompat knows, found '-readconfig'");
	expect_fail("-m 1G disk.img", VMC_EMALFORMED, 6, "expected a QEMU option, found 'disk.img'");
	expect_fail("qemu-system-x86_64 -m", VMC_EMALFORMED, 19,
		    "expected an argument after -m, found the end of the command line");
	expect_fail("-device 'virtio-net-pci,id=x", VMC_EMALFORMED, 8,
		    "expected a closing ' for the quote at offset 8, found the end of the input");
	expect_fail("-name \"a\\\"", VMC_EMALFORMED, 6,
		    "expected a closing \" for the quote at offset 6, found the end of the input");
	expect_fail("-device id=x", VMC_EMALFORMED, 8,
		    "expected a driver in -device 'id=x', found none");
	expect_fail("-device x,=1", VMC_EMALFORMED, 8,
		    "expected a property name before '=' in 'x,=1'");
	expect_fail("-device '{\"driver\":\"x\"'", VMC_EMALFORMED, 8,
		    "expected a JSON object, found the end of the argument in '{\"driver\":\"x\"'");
	expect_fail("-device '{\"driver\":\"x\"} x'", VMC_EMALFORMED, 8,
		    "expected one JSON object, found '{\"driver\":\"x\"} x'");
	expect_fail("-device '{\"driver\":null}'", VMC_EMALFORMED, 8,
		    "expected \"driver\" to have a value, found null");
	expect_fail("-m 1Q", VMC_EMALFORMED, 3,
		    "expected a size in -m (N, NM, NG, size=...), found '1Q'");
	/* a fraction needs a scale (do_strtosz); "1.5" alone is 1.5M */
	expect_fail("-m 1.5B", VMC_EMALFORMED, 3,
		    "expected a size in -m (N, NM, NG, size=...), found '1.5B'");
	expect_fail("-m 16E", VMC_EMALFORMED, 3,
		    "expected a size in -m (N, NM, NG, size=...), found '16E'");
	expect_fail("-smp cpus=x", VMC_EMALFORMED, 5, "expected a CPU count in -smp cpus=, found 'x'");
	expect_fail("-smp sockets=65536,cores=65536", VMC_EMALFORMED, 5,
		    "expected at most 4294967295 CPUs in -smp, found 'sockets=65536,cores=65536'");
	expect_fail("-global foo", VMC_EMALFORMED, 8,
		    "expected -global DRIVER.PROP=VALUE or driver=,property=,value=, found 'foo'");
	expect_fail("-netdev user", VMC_EMALFORMED, 8, "expected id= in -netdev 'user', found none");
	expect_fail("-blockdev driver=file", VMC_EMALFORMED, 10,
		    "expected node-name= in -blockdev 'driver=file', found none");
	expect_fail("-virtfs local,path=/x", VMC_EMALFORMED, 8,
		    "expected -virtfs FSDRIVER,mount_tag=TAG,..., found 'local,path=/x'");
	expect_fail("-drive if=virtio -drive if=virtio,unit=0", VMC_EMALFORMED, 24,
		    "expected one -drive per if=virtio bus=0 unit=0, found two");
	expect_fail("-drive if=ide,unit=2", VMC_EMALFORMED, 7,
		    "expected unit < 2 for if=ide in -drive, found 2");
	expect_fail("-drive index=1,unit=1", VMC_EMALFORMED, 7,
		    "expected index= or bus=/unit= in -drive, found both");
	expect_fail("-accel thread=multi", VMC_EMALFORMED, 7,
		    "expected an accelerator in -accel, found 'thread=multi'");
}

/* argv form: no offsets, origin as path; limits; bad arguments. */
static void test_config__argv_errors(void **state)
{
	const char *argv1[] = {"-m", "1G", "-bogus"};
	const char *argv2[] = {"-m", NULL};
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	const vmc_error *e;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse_argv(&cfg, ctx, argv1, 3, "vm.args"), VMC_EMALFORMED);
	e = vmc_error_last(ctx);
	assert_string_equal(e->path, "vm.args");
	assert_int_equal(e->has_offset, 0);
	assert_string_equal(e->message, "expected a QEMU option vmcompat knows, found '-bogus'");
	vmc_error_clear(ctx);
	assert_int_equal(vmc__config_parse_argv(&cfg, ctx, argv2, 2, "vm.args"), VMC_EINVAL);
	vmc_error_clear(ctx);
	assert_int_equal(vmc__config_parse_argv(&cfg, ctx, NULL, 1, NULL), VMC_EINVAL);
	assert_int_equal(vmc__config_parse_argv(&cfg, NULL, argv1, 2, NULL), VMC_EINVAL);
	assert_int_equal(vmc__config_parse_string(&cfg, ctx, NULL, NULL), VMC_EINVAL);
	assert_int_equal(vmc__config_parse_argv(&cfg, ctx, argv1, 0, NULL), VMC_OK);
	assert_int_equal(cfg->ndevices, 0);
	assert_string_equal(cfg->origin, "configuration");
	vmc__config_free(cfg);
	vmc__config_free(NULL);
	/* a NUL inside text given by length */
	vmc_error_clear(ctx);
	assert_int_equal(vmc__config_parse(&cfg, ctx, "-m 1G\0-S", 8, "t"), VMC_EMALFORMED);
	assert_int_equal(vmc_error_last(ctx)->offset, 5);
	assert_string_equal(vmc_error_last(ctx)->path, "t");
	assert_int_equal(vmc__config_parse(&cfg, ctx, NULL, 1, "t"), VMC_EINVAL);
	vmc_ctx_free(ctx);

	/* bounded: the command line's bytes count against max_libvirt_xml */
	o.limits.max_libvirt_xml = 8;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(vmc__config_parse_argv(&cfg, ctx, argv1, 3, "vm.args"), VMC_ELIMIT);
	assert_string_equal(vmc_error_last(ctx)->message,
			    "a command line of 12 bytes exceeds max_libvirt_xml (8 bytes)");
	vmc_error_clear(ctx);
	assert_int_equal(vmc__config_parse_string(&cfg, ctx, "-m 1G -S -S", "s"), VMC_ELIMIT);
	vmc_error_clear(ctx);
	assert_int_equal(vmc__config_parse(&cfg, ctx, "-m 1G -S -S", 11, "s"), VMC_ELIMIT);
	vmc_error_clear(ctx);
	assert_int_equal(vmc__config_parse(&cfg, ctx, "-m 1G -S", 8, "s"), VMC_OK);
	assert_int_equal(cfg->ram_bytes, 1u << 30);
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
}

/* By content: '<' after blanks is a domain XML, anything else a command
 * line; vmc__kv_get takes the last value. */
static void test_config__dispatch(void **state)
{
	const char *xml = " \n<domain type='kvm'><vcpu>2</vcpu></domain>";
	const char *cmd = "-device virtio-rng-pci,id=a,max-bytes=1,max-bytes=2";
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse(&cfg, ctx, xml, strlen(xml), "x"), VMC_OK);
	assert_int_equal(cfg->smp_cpus, 2);
	vmc__config_free(cfg);
	assert_int_equal(vmc__config_parse(&cfg, ctx, cmd, strlen(cmd), "c"), VMC_OK);
	assert_string_equal(vmc__kv_get(cfg->devices[0].props, cfg->devices[0].nprops, "max-bytes"),
			    "2");
	assert_null(vmc__kv_get(cfg->devices[0].props, cfg->devices[0].nprops, "period"));
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
}

/* ---- OOM ---------------------------------------------------------------- */

static void test_config__oom(void **state)
{
	const char *text =
		"qemu-system-x86_64 -M q35 -m 1G -smp 2 -global a.b=c -nic user "
		"-drive file=x,if=virtio -virtfs local,path=/p,mount_tag=t "
		"-device '{\"driver\":\"virtio-net-pci\",\"id\":\"n\",\"packed\":true}' "
		"-device virtio-blk-pci,id=a,b=1,c=2,d=3,e=4,f=5,g=6,h=7,i=8,j=9 -vga std -S -name x";
	long n;
	int ok = 0;

	(void)state;
	for (n = 0; n < 2000 && !ok; n++) {
		vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
		vmc_test_alloc f = {-1, 1, 0, 0};
		vmc_ctx *ctx;
		vmc__config *cfg = NULL;
		int rc;

		o.allocator = vmc_test_allocator(&f);
		assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
		f.count = 0;
		f.fail_at = n;
		rc = vmc__config_parse_string(&cfg, ctx, text, "oom");
		if (rc == VMC_OK) {
			ok = 1;
			assert_int_equal(cfg->ndevices, 5);
			vmc__config_free(cfg);
		} else {
			assert_int_equal(rc, VMC_ENOMEM);
			assert_null(cfg);
			assert_int_equal(vmc_error_last(ctx)->code, VMC_ENOMEM);
		}
		f.fail_at = -1;
		vmc_ctx_free(ctx);
		assert_int_equal(f.live, 0);
	}
	assert_true(ok);
	assert_true(n > 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config__fixtures),
		cmocka_unit_test(test_config__q35_generic),
		cmocka_unit_test(test_config__oracle_matrix),
		cmocka_unit_test(test_config__quoting),
		cmocka_unit_test(test_config__options),
		cmocka_unit_test(test_config__errors),
		cmocka_unit_test(test_config__argv_errors),
		cmocka_unit_test(test_config__dispatch),
		cmocka_unit_test(test_config__oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
