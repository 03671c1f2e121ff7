"""lesson text handbook reference

Revision ID: af33054466c2
Revises: 0e94a71038f7
Create Date: 2026-12-07 23:07:08.728070

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = 'af33054466c2'
down_revision = '0e94a71038f7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson_text', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handbook', sa.String(length=250), server_default='', nullable=False))

    # Until the next content import writes the translated references, every text shows its lesson's English one.
    op.execute(
        "UPDATE lesson_text SET handbook = "
        "(SELECT lesson.handbook FROM lesson WHERE lesson.id = lesson_text.lesson_id)"
    )


def downgrade():
    with op.batch_alter_table('lesson_text', schema=None) as batch_op:
        batch_op.drop_column('handbook')
