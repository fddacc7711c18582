// STAND-IN for step 02's error type.
export class KafkaError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'KafkaError';
  }
}
