// The first producer: it knows several brokers, sends each message to one picked at random,
// and waits for that broker's acknowledgement before calling the message sent.
//
// It keeps one Connection per broker for its whole life, so a thousand messages cost one TCP
// handshake per broker, not a thousand. Step 03 turns it into Kafka's real producer.
import { Connection, parseHostPort } from '../network/connection.ts';

export interface ProducerOptions {
  /** Brokers to talk to, as "host:port"; Kafka's `bootstrap.servers`. */
  bootstrapServers: string[];
  /** Where to print each send; silent unless given (the demo passes console.log). */
  log?: (line: string) => void;
}

export interface ProducerRecord {
  /** The message's bytes; a string is sent as UTF-8. */
  value: Buffer | string;
}

export class KafkaProducer {
  private readonly connections: Connection[];
  private readonly log: (line: string) => void;

  constructor(options: ProducerOptions) {
    if (options.bootstrapServers.length === 0) throw new Error('bootstrapServers is empty: give at least one "host:port"');
    this.connections = options.bootstrapServers.map((server) => {
      const { host, port } = parseHostPort(server);
      return new Connection(host, port);
    });
    this.log = options.log ?? (() => {});
  }

  /** Sends one message to a broker picked at random; resolves once that broker acknowledged it. */
  async send(topic: string, record: ProducerRecord): Promise<void> {
    throw new Error('TODO(step 02, task 6): KafkaProducer.send — pick one of the connections at random, send a produce request with the value in base64, wait for the ack, then log "Sent to host:port: value"');
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.close()));
  }
}
