-- Every tree of the store: its entries are the rows with its name, in key
-- order (bytea compares bytewise, as sled does). refinery checksums this
-- file: once released, never edit it; add V2__... instead.
CREATE TABLE deskpane_kv (
    tree  TEXT COLLATE "C" NOT NULL,
    key   BYTEA NOT NULL,
    value BYTEA NOT NULL,
    PRIMARY KEY (tree, key)
);

-- Store::generate_id. Starts at 0 like sled's; a sequence is never rolled
-- back, so ids stay unique across aborted transactions and replicas.
CREATE SEQUENCE deskpane_ids MINVALUE 0 START 0;
