CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
-- Counters need no crash safety: unlogged, they skip the WAL on every request.
ALTER TABLE "rate_limits" SET UNLOGGED;
