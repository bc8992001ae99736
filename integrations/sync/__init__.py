"""The sync engine: `engine.sync_connection` reads every stream of a connection page by page (`streams`),
upserting records and cursors in one transaction under a lease (`lease`); `truth_audit` compares an inbox
with the sandbox's ground truth. Clients and normalizers (`wildberries/`, `ozon/`) know nothing of it."""
