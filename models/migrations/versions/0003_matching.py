"""matching: applications (揭榜挂帅), saved plan proposals, an index of dispatches by expert
and dates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record_columns() -> list[sa.Column]:
    # The columns of models.base.RecordMixin.
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    ]


def upgrade() -> None:
    op.create_index('ix_dispatch_expert_dates', 'dispatch',
                    ['expert_id', 'start_date', 'end_date', 'status'], unique=False)

    op.create_table('application',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('lead_expert_id', sa.Integer(), nullable=False),
    sa.Column('team_name', sa.String(length=100), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'selected', 'not_selected', 'withdrawn', name='application_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    *_record_columns(),
    sa.ForeignKeyConstraint(['lead_expert_id'], ['expert.id'], name=op.f('fk_application_lead_expert_id_expert')),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_application_need_id_need')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('code', name=op.f('uq_application_code')),
    sa.UniqueConstraint('uuid', name=op.f('uq_application_uuid'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_lead_expert_id'), ['lead_expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_status'), ['status'], unique=False)

    op.create_table('application_member',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_member_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_application_member_expert_id_expert')),
    sa.PrimaryKeyConstraint('application_id', 'expert_id', name=op.f('pk_application_member'))
    )
    with op.batch_alter_table('application_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_member_expert_id'), ['expert_id'], unique=False)

    op.create_table('plan_proposal',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'accepted', 'discarded', name='proposal_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    *_record_columns(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_proposal')),
    sa.UniqueConstraint('code', name=op.f('uq_plan_proposal_code')),
    sa.UniqueConstraint('uuid', name=op.f('uq_plan_proposal_uuid'))
    )
    with op.batch_alter_table('plan_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_proposal_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_proposal_status'))
    op.drop_table('plan_proposal')
    with op.batch_alter_table('application_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_member_expert_id'))
    op.drop_table('application_member')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_status'))
        batch_op.drop_index(batch_op.f('ix_application_need_id'))
        batch_op.drop_index(batch_op.f('ix_application_lead_expert_id'))
    op.drop_table('application')
    op.drop_index('ix_dispatch_expert_dates', table_name='dispatch')
