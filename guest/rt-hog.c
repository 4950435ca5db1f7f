// SPDX-License-Identifier: GPL-2.0
/*
 * rt-hog CPU SECONDS: spin as a SCHED_FIFO task on CPU for SECONDS, so that
 * an ordinary task there (a kworker) runs only in what RT throttling leaves
 * it (50 ms of each second by default). Exit status: 0, or 2 when the task
 * cannot be moved there or made SCHED_FIFO.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 50 };
	cpu_set_t set;
	time_t end;

	if (argc != 3) {
		fprintf(stderr, "usage: rt-hog CPU SECONDS\n");
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[1]), &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("rt-hog");
		return 2;
	}
	end = time(NULL) + atoi(argv[2]);
	while (time(NULL) < end)
		;
	return 0;
}
