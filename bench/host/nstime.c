// SPDX-License-Identifier: GPL-2.0
/*
 * nstime CMD [ARG...]: run CMD and print "nstime ns=N" on stderr, the
 * CLOCK_MONOTONIC nanoseconds from before its fork() to after its exit.
 * Busybox has no finer clock than 10 ms; under QEMU -icount a guest
 * nanosecond is one guest instruction.  Exits with CMD's status.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: nstime CMD [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		perror("nstime");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "nstime ns=%lld\n",
		(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
