"""The recitation's consumer: kafka-python reads numtest in a group and commits what it read.

    python3 consumer.py --bootstrap 127.0.0.1:9092 --group numtest-group
prints each value it reads. Run it twice: the second run starts after the last offset the first
committed, so it prints only numbers produced in between (the point of a consumer group).
"""
import argparse
import json

from kafka import KafkaConsumer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--bootstrap', default='127.0.0.1:9092', help='a broker to start from, host:port')
parser.add_argument('--topic', default='numtest')
parser.add_argument('--group', default='numtest-group', help='the consumer group id')
parser.add_argument('--idle-ms', type=int, default=0, help='stop after this long without a record (0: run until Ctrl-C)')
parser.add_argument('--max-records', type=int, default=0, help='stop after reading this many records (0: no limit)')
args = parser.parse_args()

options = dict(
    bootstrap_servers=[args.bootstrap],
    group_id=args.group,
    # A group with no committed offset starts at the beginning of the topic, not at its end.
    auto_offset_reset='earliest',
    enable_auto_commit=True,
    auto_commit_interval_ms=1000,
    value_deserializer=lambda raw: json.loads(raw.decode('utf-8')),
)
if args.idle_ms > 0:
    options['consumer_timeout_ms'] = args.idle_ms

consumer = KafkaConsumer(args.topic, **options)
read = 0
for message in consumer:
    print(json.dumps(message.value), flush=True)
    read += 1
    if read == args.max_records:
        break
# close() commits the last offsets read before leaving the group.
consumer.close()
