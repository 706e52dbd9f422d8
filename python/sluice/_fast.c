/* _fast.c - sluice._fast: the Python package's per-message calls in C.
 *
 * Optional: the package (_channel.py) uses it when it imports and falls
 * back to ctypes otherwise (or when SLUICE_PY_NO_EXT=1).  Each ctypes call
 * costs far more than the library call it wraps; here take, release, loan,
 * commit and publish are one C call each, and take/loan make the slot's
 * memoryview themselves.  The module does not link libsluice.so: _lib.py
 * hands it the addresses of the functions in the very library ctypes
 * loaded (init()), so both paths always call the same copy.  Handles are
 * the ctypes handles' integer values; a struct sluice_msg is memory the
 * caller owns (a ctypes Msg), passed by address.  MessageBase holds a
 * message's fields in C, so take() makes the package's Message (a Python
 * subclass that adds the methods) without running any Python.
 *
 * Calls that may wait first try without waiting while holding the GIL (the
 * message path: a message or a free slot is usually there) and only drop
 * the GIL for a real wait.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include <sluice/channel.h>
#include <sluice/error.h>

typedef int (*take_fn)(struct sluice_sub *, struct sluice_msg *, int64_t);
typedef int (*release_fn)(struct sluice_sub *, struct sluice_msg *);
typedef int (*loan_fn)(struct sluice_pub *, size_t, void **, int64_t);
typedef int (*commit_fn)(struct sluice_pub *, size_t, size_t);
typedef int (*publish_fn)(struct sluice_pub *, const void *, size_t, int64_t);

static take_fn f_take;
static release_fn f_release;
static loan_fn f_loan;
static commit_fn f_commit;
static publish_fn f_publish;
static PyObject *s_release; /* "release", interned once */

static int ready(void)
{
	if (f_take && f_release && f_loan && f_commit && f_publish)
		return 1;
	PyErr_SetString(PyExc_RuntimeError, "sluice._fast: init() was not called");
	return 0;
}

/* An integer argument as a pointer; NULL with an exception set if it is none. */
static void *ptr_arg(PyObject *o)
{
	void *p = PyLong_AsVoidPtr(o);

	if (!p && !PyErr_Occurred())
		PyErr_SetString(PyExc_ValueError, "sluice._fast: null handle");
	return p;
}

static int64_t ns_arg(PyObject *o, int *bad)
{
	long long v = PyLong_AsLongLong(o);

	*bad = v == -1 && PyErr_Occurred();
	return (int64_t)v;
}

static int nargs_ok(const char *name, Py_ssize_t n, Py_ssize_t want)
{
	if (n == want)
		return 1;
	PyErr_Format(PyExc_TypeError, "sluice._fast.%s takes %zd arguments (%zd given)", name, want,
	             n);
	return 0;
}

/* init(take, release, loan, commit, publish): the functions' addresses. */
static PyObject *fast_init(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	void *p[5];

	(void)self;
	if (!nargs_ok("init", n, 5))
		return NULL;
	for (int i = 0; i < 5; i++)
		if (!(p[i] = ptr_arg(args[i])))
			return NULL;
	f_take = (take_fn)p[0];
	f_release = (release_fn)p[1];
	f_loan = (loan_fn)p[2];
	f_commit = (commit_fn)p[3];
	f_publish = (publish_fn)p[4];
	Py_RETURN_NONE;
}

/* The fields of sluice.Message; the names are the Python class's. */
/* clang-format off */
typedef struct {
	PyObject_HEAD
	PyObject *sub;  /* the Subscriber */
	PyObject *m;    /* its struct sluice_msg (ctypes byref) while held, else None */
	PyObject *data; /* the view of the slot */
	PyObject *copy; /* bytes copied out, or None */
	Py_ssize_t address, len;
	unsigned long long seq, stamp_ns, lost_before;
} msg_object;
/* clang-format on */

static int msg_traverse(PyObject *o, visitproc visit, void *arg)
{
	msg_object *self = (msg_object *)o;

	Py_VISIT(self->sub);
	Py_VISIT(self->m);
	Py_VISIT(self->data);
	Py_VISIT(self->copy);
	return 0;
}

static int msg_clear(PyObject *o)
{
	msg_object *self = (msg_object *)o;

	Py_CLEAR(self->sub);
	Py_CLEAR(self->m);
	Py_CLEAR(self->data);
	Py_CLEAR(self->copy);
	return 0;
}

/* Every type here is a GC type whose tp_clear drops all it holds. */
static void gc_dealloc(PyObject *o)
{
	PyTypeObject *tp = Py_TYPE(o);

	PyObject_GC_UnTrack(o);
	tp->tp_clear(o);
	tp->tp_free(o);
}

