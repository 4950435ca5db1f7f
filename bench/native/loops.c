// SPDX-License-Identifier: GPL-2.0
/*
 * The store loops of memmap_init_zone_device()'s template path (series v2,
 * patches 4 and 9, mm/mm_init.c), replayed in user space for base pages.
 * Built like the kernel, without SSE/AVX (bench/native/Makefile), so gcc
 * emits the same 8-byte scalar stores; tests/test_native_bench.py checks
 * the disassembly.
 */
#include "replay.h"

/*
 * memmap_write_pages(): the template is loaded into registers once,
 * then each struct page takes one store per word, mov or movnti.
 */
static inline __attribute__((always_inline)) void
write_pages(uint64_t *dst, unsigned long nr, const uint64_t *tmpl, bool stream)
{
	uint64_t word[PAGE_WORDS];
	unsigned int i;

#pragma GCC unroll 8
	for (i = 0; i < PAGE_WORDS; i++)
		word[i] = tmpl[i];

	for (; nr; nr--, dst += PAGE_WORDS) {
		if (stream) {
			/* x86 memcpy_streaming() for a constant 64 bytes */
#pragma GCC unroll 8
			for (i = 0; i < PAGE_WORDS - REPLAY_MUTANT; i++)
				asm volatile("movntiq %1, %0" : "=m" (dst[i]) : "r" (word[i]));
			continue;
		}
#pragma GCC unroll 8
		for (i = 0; i < PAGE_WORDS - REPLAY_MUTANT; i++)
			dst[i] = word[i];
	}
}

/*
 * memmap_init_zone_device_template(): a section of struct pages per chunk;
 * streamed chunks are drained (memcpy_streaming_drain(): sfence) by the
 * thread that wrote them before the next chunk starts.
 */
static inline __attribute__((always_inline)) void
write_range(uint64_t *dst, unsigned long nr, const uint64_t *tmpl, bool stream)
{
	unsigned long pfn, next;

	for (pfn = 0; pfn < nr; pfn = next) {
		next = pfn + SECTION_PAGES < nr ? pfn + SECTION_PAGES : nr;
		write_pages(dst + pfn * PAGE_WORDS, next - pfn, tmpl, stream);
		if (stream)
			asm volatile("sfence" ::: "memory");
	}
}

void replay_cached(uint64_t *dst, unsigned long nr, const uint64_t *tmpl)
{
	write_range(dst, nr, tmpl, false);
}

void replay_stream(uint64_t *dst, unsigned long nr, const uint64_t *tmpl)
{
	write_range(dst, nr, tmpl, true);
}
