ALTER TABLE "rooms" ADD COLUMN "hide_addresses" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "hide_lan_addresses" boolean DEFAULT false NOT NULL;