static PyMemberDef msg_members[] = {
    {"_sub", T_OBJECT, offsetof(msg_object, sub), 0, NULL},
    {"_m", T_OBJECT, offsetof(msg_object, m), 0, NULL},
    {"_data", T_OBJECT, offsetof(msg_object, data), 0, NULL},
    {"_copy", T_OBJECT, offsetof(msg_object, copy), 0, NULL},
    {"address", T_PYSSIZET, offsetof(msg_object, address), 0, NULL},
    {"len", T_PYSSIZET, offsetof(msg_object, len), 0, NULL},
    {"seq", T_ULONGLONG, offsetof(msg_object, seq), 0, NULL},
    {"stamp_ns", T_ULONGLONG, offsetof(msg_object, stamp_ns), 0, NULL},
    {"lost_before", T_ULONGLONG, offsetof(msg_object, lost_before), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* Message.data: the view while the message is held, else a view of the
 * copy bytes() made, else ValueError (in C: the message path reads it). */
static PyObject *msg_get_data(PyObject *o, void *closure)
{
	msg_object *self = (msg_object *)o;

	(void)closure;
	if (self->m && self->m != Py_None && self->data)
		return Py_NewRef(self->data);
	if (self->copy && self->copy != Py_None)
		return PyMemoryView_FromObject(self->copy);
	PyErr_Format(PyExc_ValueError, "message %llu was released: its view is gone", self->seq);
	return NULL;
}

static PyGetSetDef msg_getset[] = {
    {"data", msg_get_data, NULL,
     PyDoc_STR("a read-only memoryview of the slot (zero copy), valid until released"), NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* clang-format off */
static PyTypeObject msg_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "sluice._fast.MessageBase",
	.tp_basicsize = sizeof(msg_object),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
	.tp_doc = PyDoc_STR("the fields of sluice.Message, held in C"),
	.tp_traverse = msg_traverse,
	.tp_clear = msg_clear,
	.tp_dealloc = gc_dealloc,
	.tp_members = msg_members,
	.tp_getset = msg_getset,
	.tp_new = PyType_GenericNew,
};
/* clang-format on */

/* A cls (a MessageBase subclass) for the message m holds: owner as _sub,
 * ref as _m and a read-only memoryview of the slot as _data.  spare, when
 * not NULL, is an emptied cls nobody else holds: it is filled instead of
 * a new one (the reference passes to the result). */
static PyObject *make_msg(PyTypeObject *cls, const struct sluice_msg *m, PyObject *owner,
                          PyObject *ref, PyObject *spare)
{
	PyObject *view =
	    m->len ? PyMemoryView_FromMemory((char *)m->data, (Py_ssize_t)m->len, PyBUF_READ)
	           : PyMemoryView_FromMemory((char *)"", 0, PyBUF_READ);
	if (!view) {
		Py_XDECREF(spare);
		return NULL;
	}
	msg_object *msg = spare ? (msg_object *)spare : (msg_object *)cls->tp_alloc(cls, 0);

	if (!msg) {
		Py_DECREF(view);
		return NULL;
	}
	msg->sub = Py_NewRef(owner);
	msg->m = Py_NewRef(ref);
	msg->data = view;
	msg->address = (Py_ssize_t)(uintptr_t)m->data;
	msg->len = (Py_ssize_t)m->len;
	msg->seq = m->seq;
	msg->stamp_ns = m->stamp_ns;
	msg->lost_before = m->lost_before;
	return (PyObject *)msg;
}

/* take(sub, msg, timeout_ns, cls, owner, ref) -> a cls (a MessageBase
 * subclass) with owner as _sub, ref as _m and a read-only memoryview of
 * the message in the slot as _data; or the negative code as an int. */
static PyObject *fast_take(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_sub *sub;
	struct sluice_msg *m;
	PyTypeObject *cls;
	int64_t ns;
	int bad, rc;

	(void)self;
	if (!nargs_ok("take", n, 6) || !ready())
		return NULL;
	if (!PyType_Check(args[3]) || !PyType_IsSubtype((PyTypeObject *)args[3], &msg_type)) {
		PyErr_SetString(PyExc_TypeError, "sluice._fast.take: cls is no MessageBase");
		return NULL;
	}
	cls = (PyTypeObject *)args[3];
	if (!(sub = ptr_arg(args[0])) || !(m = ptr_arg(args[1])))
		return NULL;
	ns = ns_arg(args[2], &bad);
	if (bad)
		return NULL;
	rc = f_take(sub, m, 0);
	if ((rc == -EAGAIN || rc == -ETIMEDOUT) && ns != 0) {
		PyThreadState *ts = PyEval_SaveThread();

		rc = f_take(sub, m, ns);
		PyEval_RestoreThread(ts);
	}
	if (rc)
		return PyLong_FromLong(rc);
	return make_msg(cls, m, args[4], args[5], NULL);
}

/* Releases a view; a live export (a numpy array over it) leaves it be. */
static int release_view(PyObject *view)
{
	if (view == Py_None)
		return 0;
	if (!PyMemoryView_Check(view)) {
		PyErr_SetString(PyExc_TypeError, "sluice._fast: not a memoryview");
		return -1;
	}
	PyObject *r = PyObject_CallMethodNoArgs(view, s_release);

	if (r) {
		Py_DECREF(r);
		return 0;
	}
	if (PyErr_ExceptionMatches(PyExc_BufferError)) {
		PyErr_Clear();
		return 0;
	}
	return -1;
}

/* release(sub, msg, view) -> 0 or the negative code: ends view, then the
 * message. */
static PyObject *fast_release(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_sub *sub;
	struct sluice_msg *m;

	(void)self;
	if (!nargs_ok("release", n, 3) || !ready())
		return NULL;
	if (!(sub = ptr_arg(args[0])) || !(m = ptr_arg(args[1])))
		return NULL;
	if (release_view(args[2]))
		return NULL;
	return PyLong_FromLong(f_release(sub, m));
}

/* loan(pub, size, slot_size, timeout_ns) -> (view, address): a writable
 * memoryview of the whole slot; or the negative code as an int. */
static PyObject *fast_loan(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_pub *pub;
	size_t size, slot;
	void *buf = NULL;
	int64_t ns;
	int bad, rc;

	(void)self;
	if (!nargs_ok("loan", n, 4) || !ready())
		return NULL;
	if (!(pub = ptr_arg(args[0])))
		return NULL;
	size = PyLong_AsSize_t(args[1]);
	if (size == (size_t)-1 && PyErr_Occurred())
		return NULL;
	slot = PyLong_AsSize_t(args[2]);
	if (slot == (size_t)-1 && PyErr_Occurred())
		return NULL;
	ns = ns_arg(args[3], &bad);
	if (bad)
		return NULL;
	if (slot > PY_SSIZE_T_MAX) {
		PyErr_SetString(PyExc_OverflowError, "sluice._fast: slot size");
		return NULL;
	}
	rc = f_loan(pub, size, &buf, 0);
	if ((rc == -EAGAIN || rc == -ETIMEDOUT) && ns != 0) {
		PyThreadState *ts = PyEval_SaveThread();

		rc = f_loan(pub, size, &buf, ns);
		PyEval_RestoreThread(ts);
	}
	if (rc)
		return PyLong_FromLong(rc);
	PyObject *view = PyMemoryView_FromMemory(buf, (Py_ssize_t)slot, PyBUF_WRITE);

	if (!view)
		return NULL;
	return Py_BuildValue("(Nn)", view, (Py_ssize_t)(uintptr_t)buf);
}

/* commit(pub, view, offset, length) -> 0 or the negative code: ends the
 * loan's view, then publishes. */
static PyObject *fast_commit(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_pub *pub;
	size_t off, len;

	(void)self;
	if (!nargs_ok("commit", n, 4) || !ready())
		return NULL;
	if (!(pub = ptr_arg(args[0])))
		return NULL;
	off = PyLong_AsSize_t(args[2]);
	if (off == (size_t)-1 && PyErr_Occurred())
		return NULL;
	len = PyLong_AsSize_t(args[3]);
	if (len == (size_t)-1 && PyErr_Occurred())
		return NULL;
	if (release_view(args[1]))
		return NULL;
	return PyLong_FromLong(f_commit(pub, off, len));
}

/* publish(pub, data, timeout_ns) -> 0 or the negative code; data: any
 * contiguous bytes-like object, copied into the slot. */
static PyObject *fast_publish(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_pub *pub;
	Py_buffer b;
	int64_t ns;
	int bad, rc;

	(void)self;
	if (!nargs_ok("publish", n, 3) || !ready())
		return NULL;
	if (!(pub = ptr_arg(args[0])))
		return NULL;
	ns = ns_arg(args[2], &bad);
	if (bad)
		return NULL;
	if (PyObject_GetBuffer(args[1], &b, PyBUF_SIMPLE) < 0)
		return NULL;
	rc = f_publish(pub, b.buf, (size_t)b.len, 0);
	if ((rc == -EAGAIN || rc == -ETIMEDOUT) && ns != 0) {
		/* the buffer stays exported, so it cannot be resized meanwhile */
		PyThreadState *ts = PyEval_SaveThread();

		rc = f_publish(pub, b.buf, (size_t)b.len, ns);
		PyEval_RestoreThread(ts);
	}
	PyBuffer_Release(&b);
	return PyLong_FromLong(rc);
}

/* take_many(sub, msg, max, timeout_ns, meta) -> (list, lost, last_seq), or
 * the negative code as an int when not one message came.  Each message is
 * copied into a bytes object and its slot released at once (the library
 * holds one view per subscriber, and a 64 B bytes costs less than a view);
 * meta makes each item (bytes, seq, stamp_ns, lost_before) instead.  Only
 * the first take may wait; the rest take what is there, up to max.  A copy
 * a lossy publisher overwrote meanwhile (-SLUICE_ETORN) is dropped and
 * counted as lost, as sluice_sub_take_copy() does; lost sums lost_before
 * over the batch, those included. */
static PyObject *fast_take_many(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_sub *sub;
	struct sluice_msg *m;
	Py_ssize_t max;
	unsigned long long lost = 0, pending = 0, last = 0;
	int64_t ns;
	int bad, rc = 0, meta;

	(void)self;
	if (!nargs_ok("take_many", n, 5) || !ready())
		return NULL;
	if (!(sub = ptr_arg(args[0])) || !(m = ptr_arg(args[1])))
		return NULL;
	max = PyLong_AsSsize_t(args[2]);
	if (max == -1 && PyErr_Occurred())
		return NULL;
	ns = ns_arg(args[3], &bad);
	if (bad || (meta = PyObject_IsTrue(args[4])) < 0)
		return NULL;
	PyObject *list = PyList_New(0);

	if (!list)
		return NULL;
	while (PyList_GET_SIZE(list) < max) {
		rc = f_take(sub, m, 0);
		if ((rc == -EAGAIN || rc == -ETIMEDOUT) && ns != 0 && !PyList_GET_SIZE(list) &&
		    !lost) {
			PyThreadState *ts = PyEval_SaveThread();

			rc = f_take(sub, m, ns);
			PyEval_RestoreThread(ts);
		}
		if (rc)
			break;
		PyObject *b = PyBytes_FromStringAndSize(m->len ? (const char *)m->data : "",
		                                        (Py_ssize_t)m->len);
		int rel = f_release(sub, m); /* the slot goes back before anything can fail */

		pending += m->lost_before;
		lost += m->lost_before;
		if (!b)
			goto fail;
		if (rel == -SLUICE_ETORN) {
			Py_DECREF(b);
			pending++;
			lost++;
			continue;
		}
		if (rel) {
			Py_DECREF(b);
			rc = rel;
			break;
		}
		PyObject *item = b;

		if (meta) {
			item = Py_BuildValue("(NKKK)", b, (unsigned long long)m->seq,
			                     (unsigned long long)m->stamp_ns, pending);
			if (!item)
				goto fail;
		}
		if (PyList_Append(list, item) < 0) {
			Py_DECREF(item);
			goto fail;
		}
		Py_DECREF(item);
		pending = 0;
		last = m->seq;
	}
	if (!PyList_GET_SIZE(list) && !lost && rc) {
		Py_DECREF(list);
		return PyLong_FromLong(rc);
	}
	return Py_BuildValue("(NKK)", list, lost, last);
fail:
	Py_DECREF(list);
	return NULL;
}

/* publish_many(pub, items, start, timeout_ns) -> (next, rc): publishes
 * items[start:] (a list or tuple of bytes-like objects) in order, one
 * copy each, and stops at the first that fails: next is its index (or
 * len(items)), rc its code (0 when all went).  Each may wait up to
 * timeout_ns for room, without the GIL. */
static PyObject *fast_publish_many(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_pub *pub;
	Py_ssize_t i, count;
	int64_t ns;
	int bad, rc = 0;

	(void)self;
	if (!nargs_ok("publish_many", n, 4) || !ready())
		return NULL;
	if (!(pub = ptr_arg(args[0])))
		return NULL;
	if (!PyList_Check(args[1]) && !PyTuple_Check(args[1])) {
		PyErr_SetString(PyExc_TypeError,
		                "sluice._fast.publish_many: items is no list or tuple");
		return NULL;
	}
	i = PyLong_AsSsize_t(args[2]);
	if (i == -1 && PyErr_Occurred())
		return NULL;
	ns = ns_arg(args[3], &bad);
	if (bad)
		return NULL;
	if (i < 0)
		i = 0;
	/* a list may shrink under a buffer's callbacks: its size is read each time */
	for (; i < (count = PySequence_Fast_GET_SIZE(args[1])); i++) {
		PyObject *o = PySequence_Fast_GET_ITEM(args[1], i);
		Py_buffer b;

		if (PyBytes_CheckExact(o)) {
			/* immutable: no export needed, not even across the wait */
			b.buf = PyBytes_AS_STRING(o);
			b.len = PyBytes_GET_SIZE(o);
			b.obj = NULL;
		} else if (PyObject_GetBuffer(o, &b, PyBUF_SIMPLE) < 0) {
			return NULL;
		}
		Py_INCREF(o);
		rc = f_publish(pub, b.buf, (size_t)b.len, 0);
		if ((rc == -EAGAIN || rc == -ETIMEDOUT) && ns != 0) {
			PyThreadState *ts = PyEval_SaveThread();

			rc = f_publish(pub, b.buf, (size_t)b.len, ns);
			PyEval_RestoreThread(ts);
		}
		if (b.obj)
			PyBuffer_Release(&b);
		Py_DECREF(o);
		if (rc)
			break;
	}
	return Py_BuildValue("(ni)", i, rc);
}

/* drain(sub, msg, max) -> how many: takes and releases up to max messages
 * that are already there, in C, keeping none: the C subscriber's own
 * per-message cost, which `sluice-bench python --overhead` sets Python's
 * take() and take_many() beside. */
static PyObject *fast_drain(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	struct sluice_sub *sub;
	struct sluice_msg *m;
	Py_ssize_t max, i;

	(void)self;
	if (!nargs_ok("drain", n, 3) || !ready())
		return NULL;
	if (!(sub = ptr_arg(args[0])) || !(m = ptr_arg(args[1])))
		return NULL;
	max = PyLong_AsSsize_t(args[2]);
	if (max == -1 && PyErr_Occurred())
		return NULL;
	for (i = 0; i < max && f_take(sub, m, 0) == 0; i++)
		(void)f_release(sub, m); /* a torn one is counted all the same */
	return PyLong_FromSsize_t(i);
}

/* Reader: a Subscriber's take() in C, so the message path runs no Python
 * frame: Reader(sub, msg, cls, owner, ref, fail) (owner: a weakref.ref
 * to the Subscriber, so that no cycle keeps it open) is called as
 * reader(timeout=None) and does what Subscriber.take() says: releases the
 * message it handed out last (if its owner has not), takes the next one
 * (waiting in slices of SLICE_NS, handling signals between them) and
 * returns it, None on a timeout; fail(code) raises for any other code.
 * Iterating yields messages until the publisher is gone.  close() forgets
 * the handle (the Subscriber closes it). */
#define SLICE_NS 50000000LL

/* clang-format off */
typedef struct {
	PyObject_HEAD
	struct sluice_sub *sub; /* NULL once closed */
	struct sluice_msg *m;
	PyTypeObject *cls;
	PyObject *owner, *ref, *fail; /* owner: a weakref.ref to the Subscriber */
	PyObject *held; /* the last message handed out, or None */
	PyObject *spare; /* a released, emptied message nobody held, or NULL */
	vectorcallfunc vectorcall;
} reader_object;
/* clang-format on */

static PyObject *s_torn; /* "torn", interned once */

static int reader_traverse(PyObject *o, visitproc visit, void *arg)
{
	reader_object *self = (reader_object *)o;

	Py_VISIT(self->cls);
	Py_VISIT(self->owner);
	Py_VISIT(self->ref);
	Py_VISIT(self->fail);
	Py_VISIT(self->held);
	Py_VISIT(self->spare);
	return 0;
}

static int reader_clear(PyObject *o)
{
	reader_object *self = (reader_object *)o;

	Py_CLEAR(self->cls);
	Py_CLEAR(self->owner);
	Py_CLEAR(self->ref);
	Py_CLEAR(self->fail);
	Py_CLEAR(self->held);
	Py_CLEAR(self->spare);
	return 0;
}

/* The Subscriber (held weakly, so that dropping it closes it at once;
 * it closes the Reader before it goes): borrowed, or NULL with an
 * exception set. */
static PyObject *reader_owner(reader_object *self)
{
	PyObject *o = PyWeakref_GetObject(self->owner);

	if (o == Py_None) {
		PyErr_SetString(PyExc_ValueError, "subscriber is closed");
		return NULL;
	}
	return o;
}

/* fail(code): raises; NULL always. */
static PyObject *reader_fail(reader_object *self, int rc)
{
	PyObject *r = PyObject_CallFunction(self->fail, "i", rc);

	if (r) {
		Py_DECREF(r);
		PyErr_Format(PyExc_RuntimeError, "sluice._fast: code %d was not raised", rc);
	}
	return NULL;
}

/* Releases the held message unless its owner did: 0, or -1 with an
 * exception set.  A torn one counts in owner.torn, as take() does. */
static int reader_release_held(reader_object *self)
{
	PyObject *held = self->held;
	int rc;

	if (!held || held == Py_None)
		return 0;
	self->held = Py_NewRef(Py_None);
	if (!PyObject_TypeCheck(held, &msg_type) || ((msg_object *)held)->m == Py_None) {
		Py_DECREF(held);
		return 0;
	}
	msg_object *msg = (msg_object *)held;
	PyObject *ref = msg->m;

	msg->m = Py_NewRef(Py_None);
	Py_DECREF(ref);
	/* A view only the message holds ends when dropped: no release()
	 * call, which is a method call by name (another 15 ns). */
	if (msg->data && Py_REFCNT(msg->data) == 1) {
		Py_CLEAR(msg->data);
	} else if (release_view(msg->data ? msg->data : Py_None)) {
		Py_DECREF(held);
		return -1;
	}
	/* Nobody else sees it: the next take refills it instead of
	 * allocating one (about 15 ns of take()'s 75 here). */
	if (Py_REFCNT(held) == 1 && !self->spare && Py_TYPE(held) == self->cls &&
	    !self->cls->tp_dictoffset && !self->cls->tp_weaklistoffset) {
		msg_clear(held);
		self->spare = held;
	} else {
		Py_DECREF(held);
	}
	rc = f_release(self->sub, self->m);
	if (rc == -SLUICE_ETORN) {
		PyObject *owner = reader_owner(self);
		PyObject *t = owner ? PyObject_GetAttr(owner, s_torn) : NULL, *one, *t1;

		if (!t)
			return -1;
		one = PyLong_FromLong(1);
		t1 = one ? PyNumber_Add(t, one) : NULL;
		Py_XDECREF(one);
		Py_DECREF(t);
		if (!t1 || PyObject_SetAttr(owner, s_torn, t1) < 0) {
			Py_XDECREF(t1);
			return -1;
		}
		Py_DECREF(t1);
		return 0;
	}
	if (rc) {
		reader_fail(self, rc);
		return -1;
	}
	return 0;
}

/* The next message; NULL with no exception set for a timeout or (gone
 * set) a publisher that is gone, as far as the caller asked for those. */
static PyObject *reader_take(reader_object *self, PyObject *timeout, int *code)
{
	int64_t deadline = -1, left;
	struct timespec ts;
	int rc;

	*code = 0;
	if (!self->sub) {
		PyErr_SetString(PyExc_ValueError, "subscriber is closed");
		return NULL;
	}
	if (timeout && timeout != Py_None) {
		double t = PyFloat_AsDouble(timeout);

		if (t == -1.0 && PyErr_Occurred())
			return NULL;
		if (t > 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			deadline =
			    (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)(t * 1e9);
		} else {
			deadline = 0;
		}
	}
	if (reader_release_held(self))
		return NULL;
	rc = f_take(self->sub, self->m, 0);
	while ((rc == -EAGAIN || rc == -ETIMEDOUT) && deadline != 0) {
		left = SLICE_NS;
		if (deadline > 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			left = deadline - ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
			if (left <= 0)
				break;
			if (left > SLICE_NS)
				left = SLICE_NS;
		}
		PyThreadState *st = PyEval_SaveThread();

		rc = f_take(self->sub, self->m, left);
		PyEval_RestoreThread(st);
		if ((rc == -EAGAIN || rc == -ETIMEDOUT) && PyErr_CheckSignals() < 0)
			return NULL;
	}
	if (rc) {
		*code = rc;
		return NULL;
	}
	PyObject *owner = reader_owner(self);

	if (!owner)
		return NULL;
	PyObject *msg = make_msg(self->cls, self->m, owner, self->ref, self->spare);

	self->spare = NULL;

	if (!msg)
		return NULL;
	Py_SETREF(self->held, Py_NewRef(msg));
	return msg;
}

static PyObject *reader_vectorcall(PyObject *o, PyObject *const *args, size_t nargsf,
                                   PyObject *kwnames)
{
	reader_object *self = (reader_object *)o;
	Py_ssize_t n = PyVectorcall_NARGS(nargsf);
	PyObject *timeout = n ? args[0] : NULL, *msg;
	int code;

	if (kwnames) {
		Py_ssize_t nk = PyTuple_GET_SIZE(kwnames);

		if (nk != 1 || n || !PyUnicode_Check(PyTuple_GET_ITEM(kwnames, 0)) ||
		    PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "timeout")) {
			PyErr_SetString(PyExc_TypeError, "take() takes one argument, timeout");
			return NULL;
		}
		timeout = args[0];
	}
	if (n > 1) {
		PyErr_SetString(PyExc_TypeError, "take() takes one argument, timeout");
		return NULL;
	}
	msg = reader_take(self, timeout, &code);
	if (msg || PyErr_Occurred())
		return msg;
	if (code == -EAGAIN || code == -ETIMEDOUT)
		Py_RETURN_NONE;
	return reader_fail(self, code);
}

static PyObject *reader_iternext(PyObject *o)
{
	reader_object *self = (reader_object *)o;
	int code;
	PyObject *msg = reader_take(self, NULL, &code);

	if (msg || PyErr_Occurred())
		return msg;
	if (code == -SLUICE_EOWNERDEAD)
		return NULL; /* the publisher is gone: the end */
	return reader_fail(self, code);
}

static PyObject *reader_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	PyObject *sub, *m, *cls, *owner, *ref, *fail;
	reader_object *self;

	if (kw && PyDict_GET_SIZE(kw)) {
		PyErr_SetString(PyExc_TypeError, "Reader() takes no keyword arguments");
		return NULL;
	}
	if (!ready() ||
	    !PyArg_UnpackTuple(args, "Reader", 6, 6, &sub, &m, &cls, &owner, &ref, &fail))
		return NULL;
	if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &msg_type)) {
		PyErr_SetString(PyExc_TypeError, "sluice._fast.Reader: cls is no MessageBase");
		return NULL;
	}
	if (!PyCallable_Check(fail)) {
		PyErr_SetString(PyExc_TypeError, "sluice._fast.Reader: fail is not callable");
		return NULL;
	}
	if (!PyWeakref_CheckRef(owner)) {
		PyErr_SetString(PyExc_TypeError, "sluice._fast.Reader: owner is no weakref.ref");
		return NULL;
	}
	void *h = ptr_arg(sub), *mp = h ? ptr_arg(m) : NULL;

	if (!mp)
		return NULL;
	if (!(self = (reader_object *)type->tp_alloc(type, 0)))
		return NULL;
	self->sub = h;
	self->m = mp;
	self->cls = (PyTypeObject *)Py_NewRef(cls);
	self->owner = Py_NewRef(owner);
	self->ref = Py_NewRef(ref);
	self->fail = Py_NewRef(fail);
	self->held = Py_NewRef(Py_None);
	self->vectorcall = reader_vectorcall;
	return (PyObject *)self;
}

