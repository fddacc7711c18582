// STAND-IN until step 03's solution is carried forward into this step: then step 03's
// errors.ts replaces this file. Keep the same shape (`new KafkaError(code, message)`, `.code`).
export class KafkaError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'KafkaError';
  }
}
