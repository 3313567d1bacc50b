"""Stage 2: one writer at a time for a collection on a Chroma server, whichever machine it runs on.

A file lock only serialises the processes of one machine. The lease is a record in the server that
every client sees: a small collection whose metadata names its owner and when it expires. Creating a
collection is atomic in Chroma (a second create of the same name fails), so whoever creates it holds
the lease. The holder renews it while it works; an expired lease (its holder died) is taken over by
renaming that very collection (by id) out of the way and creating a new one, so two clients that
both see it expire cannot both win. Expiry compares wall clocks: clients' clocks must agree to well
within the lease's length. An earlier lease of this very process that could not be released (the
server was away when its ingest failed) is taken over at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.errors import ChromaError

from .errors import StoreError

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25  # how often a waiting client looks at the lease again
_HOLDING: set[str] = set()  # owners of the leases this process holds now


def lease_name(collection: str) -> str:
    """The lease's collection name for ``collection`` (Chroma names: 3–63 characters)."""
    digest = hashlib.sha256(collection.encode()).hexdigest()[:8]
    return f"{collection[:40].rstrip('._-')}-lease-{digest}"


class Lease:
    """Held with ``with lease:``; ``check()`` raises once it has been lost (it expired unrenewed)."""

    def __init__(
        self, client: ClientAPI, collection: str, seconds: float, timeout: float, describe: Callable[[], str]
    ) -> None:
        self._client = client
        self._name = lease_name(collection)
        self._seconds = seconds
        self._timeout = timeout
        self._describe = describe  # "ingest into the Chroma server at …", for messages
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._held: Collection | None = None
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # -- holding ----------------------------------------------------------------------------------

    def __enter__(self) -> Lease:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        try:
            self.release()
        except Exception as exc:
            if kind is None:
                raise
            # the error in flight (a server gone mid-ingest) says more; the lease lapses by itself
            log.warning("could not release the lease: %s", exc)

    def acquire(self) -> None:
        deadline = time.monotonic() + self._timeout
        said = False
        while True:
            if self._try_create():
                _HOLDING.add(self.owner)
                self._renewer = threading.Thread(target=self._renew, name="lease-renew", daemon=True)
                self._renewer.start()
                return
            holder = self._current()
            if holder is not None and _expires(holder) < time.time():
                self._take_over(holder, "an expired lease")
                continue
            if holder is not None and _holder_gone(holder):
                self._take_over(holder, "a lease this process could not release")
                continue
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"another {self._describe()} is running ({self._who(holder)}); waited "
                    f"{self._timeout:g} s: try again when it has finished"
                )
            if not said and self._timeout > 1:
                log.warning(
                    "waiting for another %s to finish (%s; up to %g s, ASSISTANT_LOCK_TIMEOUT)",
                    self._describe(), self._who(holder), self._timeout,
                )  # fmt: skip
                said = True
            time.sleep(POLL_SECONDS)

    def release(self) -> None:
        _HOLDING.discard(self.owner)
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        held, self._held = self._held, None
        if held is not None and not self._lost.is_set():
            self._retire(held)

    def check(self) -> None:
        """Raise when the lease was lost: another client may be writing now."""
        if self._lost.is_set():
            raise StoreError(
                f"lost the lease for this {self._describe()} (not renewed within {self._seconds:g} s, "
                "and another client took it over): nothing more was written; ingest again"
            )

    # -- the record in the server -------------------------------------------------------------

    def _metadata(self) -> dict[str, Any]:
        return {"owner": self.owner, "expires": time.time() + self._seconds}

    def _try_create(self) -> bool:
        try:
            self._held = self._client.create_collection(
                self._name,
                metadata=self._metadata(),
                embedding_function=None,
            )
        except ChromaError as exc:
            if "already exists" in str(exc) or type(exc).__name__ == "UniqueConstraintError":
                return False
            raise
        except ValueError as exc:  # raised by some client versions for an existing name
            if "already exists" in str(exc):
                return False
            raise
        return True

    def _current(self) -> Collection | None:
        try:
            return self._client.get_collection(self._name, embedding_function=None)
        except (ChromaError, ValueError):
            return None  # released between our create and this read: try again

    def _take_over(self, stale: Collection, what: str) -> None:
        """Move an expired lease, or one this process left behind, out of the way (by id: a lease
        created meanwhile is untouched)."""
        log.warning("taking over %s (%s)", what, self._who(stale))
        self._retire(stale)

    def _retire(self, lease: Collection) -> None:
        """Rename ``lease`` (by id) to a name nobody else uses, then delete it by that name."""
        tombstone = f"lease-retired-{uuid.uuid4().hex[:16]}"
        try:
            lease.modify(name=tombstone)
            self._client.delete_collection(tombstone)
        except (ChromaError, ValueError) as exc:
            log.debug("lease already retired: %s", exc)

    def _renew(self) -> None:
        """Extend the lease every third of its length; notice when it is no longer ours."""
        while not self._stop.wait(self._seconds / 3):
            held = self._held
            current = self._current()
            if held is None or current is None or current.id != held.id:
                self._lost.set()
                return
            try:
                held.modify(metadata=self._metadata())
            except (ChromaError, ValueError, OSError) as exc:  # the server is away: try again later
                log.warning("could not renew the lease: %s", exc)

    def _who(self, holder: Collection | None) -> str:
        if holder is None:
            return "lease just released"
        meta = holder.metadata or {}
        left = _expires(holder) - time.time()
        return f"lease {self._name} held by {meta.get('owner', '?')}, {left:.0f} s left"


def _holder_gone(lease: Collection) -> bool:
    """Whether the lease is an earlier one of this process that it no longer holds."""
    owner = str((lease.metadata or {}).get("owner", ""))
    return owner.startswith(f"{socket.gethostname()}:{os.getpid()}:") and owner not in _HOLDING


def _expires(lease: Collection) -> float:
    value = (lease.metadata or {}).get("expires", 0)
    return float(value) if isinstance(value, int | float) else 0.0
