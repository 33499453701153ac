ALTER TABLE "participants" ADD COLUMN "hand_raised_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "stage" text DEFAULT 'audience' NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "is_co_host" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "mute_locked" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "is_banned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "join_address_hash" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "browser_key_hash" text;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "status" text DEFAULT 'visible' NOT NULL;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "is_anonymous" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "is_locked" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "questions_need_approval" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "attendee_chat" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "attendee_microphones" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "highlighted_question_id" uuid;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_stage_valid" CHECK ("participants"."stage" in ('audience', 'invited', 'speaker'));--> statement-breakpoint
ALTER TABLE "questions" ADD CONSTRAINT "questions_status_valid" CHECK ("questions"."status" in ('pending', 'visible', 'dismissed'));