"""Records of a whole .json file, streamed with ijson: never more than one record in memory.

A file holds a list of records, an object with such a list under `articles`, `data`, `items`,
`records` or `results`, or one record. Each record may be at most MAX_RECORD_BYTES long; at a
longer one reading stops, since the parser cannot find where the next record begins without
reading the long one.
"""

from __future__ import annotations

from collections.abc import Iterator

import ijson

from search.ingest.streams import Utf8Budget

LIST_KEYS = {"articles", "data", "items", "records", "results"}
_OPEN = {"start_map", "start_array"}
_CLOSE = {"end_map", "end_array"}


class JsonRecords:
    """Iterate (record number, value). `number` is the record being read when an error is raised."""

    def __init__(self, stream: Utf8Budget) -> None:
        self.stream = stream
        self.number = 0
        self._events = ijson.basic_parse(stream, use_float=True, buf_size=64 * 1024)

    def __iter__(self) -> Iterator[tuple[int, object]]:
        first = next(self._events, None)
        if first is None:
            return
        event, value = first
        if event == "start_array":
            yield from self._items()
        elif event == "start_map":
            yield from self._object()
        else:
            self.number = 1
            yield 1, value

    def _build(self, event: str, value: object) -> object:
        """The whole value that starts with this event."""
        if event not in _OPEN:
            return value
        builder = ijson.ObjectBuilder()
        _replay(builder, event, value, self._events)
        return builder.value

    def _items(self) -> Iterator[tuple[int, object]]:
        """The values of the array just opened, one by one, until it closes."""
        for event, value in self._events:
            if event == "end_array":
                return
            self.number += 1
            self.stream.mark()
            yield self.number, self._build(event, value)

    def _object(self) -> Iterator[tuple[int, object]]:
        """A top-level object: the records of its first list under a known key, else itself."""
        builder = ijson.ObjectBuilder()
        builder.event("start_map", None)
        self.number = 1
        found_list = False
        for event, value in self._events:
            if event == "end_map":
                break
            # basic_parse at depth 1: a key, then its whole value
            key = str(value)
            event, value = next(self._events)
            if event == "start_array" and key.lower() in LIST_KEYS and not found_list:
                found_list = True
                self.number = 0
                yield from self._items()
                continue
            if found_list:
                self._build(event, value)  # after the records: read past, not kept
                self.stream.mark()
            else:  # part of the one record this file may be; its size counts from the file's start
                builder.event("map_key", key)
                _replay(builder, event, value, self._events)
        if not found_list:
            yield 1, builder.value


def _replay(builder: ijson.ObjectBuilder, event: str, value: object, events: Iterator[tuple[str, object]]) -> None:
    """Feed `builder` the whole value that starts with this event."""
    builder.event(event, value)
    depth = int(event in _OPEN)
    while depth:
        event, value = next(events)
        builder.event(event, value)
        depth += (event in _OPEN) - (event in _CLOSE)
