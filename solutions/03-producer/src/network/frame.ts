// Framing: how a stream of bytes becomes a stream of messages again.
//
// TCP delivers bytes, not messages. One 'data' event can hold half a message, or three and a
// bit, depending on how the network and the operating system cut the stream. So every message
// travels as a frame: four bytes giving the payload's length (big-endian, as in Kafka's own
// protocol), then the payload. The receiver reads the length, waits until that many bytes have
// arrived, and only then has one whole message.
//
//   ┌──────────────┬───────────────────────────┐
//   │ length (4 B) │ payload (length bytes)    │   one frame
//   └──────────────┴───────────────────────────┘

/** Bytes of the length prefix in front of every frame. */
export const LENGTH_BYTES = 4;

/** The largest frame accepted by default: Kafka's `socket.request.max.bytes` (100 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;

/** A frame announced a length over the limit: the peer is broken, hostile, or not speaking this protocol. */
export class FrameTooLargeError extends Error {
  constructor(
    readonly length: number,
    readonly maxFrameBytes: number,
  ) {
    super(
      `a frame announced ${length} bytes, over the limit of ${maxFrameBytes} (maxFrameBytes). ` +
        'Either the sender does not speak this protocol (is it sending text, or HTTP?) or the message is too big.',
    );
    this.name = 'FrameTooLargeError';
  }
}

/** One frame: the payload's length as 4 big-endian bytes, then the payload. */
export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, LENGTH_BYTES);
  return frame;
}

/**
 * Cuts a byte stream into frames, however the stream was split into chunks. Feed it every
 * chunk in order; it returns the frames each chunk completed and keeps the rest for later.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** Bytes received but not yet returned as a frame, in arrival order. */
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(options: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Takes the next chunk; returns every frame it completed (none, one or several). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Buffer[] = [];
    while (this.bufferedBytes >= LENGTH_BYTES) {
      const length = this.peekLength();
      // Check before waiting for the payload: a garbage length such as
      // 0x47455420 ("GET ") must not make us buffer a gigabyte.
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
      if (this.bufferedBytes < LENGTH_BYTES + length) break; // wait for the rest
      frames.push(this.take(LENGTH_BYTES + length).subarray(LENGTH_BYTES));
    }
    return frames;
  }

  /** How many bytes wait for the rest of their frame. */
  get pending(): number {
    return this.bufferedBytes;
  }

  /** The length prefix of the next frame. Its 4 bytes may themselves be split across chunks. */
  private peekLength(): number {
    if (this.chunks[0]!.length < LENGTH_BYTES) this.chunks = [Buffer.concat(this.chunks, this.bufferedBytes)];
    return this.chunks[0]!.readUInt32BE(0);
  }

  /**
   * Removes and returns the first `count` buffered bytes. Chunks are joined only here, once per
   * frame: joining on every chunk would copy a large frame over and over while it arrives.
   */
  private take(count: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bufferedBytes);
    const rest = all.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    return all.subarray(0, count);
  }
}
