/*
 * main.c - THROWAWAY dispatcher for the `report` branch only.
 *
 * The real cli/main.c (every subcommand) is written in another branch and
 * replaces this file at merge. It only knows `report`.
 */
#include <stdio.h>
#include <string.h>

int cmd_report(int argc, char **argv);

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "usage: memledger report [-o OUT.html] [--template DIR] DB\n");
	return 2;
}
