// check_mcap.mjs - reads a recording with @mcap/core, the reference MCAP
// implementation: every record through the stream reader (chunk CRCs
// checked), then through the indexed reader (footer, summary, chunk and
// message indexes, CRCs again).  Prints one JSON object: counts per channel,
// the compressions, the schemas, and whether each flatbuffer schema equals the .bfbs given.
// The data section's CRC is checked here too.  Any error ends it with a non-zero status and the reason on stderr.
//   node check_mcap.mjs FILE.mcap [SCHEMA.bfbs]
import { readFile } from "node:fs/promises";
import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";

const [file, bfbsPath] = process.argv.slice(2);
const buf = await readFile(file);
const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
const bfbs = bfbsPath ? new Uint8Array(await readFile(bfbsPath)) : null;

const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// zstd and lz4 chunks, as @mcap/support decompresses them
const decompressHandlers = await loadDecompressHandlers();
const stream = new McapStreamReader({ validateCrcs: true, decompressHandlers });
stream.append(bytes);
const topics = new Map();
const perTopic = {};
let messages = 0;
let sawFooter = false;
for (let r; (r = stream.nextRecord()); ) {
  if (r.type === "Channel") topics.set(r.id, r.topic);
  else if (r.type === "Message") {
    const t = topics.get(r.channelId);
    if (t === undefined) throw new Error(`message on unknown channel ${r.channelId}`);
    perTopic[t] = (perTopic[t] ?? 0) + 1;
    messages++;
  } else if (r.type === "Footer") sawFooter = true;
}
if (!stream.done() || !sawFooter) throw new Error("stream reader: the file is incomplete");

// @mcap/core does not check DataEnd's data_section_crc: walk the top-level
// records to DataEnd and check it here (CRC-32 of every byte before it).
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (data) => {
  let c = 0xffffffff;
  for (const b of data) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
let dataEnd = 8;
while (dataEnd + 9 <= bytes.length && bytes[dataEnd] !== 0x0f)
  dataEnd += 9 + Number(view.getBigUint64(dataEnd + 1, true));
if (dataEnd + 13 > bytes.length) throw new Error("no DataEnd record");
const wantCrc = view.getUint32(dataEnd + 9, true);
if (wantCrc !== 0 && crc32(bytes.subarray(0, dataEnd)) !== wantCrc)
  throw new Error("data section: CRC mismatch");

const readable = {
  size: async () => BigInt(bytes.length),
  read: async (offset, size) => bytes.subarray(Number(offset), Number(offset + size)),
};
const indexed = await McapIndexedReader.Initialize({ readable, decompressHandlers });
let indexedMessages = 0;
for await (const m of indexed.readMessages({ validateCrcs: true })) {
  if (!indexed.channelsById.has(m.channelId)) throw new Error("indexed: unknown channel");
  indexedMessages++;
}
const schemas = [...indexed.schemasById.values()].map((s) => ({
  id: s.id,
  name: s.name,
  encoding: s.encoding,
  bytes: s.data.length,
  equals_bfbs: bfbs ? sameBytes(s.data, bfbs) : null,
}));
console.log(
  JSON.stringify({
    messages,
    indexed_messages: indexedMessages,
    statistics_messages: Number(indexed.statistics?.messageCount ?? -1),
    chunks: indexed.chunkIndexes.length,
    compression: [...new Set(indexed.chunkIndexes.map((c) => c.compression))],
    channels: perTopic,
    schemas,
    schemas_match: bfbs ? schemas.every((s) => s.equals_bfbs) : null,
  }),
);