static PyObject *reader_call(PyObject *o, PyObject *args, PyObject *kw)
{
	return PyVectorcall_Call(o, args, kw);
}

static PyObject *reader_close(PyObject *o, PyObject *unused)
{
	reader_object *self = (reader_object *)o;

	(void)unused;
	self->sub = NULL;
	Py_SETREF(self->held, Py_NewRef(Py_None));
	Py_RETURN_NONE;
}

static PyMethodDef reader_methods[] = {
    {"close", reader_close, METH_NOARGS, PyDoc_STR("forgets the handle (the owner closes it)")},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef reader_members[] = {
    {"held", T_OBJECT, offsetof(reader_object, held), READONLY,
     PyDoc_STR("the last message handed out, or None")},
    {NULL, 0, 0, 0, NULL},
};

/* clang-format off */
static PyTypeObject reader_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "sluice._fast.Reader",
	.tp_basicsize = sizeof(reader_object),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
	.tp_doc = PyDoc_STR("a Subscriber's take() in C: reader(timeout=None)"),
	.tp_traverse = reader_traverse,
	.tp_clear = reader_clear,
	.tp_dealloc = gc_dealloc,
	.tp_vectorcall_offset = offsetof(reader_object, vectorcall),
	.tp_call = reader_call,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = reader_iternext,
	.tp_methods = reader_methods,
	.tp_members = reader_members,
	.tp_new = reader_new,
};
/* clang-format on */

