/* python_stage.c - a pipeline stage written in Python: an embedded CPython
 * runs the file's on_message(msg, ctx) and on_tick(ctx) as this plugin's
 * callbacks, so the stage host runs it like any C stage (its own process,
 * restart policy, counters, latency, control segment).
 *
 * The runtime writes `python: FILE` as this plugin with its ports taken
 * from the pipeline file (src/runtime/check.c), and fills the parameters
 * below; nobody is expected to set them by hand. A message's data is a
 * read-only memoryview of the input slot, released when on_message
 * returns; an exception is reported through the host's log and returned
 * as an error, which the host treats as it treats a C stage's. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <sluice/plugin.h>

enum { P_FILE, P_INPUTS, P_OUTPUTS, P_PARAMS, P_TICK_HZ };

struct pystage {
	PyObject *stage; /* the glue's _Stage */
};

/* The stage whose callback is running on this thread: the builtin module's
 * functions act on it (in --threads mode several stages share the
 * interpreter, each on its own thread). */
static _Thread_local const struct sluice_ctx *cur_ctx;

static pthread_once_t py_once = PTHREAD_ONCE_INIT;
static int py_ready;     /* the interpreter started */
static PyObject *glue;   /* the glue module's namespace (a dict) */
static char py_why[256]; /* why it did not, for the log */

static const struct sluice_ctx *need_ctx(void)
{
	if (!cur_ctx)
		PyErr_SetString(PyExc_RuntimeError, "sluice: called outside a stage callback");
	return cur_ctx;
}

static PyObject *m_publish(PyObject *self, PyObject *args)
{
	const struct sluice_ctx *ctx = need_ctx();
	unsigned int out;
	PyThreadState *ts;
	Py_buffer b;
	int rc;

	(void)self;
	if (!ctx || !PyArg_ParseTuple(args, "Iy*", &out, &b))
		return NULL;
	/* A lossless topic may wait for its slowest reader: let other
	 * threads' stages run meanwhile. */
	ts = PyEval_SaveThread();
	rc = sluice_publish(ctx, out, b.buf, (size_t)b.len);
	PyEval_RestoreThread(ts);
	PyBuffer_Release(&b);
	if (rc < 0) {
		PyErr_Format(PyExc_OSError, "sluice: publish on output %u failed (%d%s%s)", out, rc,
		             rc > -4096 ? ": " : "", rc > -4096 ? strerror(-rc) : "");
		return NULL;
	}
	Py_RETURN_NONE;
}

static PyObject *m_log(PyObject *self, PyObject *args)
{
	const struct sluice_ctx *ctx = need_ctx();
	int level;
	const char *text;

	(void)self;
	if (!ctx || !PyArg_ParseTuple(args, "is", &level, &text))
		return NULL;
	sluice_log(ctx, level, "%s", text);
	Py_RETURN_NONE;
}

static PyObject *m_now_ns(PyObject *self, PyObject *args)
{
	const struct sluice_ctx *ctx = need_ctx();

	(void)self, (void)args;
	return ctx ? PyLong_FromUnsignedLongLong(sluice_now_ns(ctx)) : NULL;
}

static PyObject *m_report(PyObject *self, PyObject *args)
{
	const struct sluice_ctx *ctx = need_ctx();
	const char *key;
	double v;

	(void)self;
	if (!ctx || !PyArg_ParseTuple(args, "sd", &key, &v))
		return NULL;
	if (sluice_report(ctx, key, v) < 0) {
		PyErr_SetString(PyExc_OSError, "sluice: no room for another figure");
		return NULL;
	}
	Py_RETURN_NONE;
}

