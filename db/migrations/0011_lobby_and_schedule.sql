ALTER TABLE "participants" ADD COLUMN "admission" text DEFAULT 'admitted' NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "lobby" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "starts_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "time_zone" text;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "live_at" timestamp with time zone DEFAULT now();--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_admission_valid" CHECK ("participants"."admission" in ('admitted', 'waiting', 'denied'));--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_description_length" CHECK ("rooms"."description" is null or char_length("rooms"."description") between 1 and 2000);--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_time_zone_length" CHECK ("rooms"."time_zone" is null or char_length("rooms"."time_zone") between 1 and 64);--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_scheduled_with_time_zone" CHECK (("rooms"."starts_at" is null) = ("rooms"."time_zone" is null));