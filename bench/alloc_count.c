/* SPDX-License-Identifier: MIT */
/* The allocation counter of the benchmarks: this program's malloc family wraps
 * glibc's own entry points; under a sanitizer, whose runtime owns malloc, its
 * allocator hooks count instead. The flag is per thread, the count shared. */
#include <stddef.h>

#include "alloc_count.h"

_Thread_local volatile int bench_counting;
volatile unsigned long bench_allocations;

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
/* from <sanitizer/allocator_interface.h>, which gcc does not always install */
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
                                              void (*f)(const volatile void *));

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    if (bench_counting)
        __atomic_fetch_add(&bench_allocations, 1, __ATOMIC_RELAXED);
}

static void on_free(const volatile void *p)
{
    (void)p;
}

const char *bench_alloc_install(void)
{
    return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) ? "sanitizer hooks" : NULL;
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t k, size_t n);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *malloc(size_t n);
void *calloc(size_t k, size_t n);
void *realloc(void *p, size_t n);
void free(void *p);

void *malloc(size_t n)
{
    if (bench_counting)
        __atomic_fetch_add(&bench_allocations, 1, __ATOMIC_RELAXED);
    return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
    if (bench_counting)
        __atomic_fetch_add(&bench_allocations, 1, __ATOMIC_RELAXED);
    return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    if (bench_counting)
        __atomic_fetch_add(&bench_allocations, 1, __ATOMIC_RELAXED);
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

const char *bench_alloc_install(void)
{
    return "glibc wrappers";
}
#endif
