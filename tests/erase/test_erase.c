/* test_erase.c - erased objects and callables: construction, move, clone
 * and destruction, inline and on the heap. Destroy counters prove each
 * object is destroyed exactly once; ASan and valgrind prove no byte is
 * leaked or touched after free. */
#include <check.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/erase.h"
#include "sluice/error.h"
#include "testutil.h"

static int destroyed;

/* A small object owning heap memory: destroy frees it, clone deep-copies. */
struct named {
	char *name;
	int id;
};

static void named_destroy(void *o)
{
	struct named *n = o;

	destroyed++;
	free(n->name);
	n->name = NULL;
}

static int named_clone(void *dst, const void *src)
{
	const struct named *s = src;
	struct named *d = dst;

	d->name = strdup(s->name);
	if (!d->name)
		return -ENOMEM;
	d->id = s->id + 1000;
	return 0;
}

static const struct sluice_erase_ops named_ops = {
    "named", sizeof(struct named), alignof(struct named), named_destroy, NULL, named_clone};
static const struct sluice_erase_ops named_nocopy_ops = {
    "named", sizeof(struct named), alignof(struct named), named_destroy, NULL, NULL};

/* Too big for the inline buffer. */
struct big {
	char *name;
	double samples[16];
};

static void big_destroy(void *o)
{
	destroyed++;
	free(((struct big *)o)->name);
}

static const struct sluice_erase_ops big_ops = {
    "big", sizeof(struct big), alignof(struct big), big_destroy, NULL, NULL};

/* Small but over-aligned: must go to the heap, aligned. */
struct aligned {
	alignas(128) int x;
};

static const struct sluice_erase_ops aligned_ops = SLUICE_ERASE_PLAIN_OPS(struct aligned);

/* Points into itself: a byte copy would leave self aiming at the old place,
 * so it supplies a move. */
struct selfref {
	int *self;
	int value;
};

static int moves;

static void selfref_move(void *dst, void *src)
{
	struct selfref *d = dst, *s = src;

	moves++;
	d->value = s->value;
	d->self = &d->value;
	s->self = NULL;
}

static const struct sluice_erase_ops selfref_ops = {
    "selfref", sizeof(struct selfref), alignof(struct selfref), NULL, selfref_move, NULL};

static void make_named(struct sluice_erased *e, const struct sluice_erase_ops *ops,
                       const char *name, int id)
{
	struct named n = {strdup(name), id};

	ck_assert_int_eq(sluice_erased_make(e, ops, &n), 0);
}

static void setup(void)
{
	destroyed = 0;
	moves = 0;
}

START_TEST(layout)
{
	ck_assert_uint_eq(sizeof(struct sluice_erased), 64);
	ck_assert_uint_eq(offsetof(struct sluice_erased, buf) % alignof(max_align_t), 0);
	ck_assert_uint_ge(SLUICE_ERASE_INLINE, 32);
	ck_assert_uint_le(SLUICE_ERASE_INLINE, 64);
}
END_TEST

START_TEST(inline_lifecycle)
{
	struct sluice_erased a = SLUICE_ERASED_EMPTY, b = SLUICE_ERASED_EMPTY;
	struct named *n;

	ck_assert(sluice_erased_empty(&a));
	ck_assert_ptr_null(sluice_erased_get(&a));
	make_named(&a, &named_ops, "imu", 7);
	ck_assert(sluice_erased_is_inline(&a));
	n = sluice_erased_get(&a);
	ck_assert_ptr_eq(n, (void *)a.buf);
	ck_assert_str_eq(n->name, "imu");

	sluice_erased_move(&b, &a);
	ck_assert(sluice_erased_empty(&a));
	ck_assert_ptr_null(sluice_erased_get(&a));
	ck_assert(sluice_erased_is_inline(&b));
	n = sluice_erased_get(&b);
	ck_assert_str_eq(n->name, "imu");
	ck_assert_int_eq(n->id, 7);
	ck_assert_int_eq(destroyed, 0); /* a move destroys nothing */

	sluice_erased_reset(&a); /* empty: nothing to destroy */
	ck_assert_int_eq(destroyed, 0);
	sluice_erased_reset(&b);
	ck_assert_int_eq(destroyed, 1);
	sluice_erased_reset(&b);
	ck_assert_int_eq(destroyed, 1); /* exactly once */
}
END_TEST

