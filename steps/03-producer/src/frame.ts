// STAND-IN for step 02's frame.ts (replaced when step 02 lands).
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;
export class FrameTooLargeError extends Error {}
export function encodeFrame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  constructor(private readonly options: { maxFrameBytes?: number } = {}) {}
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (length > (this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES)) throw new FrameTooLargeError(`frame of ${length} bytes`);
      if (this.buffered.length < 4 + length) break;
      frames.push(this.buffered.subarray(4, 4 + length));
      this.buffered = this.buffered.subarray(4 + length);
    }
    return frames;
  }
}
