// SPDX-License-Identifier: GPL-2.0
/*
 * rt-hog CPU MS: spin as a SCHED_FIFO task on CPU for MS milliseconds, so
 * that no ordinary task (a kworker) runs there meanwhile, where RT
 * throttling and the fair server are off. Exit status: 0, or 2 when the
 * task cannot be moved there or made SCHED_FIFO.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 50 };
	long long end;
	cpu_set_t set;

	if (argc != 3) {
		fprintf(stderr, "usage: rt-hog CPU MS\n");
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[1]), &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("rt-hog");
		return 2;
	}
	end = now_ms() + atoll(argv[2]);
	while (now_ms() < end)
		;
	return 0;
}
