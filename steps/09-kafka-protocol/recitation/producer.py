"""The recitation's producer, unchanged in spirit: kafka-python sends {"number": n} to numtest.

Run it against the cluster you built (npm run cluster -- --brokers 3) with
    python3 producer.py --bootstrap 127.0.0.1:9092
kafka-python speaks Apache Kafka's protocol and knows nothing of this workshop: if it works,
your brokers speak Kafka.
"""
import argparse
import json
import time

from kafka import KafkaProducer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--bootstrap', default='127.0.0.1:9092', help='a broker to start from, host:port')
parser.add_argument('--topic', default='numtest')
parser.add_argument('--first', type=int, default=0, help='the first number to send')
parser.add_argument('--count', type=int, default=10, help='how many numbers to send')
parser.add_argument('--interval', type=float, default=1.0, help='seconds between two sends (the recitation waits one)')
args = parser.parse_args()

producer = KafkaProducer(
    bootstrap_servers=[args.bootstrap],
    # Each value is a dict turned into JSON bytes: the broker only ever sees bytes.
    value_serializer=lambda value: json.dumps(value).encode('utf-8'),
    acks='all',
    # kafka-python 2.0 does not retry by default; Kafka's own clients retry until the delivery
    # timeout (here, get()'s 30 s below), so a send that meets a leader change tries the new one.
    retries=2147483647,
    retry_backoff_ms=200,
)

for n in range(args.first, args.first + args.count):
    # send() only queues the record; get() waits for the broker's answer, so a failure shows here.
    metadata = producer.send(args.topic, value={'number': n}).get(timeout=30)
    print(f'sent {{"number": {n}}} to {metadata.topic}-{metadata.partition} at offset {metadata.offset}', flush=True)
    if args.interval > 0 and n + 1 < args.first + args.count:
        time.sleep(args.interval)

producer.flush()
producer.close()
