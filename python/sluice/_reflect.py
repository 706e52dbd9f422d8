"""_reflect.py - finds a numeric field inside a FlatBuffers message, given
the topic's binary schema (.bfbs, FlatBuffers' reflection.fbs), so that
Message.numpy(field=...) can give a numpy view of it in place.

Only offsets are read, each through struct.unpack_from, which refuses to
read outside the buffer: a message another process scribbled on gives an
error here, never a read out of bounds.  The schema itself was verified by
the C library (sluice_fb_schema_verify) before it gets here."""
import struct

# reflection.fbs BaseType -> numpy dtype of a scalar
_SCALARS = {2: "u1", 3: "i1", 4: "u1", 5: "<i2", 6: "<u2", 7: "<i4", 8: "<u4", 9: "<i8",
            10: "<u8", 11: "<f4", 12: "<f8"}
_OBJ, _VECTOR, _ARRAY = 15, 14, 17


def _u16(b, p):
    return struct.unpack_from("<H", b, p)[0]


def _u32(b, p):
    return struct.unpack_from("<I", b, p)[0]


def _i32(b, p):
    return struct.unpack_from("<i", b, p)[0]


def _field(b, table, fid):
    """Position of field fid of the table at table, or None if absent."""
    vt = table - _i32(b, table)
    vtlen = _u16(b, vt)
    if 4 + 2 * fid + 2 > vtlen:
        return None
    off = _u16(b, vt + 4 + 2 * fid)
    return table + off if off else None


def _deref(b, p):
    return p + _u32(b, p)


def _string(b, p):
    n = _u32(b, p)
    return bytes(b[p + 4:p + 4 + n]).decode()


def _vector(b, p):
    """(first element's position, count) of the vector at p."""
    return p + 4, _u32(b, p)


class _Schema:
    """The parts of a reflection Schema this module needs."""

    def __init__(self, bfbs):
        b = memoryview(bfbs)
        root = _deref(b, 0)
        first, n = _vector(b, _deref(b, _field(b, root, 0)))
        self.objects = []
        for i in range(n):
            o = _deref(b, first + 4 * i)
            fields = {}
            fp = _field(b, o, 1)
            if fp is not None:
                ff, fn = _vector(b, _deref(b, fp))
                for j in range(fn):
                    f = _deref(b, ff + 4 * j)
                    t = _deref(b, _field(b, f, 1))
                    get = lambda k, fmt, d, t=t: (struct.unpack_from(fmt, b, _field(b, t, k))[0]
                                                  if _field(b, t, k) is not None else d)
                    typ = (get(0, "<b", 0), get(1, "<b", 0), get(2, "<i", -1), get(3, "<H", 0))
                    idp, offp = _field(b, f, 2), _field(b, f, 3)
                    fields[_string(b, _deref(b, _field(b, f, 0)))] = (
                        _u16(b, idp) if idp is not None else 0, typ,
                        _u16(b, offp) if offp is not None else 0)
            sp = _field(b, o, 2)
            bs = _field(b, o, 4)
            self.objects.append({
                "name": _string(b, _deref(b, _field(b, o, 0))), "fields": fields,
                "is_struct": bool(sp is not None and b[sp]),
                "bytesize": _i32(b, bs) if bs is not None else 0})
        rp = _field(b, root, 4)
        self.root = None
        if rp is not None:
            rname = _string(b, _deref(b, _field(b, _deref(b, rp), 0)))
            self.root = self.index(rname)

    def index(self, name):
        for i, o in enumerate(self.objects):
            if o["name"] == name:
                return i
        return None


_cache = {}


def _schema(bfbs):
    s = _cache.get(bfbs)
    if s is None:
        s = _cache[bfbs] = _Schema(bfbs)
    return s


def _struct_dtype(obj):
    """The dtype of a struct whose fields are all one scalar type, packed."""
    kinds = {t[0] for _, t, _ in obj["fields"].values()}
    if len(kinds) != 1 or next(iter(kinds)) not in _SCALARS:
        return None, 0
    dt = _SCALARS[next(iter(kinds))]
    size = int(dt[-1])
    if size * len(obj["fields"]) != obj["bytesize"]:
        return None, 0
    return dt, len(obj["fields"])


def vector_span(schema, data, path):
    """(byte offset, element count, dtype) of the numeric field named by the
    dotted path in the message held in data: a vector or fixed-size array
    of scalars, a struct of one scalar type (Vec3 -> 3 doubles), or a
    scalar.  schema: the subscriber's _Schema (bfbs and type name)."""
    s = _schema(schema.bfbs)
    obj = s.index(schema.type.decode()) if schema.type else s.root
    if obj is None:
        obj = s.root
    if obj is None:
        raise KeyError("the schema names no table for this topic's type")
    b = data
    pos = _deref(b, 0)  # the root table
    in_struct = False
    parts = path.split(".")
    for k, name in enumerate(parts):
        o = s.objects[obj]
        if name not in o["fields"]:
            raise KeyError("%s has no field %r" % (o["name"], name))
        fid, (base, elem, index, fixed), off = o["fields"][name]
        if in_struct:
            p = pos + off
        else:
            p = _field(b, pos, fid)
            if p is None:
                raise KeyError("field %r is not in this message (its default applies)" % name)
        last = k == len(parts) - 1
        if base == _OBJ:
            sub = s.objects[index]
            if sub["is_struct"]:
                pos, in_struct = p, True
            else:
                pos = _deref(b, p)
            obj = index
            if last:
                dt, n = _struct_dtype(sub)
                if dt is None or not sub["is_struct"]:
                    raise TypeError("%r is not a numeric struct or vector" % path)
                return pos, n, dt
            continue
        if not last:
            raise KeyError("%r: %r has no fields" % (path, name))
        if base in _SCALARS:
            return p, 1, _SCALARS[base]
        if base == _ARRAY and elem in _SCALARS:
            return p, fixed, _SCALARS[elem]
        if base == _VECTOR and elem in _SCALARS:
            first, n = _vector(b, _deref(b, p))
            return first, n, _SCALARS[elem]
        raise TypeError("%r is not numeric" % path)
    raise KeyError(path)
