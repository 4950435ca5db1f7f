// SPDX-License-Identifier: GPL-2.0
/*
 * memmap-replay: the memmap store pattern of the series on the host CPU, in
 * user space, against the plain fills the CPU does best.  It is the store
 * pattern, not the kernel: no struct page setup, no pageblocks, no
 * scheduling.  Prints one "run" line per timed run; bench/native/report.py
 * makes the table.  See --help.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "replay.h"

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif

#define STRUCT_PAGE	(PAGE_WORDS * 8)
#define MAX_THREADS	1024

enum mode { CACHED, STREAM, MEMSET, STOSB, NR_MODES };
static const char *const mode_names[NR_MODES] = { "cached", "stream", "memset", "stosb" };

static unsigned char *buf;
static unsigned long nr_pages;
static uint64_t tmpl[PAGE_WORDS];
static int cpus[MAX_THREADS], nr_cpus;

struct worker {
	pthread_t tid;
	enum mode mode;
	unsigned long lo, hi;	/* struct pages [lo, hi) */
	pthread_barrier_t *start;
	struct timespec t0, t1;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "memmap-replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static void usage(void)
{
	printf("usage: memmap-replay [--size BYTES[K|M|G]] [--threads N[,N...]] [--runs R]\n"
	       "                     [--modes cached,stream,memset,stosb] [--dest anon|PATH]\n"
	       "                     [--overwrite] [--verify]\n"
	       "  --size      memmap bytes, a multiple of 64 (default 1600M: a 100 GiB namespace)\n"
	       "  --threads   thread counts (default 1, 2, 4 .. the CPUs this process may use)\n"
	       "  --runs      rounds (default 10); each round runs every thread count and, for\n"
	       "              each, every mode back to back (cached then stream: one pair)\n"
	       "  --dest      anon (default); a directory (a new file there, in its page\n"
	       "              cache or DAX); an existing file or device only with --overwrite\n"
	       "  --overwrite agree that --dest, a file or device, is overwritten (a block\n"
	       "              device is opened exclusively: refused while mounted or held)\n"
	       "  --verify    check every struct page (every byte for fills) after each run\n");
	exit(0);
}

static unsigned long long parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		die("--size '%s' is not a number of bytes", s);
	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	}
	if (*end)
		die("--size '%s': unknown suffix (K, M or G)", s);
	if (!v || v % STRUCT_PAGE)
		die("--size %s is not a non-zero multiple of 64 bytes (one struct page)", s);
	return v;
}

static double now_diff_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e9 + (b->tv_nsec - a->tv_nsec);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned char *p = buf + w->lo * STRUCT_PAGE;
	size_t len = (w->hi - w->lo) * STRUCT_PAGE;

	pthread_barrier_wait(w->start);
	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	switch (w->mode) {
	case CACHED:
		replay_cached((uint64_t *)p, w->hi - w->lo, tmpl);
		break;
	case STREAM:
		replay_stream((uint64_t *)p, w->hi - w->lo, tmpl);
		break;
	case MEMSET:
		memset(p, (int)tmpl[0], len);
		break;
	case STOSB:
		asm volatile("rep stosb" : "+D" (p), "+c" (len) : "a" ((int)tmpl[0]) : "memory");
		break;
	default:
		break;
	}
	clock_gettime(CLOCK_MONOTONIC, &w->t1);
	return NULL;
}

/* One timed run on @threads threads, each on its own CPU and contiguous share. */
static double run(enum mode mode, int threads)
{
	static struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	struct timespec t0, t1;
	pthread_attr_t attr;
	cpu_set_t set;
	int i;

	pthread_barrier_init(&start, NULL, threads);
	for (i = 0; i < threads; i++) {
		w[i] = (struct worker){ .mode = mode, .start = &start,
			.lo = nr_pages * i / threads, .hi = nr_pages * (i + 1) / threads };
		CPU_ZERO(&set);
		CPU_SET(cpus[i], &set);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		if (pthread_create(&w[i].tid, &attr, work, &w[i]))
			die("cannot start a thread%s", "");
		pthread_attr_destroy(&attr);
	}
	for (i = 0; i < threads; i++)
		pthread_join(w[i].tid, NULL);
	pthread_barrier_destroy(&start);
	t0 = w[0].t0;
	t1 = w[0].t1;
	for (i = 1; i < threads; i++) {
		if (now_diff_ns(&w[i].t0, &t0) > 0)
			t0 = w[i].t0;
		if (now_diff_ns(&t1, &w[i].t1) > 0)
			t1 = w[i].t1;
	}
	return now_diff_ns(&t0, &t1);
}

