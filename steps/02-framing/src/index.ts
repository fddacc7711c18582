// Step 02's public API.
export { Broker } from './broker.ts';
export type { BrokerAddress, BrokerOptions } from './broker.ts';
export { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameTooLargeError, LENGTH_BYTES, encodeFrame } from './frame.ts';
export { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from './protocol/index.ts';
export type { Api, ErrorBody, ProduceRequest, ProduceResponse, Reply, ReplyHeader, Request, RequestBody, RequestOf, RequestType, ResponseOf } from './protocol/index.ts';
export { Connection, parseHostPort } from './connection.ts';
export { KafkaError } from './errors.ts';
export { KafkaProducer } from './producer.ts';
export type { ProducerOptions, ProducerRecord } from './producer.ts';
