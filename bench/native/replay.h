/* SPDX-License-Identifier: GPL-2.0 */
#ifndef REPLAY_H
#define REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_WORDS	8	/* sizeof(struct page) / 8 on x86-64 */
#define SECTION_PAGES	32768	/* PAGES_PER_SECTION: 128 MiB of 4 KiB pages */

/* Built with -DREPLAY_MUTANT=1, each loop skips a word: the test's broken loop. */
#ifndef REPLAY_MUTANT
#define REPLAY_MUTANT 0
#endif

/* Write @tmpl (PAGE_WORDS words) to each of the @nr struct pages at @dst. */
void replay_cached(uint64_t *dst, unsigned long nr, const uint64_t *tmpl);
void replay_stream(uint64_t *dst, unsigned long nr, const uint64_t *tmpl);

#endif