/* Every struct page must hold the template; after a fill, every byte its value. */
static unsigned long mismatches(enum mode mode)
{
	unsigned long n = 0, i, j;
	const uint64_t *p = (const uint64_t *)buf;

	for (i = 0; i < nr_pages; i++)
		for (j = 0; j < PAGE_WORDS; j++)
			n += p[i * PAGE_WORDS + j] !=
			     (mode <= STREAM ? tmpl[j] : 0x0101010101010101ULL * (uint8_t)tmpl[0]);
	return n;
}

/*
 * Map @dest; prints what it is, judged from the mapping, not from the request.
 * An existing file or device is written only with @overwrite.
 */
static const char *map_dest(const char *dest, size_t size, int overwrite)
{
	struct stat st;
	int fd, flags;
	char *path;

	if (!strcmp(dest, "anon")) {
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			die("cannot map %s bytes of anonymous memory", "the requested");
		madvise(buf, size, MADV_HUGEPAGE);
		return "anon";
	}
	if (stat(dest, &st))
		die("--dest %s: no such file, directory or device", dest);
	if (S_ISDIR(st.st_mode)) {
		if (asprintf(&path, "%s/memmap-replay.XXXXXX", dest) < 0)
			die("out of memory%s", "");
		fd = mkstemp(path);
		if (fd < 0)
			die("--dest %s: cannot create a file there", dest);
		unlink(path);
		if (ftruncate(fd, size))
			die("--dest %s: cannot size a file there", dest);
	} else {
		if (!overwrite)
			die("--dest %s is an existing file or device: it would be overwritten; "
			    "give a directory, or --overwrite", dest);
		/* O_EXCL on a block device: EBUSY while mounted or held by another. */
		fd = open(dest, O_RDWR | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
		if (fd < 0 && errno == EBUSY)
			die("--dest %s is in use (mounted, or held by another device): refused", dest);
		if (fd < 0)
			die("--dest %s: cannot open it for writing", dest);
		if (S_ISREG(st.st_mode) && (size_t)st.st_size < size)
			die("--dest %s is smaller than --size", dest);
	}
	/* MAP_SYNC is only accepted where stores reach the media directly: DAX. */
	flags = MAP_SHARED_VALIDATE | MAP_SYNC;
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (buf == MAP_FAILED)
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, flags = MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED)
		die("--dest %s cannot be mapped shared for writing at this size", dest);
	close(fd);
	if (S_ISCHR(st.st_mode))
		return "devdax";
	return flags & MAP_SYNC ? "dax-file" : "file";
}

static void print_meta(const char *dest, size_t size)
{
	char line[256], model[256] = "unknown";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "model name : %255[^\n]", model) == 1)
			break;
	if (f)
		fclose(f);
	uname(&u);
	printf("meta cpu=%s\nmeta cpus=%d\nmeta kernel=%s\nmeta bytes=%zu\nmeta dest_path=%s\n",
	       model, nr_cpus, u.release, size, dest);
}

/* Share of the mapping in huge pages, from smaps_rollup: what happened, not what was asked. */
static void print_huge_pages(size_t size)
{
	char line[256];
	unsigned long kb = 0, v;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu kB", &v) == 1 ||
		    sscanf(line, "FilePmdMapped: %lu kB", &v) == 1)
			kb += v;
	if (f)
		fclose(f);
	printf("meta huge_pages=%.0f%%\n", 100.0 * kb * 1024 / size);
}