/* Writer: a Publisher's publish() in C for bytes, bytearray and
 * memoryview messages: Writer(pub, fail, other) is called as
 * writer(msg, timeout=None); any other msg (a dict, JSON text, another
 * buffer) goes to other(msg, timeout), the Python publish().  Waits as
 * Reader does; fail(code) raises. */
/* clang-format off */
typedef struct {
	PyObject_HEAD
	struct sluice_pub *pub; /* NULL once closed */
	PyObject *fail, *other;
	vectorcallfunc vectorcall;
	PyObject *loan;       /* the loaned slot's writable view, or None */
	Py_ssize_t loan_addr; /* its address, 0 if none */
	Py_ssize_t slot;      /* the slot size */
} writer_object;
/* clang-format on */

static int writer_traverse(PyObject *o, visitproc visit, void *arg)
{
	writer_object *self = (writer_object *)o;

	Py_VISIT(self->fail);
	Py_VISIT(self->other);
	Py_VISIT(self->loan);
	return 0;
}

static int writer_clear(PyObject *o)
{
	writer_object *self = (writer_object *)o;

	Py_CLEAR(self->fail);
	Py_CLEAR(self->other);
	Py_CLEAR(self->loan);
	return 0;
}

/* timeout (seconds, None: for ever) as a deadline: -1 for ever, 0 no
 * wait, else CLOCK_MONOTONIC ns; -2 with an exception set. */
