// This step's public API: what its tests, its demo and the workshop's commands import.
export { Broker } from './broker/broker.ts';
export type { BrokerAddress, BrokerOptions } from './broker/broker.ts';
export { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameTooLargeError, LENGTH_BYTES, encodeFrame } from './network/frame.ts';
export { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from './protocol/index.ts';
export type { Api, ErrorBody, ProduceRequest, ProduceResponse, Reply, ReplyHeader, Request, RequestBody, RequestOf, RequestType, ResponseOf } from './protocol/index.ts';
export { Connection, parseHostPort } from './network/connection.ts';
export { KafkaError } from './common/errors.ts';
export { KafkaProducer } from './client/producer.ts';
export type { ProducerOptions, ProducerRecord } from './client/producer.ts';
