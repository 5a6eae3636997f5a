CREATE TABLE invoices (
  id uuid PRIMARY KEY,
  customer text NOT NULL,
  currency char(3) NOT NULL,
  lines jsonb NOT NULL,
  total_cents integer NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sent', 'paid')),
  created_at timestamptz NOT NULL DEFAULT now()
);
