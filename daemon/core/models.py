"""The database: every input, request, waiting step, letter and outgoing mail is a row."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on every backend: stored as UTC, returned aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def request_first() -> Any:
    """The request a row belongs to, as a many-to-one never read (lazy="raise"): with it the
    unit of work writes a request before the rows that point at it, so a batch's new requests
    (their ids taken up front, db.new_id) are flushed together with their mail, tasks and jobs."""
    return relationship("Request", lazy="raise")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Checkpoint(Base):
    """Per IMAP folder: the UIDVALIDITY seen and the highest UID already stored."""

    __tablename__ = "checkpoint"
    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    # IMAP UIDVALIDITY and UIDs are unsigned 32-bit: beyond a signed INTEGER on PostgreSQL
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Inbound(Base):
    """One received message, stored (raw file on disk) before anything acts on it."""

    __tablename__ = "inbound"
    __table_args__ = (UniqueConstraint("folder", "uidvalidity", "uid", name="uq_inbound_uid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    synthetic_id: Mapped[bool] = mapped_column(Boolean, default=False)
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    raw_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # new -> done | ignored | quarantined, or new -> waiting (for an OCR job) -> new -> ...;
    # `filed` records that the IMAP copy was moved
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    # a dispatcher that claims the row (several instances on one database) holds it until then
    lease_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None]
    filed: Mapped[bool] = mapped_column(Boolean, default=False)
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: requests point here
    pruned_at: Mapped[datetime | None]  # the raw file removed by retention (the archive holds it)


class Request(Base):
    """A coverage request (one event) and where it stands in the SOP."""

    __tablename__ = "request"
    __table_args__ = (Index("ix_request_created_at", "created_at"),
                      # a new letter's repeat check: the open requests of its unit (by address or
                      # by name) and those at its time, each part by its own index (0010)
                      Index("ix_request_state_requester_email", "state", "requester_email"),
                      # (a name is as long as a letter's line: hashed on PostgreSQL, whose B-tree
                      # entries hold 2,704 bytes at most; open requests only, hence 'open' as a
                      # literal in the query)
                      Index("ix_request_open_requester", "requester", postgresql_using="hash",
                            postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
                      Index("ix_request_state_event_start", "state", "event_start"))
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    step: Mapped[int | None] = mapped_column(Integer)
    # the SOP revision (content hash of sop.yaml) the request started under; its steps stay put
    sop_revision: Mapped[str | None] = mapped_column(String(64))
    event_start: Mapped[datetime | None]
    event_end: Mapped[datetime | None]
    until_done: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str | None] = mapped_column(Text)
    kecamatan: Mapped[str | None] = mapped_column(String(64))
    outside_island: Mapped[bool | None] = mapped_column(Boolean)
    requester: Mapped[str | None] = mapped_column(Text)
    requester_email: Mapped[str] = mapped_column(String(320))
    contact_name: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    letter_number: Mapped[str | None] = mapped_column(Text)
    letter_date: Mapped[date | None] = mapped_column(Date)  # the letter's own date (0006)
    letter_subject: Mapped[str | None] = mapped_column(Text)  # its own Hal/Perihal, not the mail's
    subject: Mapped[str] = mapped_column(Text, default="")
    missing: Mapped[list[Any]] = mapped_column(JSON, default=list)
    team: Mapped[list[Any]] = mapped_column(JSON, default=list)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)  # official notes carried down
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)  # clash warnings etc.
    thread_id: Mapped[str | None] = mapped_column(String(998))  # Message-ID of the letter
    source_inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    events: Mapped[list["Event"]] = relationship(order_by="Event.id", back_populates="request")


class Task(Base):
    """A request waiting on a person: one row per (request, step, signer), closed once."""

    __tablename__ = "task"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    request: Mapped[Request] = request_first()
    step: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer, default=0)  # position among a step's signers
    role: Mapped[str] = mapped_column(String(16))
    who: Mapped[list[Any]] = mapped_column(JSON)  # addresses whose reply counts
    token: Mapped[str] = mapped_column(String(32), unique=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)  # of the mail we sent
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decision: Mapped[str | None] = mapped_column(String(16))
    deadline: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Event(Base):
    """One line of a request's history: what happened, when, at which step, by whom."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_request_time", "request_id", "time"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    time: Mapped[datetime] = mapped_column(default=utcnow)
    step: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(998))
    # an acting official's office as they decided in it: "Plt. Kepala Dinas ...: Name, NIP ..."
    acting: Mapped[str | None] = mapped_column(String(400))
    request: Mapped[Request] = relationship(back_populates="events")


