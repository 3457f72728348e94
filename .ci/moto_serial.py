"""moto's server for the DynamoDB tests, with two changes that keep DynamoDB's semantics.

1. One request at a time. moto's threaded server evaluates a conditional write's check and
   its write without a lock, so two requests at once could both pass a condition that only
   one may pass; DynamoDB never lets them. Serialising makes every request atomic, as on
   DynamoDB; keep-alive connections still work.
2. Transactions roll back item by item. moto deep-copies every table a transaction names
   (all items and stream records) before each transaction, so a transaction costs time in
   proportion to everything ever written; the DynamoDB tests' hundreds of concurrent
   transactions would take minutes. Here a transaction saves only the items it names (and
   the stream's length) and restores those if it fails — the same outcome, in constant time.

Usage: python moto_serial.py HOST PORT
"""

import copy
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


class _NoTableCopies:
    """`copy` as moto's DynamoDB backend sees it: tables are not copied whole."""

    def deepcopy(self, x, memo=None):
        return x if isinstance(x, Table) else copy.deepcopy(x, memo)

    def __getattr__(self, name):
        return getattr(copy, name)


def _key_of(table, entry):
    kind, op = next(iter(entry.items()))
    attrs = op.get("Item") if kind == "Put" else op.get("Key")
    hash_value = DynamoType(attrs[table.hash_key_attr])
    range_value = None
    if table.range_key_attr is not None:
        range_value = DynamoType(attrs[table.range_key_attr])
    return hash_value, range_value


def _restore(table, hash_value, range_value, item):
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    elif item is None:
        part = table.items.get(hash_value)
        if part is not None:
            part.pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


_transact_write_items = DynamoDBBackend.transact_write_items


def transact_write_items(self, transact_items):
    saved, streams = [], {}
    for entry in transact_items:
        op = next(iter(entry.values()))
        table = self.tables.get(op.get("TableName"))
        if table is None:
            continue
        try:
            hash_value, range_value = _key_of(table, entry)
            before = copy.deepcopy(table.get_item(hash_value, range_value))
        except Exception:  # a malformed item: moto refuses it before writing anything
            continue
        saved.append((table, hash_value, range_value, before))
        if table.stream_shard is not None:
            streams[id(table)] = (table, len(table.stream_shard.items))
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table, hash_value, range_value, before in reversed(saved):
            _restore(table, hash_value, range_value, before)
        for table, length in streams.values():
            del table.stream_shard.items[length:]
        raise


def main() -> None:
    dynamodb_models.copy = _NoTableCopies()
    DynamoDBBackend.transact_write_items = transact_write_items
    host, port = sys.argv[1], int(sys.argv[2])
    inner = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def app(environ, start_response):
        with lock:
            return list(inner(environ, start_response))

    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
