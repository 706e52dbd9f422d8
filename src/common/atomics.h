/* atomics.h - the few memory-ordering tools the primitives share.
 *
 * TSan does not model standalone fences (and GCC refuses to compile
 * atomic_thread_fence under -fsanitize=thread with -Werror), so a TSan build
 * (SLUICE_TSAN) swaps each fence for acquire/release on the words it guards.
 * The orderings are equivalent for the pattern used; only the cost differs. */
#ifndef SLUICE_COMMON_ATOMICS_H
#define SLUICE_COMMON_ATOMICS_H

#include <stdatomic.h>

#ifdef SLUICE_TSAN
/* Guarded payload words carry the ordering themselves. */
#define SLUICE_GUARDED_STORE memory_order_release
#define SLUICE_GUARDED_LOAD  memory_order_acquire
#define sluice__fence_release() ((void)0)
#define sluice__fence_acquire() ((void)0)
#else
#define SLUICE_GUARDED_STORE memory_order_relaxed
#define SLUICE_GUARDED_LOAD  memory_order_relaxed
#define sluice__fence_release() atomic_thread_fence(memory_order_release)
#define sluice__fence_acquire() atomic_thread_fence(memory_order_acquire)
#endif

/* A full barrier (store-load ordering).  Under TSan a seq_cst read-modify-
 * write on a private word does the job: it is a locked instruction on x86. */
static inline void sluice__fence_full(void)
{
#ifdef SLUICE_TSAN
	static _Atomic unsigned barrier_word;
	atomic_fetch_add_explicit(&barrier_word, 0, memory_order_seq_cst);
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* Tells the CPU we are spinning (cheaper for the sibling hyperthread). */
static inline void sluice__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

#endif
