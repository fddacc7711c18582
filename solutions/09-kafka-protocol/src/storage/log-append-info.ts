// Where a leader's append of a producer's record set went: Kafka's LogAppendInfo, in short. The
// producer is answered with the base offset; with acks=all, only once the high watermark has
// passed the last one.
export interface AppendInfo {
  /** The offset of the first record appended. */
  baseOffset: number;
  /** The offset of the last one. */
  lastOffset: number;
  /** How many records were appended. */
  records: number;
}