static int64_t deadline_of(PyObject *timeout)
{
	struct timespec ts;
	double t;

	if (!timeout || timeout == Py_None)
		return -1;
	t = PyFloat_AsDouble(timeout);
	if (t == -1.0 && PyErr_Occurred())
		return -2;
	if (t <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)(t * 1e9);
}

/* The next wait's length before deadline (at most SLICE_NS); 0: time is up. */
static int64_t slice_left(int64_t deadline)
{
	struct timespec ts;
	int64_t left;

	if (deadline < 0)
		return SLICE_NS;
	if (deadline == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	left = deadline - ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	return left <= 0 ? 0 : left > SLICE_NS ? SLICE_NS : left;
}

static PyObject *writer_vectorcall(PyObject *o, PyObject *const *args, size_t nargsf,
                                   PyObject *kwnames)
{
	writer_object *self = (writer_object *)o;
	Py_ssize_t n = PyVectorcall_NARGS(nargsf), nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
	PyObject *msg, *timeout = NULL;
	int64_t deadline, left;
	Py_buffer b;
	int rc;

	if (n < 1 || n + nk > 2 ||
	    (nk && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "timeout"))) {
		PyErr_SetString(PyExc_TypeError, "publish() takes msg and timeout");
		return NULL;
	}
	msg = args[0];
	if (n + nk == 2)
		timeout = args[1];
	if (!PyBytes_CheckExact(msg) && !PyByteArray_CheckExact(msg) && !PyMemoryView_Check(msg))
		return PyObject_CallFunctionObjArgs(self->other, msg, timeout ? timeout : Py_None,
		                                    NULL);
	if (!self->pub) {
		PyErr_SetString(PyExc_ValueError, "publisher is closed");
		return NULL;
	}
	if ((deadline = deadline_of(timeout)) == -2)
		return NULL;
	if (PyObject_GetBuffer(msg, &b, PyBUF_SIMPLE) < 0)
		return NULL;
	rc = f_publish(self->pub, b.buf, (size_t)b.len, 0);
	while ((rc == -EAGAIN || rc == -ETIMEDOUT) && (left = slice_left(deadline)) > 0) {
		/* the buffer stays exported, so it cannot be resized meanwhile */
		PyThreadState *st = PyEval_SaveThread();

		rc = f_publish(self->pub, b.buf, (size_t)b.len, left);
		PyEval_RestoreThread(st);
		if ((rc == -EAGAIN || rc == -ETIMEDOUT) && PyErr_CheckSignals() < 0) {
			PyBuffer_Release(&b);
			return NULL;
		}
	}
	PyBuffer_Release(&b);
	if (!rc)
		Py_RETURN_NONE;
	PyObject *r = PyObject_CallFunction(self->fail, "i", rc);

	if (r) {
		Py_DECREF(r);
		PyErr_Format(PyExc_RuntimeError, "sluice._fast: code %d was not raised", rc);
	}
	return NULL;
}

