// mcap_file_writable.mjs - the IWritable @mcap/core's McapWriter writes to,
// over a file descriptor: each write goes to the file at once, and the
// position is what has been written.  Shared by the bench's reference
// writer (record_mcap_core.mjs) and the tests' (write_mcap_core.mjs).
import { writeSync } from "node:fs";

export class FileWritable {
  constructor(fd) {
    this.fd = fd;
    this.pos = 0n;
  }
  async write(buf) {
    let off = 0;
    while (off < buf.byteLength) off += writeSync(this.fd, buf, off, buf.byteLength - off);
    this.pos += BigInt(buf.byteLength);
  }
  position() {
    return this.pos;
  }
}
