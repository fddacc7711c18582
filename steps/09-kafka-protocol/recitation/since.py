"""Replays a topic from a moment in time: kafka-python asks each partition's leader where it begins.

    python3 since.py --bootstrap 127.0.0.1:9092 --topic numtest --since-ms 1700000000000
prints every value at or after that time (ms since the epoch; `date +%s000` is now), each
partition from its first record that late (offsets_for_times, Kafka's ListOffsets by timestamp),
and stops at the end each partition had when the script started.
"""
import argparse

from kafka import KafkaConsumer, TopicPartition

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--bootstrap', default='127.0.0.1:9092', help='a broker to start from, host:port')
parser.add_argument('--topic', default='numtest')
parser.add_argument('--since-ms', type=int, required=True, help='replay from this time, in ms since the epoch')
args = parser.parse_args()

# No group: this replay assigns itself every partition and commits nothing.
consumer = KafkaConsumer(bootstrap_servers=[args.bootstrap], enable_auto_commit=False)
partitions = [TopicPartition(args.topic, p) for p in sorted(consumer.partitions_for_topic(args.topic) or [])]
if not partitions:
    parser.error(f'topic "{args.topic}" does not exist')
consumer.assign(partitions)
found = consumer.offsets_for_times({tp: args.since_ms for tp in partitions})
ends = consumer.end_offsets(partitions)
for tp in partitions:
    # None: no record in this partition is that late, so there is nothing to replay there.
    consumer.seek(tp, found[tp].offset if found[tp] is not None else ends[tp])

remaining = {tp for tp in partitions if consumer.position(tp) < ends[tp]}
while remaining:
    for tp, records in consumer.poll(timeout_ms=1000).items():
        for record in records:
            if record.offset < ends[tp]:
                print(record.value.decode('utf-8'), flush=True)
        if consumer.position(tp) >= ends[tp]:
            remaining.discard(tp)
consumer.close()
