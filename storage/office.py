"""Tables of the union office's year: 考核验收 rounds and score sheets, 公示, certificates and the
命名文件, 整改 after a spot check, and the leaders' quarterly self-check answers.

Rows are changed only by the services in handlers/services/ (assessment, publicity, certificates,
rectification, selfcheck), each change with its audit row. Numbers issued (certificates, 命名文件)
are unique and never reused: a withdrawn title marks its certificate void, it never deletes it.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Application, Base, Person, Studio


# --- 考核验收 ---------------------------------------------------------------------------

class AssessmentRound(Base):
    """The 考核验收 of one application year: its 百分制 rubric, open until the office closes it.

    ``rubric`` is a list of items ``{"key", "name", "max", "basis"}`` (keys never reused in a
    round); ``ties`` the office's tie-breaks ``[{"apps": [ids in order], "reason": …}]``.
    A closed round is the record of 考核验收 that naming requires."""
    __tablename__ = "assessment_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    rubric: Mapped[list] = mapped_column(JSON, default=list)
    next_item: Mapped[int] = mapped_column(Integer, default=1)
    ties: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")      # open | closed
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class RoundExpert(Base):
    """An expert (评审专家) invited to a round."""
    __tablename__ = "round_experts"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    invited_at: Mapped[datetime] = mapped_column(DateTime)
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class ScoreSheet(Base):
    """One expert's 百分制 sheet for one application: points per rubric item (decimal strings),
    a comment per item and one for the sheet; submitted once complete, then unchangeable."""
    __tablename__ = "score_sheets"
    __table_args__ = (UniqueConstraint("round_id", "application_id", "expert_id"),
                      Index("ix_score_sheets_expert", "expert_id", "round_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    application: Mapped[Application] = relationship()
    expert: Mapped[Person] = relationship(foreign_keys=[expert_id])


# --- 公示 --------------------------------------------------------------------------------

class Publicity(Base):
    """One published 公示名单 of a year (the first, and one for each studio published after an
    upheld objection), with its period in working days."""
    __tablename__ = "publicities"
    __table_args__ = (UniqueConstraint("year", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)              # 1, 2 … within the year
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime)


class PublicityEntry(Base):
    """A studio on a 公示名单: ``listed``, or ``removed`` by an upheld objection."""
    __tablename__ = "publicity_entries"
    __table_args__ = (UniqueConstraint("publicity_id", "application_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicities.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="listed")    # listed | removed
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    publicity: Mapped[Publicity] = relationship()
    application: Mapped[Application] = relationship()


class Objection(Base):
    """An objection (异议) received during a 公示 about one entry, and the office's finding."""
    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("publicity_entries.id"))
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")        # who raised it (may be 匿名)
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")      # open | upheld | dismissed
    finding: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    entry: Mapped[PublicityEntry] = relationship()


# --- certificates and the 命名文件 ----------------------------------------------------------

class NamingDocument(Base):
    """The numbered 命名文件 of one batch of named studios (the list, the date, the grant)."""
    __tablename__ = "naming_documents"
    __table_args__ = (UniqueConstraint("year", "sequence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    grant_wan: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id"))       # the PDF, once rendered
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Certificate(Base):
    """One named studio's numbered certificate and its 牌匾; ``void`` once the title is withdrawn."""
    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("year", "sequence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("naming_documents.id"))
    named_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="valid")      # valid | void
    void_reason: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id"))       # the PDF, once rendered
    plaque_text: Mapped[str] = mapped_column(String(200), default="")
    plaque_status: Mapped[str] = mapped_column(String(10), default="待制作")   # 待制作 | 已制作 | 已送达
    plaque_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    studio: Mapped[Studio] = relationship()
    document: Mapped[NamingDocument] = relationship()


# --- 整改 -------------------------------------------------------------------------------

class Rectification(Base):
    """A 限期整改 ordered by a spot check: its deadline in working days, the studio's report and
    the office's verification. Overdue or failed, it is proposed for withdrawal of the title."""
    __tablename__ = "rectifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("spot_check_results.id"), unique=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"))
    ordered_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    requirements: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")   # open|reported|passed|failed|withdrawn
    report: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None] = mapped_column(DateTime)
    finding: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    studio: Mapped[Studio] = relationship()


# --- self-checks ------------------------------------------------------------------------

class SelfCheck(Base):
    """A leader's answers to one quarter's self-check: each 七有 line and ledger gap confirmed or
    corrected (``answers``: [{"item", "shown", "answer": "confirm"|"correct", "text"}])."""
    __tablename__ = "self_checks"
    __table_args__ = (UniqueConstraint("studio_id", "quarter"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"))
    quarter: Mapped[str] = mapped_column(String(7))                  # 2026Q3
    items: Mapped[list] = mapped_column(JSON, default=list)           # what was asked, in order
    answers: Mapped[list] = mapped_column(JSON, default=list)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    studio: Mapped[Studio] = relationship()
