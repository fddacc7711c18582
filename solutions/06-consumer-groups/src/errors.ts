// The error a client sees when the broker answers a request with an error.
//
// `code` is one of Apache Kafka's error names (INVALID_REQUEST, UNKNOWN_TOPIC_OR_PARTITION, …),
// so what you learn here maps one to one onto what a real Kafka client reports.

export class KafkaError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'KafkaError';
  }
}
