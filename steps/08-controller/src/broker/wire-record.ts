// A record as the JSON protocol carries it (keys, values and headers in base64) and as the broker
// keeps it (bytes). Step 09 replaces the JSON protocol with Kafka's binary one, and these go.
import type { RecordWithOffset } from '../record/record-batch.ts';
import type { WireRecord, WireRecordWithOffset } from '../protocol/index.ts';

/** A record as it arrived (base64 on the wire) back to bytes. */
export function fromWire(record: WireRecord): Omit<RecordWithOffset, 'offset'> {
  const bytes = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64'));
  return {
    key: bytes(record.key),
    value: bytes(record.value),
    timestamp: record.timestamp,
    headers: record.headers.map((header) => ({ key: header.key, value: bytes(header.value) })),
  };
}

/** What `messageMaxBytes` counts: the bytes of a record's key, value and headers. */
export function recordBytes(record: Omit<RecordWithOffset, 'offset'>): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return size;
}

/** A record read from the log as the fetch response carries it: bytes as base64. */
export function toWireRecord(record: RecordWithOffset): WireRecordWithOffset {
  const base64 = (bytes: Buffer | null) => bytes?.toString('base64') ?? null;
  return {
    offset: record.offset,
    key: base64(record.key),
    value: base64(record.value),
    timestamp: record.timestamp,
    headers: record.headers.map((header) => ({ key: header.key, value: base64(header.value) })),
  };
}
