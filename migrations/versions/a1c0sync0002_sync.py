"""sync: clients, idempotency log, change log, conflicts

Revision ID: a1c0sync0002
Revises: b2d0media0003
Create Date: 2026-11-25 15:01:24.290328

"""
from alembic import op
import sqlalchemy as sa

import server.common.models


# revision identifiers, used by Alembic.
revision = 'a1c0sync0002'
down_revision = 'b2d0media0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('op', sa.Enum('upsert', 'delete', 'enter', 'remove', name='change_op', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('audience_id', sa.Uuid(), nullable=True),
    sa.Column('at', server.common.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_log')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index('ix_change_log_audience_seq', ['audience_id', 'seq'], unique=False)
        batch_op.create_index('ix_change_log_job_seq', ['job_id', 'seq'], unique=False)

    op.create_table('sync_state',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_state'))
    )
    op.create_table('sync_clients',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('last_mutation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('created_at', server.common.models.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', server.common.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_clients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_clients'))
    )
    with op.batch_alter_table('sync_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_clients_user_id'), ['user_id'], unique=False)

    op.create_table('sync_mutations',
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('mutation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('status', sa.Enum('applied', 'merged', 'conflict', 'rejected', 'duplicate', name='sync_mutation_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('client_at', server.common.models.UTCDateTime(), nullable=True),
    sa.Column('processed_at', server.common.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['sync_clients.id'], name=op.f('fk_sync_mutations_client_id_sync_clients')),
    sa.PrimaryKeyConstraint('client_id', 'mutation_id', name=op.f('pk_sync_mutations'))
    )
    op.create_table('sync_conflicts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('server_value', sa.JSON(), nullable=True),
    sa.Column('client_value', sa.JSON(), nullable=True),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('mutation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', server.common.models.UTCDateTime(), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='sync_conflict_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('resolution', sa.Enum('server', 'client', 'merged', 'policy_server', 'policy_client', name='sync_resolution', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('resolved_value', sa.JSON(), nullable=True),
    sa.Column('resolved_by', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', server.common.models.UTCDateTime(), nullable=True),
    sa.Column('updated_at', server.common.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['sync_clients.id'], name=op.f('fk_sync_conflicts_client_id_sync_clients')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_sync_conflicts_job_id_jobs')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_sync_conflicts_resolved_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_conflicts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflicts'))
    )
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_conflicts_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_sync_conflicts_status_created', ['status', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_conflicts_status_created')
        batch_op.drop_index(batch_op.f('ix_sync_conflicts_job_id'))

    op.drop_table('sync_conflicts')
    op.drop_table('sync_mutations')
    with op.batch_alter_table('sync_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_clients_user_id'))

    op.drop_table('sync_clients')
    op.drop_table('sync_state')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_job_seq')
        batch_op.drop_index('ix_change_log_audience_seq')

    op.drop_table('change_log')
