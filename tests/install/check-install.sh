#!/bin/sh
# Install the build into a scratch prefix and build a client against it with
# pkg-config, as a user of the library would; then run it on a fixture.
set -eu
build=$1 src=$2 extra=${3:-}
dest="$build/install-check"
rm -rf "$dest"
cmake --install "$build" --prefix "$dest" >/dev/null
pc=$(find "$dest" -name vmcompat.pc | head -n 1)
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --define-variable=prefix="$dest" --cflags --libs vmcompat)
libdir=$(pkg-config --define-variable=prefix="$dest" --variable=libdir vmcompat)
cat > "$dest/client.c" <<'C'
#include <vmcompat.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	if (argc != 2 || vmc_ctx_new(&ctx, NULL) != VMC_OK)
		return 2;
	if (vmc_stream_read_path(&s, ctx, argv[1], NULL) != VMC_OK) {
		fprintf(stderr, "%s\n", vmc_error_last(ctx)->message);
		return 1;
	}
	printf("%s\n", vmc_stream_machine_type(s));
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	return 0;
}
C
cc -std=c99 -Wall -Werror $extra "$dest/client.c" $flags -Wl,-rpath,"$libdir" -o "$dest/client"
out=$("$dest/client" "$src/fixtures/qemu-7.2/q35-generic.mig.xz")
[ "$out" = "pc-q35-7.2" ] || { echo "client printed '$out'"; exit 1; }
test -x "$dest/bin/vmcompat"
echo "install check passed: headers, pkg-config, shared library, CLI"
