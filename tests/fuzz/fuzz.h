/* Shared by the libFuzzer targets in this directory (docs/FUZZING.md). Each fuzz_NAME.c
 * defines LLVMFuzzerTestOneInput and includes this header. */
#ifndef GZ_FUZZ_H
#define GZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test does not hold: report it and abort, so libFuzzer
 * saves the input as a crash. Unlike assert() it stays on in every build type. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