static PyObject *writer_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	PyObject *pub, *slot, *fail, *other;
	writer_object *self;
	Py_ssize_t size;
	void *h;

	if (kw && PyDict_GET_SIZE(kw)) {
		PyErr_SetString(PyExc_TypeError, "Writer() takes no keyword arguments");
		return NULL;
	}
	if (!ready() || !PyArg_UnpackTuple(args, "Writer", 4, 4, &pub, &slot, &fail, &other))
		return NULL;
	if ((size = PyLong_AsSsize_t(slot)) < 0) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_ValueError, "sluice._fast.Writer: slot size");
		return NULL;
	}
	if (!PyCallable_Check(fail) || !PyCallable_Check(other)) {
		PyErr_SetString(PyExc_TypeError,
		                "sluice._fast.Writer: fail and other are callables");
		return NULL;
	}
	if (!(h = ptr_arg(pub)) || !(self = (writer_object *)type->tp_alloc(type, 0)))
		return NULL;
	self->pub = h;
	self->fail = Py_NewRef(fail);
	self->other = Py_NewRef(other);
	self->vectorcall = writer_vectorcall;
	self->loan = Py_NewRef(Py_None);
	self->slot = size;
	return (PyObject *)self;
}

/* Up to two arguments, by position or by these names; 0 or -1. */
static int two_args(const char *fn, PyObject *const *args, size_t nargsf, PyObject *kwnames,
                    const char *n0, const char *n1, PyObject **a0, PyObject **a1)
{
	Py_ssize_t n = PyVectorcall_NARGS(nargsf), nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;

	*a0 = n > 0 ? args[0] : NULL;
	*a1 = n > 1 ? args[1] : NULL;
	if (n > 2)
		goto bad;
	for (Py_ssize_t i = 0; i < nk; i++) {
		PyObject *k = PyTuple_GET_ITEM(kwnames, i);

		if (!PyUnicode_CompareWithASCIIString(k, n0) && !*a0)
			*a0 = args[n + i];
		else if (!PyUnicode_CompareWithASCIIString(k, n1) && !*a1)
			*a1 = args[n + i];
		else
			goto bad;
	}
	return 0;
bad:
	PyErr_Format(PyExc_TypeError, "%s() takes %s and %s", fn, n0, n1);
	return -1;
}

