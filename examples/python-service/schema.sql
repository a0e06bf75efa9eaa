CREATE TABLE IF NOT EXISTS items (
    sku      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0)
);

INSERT INTO items (sku, name, quantity) VALUES
    ('KB-101', 'Mechanical keyboard', 42),
    ('MS-220', 'Wireless mouse', 130)
ON CONFLICT (sku) DO NOTHING;
