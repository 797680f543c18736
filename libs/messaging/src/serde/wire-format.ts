import { UndecodableEventError } from './errors';

/** Confluent wire format: `[0x00][schema id: int32 big-endian][Avro binary body]`. */
export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** The schema id of a framed message; UndecodableEventError when the bytes are not Confluent-framed. */
export function readSchemaId(message: Buffer): number {
  if (!Buffer.isBuffer(message)) throw new UndecodableEventError(`expected a Buffer, got ${message === null ? 'null' : typeof message}`);
  if (message.length < HEADER_SIZE) {
    throw new UndecodableEventError(`${message.length} bytes is shorter than the 5-byte Confluent header (magic byte + schema id)`);
  }
  if (message[0] !== MAGIC_BYTE) {
    throw new UndecodableEventError(`magic byte is ${message[0]}, not 0: not in the Confluent wire format`);
  }
  return message.readInt32BE(1);
}
