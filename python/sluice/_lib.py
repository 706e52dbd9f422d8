"""_lib.py - loads libsluice.so and declares the C functions the package calls.

The package is Python over ctypes (the standard library's foreign
function interface) rather than a compiled extension or cffi: nothing is
built per Python version, Debian's /usr/bin/python3 needs no extra package,
and the same files work from the build tree and from an install.  ctypes
drops the GIL around every foreign call, so a blocking wait in the library
does not stall other Python threads.

Where libsluice.so is looked for, first hit wins:
  1. $SLUICE_LIB (a path to the library itself);
  2. the path an install recorded beside this file (_install.py, written by
     `cmake --install`), relative to the package;
  3. the build tree: <source>/build*/lib/libsluice.so, for a package used
     straight from <source>/python;
  4. the dynamic linker's own search (ldconfig, LD_LIBRARY_PATH).

The per-message calls (take, release, loan, commit, publish) go through
the optional C extension sluice._fast when there is one (`fast` below is
the module, else None): a ctypes call costs about a microsecond, the
extension's a tenth of that.  It is looked for in the package (an
install) and beside the build's libsluice.so (<build>/python/sluice), and
is handed the functions of the library loaded here, so it never calls
another copy.  SLUICE_PY_NO_EXT=1 leaves it out (ctypes only).
"""
import ctypes
import glob
import importlib.machinery
import importlib.util
import os

_here = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    env = os.environ.get("SLUICE_LIB")
    if env:
        yield env
        return
    try:
        from . import _install  # written by cmake --install only

        yield os.path.normpath(os.path.join(_here, _install.LIB_RELATIVE))
    except ImportError:
        pass
    src = os.path.dirname(os.path.dirname(_here))
    # "build" first: the plain build, the one `make` makes by default.
    for d in ["build"] + sorted(glob.glob(os.path.join(src, "build*"))):
        p = os.path.join(src, d, "lib", "libsluice.so")
        if os.path.exists(p):
            yield p
    yield "libsluice.so.0"


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append(str(e))
    raise ImportError("sluice: cannot load libsluice.so (set SLUICE_LIB to its path): " +
                      "; ".join(errors))


lib, path = _load()
# The same library again, called without dropping the GIL: for the short
# calls on the message path that never wait (commit, release), where
# dropping and retaking the GIL would cost more than the call.
pylib = ctypes.PyDLL(path)

c_int, c_uint, c_uint32, c_uint64, c_int64, c_size_t = (
    ctypes.c_int, ctypes.c_uint, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64,
    ctypes.c_size_t)
c_char_p, c_void_p, c_bool, POINTER = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_bool, ctypes.POINTER

TYPE_NAME_MAX = 127
FB_MAX_ALIGN = 32


class ShmOpts(ctypes.Structure):
    _fields_ = [("flags", c_uint), ("timeout_ms", c_int)]


class TopicOpts(ctypes.Structure):
    _fields_ = [("shm", ShmOpts), ("slot_size", c_uint32), ("slot_count", c_uint32),
                ("max_subscribers", c_uint32), ("delivery", c_uint32),
                ("type_name", c_char_p), ("schema_hash", c_uint64), ("schema", c_void_p),
                ("schema_len", c_size_t), ("start_seq", c_uint64), ("spin_ns", c_uint32)]


class SubOpts(ctypes.Structure):
    _fields_ = [("shm", ShmOpts), ("type_name", c_char_p), ("schema_hash", c_uint64),
                ("join", c_uint32), ("flags", c_uint), ("spin_ns", c_uint32)]


class Msg(ctypes.Structure):
    _fields_ = [("data", c_void_p), ("len", c_size_t), ("seq", c_uint64),
                ("stamp_ns", c_uint64), ("lost_before", c_uint64), ("version_", c_uint64),
                ("slot_", c_uint32)]


class SubStats(ctypes.Structure):
    _fields_ = [("pid", ctypes.c_int32), ("alive", c_int), ("cursor", c_uint64),
                ("delivered", c_uint64), ("lost", c_uint64), ("evicted", c_int)]


class TopicStats(ctypes.Structure):
    _fields_ = [("type_name", ctypes.c_char * (TYPE_NAME_MAX + 1)), ("schema_hash", c_uint64),
                ("delivery", c_uint32), ("slot_size", c_uint32), ("slot_count", c_uint32),
                ("max_subscribers", c_uint32), ("published", c_uint64),
                ("next_seq", c_uint64), ("last_publish_ns", c_uint64), ("evicted", c_uint64),
                ("publisher_pid", ctypes.c_int32), ("publisher_alive", c_int),
                ("subscribers", c_uint32), ("schema_len", c_size_t)]


class FbFieldAt(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint16), ("pos", c_uint32)]


