/*
 * rob_dlopen.c - dlopen a library that allocates, call it, dlclose it
 * (t0228). The tracer records the module when it is loaded (and gone when
 * unloaded), so ingest can symbolize frames inside it.
 *
 * Usage: rob_dlopen LIB.so. LIB.so must export
 *   void **plugin_alloc(int n)   n blocks of 777 bytes, in an array of
 *                                 n pointers (also malloc'd, 8*n bytes)
 *   void plugin_free(void **v, int n)
 * Twice: dlopen, plugin_alloc(10), plugin_free, dlclose (the second
 * load usually lands at the same address as the first). Prints "plugin
 * made 20 blocks in 2 loads". Exit status 0.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	for (int load = 0; load < 2; load++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		void **(*alloc)(int) = (void **(*)(int))dlsym(h, "plugin_alloc");
		void (*release)(void **, int) = (void (*)(void **, int))dlsym(h, "plugin_free");
		if (!alloc || !release)
			return 1;
		void **v = alloc(10);
		if (!v)
			return 1;
		release(v, 10);
		if (dlclose(h) != 0)
			return 1;
	}
	printf("plugin made 20 blocks in 2 loads\n");
	return 0;
}
