"""media: objects held by content address, chunked uploads in progress

Revision ID: b2d0media0003
Revises: 49e4b4b4d25d
Create Date: 2026-11-25 15:01:22.225149

"""
from alembic import op
import sqlalchemy as sa

import server.common.models


# revision identifiers, used by Alembic.
revision = 'b2d0media0003'
down_revision = '49e4b4b4d25d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_objects',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('image', 'signature', name='media_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('status', sa.Enum('pending', 'processing', 'ready', 'failed', name='media_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('mime', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.BigInteger(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=True),
    sa.Column('original_kept', sa.Boolean(), nullable=False),
    sa.Column('display_sha256', sa.String(length=64), nullable=True),
    sa.Column('display_width', sa.Integer(), nullable=True),
    sa.Column('display_height', sa.Integer(), nullable=True),
    sa.Column('display_bytes', sa.Integer(), nullable=True),
    sa.Column('thumb_sha256', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', server.common.models.UTCDateTime(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('uploaded_by', sa.Uuid(), nullable=True),
    sa.Column('dealer_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', server.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.common.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_media_objects_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_media_objects_uploaded_by_users')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_media_objects'))
    )
    with op.batch_alter_table('media_objects', schema=None) as batch_op:
        batch_op.create_index('ix_media_objects_status', ['status'], unique=False)

    op.create_table('media_uploads',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('upload_length', sa.BigInteger(), nullable=False),
    sa.Column('upload_offset', sa.BigInteger(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=True),
    sa.Column('uploaded_by', sa.Uuid(), nullable=True),
    sa.Column('locked_until', server.common.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', server.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.common.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint('upload_offset >= 0 AND upload_offset <= upload_length', name=op.f('ck_media_uploads_offset_range')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_media_uploads_uploaded_by_users')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_media_uploads'))
    )


def downgrade():
    op.drop_table('media_uploads')
    with op.batch_alter_table('media_objects', schema=None) as batch_op:
        batch_op.drop_index('ix_media_objects_status')

    op.drop_table('media_objects')
