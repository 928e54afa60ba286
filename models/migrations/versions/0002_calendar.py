"""calendar: crop phases, user holidays, need.crop_phase_id foreign key

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = 'fk_need_crop_phase_id_crop_phase'


def _record_columns() -> list[sa.Column]:
    # The columns of models.base.RecordMixin.
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    ]


def _rebuild_need(change) -> None:  # type: ignore[no-untyped-def]
    """Rebuild ``need`` with ``change(batch_op)`` applied: SQLite cannot ALTER a foreign key.

    The old table is dropped while need_event and dispatch rows point at it, so foreign keys
    must be off; services/database.py runs migrations that way and checks every reference
    (PRAGMA foreign_key_check) before it commits.
    """
    with op.batch_alter_table('need', schema=None) as batch_op:
        change(batch_op)


def upgrade() -> None:
    op.create_table('crop_phase',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('region', sa.String(length=20), nullable=False),
    sa.Column('crop', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('start_spec', sa.String(length=30), nullable=False),
    sa.Column('end_spec', sa.String(length=30), nullable=False),
    sa.Column('ideal_spec', sa.String(length=30), nullable=True),
    sa.Column('help', sa.JSON(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('user_edited', sa.Boolean(), server_default='0', nullable=False),
    *_record_columns(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crop_phase')),
    sa.UniqueConstraint('key', name=op.f('uq_crop_phase_key')),
    sa.UniqueConstraint('uuid', name=op.f('uq_crop_phase_uuid'))
    )
    with op.batch_alter_table('crop_phase', schema=None) as batch_op:
        batch_op.create_index('ix_crop_phase_region_crop', ['region', 'crop'], unique=False)

    op.create_table('holiday',
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    *_record_columns(),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f('ck_holiday_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday')),
    sa.UniqueConstraint('date', name=op.f('uq_holiday_date')),
    sa.UniqueConstraint('uuid', name=op.f('uq_holiday_uuid'))
    )

    # Before 0002 there was no phase table, so any value in crop_phase_id points nowhere.
    op.execute('UPDATE need SET crop_phase_id = NULL WHERE crop_phase_id IS NOT NULL')
    _rebuild_need(lambda batch_op: batch_op.create_foreign_key(
        FK_NAME, 'crop_phase', ['crop_phase_id'], ['id']))


def downgrade() -> None:
    _rebuild_need(lambda batch_op: batch_op.drop_constraint(FK_NAME, type_='foreignkey'))
    op.drop_table('holiday')
    with op.batch_alter_table('crop_phase', schema=None) as batch_op:
        batch_op.drop_index('ix_crop_phase_region_crop')
    op.drop_table('crop_phase')
