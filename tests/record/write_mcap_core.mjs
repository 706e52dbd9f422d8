// write_mcap_core.mjs - a recording written by @mcap/core's McapWriter (the
// reference implementation), zstd chunks holding the Schema and Channel
// records too (as that writer puts them), for the tests that play files
// other writers made: channel "gps" (flatbuffer schema SCHEMA.bfbs, COUNT
// copies of MESSAGE, 10 ms apart) and channel "ros" (a ros2msg schema and
// cdr messages, which sluice must refuse to play as FlatBuffers).
//   node write_mcap_core.mjs FILE SCHEMA.bfbs MESSAGE.bin COUNT
import { closeSync, openSync, readFileSync } from "node:fs";
import { McapWriter } from "@mcap/core";
import { FileWritable } from "../../bench/mcap_file_writable.mjs";

const [file, bfbsPath, msgPath, countArg] = process.argv.slice(2);
const zstd = await import("@foxglove/wasm-zstd");
await zstd.isLoaded;

const fd = openSync(file, "w");
const writer = new McapWriter({
  writable: new FileWritable(fd),
  compressChunk: (data) => ({ compression: "zstd", compressedData: zstd.compress(data, 1) }),
});
await writer.start({ profile: "", library: "write_mcap_core.mjs" });
const gpsSchema = await writer.registerSchema({
  name: "sluice.msg.GpsFix",
  encoding: "flatbuffer",
  data: new Uint8Array(readFileSync(bfbsPath)),
});
const gps = await writer.registerChannel({
  schemaId: gpsSchema,
  topic: "gps",
  messageEncoding: "flatbuffer",
  metadata: new Map(),
});
const rosSchema = await writer.registerSchema({
  name: "std_msgs/msg/String",
  encoding: "ros2msg",
  data: new TextEncoder().encode("string data"),
});
const ros = await writer.registerChannel({
  schemaId: rosSchema,
  topic: "ros",
  messageEncoding: "cdr",
  metadata: new Map(),
});
const msg = new Uint8Array(readFileSync(msgPath));
for (let i = 0; i < Number(countArg); i++) {
  const t = BigInt(1e9 + i * 1e7);
  await writer.addMessage({ channelId: gps, sequence: i, logTime: t, publishTime: t, data: msg });
  await writer.addMessage({
    channelId: ros,
    sequence: i,
    logTime: t,
    publishTime: t,
    data: new Uint8Array([0, 1, 0, 0, 3, 0, 0, 0, 104, 105, 0]),
  });
}
await writer.end();
closeSync(fd);
