"""One Pagefind process indexing one shard, fed its documents one by one in a fixed order.

Pagefind's command line finds the pages it indexes by walking a folder, in the order the file
system lists it: the same pages on ext4 and on tmpfs gave different index files. Pagefind's
service mode (``pagefind --service``) takes requests on its standard input, base64 JSON each
followed by a comma, and answers each in turn on its standard output, in the order they came: so
each document is added by a request of its own, with its address and its HTML (nothing is
written to disk for it to read), in the order the build gives, and the index is the same bytes
on any file system.

One process makes the bundles of several shards, one after another (Pagefind numbers the
indexes it makes 0, 1, ... in the order they are asked for, and each is deleted once its files
are handed back): a process costs a few hundredths of a second of CPU to start (its binary
is 58 MB), which a build of many shards would pay for each. The bundle of a shard is the
same bytes whichever process made it, and after which other bundles.

The requests are made and written by a thread of their own, a document at a time, and the
answers read by the build as they come: Pagefind starts at once and reads each document while
the next is made, and the build renders on meanwhile (see
:class:`~digestgen.output.search.SearchIndex`). Pagefind ends when its input is closed, which is
done once it answered the last request (it would stop at once, before finishing, if closed
earlier) or when a document could not be made.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

from ..parallel import die_with

#: How an index is made, recorded with each shard: a shard Pagefind made another way (its
#: command line walking a folder) is made again, as a build from scratch would make it.
METHOD = "service, documents of papers added one at a time, Han and kana in pairs"


def _request(message_id: int, payload: dict) -> bytes:
    return base64.b64encode(json.dumps({"message_id": message_id, "payload": payload})
                            .encode()) + b","


class PagefindRun:
    """Pagefind making one bundle after another: for each of ``bundles``, its documents
    ((address, HTML), as many as its count, in the order they are added; made as they are
    written, see :meth:`_write`). Its answer to each bundle's last request is the bundle's
    files (Pagefind writes nothing itself: it would be stopped, when its input closes, before
    its writes are done)."""

    def __init__(self, binary: Path, language: str,
                 bundles: list[tuple[int, Iterable[tuple[str, str]]]]):
        # Bundle i's requests: NewIndex, its documents, GetFiles and DeleteIndex, numbered on.
        self._first: list[int] = []
        at = 1
        for count, _ in bundles:
            self._first.append(at)
            at += count + 3
        self._bundle_of = {first + count + 1: number for number, (first, (count, _))
                           in enumerate(zip(self._first, bundles))}
        self._partial: list[bytes] = []  # of an answer not read to its end yet
        self.files: dict[int, list[tuple[str, bytes]]] = {}  # each bundle's, by its number
        self.said: list[str] = []  # what Pagefind printed that is not an answer
        self.error: str | None = None
        self.failure: BaseException | None = None  # raised making a document
        self.answered = False  # every bundle's last request: the bundles are written
        self.done = False
        # Pagefind ends with the build, even one killed with SIGKILL (which cleans nothing up).
        self.process = subprocess.Popen(
            [str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, preexec_fn=functools.partial(die_with, os.getpid()))
        # A thread of its own makes and writes the requests, so that Pagefind has each document
        # as soon as it is made while the build renders on (written from the build's loop, a
        # pipe's 64 KB, a document or two, was all Pagefind had until the pages were rendered).
        # Making them holds Python's lock as the build's rendering would; writing waits in the
        # system's write, which does not.
        self._writer = threading.Thread(target=self._write, args=(bundles, language),
                                        daemon=True)
        self._writer.start()

    def _write(self, bundles: list[tuple[int, Iterable[tuple[str, str]]]], language: str) -> None:
        stdin = self.process.stdin
        try:
            for number, (first, (count, documents)) in enumerate(zip(self._first, bundles)):
                stdin.write(_request(first, {"type": "NewIndex",
                                             "config": {"force_language": language}}))
                stdin.flush()  # Pagefind starts while the first document is made
                for n, (url, text) in enumerate(documents, start=first + 1):
                    stdin.write(_request(n, {"type": "AddFile", "index_id": number, "url": url,
                                             "file_contents": text}))
                    stdin.flush()
                stdin.write(_request(first + count + 1, {"type": "GetFiles",
                                                         "index_id": number}))
                if number + 1 < len(bundles):  # its memory is not needed for the next
                    stdin.write(_request(first + count + 2, {"type": "DeleteIndex",
                                                             "index_id": number}))
                stdin.flush()
            return
        except (BrokenPipeError, ValueError):  # Pagefind ended (what it said tells why)
            pass
        except BaseException as failure:  # raised by the build in finish(); Pagefind stops
            self.failure = failure
        with contextlib.suppress(OSError):
            stdin.close()

    @property
    def reading(self) -> int:
        return self.process.stdout.fileno()

    def read(self) -> bool:
        """Read what Pagefind answered; True once it answered the last request or ended."""
        chunk = os.read(self.reading, 1 << 16)
        if not chunk:
            self.done = True
            return True
        *ends, rest = chunk.split(b",")
        if ends:  # a bundle's answer is megabytes long: its pieces are joined once
            ends[0] = b"".join([*self._partial, ends[0]])
            self._partial = []
            for answer in ends:
                self._note(answer)
        self._partial.append(rest)
        return self.done

    def _note(self, answer: bytes) -> None:
        try:
            message = json.loads(base64.b64decode(answer.strip(), validate=True))
            payload = message["payload"]
        except (ValueError, TypeError, KeyError):  # not an answer: a message of its own
            self.said += answer.decode("utf-8", "replace").strip().splitlines()
            return
        if payload.get("type") == "Error" and self.error is None:
            self.error = str(payload.get("message"))
        number = self._bundle_of.get(message.get("message_id"))
        if number is not None:
            self.files[number] = [(str(f["path"]), base64.b64decode(f["content"]))
                                  for f in payload.get("files", ())]
            self.answered = len(self.files) == len(self._bundle_of)
        self.done = self.done or self.answered or self.error is not None

    def finish(self) -> str | None:
        """End Pagefind; what went wrong, or None when it handed back the bundle."""
        self._writer.join()  # done: Pagefind read every request before its last answer
        if self.failure is not None:
            self.kill()
            raise self.failure
        self.process.stdin.close()
        self.said += b"".join(self._partial).decode("utf-8", "replace").strip().splitlines()
        status = self.process.wait()
        self.process.stdout.close()
        if self.error is not None:
            return self.error
        if not self.answered:
            return self.said[-1] if self.said else f"exit {status}"
        return None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._writer.join()  # its write fails once Pagefind is gone
        self.process.stdin.close()
        self.process.stdout.close()

