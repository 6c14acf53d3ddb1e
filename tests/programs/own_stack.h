/*
 * own_stack.h - where the calling thread's stack is, for the programs
 * that look at their threads' stacks (stack_unjoined.c, stk_small.c).
 */
#ifndef OWN_STACK_H
#define OWN_STACK_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>

/** The calling thread's stack: its lowest address in *lo, its size in *size. */
static void own_stack(void **lo, size_t *size)
{
	pthread_attr_t a;
	pthread_getattr_np(pthread_self(), &a);
	pthread_attr_getstack(&a, lo, size);
	pthread_attr_destroy(&a);
}

#endif
