/*
 * profile_select.h - private: which emulator profile answers for a side of a
 * proof (docs/prove.md "Which QEMU"), and what the report says about it.
 */
#ifndef VMC_RULES_PROFILE_SELECT_H
#define VMC_RULES_PROFILE_SELECT_H

#include "report.h"
#include "../parsers/profile.h"

/* The public profile handle (vmc_profile_*). */
struct vmc_profile {
	vmc_ctx *ctx;
	vmc__profile *p;
	char *name;   /* "7.2" (bundled) or the file's path */
	char *origin; /* "bundled", "file", or the caller's label */
};

/*
 * Choose the profile of one side (VMC_SIDE_*): the given profile if any,
 * else the bundled profile of version's release line (NULL version: the
 * newest bundled).  Records every VMC_QEMU_* key of that side in r.  When
 * no profile fits, emits a `prove.profile` unknown finding and sets *out to
 * NULL; a stand-in of another release line is used with such a finding too.
 * inherited: the side repeats the source's request (its finding is there).
 * Returns VMC_OK, VMC_EINVAL (version is not "X.Y" or "X.Y.Z"),
 * VMC_ENOMEM, VMC_ESCHEMA.
 */
int vmc__profile_choose(const vmc__profile **out, vmc_report *r, vmc_ctx *ctx, uint32_t side,
			const char *version, const vmc_profile *given, const char *reason,
			int inherited);

/*
 * The side's profile has no machine type `machine`: emit a
 * `prove.machine-type` finding naming the bundled profiles that have it and
 * where it was removed or added (derived from their machine lists).
 * Refuted, or unknown when the profile is a stand-in.  Returns 1 (the
 * side's model cannot be built) or a negative vmc_status.
 */
int vmc__profile_machine_missing(vmc_report *r, vmc_ctx *ctx, const vmc__profile *prof,
				 uint32_t side, const char *machine);

#endif