class Document(Base):
    """A letter generated for a request (disposition sheet, memo, SPT), numbered and versioned."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    request: Mapped[Request] = request_first()
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    path: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending (its render job has not run) -> ready | failed
    status: Mapped[str] = mapped_column(String(16), default="ready")
    pdf_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sequence(Base):
    """Gap-free per-year counters for letter numbers and request codes."""

    __tablename__ = "sequence"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Assignment(Base):
    """A staff member booked for a request, over the whole trip (departure to return)."""

    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    request: Mapped[Request] = request_first()
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(Text)
    skill: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime]
    end: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Outbox(Base):
    """An outgoing message, fixed Message-ID assigned when written, sent with retry."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    request: Mapped[Request | None] = request_first()
    kind: Mapped[str] = mapped_column(String(32))
    recipients: Mapped[list[Any]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    # its plain text as written (0012): what a reply quoting it is read against without parsing
    # `raw` (letters and all); NULL on rows from before 0012 and once retention prunes `raw`
    body_text: Mapped[str | None] = mapped_column(Text)
    # waiting (for the jobs in `waits_on`) -> queued -> sending -> sent | failed;
    # queued -> summarised (a held notice sent inside a summary mail)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    waits_on: Mapped[list[Any]] = mapped_column(JSON, default=list)  # job ids
    parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the unbuilt message while waiting
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    leased_by: Mapped[str | None] = mapped_column(String(64))  # the process sending it (0008)
    pruned_at: Mapped[datetime | None]  # raw body removed by retention (the archive holds it)
    # a notice put off by the hourly limit (0009): when first held; held notices to one address go
    # out together, status "summarised", in the one summary mail (kind "summary") `summary_id`
    held_at: Mapped[datetime | None]
    summary_id: Mapped[int | None] = mapped_column(Integer, index=True)


class SopRevision(Base):
    """One revision of rules/sop.yaml, by content hash: requests keep the one they started under."""

    __tablename__ = "sop_revision"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(Text, default="")  # the file's own `revision:` text
    content: Mapped[str] = mapped_column(Text)  # the YAML as it was
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """Slow or outside work (render a letter, convert to PDF, OCR, publish, a timer): run by the
    job runner with retry and backoff, claimed with a lease so two daemons never run it twice."""

    __tablename__ = "job"
    # a claim reads only the due rows (0014): queued by due time, of the kinds a lane works
    # ("kind" alone is this index's prefix), never every queued timer nor every finished job
    __table_args__ = (Index("ix_job_due", "state", "next_run_at"),
                      Index("ix_job_kind_due", "kind", "state", "next_run_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str | None] = mapped_column(String(255), unique=True)  # idempotency key
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    request: Mapped[Request | None] = request_first()
    # queued -> running -> done | failed (permanent) ; cancelled when its request moved on
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    # higher first among due jobs: what a person's reply waits for goes before a backlog's letters
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    # runs cut short by the death of their process (not counted as attempts; 0008)
    interrupted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    lease_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class Lease(Base):
    """Who works the mailbox: one holder at a time, renewed while alive (standby takes over)."""

    __tablename__ = "lease"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]


class DeliveryFile(Base):
    """A file the team delivered for a request (shared folder or mail attachment), or one the
    daemon refused: checked by content, hashed, and kept with the reason it was quarantined."""

    __tablename__ = "delivery_file"
    __table_args__ = (UniqueConstraint("source", "relpath", "sha256", name="uq_delivery_file"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    request: Mapped[Request | None] = request_first()
    source: Mapped[str] = mapped_column(String(16))  # folder | mail
    relpath: Mapped[str] = mapped_column(Text)  # under the share (folder) or the state dir (mail)
    name: Mapped[str] = mapped_column(Text)  # as the team named it
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    mtime: Mapped[float | None]
    kind: Mapped[str] = mapped_column(String(16), default="other")  # news | photo | video | other
    # accepted | quarantined | replaced (a newer version of the same name came in)
    status: Mapped[str] = mapped_column(String(16), default="accepted", index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was quarantined, for a person
    sender: Mapped[str | None] = mapped_column(String(320))  # mail deliveries: who sent it
    message_id: Mapped[str | None] = mapped_column(String(998))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Publication(Base):
    """One channel of a request's publication (website, facebook, social package, press to one
    contact, archive): its remote id is kept so a retry finds what it made instead of posting twice."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("request_id", "channel", name="uq_publication"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    request: Mapped[Request] = request_first()
    channel: Mapped[str] = mapped_column(String(64))
    # pending -> done | skipped (not configured) | failed (gave up; the operator was told)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    remote_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. media ids uploaded
    detail: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Heartbeat(Base):
    """One running daemon instance, rewritten every few seconds and on events (mailbox connected
    or lost, a message seen): `liputan status` and the metrics read it; a stale row means down."""

    __tablename__ = "heartbeat"
    instance: Mapped[str] = mapped_column(String(255), primary_key=True)  # host:pid
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    interval: Mapped[float] = mapped_column(default=5.0)  # seconds between two beats
    stopped_at: Mapped[datetime | None]  # a clean stop; a crash leaves it empty and the beat stale
    # connecting | connected | away | standby (another instance works it) | stopped
    mailbox: Mapped[str] = mapped_column(String(16), default="connecting")
    mailbox_since: Mapped[datetime | None]
    mailbox_error: Mapped[str | None] = mapped_column(Text)
    last_message_at: Mapped[datetime | None]  # the last message this instance stored
    # {"folder": {"ok": bool, "detail": str}, "converter": {"ok": bool | None, "mode": .., "detail": ..}}
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
