/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_FUZZ_SEED_H
#define SQUEEZE_FUZZ_SEED_H

/*
 * Seeds for the libFuzzer targets: each target writes the cases its unit
 * tests use, in its own input format, when run with FUZZ_SEED_DIR=DIR
 * (LLVMFuzzerInitialize() writes them and exits). tests/fuzz/run.sh does
 * that, then fuzzes from them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmm/base/types.h"

static inline void fuzz_seed(const char *name, const void *data, size_t len)
{
	const char *dir = getenv("FUZZ_SEED_DIR");
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

/* In LLVMFuzzerInitialize(): write the seeds and exit if asked to. */
#define FUZZ_SEEDS(writer)                                \
	int LLVMFuzzerInitialize(int *argc, char ***argv) \
	{                                                 \
		(void)argc;                               \
		(void)argv;                               \
		if (getenv("FUZZ_SEED_DIR")) {            \
			writer();                         \
			exit(0);                          \
		}                                         \
		return 0;                                 \
	}

#endif
