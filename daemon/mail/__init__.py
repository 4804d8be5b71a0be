"""Mail in and out: IMAP intake, the inbound store, filing, MIME, the outbox and our mail."""
