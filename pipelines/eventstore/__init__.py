"""The append-only event store in the build database (schema ``events``; DDL in ``schema.sql``)."""