int main(int argc, char **argv)
{
	int threads[64], nr_threads = 0, runs = 10, verify = 0, overwrite = 0;
	int modes[NR_MODES], nr_modes = 0;
	unsigned long long size = 1600ULL << 20;
	const char *dest = "anon", *kind;
	struct timespec t0, t1;
	unsigned long bad, r;
	cpu_set_t allowed;
	int i, m, t;

	sched_getaffinity(0, sizeof(allowed), &allowed);
	for (i = 0; i < CPU_SETSIZE && nr_cpus < MAX_THREADS; i++)
		if (CPU_ISSET(i, &allowed))
			cpus[nr_cpus++] = i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *s, *tok, *end;

		if (!strcmp(a, "--help"))
			usage();
		if (!strcmp(a, "--verify")) {
			verify = 1;
			continue;
		}
		if (!strcmp(a, "--overwrite")) {
			overwrite = 1;
			continue;
		}
		if (!v)
			die("%s: unknown option, or missing its value (see --help)", a);
		i++;
		if (!strcmp(a, "--size")) {
			size = parse_size(v);
		} else if (!strcmp(a, "--dest")) {
			dest = v;
		} else if (!strcmp(a, "--runs")) {
			runs = strtol(v, &end, 10);
			if (*end || runs < 1 || runs > 1000)
				die("--runs '%s' is not a number from 1 to 1000", v);
		} else if (!strcmp(a, "--threads") || !strcmp(a, "--modes")) {
			s = strdup(v);
			for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
				if (a[2] == 'm') {
					for (m = 0; m < NR_MODES && strcmp(tok, mode_names[m]); m++)
						;
					if (m == NR_MODES || nr_modes == NR_MODES)
						die("--modes: '%s' is not cached, stream, memset or stosb", tok);
					modes[nr_modes++] = m;
					continue;
				}
				t = strtol(tok, &end, 10);
				if (*end || t < 1 || t > nr_cpus || nr_threads == 64)
					die("--threads: '%s' is not a thread count from 1 to the CPUs this process may use", tok);
				threads[nr_threads++] = t;
			}
			free(s);
			if (!nr_modes && !nr_threads)
				die("%s needs a comma-separated list", a);
		} else {
			die("%s: unknown option (see --help)", a);
		}
	}
	if (!nr_threads)
		for (t = 1; t <= nr_cpus; t = t * 2 > nr_cpus && t < nr_cpus ? nr_cpus : t * 2)
			threads[nr_threads++] = t;
	if (!nr_modes)
		for (m = 0; m < NR_MODES; m++)
			modes[nr_modes++] = m;

	nr_pages = size / STRUCT_PAGE;
	kind = map_dest(dest, size, overwrite);
	print_meta(dest, size);
	printf("meta dest=%s\n", kind);

	/* First touch apart: page faults and zeroing, one thread. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < size; r += 4096)
		buf[r] = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("touch dest=%s bytes=%llu ns=%.0f\n", kind, size, now_diff_ns(&t0, &t1));
	print_huge_pages(size);
	fflush(stdout);

	/*
	 * Rounds: every thread count and mode once per round, modes back to
	 * back, so that drift hits a pair (cached and stream of one round and
	 * thread count; 1 thread and N of one round and mode) alike.
	 */
	for (r = 0; r < (unsigned long)runs; r++)
		for (t = 0; t < nr_threads; t++)
			for (m = 0; m < nr_modes; m++) {
				/* A fresh value every run: a stale buffer fails --verify. */
				for (i = 0; i < PAGE_WORDS; i++)
					tmpl[i] = 0x9e3779b97f4a7c15ULL * (r * NR_MODES + m + 1) + i;
				tmpl[0] |= 1;
				printf("run dest=%s threads=%d mode=%s run=%lu bytes=%llu ns=%.0f\n",
				       kind, threads[t], mode_names[modes[m]], r, size,
				       run(modes[m], threads[t]));
				if (verify && (bad = mismatches(modes[m]))) {
					fflush(stdout);
					fprintf(stderr, "memmap-replay: %s, %d threads: %lu of %lu words wrong\n",
						mode_names[modes[m]], threads[t], bad, nr_pages * PAGE_WORDS);
					return 1;
				}
				fflush(stdout);
			}
	return 0;
}
