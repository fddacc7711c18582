// Produce: a message for a topic, acknowledged once the broker has it.
import type { Fields } from './fields.ts';

/** Step 02's only request: store one message under a topic. `value` is base64 (JSON has no bytes). */
export interface ProduceRequest {
  type: 'produce';
  correlationId: number;
  topic: string;
  value: string;
}

export interface ProduceResponse {
  ok: true;
}

export function parseProduce(request: Fields): Omit<ProduceRequest, 'type' | 'correlationId'> {
  return { topic: request.string('topic'), value: request.base64('value') };
}
