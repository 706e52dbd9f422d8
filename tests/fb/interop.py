# interop.py - the flatc Python side of the interop tests. "check FILE"
# reads every field of the reference Animal and compares; "write FILE"
# builds the reference Animal with the Python builder. Needs Debian's
# /usr/bin/python3 (python3-flatbuffers) and flatc --python output on
# PYTHONPATH.
import math
import sys

import flatbuffers
from zoo import Aligned, Animal, Cage, Grid, Home, Kind, Tag, Vec3
from zoo.common import Note

# flatc 2.0.8's Python code names struct and table classes of other modules
# without importing them; supply them.
for _name, _cls in (("Vec3", Vec3.Vec3), ("Aligned", Aligned.Aligned), ("Grid", Grid.Grid),
                    ("Tag", Tag.Tag), ("Note", Note.Note)):
    setattr(Animal, _name, _cls)


def check(buf):
    assert Animal.Animal.AnimalBufferHasIdentifier(buf, 0)
    a = Animal.Animal.GetRootAs(buf, 0)
    assert a.Name() == b"Rex"
    assert a.Kind() == Kind.Kind.Bird
    assert a.Colors() == 2 | 8
    assert a.Age() == 12 and a.Weight() == 31.5 and a.Legs() == 4
    assert a.Alive() is False
    p = a.Pos()
    assert (p.X(), p.Y(), p.Z()) == (0.5, -1.25, 3)
    al = a.Al()
    assert al.A() == -3 and al.V(Vec3.Vec3()).Y() == -1.25 and al.D() == 2.25
    g = a.Grid()
    assert g.Cells() == [1, 0, 0, -4] and g.Tag() == 200
    assert g.Pts(Vec3.Vec3(), 1).Y() == 5.5 and g.Pts(Vec3.Vec3(), 0).X() == 0
    assert a.TagsLength() == 2
    assert a.Tags(0).Name() == b"a" and a.Tags(0).Weight() == 1
    assert a.Tags(1).Name() == b"b" and a.Tags(1).Weight() == 7
    assert [a.Names(i) for i in range(a.NamesLength())] == [b"x", b"yz"]
    assert [a.Scores(i) for i in range(a.ScoresLength())] == [1, -2, 1 << 40]
    assert a.PathLength() == 2 and a.Path(1).X() == -4 and a.Path(1).Y() == 5.5
    assert not a.EmptyDIsNone() and a.EmptyDLength() == 0
    assert a.HomeType() == Home.Home.Cage
    c = Cage.Cage()
    u = a.Home()
    c.Init(u.Bytes, u.Pos)
    assert c.Id() == 5 and c.Size() == 2.0
    assert a.Note().Text() == b"hi" and a.Note().Level() == -2
    assert a.Big() == 42 and a.Small() == -7 and a.InfD() == -0.5
    t = a.PayloadNestedRoot()
    assert t.Name() == b"inner" and t.Weight() == 99
    f = a.Friend()
    assert f.Name() == b"Pal" and f.Legs() is None and math.isinf(f.InfD())
    assert f.Big() == 2**64 - 1 and f.Small() == -2**63 and f.Alive() is True
    assert [a.Kinds(i) for i in range(a.KindsLength())] == [0, 10]
    assert a.Flag() is True


def tag(b, name, weight):
    s = b.CreateString(name)
    Tag.Start(b)
    Tag.AddName(b, s)
    Tag.AddWeight(b, weight)
    return Tag.End(b)


def build():
    inner = flatbuffers.Builder(64)
    inner.Finish(tag(inner, "inner", 99))
    b = flatbuffers.Builder(1024)
    payload = b.CreateByteVector(bytes(inner.Output()))
    tags = [tag(b, "a", 1), tag(b, "b", 7)]
    Animal.StartTagsVector(b, 2)
    for t in reversed(tags):
        b.PrependUOffsetTRelative(t)
    tv = b.EndVector()
    names = [b.CreateString("x"), b.CreateString("yz")]
    Animal.StartNamesVector(b, 2)
    for n in reversed(names):
        b.PrependUOffsetTRelative(n)
    nv = b.EndVector()
    Cage.Start(b)
    Cage.AddId(b, 5)
    Cage.AddSize(b, 2.0)
    home = Cage.End(b)
    text = b.CreateString("hi")
    Note.Start(b)
    Note.AddText(b, text)
    note = Note.End(b)
    pname = b.CreateString("Pal")
    Animal.Start(b)
    Animal.AddName(b, pname)
    pal = Animal.End(b)
    Animal.StartScoresVector(b, 3)
    for s in reversed([1, -2, 1 << 40]):
        b.PrependInt64(s)
    sv = b.EndVector()
    Animal.StartPathVector(b, 2)
    Vec3.CreateVec3(b, -4, 5.5, 6)
    Vec3.CreateVec3(b, 1, 2, 3)
    pv = b.EndVector()
    Animal.StartEmptyDVector(b, 0)
    ev = b.EndVector()
    Animal.StartKindsVector(b, 2)
    b.PrependInt16(10)
    b.PrependInt16(0)
    kv = b.EndVector()
    name = b.CreateString("Rex")
    Animal.Start(b)
    Animal.AddName(b, name)
    Animal.AddKind(b, 10)
    Animal.AddColors(b, 2 | 8)
    Animal.AddAge(b, 12)
    Animal.AddWeight(b, 31.5)
    Animal.AddLegs(b, 4)
    Animal.AddAlive(b, False)
    Animal.AddPos(b, Vec3.CreateVec3(b, 0.5, -1.25, 3))
    Animal.AddAl(b, Aligned.CreateAligned(b, -3, 0.5, -1.25, 3, 2.25))
    Animal.AddGrid(b, Grid.CreateGrid(b, [1, 0, 0, -4], 200, [0, -4], [0, 5.5], [0, 6]))
    Animal.AddTags(b, tv)
    Animal.AddNames(b, nv)
    Animal.AddScores(b, sv)
    Animal.AddPath(b, pv)
    Animal.AddEmptyD(b, ev)
    Animal.AddHomeType(b, Home.Home.Cage)
    Animal.AddHome(b, home)
    Animal.AddNote(b, note)
    Animal.AddBig(b, 42)
    Animal.AddSmall(b, -7)
    Animal.AddInfD(b, -0.5)
    Animal.AddPayload(b, payload)
    Animal.AddFriend(b, pal)
    Animal.AddKinds(b, kv)
    Animal.AddFlag(b, True)
    b.Finish(Animal.End(b), b"ZOO1")
    return bytes(b.Output())


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "check":
        with open(path, "rb") as f:
            check(bytearray(f.read()))
    elif mode == "write":
        with open(path, "wb") as f:
            f.write(build())
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