static PyObject *writer_fail(writer_object *self, int rc)
{
	PyObject *r = PyObject_CallFunction(self->fail, "i", rc);

	if (r) {
		Py_DECREF(r);
		PyErr_Format(PyExc_RuntimeError, "sluice._fast: code %d was not raised", rc);
	}
	return NULL;
}

/* Ends the loan's view (a live export, a numpy array over it, is left be). */
static int writer_end_view(writer_object *self)
{
	PyObject *v = self->loan;

	self->loan = Py_NewRef(Py_None);
	self->loan_addr = 0;
	int rc = release_view(v);

	Py_DECREF(v);
	return rc;
}

/* loan(size=0, timeout=None): Publisher.loan() in C. */
static PyObject *writer_loan(PyObject *o, PyObject *const *args, size_t nargsf, PyObject *kw)
{
	writer_object *self = (writer_object *)o;
	PyObject *a_size, *a_timeout;
	size_t size = 0;
	int64_t deadline, left;
	void *buf = NULL;
	int rc;

	if (two_args("loan", args, nargsf, kw, "size", "timeout", &a_size, &a_timeout))
		return NULL;
	if (a_size && (size = PyLong_AsSize_t(a_size)) == (size_t)-1 && PyErr_Occurred())
		return NULL;
	if (!self->pub) {
		PyErr_SetString(PyExc_ValueError, "publisher is closed");
		return NULL;
	}
	if ((deadline = deadline_of(a_timeout)) == -2)
		return NULL;
	rc = f_loan(self->pub, size, &buf, 0);
	while ((rc == -EAGAIN || rc == -ETIMEDOUT) && (left = slice_left(deadline)) > 0) {
		PyThreadState *st = PyEval_SaveThread();

		rc = f_loan(self->pub, size, &buf, left);
		PyEval_RestoreThread(st);
		if ((rc == -EAGAIN || rc == -ETIMEDOUT) && PyErr_CheckSignals() < 0)
			return NULL;
	}
	if (rc)
		return writer_fail(self, rc);
	if (self->loan != Py_None && self->loan_addr == (Py_ssize_t)(uintptr_t)buf)
		return Py_NewRef(self->loan); /* loaned again: the same slot */
	if (writer_end_view(self))
		return NULL;
	PyObject *view = PyMemoryView_FromMemory(buf, self->slot, PyBUF_WRITE);

	if (!view)
		return NULL;
	Py_SETREF(self->loan, Py_NewRef(view));
	self->loan_addr = (Py_ssize_t)(uintptr_t)buf;
	return view;
}

