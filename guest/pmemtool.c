// SPDX-License-Identifier: GPL-2.0
/*
 * pmemtool: write or check a reproducible pattern on a pmem block device
 * (pwrite/pread, then fsync) or a device-dax character device (through a
 * shared mapping, the only access device-dax has). Used to prove that data survives a rebind or a
 * reconfiguration, i.e. that memmap initialisation never touches the data
 * area of a namespace.
 *
 *   pmemtool write PATH OFFSET LEN SEED [MAPALIGN]
 *   pmemtool check PATH OFFSET LEN SEED [MAPALIGN]
 *
 * OFFSET, LEN and MAPALIGN take K, M and G suffixes. Device-dax maps only
 * whole multiples of its alignment: give that as MAPALIGN and the mapping
 * is widened to it, while the pattern still covers OFFSET..OFFSET+LEN. Exit status: 0 ok, 1 mismatch, 2 usage or I/O
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

/* Fill or check @buf, which holds @len bytes of the device at @off. */
static unsigned long long pattern_apply(uint64_t *buf, unsigned long long off,
					unsigned long long len, uint64_t seed,
					int writing, const char *path)
{
	unsigned long long i, bad = 0;

	for (i = 0; i < len / 8; i++) {
		uint64_t want = pattern(seed, off + i * 8);

		if (writing)
			buf[i] = want;
		else if (buf[i] != want && bad++ < 4)
			fprintf(stderr, "pmemtool: %s offset %llu: %#llx, want %#llx\n",
				path, off + i * 8, (unsigned long long)buf[i],
				(unsigned long long)want);
	}
	return bad;
}

/* Device-dax: through a shared mapping; its stores need no msync. */
static int run_mapped(int fd, const char *path, unsigned long long off,
		      unsigned long long len, uint64_t seed, int writing,
		      unsigned long long align, unsigned long long *bad)
{
	unsigned long long base = off / align * align;
	unsigned long long maplen = (off + len + align - 1) / align * align - base;
	char *map = mmap(NULL, maplen, writing ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_SHARED, fd, base);

	if (map == MAP_FAILED) {
		fprintf(stderr, "pmemtool: mmap %s at %llu+%llu: %s\n", path,
			base, maplen, strerror(errno));
		return 2;
	}
	*bad = pattern_apply((uint64_t *)(map + (off - base)), off, len, seed,
			     writing, path);
	munmap(map, maplen);
	return 0;
}

/* Block devices: pwrite + fsync, or pread. */
static int run_io(int fd, const char *path, unsigned long long off,
		  unsigned long long len, uint64_t seed, int writing,
		  unsigned long long *bad)
{
	uint64_t *buf = malloc(len);
	ssize_t n;

	if (!buf) {
		fprintf(stderr, "pmemtool: out of memory\n");
		return 2;
	}
	if (writing) {
		pattern_apply(buf, off, len, seed, 1, path);
		n = pwrite(fd, buf, len, off);
		if (n == (ssize_t)len && fsync(fd))
			n = -1;
	} else {
		n = pread(fd, buf, len, off);
		if (n == (ssize_t)len)
			*bad = pattern_apply(buf, off, len, seed, 0, path);
	}
	free(buf);
	if (n != (ssize_t)len) {
		fprintf(stderr, "pmemtool: %s %s at %llu+%llu: %s\n",
			writing ? "write" : "read", path, off, len,
			n < 0 ? strerror(errno) : "short transfer");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long off, len, align = 1, bad = 0;
	int fd, writing, rc;
	struct stat st;
	uint64_t seed;

	if (argc < 6 || argc > 7 ||
	    (strcmp(argv[1], "write") && strcmp(argv[1], "check"))) {
		fprintf(stderr, "usage: pmemtool write|check PATH OFFSET LEN SEED [MAPALIGN]\n");
		return 2;
	}
	writing = !strcmp(argv[1], "write");
	off = parse_size(argv[3]);
	len = parse_size(argv[4]);
	seed = strtoull(argv[5], NULL, 0);
	if (argc == 7)
		align = parse_size(argv[6]);
	if (!len || len % 8 || !align) {
		fprintf(stderr, "pmemtool: LEN must be a non-zero multiple of 8, MAPALIGN non-zero\n");
		return 2;
	}
	fd = open(argv[2], writing ? O_RDWR : O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "pmemtool: open %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if (S_ISCHR(st.st_mode))
		rc = run_mapped(fd, argv[2], off, len, seed, writing, align, &bad);
	else
		rc = run_io(fd, argv[2], off, len, seed, writing, &bad);
	close(fd);
	if (rc)
		return rc;
	if (bad) {
		fprintf(stderr, "pmemtool: %s: %llu of %llu words differ\n", argv[2],
			bad, len / 8);
		return 1;
	}
	return 0;
}
