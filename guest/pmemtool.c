// SPDX-License-Identifier: GPL-2.0
/*
 * pmemtool: write or check a reproducible pattern on a pmem block device or
 * a device-dax character device, through a shared mapping (device-dax
 * supports nothing else). Used to prove that data survives a rebind or a
 * reconfiguration, i.e. that memmap initialisation never touches the data
 * area of a namespace.
 *
 *   pmemtool write PATH OFFSET LEN SEED
 *   pmemtool check PATH OFFSET LEN SEED
 *
 * OFFSET and LEN take K, M and G suffixes; device-dax needs both aligned to
 * its alignment (2M here). Exit status: 0 ok, 1 mismatch, 2 usage or I/O
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	case '\0': break;
	default:
		fprintf(stderr, "pmemtool: bad size '%s'\n", s);
		exit(2);
	}
	return v;
}

/* xorshift64*: a different 8-byte word for every offset and seed. */
static uint64_t pattern(uint64_t seed, uint64_t off)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL ^ (off + 1);

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 0x2545f4914f6cdd1dULL;
}

int main(int argc, char **argv)
{
	unsigned long long off, len, i, bad = 0;
	uint64_t seed, *p;
	int fd, writing;
	void *map;

	if (argc != 6 || (strcmp(argv[1], "write") && strcmp(argv[1], "check"))) {
		fprintf(stderr, "usage: pmemtool write|check PATH OFFSET LEN SEED\n");
		return 2;
	}
	writing = !strcmp(argv[1], "write");
	off = parse_size(argv[3]);
	len = parse_size(argv[4]);
	seed = strtoull(argv[5], NULL, 0);
	if (!len || len % 8) {
		fprintf(stderr, "pmemtool: LEN must be a non-zero multiple of 8\n");
		return 2;
	}
	fd = open(argv[2], writing ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "pmemtool: open %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	map = mmap(NULL, len, writing ? PROT_READ | PROT_WRITE : PROT_READ,
		   MAP_SHARED, fd, off);
	if (map == MAP_FAILED) {
		fprintf(stderr, "pmemtool: mmap %s at %llu+%llu: %s\n", argv[2],
			off, len, strerror(errno));
		return 2;
	}
	p = map;
	for (i = 0; i < len / 8; i++) {
		uint64_t want = pattern(seed, off + i * 8);

		if (writing)
			p[i] = want;
		else if (p[i] != want && bad++ < 4)
			fprintf(stderr, "pmemtool: %s offset %llu: %#llx, want %#llx\n",
				argv[2], off + i * 8, (unsigned long long)p[i],
				(unsigned long long)want);
	}
	if (writing && msync(map, len, MS_SYNC)) {
		fprintf(stderr, "pmemtool: msync %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	munmap(map, len);
	close(fd);
	if (bad) {
		fprintf(stderr, "pmemtool: %s: %llu of %llu words differ\n", argv[2],
			bad, len / 8);
		return 1;
	}
	return 0;
}
