// STAND-IN for step 02's protocol.ts, with step 03's requests.
export interface ErrorBody { code: string; message: string }

export interface MetadataRequest { type: 'metadata'; correlationId: number; topics?: string[] }
export interface PartitionMetadata { partition: number; leader: number; replicas: number[]; isr: number[] }
export interface TopicMetadata { name: string; error?: ErrorBody; partitions: PartitionMetadata[] }
export interface MetadataResponse { brokers: Array<{ id: number; host: string; port: number }>; topics: TopicMetadata[] }

export interface WireRecord { key: string | null; value: string | null; timestamp: number; headers: Array<{ key: string; value: string | null }> }
export interface WireBatch { topic: string; partition: number; records: WireRecord[] }
export interface ProduceRequest { type: 'produce'; correlationId: number; acks: number; batches: WireBatch[] }
export interface ProduceResult { topic: string; partition: number; baseOffset: number; error?: ErrorBody }
export interface ProduceResponse { results: ProduceResult[] }

export type Request = MetadataRequest | ProduceRequest;

export class InvalidRequestError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isBase64OrNull = (v: unknown) => v === null || (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v));

export function parseRequest(payload: Buffer): Request {
  let body: unknown;
  try { body = JSON.parse(payload.toString('utf8')); } catch { throw new InvalidRequestError('the frame is not JSON'); }
  if (!isObject(body) || !Number.isInteger(body.correlationId)) throw new InvalidRequestError('a request is a JSON object with an integer correlationId');
  if (body.type === 'metadata') {
    if (body.topics !== undefined && !(Array.isArray(body.topics) && body.topics.every((t) => typeof t === 'string'))) throw new InvalidRequestError('metadata: topics must be a list of topic names');
    return body as unknown as MetadataRequest;
  }
  if (body.type === 'produce') {
    validateProduce(body);
    return body as unknown as ProduceRequest;
  }
  throw new InvalidRequestError(`unknown request type ${JSON.stringify(body.type)}`);
}


function validateProduce(body: Record<string, unknown>): void {
  if (!Array.isArray(body.batches)) throw new InvalidRequestError('produce: batches must be a list of { topic, partition, records }');
  for (const batch of body.batches) {
    if (!isObject(batch) || typeof batch.topic !== 'string' || batch.topic === '' || !Number.isInteger(batch.partition) || !Array.isArray(batch.records)) {
      throw new InvalidRequestError('produce: each batch needs a topic name, an integer partition and a list of records');
    }
    for (const record of batch.records) {
      if (!isObject(record) || !isBase64OrNull(record.key) || !isBase64OrNull(record.value) || typeof record.timestamp !== 'number') {
        throw new InvalidRequestError('produce: each record needs key and value (base64 or null) and a numeric timestamp');
      }
      if (record.headers !== undefined && !(Array.isArray(record.headers) && record.headers.every((h) => isObject(h) && typeof h.key === 'string' && isBase64OrNull(h.value)))) {
        throw new InvalidRequestError('produce: headers must be a list of { key, value } with value base64 or null');
      }
    }
  }
}

