import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';

/**
 * A 1 GiB gzip bomb in one gzip member (about 1 MiB): 1,024 byte-aligned deflate blocks of 1 MiB
 * of zeros, then the final block and the trailer. One member, because the Compression Streams
 * standard (Node 24's DecompressionStream) refuses data after the first member.
 */
export function gzipBomb(): Buffer {
  const zeros = Buffer.alloc(1024 * 1024);
  const block = deflateRawSync(zeros, { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH });
  let crc = 0;
  for (let i = 0; i < 1024; i++) crc = crc32(zeros, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(0, 4); // ISIZE: 1 GiB modulo 2^32
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  return Buffer.concat([header, ...Array.from({ length: 1024 }, () => block), deflateRawSync(Buffer.alloc(0)), trailer]);
}
