/*
 * replay.c - runs each file named on the command line through the fuzz
 * target once: the corpus replay `make test` runs (tests/run.sh), with
 * the sanitizer build and no libFuzzer. A crash, a sanitizer report or a
 * leak fails the run; otherwise it prints how many inputs it ran.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int ran = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (run_file(argv[i]) < 0)
			failed++;
		else
			ran++;
	}
	printf("replayed %d inputs%s\n", ran, failed ? ", some could not be read" : "");
	if (ran == 0) {
		fprintf(stderr, "no input given\n");
		return 1;
	}
	return failed ? 1 : 0;
}
