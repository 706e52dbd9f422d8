// record_mcap_core.mjs - sluice-bench record's reference row: the same
// messages written by @mcap/core's McapWriter (the reference TypeScript
// implementation) under Node, to a file, with 1 MiB chunks, uncompressed or
// zstd level 1 (@foxglove/wasm-zstd, the zstd @mcap/support reads with), and
// fsync at the end, as sluice's rows.  Message i is the 8-byte little-endian
// i, then byte k = (7k + 13i) & 255 (bench/record.c makes the same bytes).
//   node record_mcap_core.mjs FILE SIZE COUNT none|zstd
// Prints one JSON object: {"messages": N, "bytes": B, "seconds": S}.
import { closeSync, fsyncSync, openSync } from "node:fs";
import { McapWriter } from "@mcap/core";
import { FileWritable } from "./mcap_file_writable.mjs";

const [file, sizeArg, countArg, compression] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);
let zstd = null;
if (compression === "zstd") {
  zstd = await import("@foxglove/wasm-zstd");
  await zstd.isLoaded;
} else if (compression !== "none") {
  throw new Error(`compression ${compression}: none or zstd`);
}

// The messages are made before the clock starts, as in bench/record.c.
const fill = (msg, i) => {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  if (size >= 8) dv.setBigUint64(0, BigInt(i), true);
  for (let k = 8; k < size; k++) msg[k] = (7 * k + 13 * i) & 255;
};
const distinct = Math.min(count, 256); // byte k repeats every 256 messages
const msgs = [];
for (let i = 0; i < distinct; i++) {
  const m = new Uint8Array(size);
  fill(m, i);
  msgs.push(m);
}

const fd = openSync(file, "w");
const t0 = process.hrtime.bigint();
const writer = new McapWriter({
  writable: new FileWritable(fd),
  chunkSize: 1 << 20,
  compressChunk: zstd
    ? (data) => ({ compression: "zstd", compressedData: zstd.compress(data, 1) })
    : undefined,
});
await writer.start({ profile: "", library: "bench" });
const channelId = await writer.registerChannel({
  schemaId: 0,
  topic: "bench",
  messageEncoding: "",
  metadata: new Map(),
});
const base = 1700000000000000000n;
for (let i = 0; i < count; i++) {
  const m = msgs[i % distinct];
  if (size >= 8) new DataView(m.buffer, m.byteOffset, 8).setBigUint64(0, BigInt(i), true);
  const t = base + BigInt(i);
  await writer.addMessage({ channelId, sequence: i >>> 0, logTime: t, publishTime: t, data: m });
}
await writer.end();
fsyncSync(fd);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
closeSync(fd);
process.stdout.write(JSON.stringify({ messages: count, bytes: count * size, seconds }) + "\n");
