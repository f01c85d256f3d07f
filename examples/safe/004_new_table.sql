-- A table created in this migration is empty and unseen: no CONCURRENTLY, no NOT VALID needed.
CREATE TABLE invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id bigint NOT NULL,
  total numeric(12, 2) NOT NULL
);
CREATE INDEX invoices_order_id_idx ON invoices (order_id);
ALTER TABLE invoices ADD CONSTRAINT invoices_total_positive CHECK (total >= 0);
