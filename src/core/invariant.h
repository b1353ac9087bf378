/*
 * invariant: TL_ASSERT states what the code relies on. In the sanitizer
 * build (make SAN=1, which `make check` uses) a broken invariant stops the
 * program at once with its file and line, so a test finds it where it
 * happens rather than as a wrong line of output later; in the release build
 * the condition is type-checked but not evaluated.
 */
#ifndef TCPLAB_INVARIANT_H
#define TCPLAB_INVARIANT_H

#ifdef TL_ASSERTS
#include <stdio.h>
#include <stdlib.h>

#define TL_ASSERT(cond)                                                                         \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "%s:%d: %s: invariant broken: %s\n", __FILE__, __LINE__, \
				__func__, #cond);                                               \
			abort();                                                                \
		}                                                                               \
	} while (0)
#else
#define TL_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
