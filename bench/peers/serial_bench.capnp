# serial_bench.capnp - the messages of `sluice-bench serial` for Cap'n Proto
# (bench/peers/serial_capnp.cc), the same fields as
# tests/fb/schemas/benchmsg.fbs.
@0xcb186ab148228f40;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("benchmsg");

struct Msg {
  ts @0 :UInt64;
  x @1 :Float64;
  y @2 :Float64;
  z @3 :Float64;
}

struct P {
  x @0 :Float64;
  y @1 :Float64;
  z @2 :Float64;
}

struct Rich {
  ts @0 :UInt64;
  seq @1 :UInt32;
  name @2 :Text;
  frame @3 :Text;
  samples @4 :List(Float32);
  pose @5 :P;
}