START_TEST(heap_lifecycle)
{
	struct sluice_erased a = SLUICE_ERASED_EMPTY, b = SLUICE_ERASED_EMPTY;
	struct big *g;
	void *where;

	ck_assert(!sluice_erase_fits_inline(&big_ops));
	ck_assert_int_eq(sluice_erased_emplace(&a, &big_ops, &where), 0);
	g = where;
	g->name = strdup("gps");
	for (int i = 0; i < 16; i++)
		g->samples[i] = i;
	ck_assert(!sluice_erased_is_inline(&a));
	ck_assert_ptr_ne(where, (void *)a.buf);

	/* A heap object changes owner without being moved itself. */
	sluice_erased_move(&b, &a);
	ck_assert(sluice_erased_empty(&a));
	ck_assert_ptr_eq(sluice_erased_get(&b), where);
	ck_assert_double_eq(((struct big *)sluice_erased_get(&b))->samples[15], 15);

	/* Moving onto a full object destroys what it held first. */
	make_named(&a, &named_ops, "x", 1);
	sluice_erased_move(&a, &b);
	ck_assert_int_eq(destroyed, 1);
	ck_assert_ptr_eq(sluice_erased_get(&a), where);
	sluice_erased_move(&a, &a); /* self-move is a no-op */
	ck_assert_ptr_eq(sluice_erased_get(&a), where);
	sluice_erased_reset(&a);
	ck_assert_int_eq(destroyed, 2);
}
END_TEST

START_TEST(overaligned_goes_to_heap)
{
	struct sluice_erased a = SLUICE_ERASED_EMPTY, b = SLUICE_ERASED_EMPTY;
	struct aligned v = {.x = 42};

	ck_assert_uint_le(sizeof(struct aligned), SLUICE_ERASE_INLINE * 4);
	ck_assert_int_eq(sluice_erased_make(&a, &aligned_ops, &v), 0);
	ck_assert(!sluice_erased_is_inline(&a));
	ck_assert_uint_eq((uintptr_t)sluice_erased_get(&a) % 128, 0);
	ck_assert_int_eq(((struct aligned *)sluice_erased_get(&a))->x, 42);
	ck_assert_int_eq(sluice_erased_clone(&b, &a), -SLUICE_ENOTCOPYABLE);
	ck_assert(sluice_erased_empty(&b));
	sluice_erased_reset(&a);
}
END_TEST

START_TEST(move_uses_ops_move)
{
	struct sluice_erased a = SLUICE_ERASED_EMPTY, b = SLUICE_ERASED_EMPTY;
	struct selfref r = {NULL, 5};
	struct selfref *p;

	r.self = &r.value;
	ck_assert_int_eq(sluice_erased_make(&a, &selfref_ops, &r), 0);
	p = sluice_erased_get(&a);
	ck_assert_ptr_eq(p->self, &p->value);
	sluice_erased_move(&b, &a);
	p = sluice_erased_get(&b);
	ck_assert_ptr_eq(p->self, &p->value);
	ck_assert_int_eq(*p->self, 5);
	ck_assert_int_eq(moves, 2);
	sluice_erased_reset(&b);
}
END_TEST

START_TEST(clone_only_with_ops)
{
	struct sluice_erased a = SLUICE_ERASED_EMPTY, b = SLUICE_ERASED_EMPTY;
	struct named *n;

	make_named(&a, &named_nocopy_ops, "lidar", 3);
	make_named(&b, &named_ops, "old", 9);
	ck_assert_int_eq(sluice_erased_clone(&b, &a), -SLUICE_ENOTCOPYABLE);
	ck_assert_int_eq(destroyed, 0); /* a refused clone leaves dst alone */
	sluice_erased_reset(&a);
	ck_assert_int_eq(destroyed, 1);

	make_named(&a, &named_ops, "lidar", 3);
	ck_assert_int_eq(sluice_erased_clone(&b, &a), 0);
	ck_assert_int_eq(destroyed, 2); /* b's old object */
	n = sluice_erased_get(&b);
	ck_assert_str_eq(n->name, "lidar");
	ck_assert_int_eq(n->id, 1003);
	ck_assert_ptr_ne(n->name, ((struct named *)sluice_erased_get(&a))->name);
	sluice_erased_reset(&a);
	sluice_erased_reset(&b);
	ck_assert_int_eq(destroyed, 4);
}
END_TEST

static int fail_clone(void *dst, const void *src)
{
	(void)dst;
	(void)src;
	return -EIO;
}

static const struct sluice_erase_ops big_failclone_ops = {
    "big", sizeof(struct big), alignof(struct big), big_destroy, NULL, fail_clone};