/* commit(offset=0, length=None): Publisher.commit() in C. */
static PyObject *writer_commit(PyObject *o, PyObject *const *args, size_t nargsf, PyObject *kw)
{
	writer_object *self = (writer_object *)o;
	PyObject *a_off, *a_len;
	size_t off = 0, len;
	int rc;

	if (two_args("commit", args, nargsf, kw, "offset", "length", &a_off, &a_len))
		return NULL;
	if (a_off && (off = PyLong_AsSize_t(a_off)) == (size_t)-1 && PyErr_Occurred())
		return NULL;
	if (a_len && a_len != Py_None) {
		if ((len = PyLong_AsSize_t(a_len)) == (size_t)-1 && PyErr_Occurred())
			return NULL;
	} else {
		len = off < (size_t)self->slot ? (size_t)self->slot - off : 0;
	}
	if (self->loan == Py_None) {
		PyErr_SetString(PyExc_ValueError, "commit() without loan()");
		return NULL;
	}
	if (writer_end_view(self))
		return NULL;
	rc = f_commit(self->pub, off, len);
	if (rc)
		return writer_fail(self, rc);
	Py_RETURN_NONE;
}

/* drop_loan(): ends the loan's view without committing (the library
 * hands the same slot to the next loan). */
static PyObject *writer_drop_loan(PyObject *o, PyObject *unused)
{
	(void)unused;
	if (writer_end_view((writer_object *)o))
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *writer_close(PyObject *o, PyObject *unused)
{
	(void)unused;
	if (writer_end_view((writer_object *)o))
		return NULL;
	((writer_object *)o)->pub = NULL;
	Py_RETURN_NONE;
}

static PyMethodDef writer_methods[] = {
    {"loan", (PyCFunction)(void (*)(void))writer_loan, METH_FASTCALL | METH_KEYWORDS,
     PyDoc_STR("loan(size=0, timeout=None) -> the slot's writable view")},
    {"commit", (PyCFunction)(void (*)(void))writer_commit, METH_FASTCALL | METH_KEYWORDS,
     PyDoc_STR("commit(offset=0, length=None): publishes the loaned slot's bytes")},
    {"drop_loan", writer_drop_loan, METH_NOARGS, PyDoc_STR("ends the loan's view, no commit")},
    {"close", writer_close, METH_NOARGS, PyDoc_STR("forgets the handle (the owner closes it)")},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef writer_members[] = {
    {"loan_view", T_OBJECT, offsetof(writer_object, loan), READONLY,
     PyDoc_STR("the loaned slot's view, or None")},
    {"loan_address", T_PYSSIZET, offsetof(writer_object, loan_addr), READONLY,
     PyDoc_STR("the loaned slot's address, 0 if none")},
    {NULL, 0, 0, 0, NULL},
};

/* clang-format off */
static PyTypeObject writer_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "sluice._fast.Writer",
	.tp_basicsize = sizeof(writer_object),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
	.tp_doc = PyDoc_STR("a Publisher's publish() in C: writer(msg, timeout=None)"),
	.tp_traverse = writer_traverse,
	.tp_clear = writer_clear,
	.tp_dealloc = gc_dealloc,
	.tp_vectorcall_offset = offsetof(writer_object, vectorcall),
	.tp_call = PyVectorcall_Call,
	.tp_methods = writer_methods,
	.tp_members = writer_members,
	.tp_new = writer_new,
};
/* clang-format on */

#define FASTCALL(name, fn, doc)                                                                    \
	{                                                                                          \
		name, (PyCFunction)(void (*)(void))fn, METH_FASTCALL, PyDoc_STR(doc)               \
	}

static PyMethodDef fast_methods[] = {
    FASTCALL("init", fast_init, "init(take, release, loan, commit, publish): addresses"),
    FASTCALL("take", fast_take,
             "take(sub, msg, timeout_ns, cls, owner, ref) -> a cls or negative code"),
    FASTCALL("release", fast_release, "release(sub, msg, view) -> 0 or negative code"),
    FASTCALL("loan", fast_loan, "loan(pub, size, slot_size, timeout_ns) -> (view, address)"),
    FASTCALL("commit", fast_commit, "commit(pub, view, offset, length) -> 0 or negative code"),
    FASTCALL("publish", fast_publish, "publish(pub, data, timeout_ns) -> 0 or negative code"),
    FASTCALL("take_many", fast_take_many,
             "take_many(sub, msg, max, timeout_ns, meta) -> (list, lost, last_seq) or code"),
    FASTCALL("drain", fast_drain, "drain(sub, msg, max) -> messages taken and released in C"),
    FASTCALL("publish_many", fast_publish_many,
             "publish_many(pub, items, start, timeout_ns) -> (next, rc)"),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fast_module = {
    PyModuleDef_HEAD_INIT,
    "sluice._fast",
    PyDoc_STR("sluice's per-message calls in C (optional)"),
    -1,
    fast_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__fast(void);

PyMODINIT_FUNC PyInit__fast(void)
{
	PyObject *mod;

	if (!s_release && !(s_release = PyUnicode_InternFromString("release")))
		return NULL;
	if (!s_torn && !(s_torn = PyUnicode_InternFromString("torn")))
		return NULL;
	if (PyType_Ready(&msg_type) < 0 || PyType_Ready(&reader_type) < 0 ||
	    PyType_Ready(&writer_type) < 0 || !(mod = PyModule_Create(&fast_module)))
		return NULL;
	if (PyModule_AddObjectRef(mod, "MessageBase", (PyObject *)&msg_type) < 0 ||
	    PyModule_AddObjectRef(mod, "Reader", (PyObject *)&reader_type) < 0 ||
	    PyModule_AddObjectRef(mod, "Writer", (PyObject *)&writer_type) < 0) {
		Py_DECREF(mod);
		return NULL;
	}
	return mod;
}
