"""Reports too costly to compute on every view, stored with what they were computed from."""

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import Model


class StoredReport(Model):
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    computed_at: Mapped[datetime]
    # The newest answer counted; a newer one means the report leaves some out.
    last_answer_id: Mapped[int]
    # What the report's questions were: it is computed again when they change.
    content_stamp: Mapped[str] = mapped_column(String(64))
    payload: Mapped[object] = mapped_column(JSON)