START_TEST(failed_clone_frees_storage)
{
	struct sluice_erased a = SLUICE_ERASED_EMPTY, b = SLUICE_ERASED_EMPTY;
	struct big g = {.name = strdup("radar")};

	ck_assert_int_eq(sluice_erased_make(&a, &big_failclone_ops, &g), 0);
	ck_assert_int_eq(sluice_erased_clone(&b, &a), -EIO);
	ck_assert(sluice_erased_empty(&b));
	ck_assert_int_eq(destroyed, 0); /* nothing was constructed in b */
	sluice_erased_reset(&a);
	ck_assert_int_eq(destroyed, 1);
}
END_TEST

START_TEST(bad_ops_refused)
{
	struct sluice_erased a = SLUICE_ERASED_EMPTY;
	struct sluice_erase_ops bad = {"bad", 8, 3, NULL, NULL, NULL};
	void *p;

	ck_assert_int_eq(sluice_erased_emplace(&a, &bad, &p), -EINVAL);
	ck_assert_int_eq(sluice_erased_emplace(&a, NULL, &p), -EINVAL);
	ck_assert(sluice_erased_empty(&a));
}
END_TEST

/* The callable: a function plus an erased capture. */
struct adder {
	int64_t k;
	int *hits;
};

static int add_fn(void *cap, void *arg)
{
	struct adder *a = cap;

	(*a->hits)++;
	*(int64_t *)arg += a->k;
	return 0;
}

static int adder_clone(void *dst, const void *src)
{
	memcpy(dst, src, sizeof(struct adder));
	return 0;
}

static const struct sluice_erase_ops adder_ops = {
    "adder", sizeof(struct adder), alignof(struct adder), NULL, NULL, adder_clone};

static int big_fn(void *cap, void *arg)
{
	struct big *g = cap;

	*(int64_t *)arg += (int64_t)g->samples[3] + (int64_t)strlen(g->name);
	return 1;
}

static int no_capture_fn(void *cap, void *arg)
{
	ck_assert_ptr_null(cap);
	*(int64_t *)arg = -1;
	return 2;
}

START_TEST(callable)
{
	struct sluice_callable c = SLUICE_CALLABLE_EMPTY, d = SLUICE_CALLABLE_EMPTY;
	int hits = 0;
	struct adder a = {5, &hits};
	struct big g = {.name = strdup("abc")};
	int64_t acc = 0;

	ck_assert_int_eq(sluice_callable_bind(&c, add_fn, &adder_ops, &a), 0);
	ck_assert(sluice_erased_is_inline(&c.capture));
	ck_assert_int_eq(sluice_callable_call(&c, &acc), 0);
	ck_assert_int_eq(acc, 5);

	ck_assert_int_eq(sluice_callable_clone(&d, &c), 0);
	sluice_callable_reset(&c);
	ck_assert_ptr_null(c.fn);
	ck_assert_int_eq(sluice_callable_call(&d, &acc), 0);
	ck_assert_int_eq(acc, 10);
	ck_assert_int_eq(hits, 2);

	/* A capture too big for the buffer lives on the heap; moving the
	 * callable moves ownership. */
	g.samples[3] = 100;
	ck_assert_int_eq(sluice_callable_bind(&c, big_fn, &big_ops, &g), 0);
	ck_assert(!sluice_erased_is_inline(&c.capture));
	sluice_callable_move(&d, &c);
	ck_assert_ptr_null(c.fn);
	ck_assert(sluice_erased_empty(&c.capture));
	ck_assert_int_eq(sluice_callable_call(&d, &acc), 1);
	ck_assert_int_eq(acc, 113);
	ck_assert_int_eq(sluice_callable_clone(&c, &d), -SLUICE_ENOTCOPYABLE);

	ck_assert_int_eq(sluice_callable_bind(&d, no_capture_fn, NULL, NULL), 0);
	ck_assert_int_eq(destroyed, 1); /* the big capture, when d was rebound */
	ck_assert_int_eq(sluice_callable_call(&d, &acc), 2);
	ck_assert_int_eq(acc, -1);
	ck_assert_int_eq(sluice_callable_bind(&d, NULL, NULL, NULL), -EINVAL);
	sluice_callable_reset(&d);
	sluice_callable_reset(&c);
	ck_assert_int_eq(destroyed, 1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("erase");
	TCase *t = tcase_create("erase");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, layout);
	tcase_add_test(t, inline_lifecycle);
	tcase_add_test(t, heap_lifecycle);
	tcase_add_test(t, overaligned_goes_to_heap);
	tcase_add_test(t, move_uses_ops_move);
	tcase_add_test(t, clone_only_with_ops);
	tcase_add_test(t, failed_clone_frees_storage);
	tcase_add_test(t, bad_ops_refused);
	tcase_add_test(t, callable);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(make_suite);
}