class FbBuilder(ctypes.Structure):
    """sluice_fb_builder, mirrored field for field (fb_builder.h): a plain
    struct the caller owns; sluice_fb_builder_reset() initialises it from
    end and cap, as the inline sluice_fb_builder_init() would."""
    _fields_ = [("end", c_void_p), ("cap", c_size_t), ("head", c_size_t),
                ("minalign", c_size_t), ("fast_key", c_void_p), ("err", c_int),
                ("in_table", c_bool), ("in_vector", c_bool), ("nvt", c_uint),
                ("fast_vt", c_uint32), ("table_start", c_size_t), ("nfields", c_uint),
                ("nslots", c_uint), ("vt", c_uint32 * 32), ("fields", FbFieldAt * 256)]


class FbMsg(ctypes.Structure):
    _fields_ = [("offset", c_size_t), ("length", c_size_t)]


LIST_FN = ctypes.CFUNCTYPE(c_int, c_char_p, c_void_p)


def _fn(name, restype, *argtypes):
    for prefix, handle in (("", lib), ("gil_", pylib)):
        f = getattr(handle, name)
        f.restype = restype
        f.argtypes = list(argtypes)
        globals()[prefix + name] = f


_fn("sluice_strerror", c_char_p, c_int)
_fn("sluice_errdetail", c_char_p)
_fn("sluice_topic_create", c_int, c_char_p, POINTER(TopicOpts))
_fn("sluice_pub_open", c_int, c_char_p, POINTER(TopicOpts), POINTER(c_void_p))
_fn("sluice_pub_close", None, c_void_p)
_fn("sluice_pub_slot_size", c_size_t, c_void_p)
_fn("sluice_pub_loan", c_int, c_void_p, c_size_t, POINTER(c_void_p), c_int64)
_fn("sluice_pub_commit", c_int, c_void_p, c_size_t, c_size_t)
_fn("sluice_pub_publish", c_int, c_void_p, c_void_p, c_size_t, c_int64)
_fn("sluice_pub_next_seq", c_uint64, c_void_p)
_fn("sluice_sub_open", c_int, c_char_p, POINTER(SubOpts), POINTER(c_void_p))
_fn("sluice_sub_close", None, c_void_p)
_fn("sluice_sub_take", c_int, c_void_p, POINTER(Msg), c_int64)
_fn("sluice_sub_release", c_int, c_void_p, POINTER(Msg))
_fn("sluice_sub_stats", None, c_void_p, POINTER(SubStats))
_fn("sluice_waitset_new", c_int, POINTER(c_void_p))
_fn("sluice_waitset_free", None, c_void_p)
_fn("sluice_waitset_add", c_int, c_void_p, c_void_p)
_fn("sluice_waitset_wait", c_int, c_void_p, c_int64)
_fn("sluice_topic_stat", c_int, c_char_p, POINTER(TopicStats), POINTER(SubStats), c_size_t)
_fn("sluice_topic_schema", c_int, c_char_p, c_void_p, c_size_t)
_fn("sluice_topic_list", c_int, LIST_FN, c_void_p)
_fn("sluice_topic_reclaim", c_int, c_char_p)
_fn("sluice_shm_unlink", c_int, c_char_p)
_fn("sluice_fb_builder_reset", None, POINTER(FbBuilder))
_fn("sluice_fb_schema_verify", c_int, c_void_p, c_size_t)
_fn("sluice_fb_json_parse", c_int, c_void_p, c_size_t, c_char_p, c_char_p, c_size_t, c_void_p,
    c_size_t, POINTER(FbBuilder), c_bool, POINTER(FbMsg))
_fn("sluice_fb_json_print_buffer", c_int, c_void_p, c_size_t, c_char_p, c_void_p, c_size_t,
    c_void_p, c_char_p, c_size_t, POINTER(c_size_t))


def _load_fast():
    if os.environ.get("SLUICE_PY_NO_EXT", "") not in ("", "0"):
        return None
    mod = None
    try:
        from . import _fast as mod
    except ImportError:
        # the build tree: <build>/lib/libsluice.so -> <build>/python/sluice
        build = os.path.dirname(os.path.dirname(os.path.realpath(path)))
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            f = os.path.join(build, "python", "sluice", "_fast" + suffix)
            if not os.path.exists(f):
                continue
            try:
                spec = importlib.util.spec_from_file_location(__package__ + "._fast", f)
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
            except ImportError:
                mod = None
                continue
            break
    if mod is None:
        return None
    addr = [ctypes.cast(getattr(lib, n), c_void_p).value for n in (
        "sluice_sub_take", "sluice_sub_release", "sluice_pub_loan", "sluice_pub_commit",
        "sluice_pub_publish")]
    mod.init(*addr)
    return mod


fast = _load_fast()


def aligned_buffer(size, align=FB_MAX_ALIGN):
    """A ctypes buffer of at least size bytes and the address inside it
    that is aligned to align (the verifier checks alignment in memory)."""
    raw = ctypes.create_string_buffer(size + align)
    addr = ctypes.addressof(raw)
    return raw, addr + (-addr % align)
