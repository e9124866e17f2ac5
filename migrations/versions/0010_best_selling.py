"""best selling: each product's units sold, kept on the product so collection pages can sort on a column

Revision ID: 0010_best_selling
Revises: 0009_shipping_promotions
Create Date: 2026-12-06 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_best_selling'
down_revision = '0009_shipping_promotions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('units_sold', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_products_tenant_sold', ['tenant_id', 'units_sold'], unique=False)
    # What every store has sold so far: the units on its orders that weren't cancelled.
    op.execute("""
        UPDATE products SET units_sold = COALESCE((
            SELECT SUM(order_lines.quantity) FROM order_lines
            JOIN orders ON orders.tenant_id = order_lines.tenant_id AND orders.id = order_lines.order_id
            WHERE order_lines.tenant_id = products.tenant_id AND order_lines.product_id = products.id
              AND orders.status != 'cancelled'), 0)
    """)


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_tenant_sold')
        batch_op.drop_column('units_sold')