static PyMethodDef m_methods[] = {
    {"publish", m_publish, METH_VARARGS, "publish(output_index, bytes)"},
    {"log", m_log, METH_VARARGS, "log(level, text)"},
    {"now_ns", m_now_ns, METH_NOARGS, "CLOCK_MONOTONIC in ns"},
    {"report", m_report, METH_VARARGS, "report(key, value): a figure for the summary"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef m_def = {PyModuleDef_HEAD_INIT,
                                   "_sluice_stage",
                                   "host services of a sluice Python stage",
                                   -1,
                                   m_methods,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL};

static PyObject *m_init(void)
{
	return PyModule_Create(&m_def);
}

/* The Python half: the objects a stage file sees. */
static const char glue_src[] =
    "import ctypes, json, os, sys, traceback\n"
    "import _sluice_stage as _c\n"
    "\n"
    "def _value(s):\n"
    "    if s in ('true', 'yes'): return True\n"
    "    if s in ('false', 'no'): return False\n"
    "    for conv in (int, float):\n"
    "        try: return conv(s)\n"
    "        except ValueError: pass\n"
    "    return s\n"
    "\n"
    "def _ports(spec):\n"
    "    return [tuple(l.split('\\t')) for l in spec.split('\\n') if l]\n"
    "\n"
    "_DIRECT = 'python_stage runs through the pipeline key python: FILE, not plugin:'\n"
    "\n"
    "class Message:\n"
    "    '''One message, valid during on_message: data is a read-only\n"
    "    memoryview of the slot (no copy), released when the call returns.'''\n"
    "    __slots__ = ('data', 'port', 'input', 'seq', 'stamp_ns', '_stage')\n"
    "    def __len__(self): return len(self.data)\n"
    "    def bytes(self): return bytes(self.data)\n"
    "    def json(self): return self._stage._schema(True, self.input).decode(bytes(self.data))\n"
    "    def dict(self): return json.loads(self.json())\n"
    "    def __repr__(self): return '<Message %s seq=%d %d bytes>' % (self.port, self.seq, "
    "len(self.data))\n"
    "\n"
    "class Context:\n"
    "    '''What a stage may do: publish on its outputs, log, report a figure.'''\n"
    "    def __init__(self, stage, name, params):\n"
    "        self._stage, self.name, self.params = stage, name, params\n"
    "        self.inputs = [p[0] for p in stage.ins]\n"
    "        self.outputs = [p[0] for p in stage.outs]\n"
    "    def publish(self, port, msg):\n"
    "        '''msg: bytes (anything with the buffer protocol), or a dict\n"
    "        (or JSON text) encoded through the output topic's schema.'''\n"
    "        if isinstance(port, str):\n"
    "            if port not in self.outputs:\n"
    "                raise KeyError('stage %s has no output %r (it has %s)' % (self.name, port, "
    "self.outputs))\n"
    "            i = self.outputs.index(port)\n"
    "        else:\n"
    "            i = int(port)\n"
    "        if isinstance(msg, (dict, list, str)):\n"
    "            msg = self._stage._encode(i, msg if isinstance(msg, str) else json.dumps(msg))\n"
    "        _c.publish(i, msg)\n"
    "    def log(self, text, level=2): _c.log(level, str(text))\n"
    "    def now_ns(self): return _c.now_ns()\n"
    "    def report(self, key, value): _c.report(key, float(value))\n"
    "\n"
    "class _Stage:\n"
    "    def __init__(self, path, name, ins, outs, params, tick_hz):\n"
    "        self.ins, self.outs, self._schemas = _ports(ins), _ports(outs), {}\n"
    "        p = {k: _value(v) for k, v in json.loads(params).items()}\n"
    "        d = os.path.dirname(path)\n"
    "        if d not in sys.path: sys.path.insert(0, d)\n"
    "        ns = {'__name__': '__sluice_stage__', '__file__': path, '__builtins__': "
    "__builtins__}\n"
    "        with open(path, 'rb') as f: code = compile(f.read(), path, 'exec')\n"
    "        exec(code, ns)\n"
    "        self.on_message, self.on_tick = ns.get('on_message'), ns.get('on_tick')\n"
    "        if self.ins and not callable(self.on_message):\n"
    "            raise TypeError('%s defines no on_message(msg, ctx), and stage %s has inputs' "
    "% (path, name))\n"
    "        if tick_hz > 0 and not callable(self.on_tick):\n"
    "            raise TypeError('%s defines no on_tick(ctx), and stage %s ticks at %g Hz' % "
    "(path, name, tick_hz))\n"
    "        self.ctx = Context(self, name, p)\n"
    "        start = ns.get('on_start')\n"
    "        if callable(start): start(self.ctx)\n"
    "    def deliver(self, i, view, seq, stamp):\n"
    "        if i >= len(self.ins): raise RuntimeError(_DIRECT)\n"
    "        m = Message()\n"
    "        m.data, m.input, m.port, m.seq, m.stamp_ns, m._stage = view, i, self.ins[i][0], "
    "seq, stamp, self\n"
    "        self.on_message(m, self.ctx)\n"
    "    def tick(self):\n"
    "        if not callable(self.on_tick): raise RuntimeError(_DIRECT)\n"
    "        self.on_tick(self.ctx)\n"
    "    def _schema(self, inp, i):\n"
    "        s = self._schemas.get((inp, i))\n"
    "        if s is None:\n"
    "            from sluice import _channel\n"
    "            port, seg, typ = (self.ins if inp else self.outs)[i]\n"
    "            bfbs = _channel.topic_schema(seg)\n"
    "            if not bfbs:\n"
    "                raise ValueError('topic %s carries no schema: use bytes' % seg)\n"
    "            s = self._schemas[(inp, i)] = _channel._Schema(bfbs, typ)\n"
    "        return s\n"
    "    def _encode(self, i, text):\n"
    "        from sluice import _lib\n"
    "        s, cap = self._schema(False, i), 1 << 16\n"
    "        keep, addr = _lib.aligned_buffer(cap)\n"
    "        off, n = s.encode_into(addr, cap, text)\n"
    "        return ctypes.string_at(addr + off, n)\n"
    "\n"
    "def _flush():\n"
    "    for f in (sys.stdout, sys.stderr):\n"
    "        if f is not None: f.flush()\n"
    "\n"
    "def _format(e):\n"
    "    return ''.join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()\n";

/* Points the sluice package (if the stage uses .dict()) at the libsluice.so
 * this process already runs, so that both are the same library. */
static void note_libsluice(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "sluice_strerror");
	Dl_info di;

	if (!getenv("SLUICE_LIB") && sym && dladdr(sym, &di) && di.dli_fname)
		setenv("SLUICE_LIB", di.dli_fname, 0);
}

/* A plugin run from the build tree (not installed) uses the source tree's
 * sluice package first; an installed one looks on the interpreter's own
 * path, then where the package was installed. */
static void build_tree_path(const char *self)
{
#if defined(SLUICE_PY_BUILD_PLUGIN_DIR) && defined(SLUICE_PY_SRC_DIR)
	const char *slash = strrchr(self, '/');
	size_t n = strlen(SLUICE_PY_BUILD_PLUGIN_DIR);
	PyObject *path = PySys_GetObject("path"); /* borrowed */
	PyObject *dir;

	if (!slash || (size_t)(slash - self) != n || strncmp(self, SLUICE_PY_BUILD_PLUGIN_DIR, n)) {
#ifdef SLUICE_PY_INSTALL_DIR
		/* installed: after the interpreter's own path */
		dir = PyUnicode_DecodeFSDefault(SLUICE_PY_INSTALL_DIR);
		if (path && dir && PySequence_Contains(path, dir) == 0)
			PyList_Append(path, dir);
		Py_XDECREF(dir);
		PyErr_Clear();
#endif
		return;
	}
	dir = PyUnicode_DecodeFSDefault(SLUICE_PY_SRC_DIR);
	if (path && dir)
		PyList_Insert(path, 0, dir);
	Py_XDECREF(dir);
	PyErr_Clear();
#else
	(void)self;
#endif
}

static void py_start(void)
{
	char self[4096] = "";
	Dl_info di;
	PyConfig cfg;
	PyStatus ps;
	PyObject *code, *mod;

	/* Extension modules (ctypes, ...) expect libpython's symbols to be
	 * global, but the host loads plugins RTLD_LOCAL: promote it. And keep
	 * this plugin mapped for good: the interpreter holds pointers into it
	 * (the builtin module) and is never finalised. */
	if (dladdr((void *)Py_InitializeFromConfig, &di) && di.dli_fname)
		dlopen(di.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
	if (dladdr((void *)py_start, &di) && di.dli_fname) {
		dlopen(di.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
		snprintf(self, sizeof(self), "%s", di.dli_fname);
	}
	note_libsluice();
	if (Py_IsInitialized()) {
		snprintf(py_why, sizeof(py_why), "this process already runs a Python interpreter");
		return;
	}
	if (PyImport_AppendInittab("_sluice_stage", m_init) < 0) {
		snprintf(py_why, sizeof(py_why), "cannot register the _sluice_stage module");
		return;
	}
	PyConfig_InitPythonConfig(&cfg);
	cfg.install_signal_handlers = 0; /* the host owns the signals */
	cfg.parse_argv = 0;
	ps = Py_InitializeFromConfig(&cfg);
	PyConfig_Clear(&cfg);
	if (PyStatus_Exception(ps)) {
		snprintf(py_why, sizeof(py_why), "Python did not start: %s",
		         ps.err_msg ? ps.err_msg : "(no reason given)");
		return;
	}
	build_tree_path(self);
	code = Py_CompileString(glue_src, "<sluice python_stage>", Py_file_input);
	mod = code ? PyImport_ExecCodeModule("_sluice_stage_glue", code) : NULL;
	Py_XDECREF(code);
	if (!mod) {
		PyErr_Print();
		snprintf(py_why, sizeof(py_why), "the stage glue did not load");
	} else {
		glue = PyModule_GetDict(mod); /* borrowed; the module lives in sys.modules */
		py_ready = 1;
	}
	PyEval_SaveThread(); /* other threads' stages take the GIL as they need it */
}

/* Logs the pending exception (its traceback, line by line) and clears it. */
static void report_exc(const struct sluice_ctx *ctx, const char *what)
{
	PyObject *t, *e, *tb, *fmt;

	PyErr_Fetch(&t, &e, &tb);
	PyErr_NormalizeException(&t, &e, &tb);
	if (e && tb)
		PyException_SetTraceback(e, tb);
	fmt = e ? PyDict_GetItemString(glue, "_format") : NULL;
	PyObject *s = fmt ? PyObject_CallOneArg(fmt, e) : NULL;
	const char *text = s ? PyUnicode_AsUTF8(s) : NULL;

	if (!text) {
		PyErr_Clear();
		text = "(the exception could not be formatted)";
	}
	/* One log record per line: a record holds one line of text. */
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		sluice_log(ctx, SLUICE_LOG_ERROR, "%s: %.*s", what, len, p);
		p += len + (nl ? 1 : 0);
	}
	Py_XDECREF(s);
	Py_XDECREF(t);
	Py_XDECREF(e);
	Py_XDECREF(tb);
}

static int py_init(void *st, const struct sluice_ctx *ctx, const struct sluice_param_value *p,
                   uint32_t n)
{
	struct pystage *s = st;
	PyGILState_STATE g;
	PyObject *cls, *obj;

	(void)n;
	pthread_once(&py_once, py_start);
	if (!py_ready) {
		sluice_log(ctx, SLUICE_LOG_ERROR, "python: %s", py_why);
		return -ENOSYS;
	}
	g = PyGILState_Ensure();
	cur_ctx = ctx;
	cls = PyDict_GetItemString(glue, "_Stage");
	obj = cls ? PyObject_CallFunction(cls, "sssssd", p[P_FILE].v.s, ctx->stage_name,
	                                  p[P_INPUTS].v.s, p[P_OUTPUTS].v.s, p[P_PARAMS].v.s,
	                                  p[P_TICK_HZ].v.d)
	          : NULL;
	if (!obj)
		report_exc(ctx, p[P_FILE].v.s);
	s->stage = obj;
	cur_ctx = NULL;
	PyGILState_Release(g);
	return obj ? 0 : -EINVAL;
}

static int py_message(void *st, const struct sluice_ctx *ctx, const struct sluice_stage_msg *msg)
{
	struct pystage *s = st;
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *view, *r = NULL;
	int rc = 0;

	cur_ctx = ctx;
	view = PyMemoryView_FromMemory((char *)msg->data, (Py_ssize_t)msg->size, PyBUF_READ);
	if (view)
		r = PyObject_CallMethod(s->stage, "deliver", "IOKK", msg->input, view,
		                        (unsigned long long)msg->seq,
		                        (unsigned long long)msg->publish_ns);
	if (!r) {
		report_exc(ctx, "on_message");
		rc = -ECANCELED;
	}
	Py_XDECREF(r);
	if (view) {
		/* The slot goes back to the topic: a view kept past the call
		 * must not read it. (One with live exports, e.g. numpy's,
		 * cannot be released; the docs say the data is the call's.) */
		PyObject *rel = PyObject_CallMethod(view, "release", NULL);

		if (!rel)
			PyErr_Clear();
		Py_XDECREF(rel);
		Py_DECREF(view);
	}
	cur_ctx = NULL;
	PyGILState_Release(g);
	return rc;
}

static int py_tick(void *st, const struct sluice_ctx *ctx)
{
	struct pystage *s = st;
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *r;
	int rc = 0;

	cur_ctx = ctx;
	r = PyObject_CallMethod(s->stage, "tick", NULL);
	if (!r) {
		report_exc(ctx, "on_tick");
		rc = -ECANCELED;
	}
	Py_XDECREF(r);
	cur_ctx = NULL;
	PyGILState_Release(g);
	return rc;
}

static void py_fini(void *st, const struct sluice_ctx *ctx)
{
	struct pystage *s = st;
	PyGILState_STATE g;
	PyObject *fl, *r;

	(void)ctx;
	if (!s->stage)
		return;
	g = PyGILState_Ensure();
	Py_CLEAR(s->stage);
	/* The interpreter is never finalised: what the stage print()ed is
	 * flushed here, or it would be lost with the process. */
	fl = PyDict_GetItemString(glue, "_flush");
	r = fl ? PyObject_CallNoArgs(fl) : NULL;
	if (!r)
		PyErr_Clear();
	Py_XDECREF(r);
	PyGILState_Release(g);
}

static const struct sluice_param_decl params[] = {
    [P_FILE] = {"file", SLUICE_PARAM_STRING, NULL, "the stage's Python file"},
    [P_INPUTS] = {"inputs", SLUICE_PARAM_STRING, "",
                  "input ports, a line each: port<TAB>topic segment<TAB>type (set by the runtime)"},
    [P_OUTPUTS] = {"outputs", SLUICE_PARAM_STRING, "",
                   "output ports, as inputs (set by the runtime)"},
    [P_PARAMS] = {"params", SLUICE_PARAM_STRING, "{}",
                  "the stage's params as a JSON object of strings (set by the runtime)"},
    [P_TICK_HZ] = {"tick_hz", SLUICE_PARAM_DOUBLE, "0", "on_tick's rate (set by the runtime)"}};
/* The template port: the runtime replaces it with the pipeline file's own
 * inputs and outputs (names and topic types), every input handled by
 * py_message, and sets the tick rate (on_tick kept only where it ticks). */
static const struct sluice_input_decl inputs[] = {
    {"in", "*", "any input (the pipeline file names the real ones)", py_message}};

SLUICE_PLUGIN(.name = "python_stage", .version = "1.0.0",
              .summary = "a stage written in Python (pipeline key python: FILE)",
              SLUICE_PARAMS(params), SLUICE_INPUTS(inputs), SLUICE_STATE(struct pystage),
              .tick_hz = 1, .init2 = py_init, .on_tick = py_tick, .fini = py_fini);
