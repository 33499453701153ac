CREATE TABLE "chat_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"room_id" uuid NOT NULL,
	"participant_id" uuid,
	"message" text NOT NULL,
	"message_type" text DEFAULT 'chat' NOT NULL,
	"client_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_messages_participant_client_message_id_unique" UNIQUE("participant_id","client_message_id"),
	CONSTRAINT "chat_messages_message_type_valid" CHECK ("chat_messages"."message_type" in ('chat', 'system', 'reaction')),
	CONSTRAINT "chat_messages_message_length" CHECK (char_length("chat_messages"."message") between 1 and 2000),
	CONSTRAINT "chat_messages_client_message_id_length" CHECK (char_length("chat_messages"."client_message_id") between 1 and 100)
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"room_id" uuid NOT NULL,
	"name" text,
	"token_hash" text NOT NULL,
	"socket_id" text,
	"role" text DEFAULT 'attendee' NOT NULL,
	"is_muted" boolean DEFAULT false NOT NULL,
	"is_video_on" boolean DEFAULT false NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"left_at" timestamp with time zone,
	CONSTRAINT "participants_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "participants_socket_id_unique" UNIQUE("socket_id"),
	CONSTRAINT "participants_role_valid" CHECK ("participants"."role" in ('presenter', 'attendee')),
	CONSTRAINT "participants_name_length" CHECK ("participants"."name" is null or char_length("participants"."name") between 1 and 100),
	CONSTRAINT "participants_token_hash_format" CHECK ("participants"."token_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "question_votes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"question_id" uuid NOT NULL,
	"participant_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "question_votes_question_participant_unique" UNIQUE("question_id","participant_id")
);
--> statement-breakpoint
CREATE TABLE "questions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"room_id" uuid NOT NULL,
	"participant_id" uuid,
	"question" text NOT NULL,
	"is_answered" boolean DEFAULT false NOT NULL,
	"is_pinned" boolean DEFAULT false NOT NULL,
	"votes" integer DEFAULT 0 NOT NULL,
	"answer" text,
	"answered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "questions_question_length" CHECK (char_length("questions"."question") between 1 and 1000),
	CONSTRAINT "questions_answer_length" CHECK ("questions"."answer" is null or char_length("questions"."answer") between 1 and 2000),
	CONSTRAINT "questions_votes_non_negative" CHECK ("questions"."votes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "request_counts" (
	"day" date NOT NULL,
	"method" text NOT NULL,
	"route" text NOT NULL,
	"status" integer NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "request_counts_day_method_route_status_pk" PRIMARY KEY("day","method","route","status"),
	CONSTRAINT "request_counts_status_range" CHECK ("request_counts"."status" between 100 and 599),
	CONSTRAINT "request_counts_count_non_negative" CHECK ("request_counts"."count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"presenter_name" text NOT NULL,
	"presenter_socket_id" text,
	"password_hash" text,
	"max_participants" integer DEFAULT 50 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"peak_participants" integer DEFAULT 0 NOT NULL,
	"is_screen_sharing" boolean DEFAULT false NOT NULL,
	"screen_share_count" integer DEFAULT 0 NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	CONSTRAINT "rooms_slug_unique" UNIQUE("slug"),
	CONSTRAINT "rooms_slug_format" CHECK ("rooms"."slug" ~ '^[A-Za-z0-9_-]{8,64}$'),
	CONSTRAINT "rooms_title_length" CHECK (char_length("rooms"."title") between 1 and 200),
	CONSTRAINT "rooms_presenter_name_length" CHECK (char_length("rooms"."presenter_name") <= 100),
	CONSTRAINT "rooms_max_participants_range" CHECK ("rooms"."max_participants" between 2 and 500),
	CONSTRAINT "rooms_peak_participants_non_negative" CHECK ("rooms"."peak_participants" >= 0),
	CONSTRAINT "rooms_screen_share_count_non_negative" CHECK ("rooms"."screen_share_count" >= 0),
	CONSTRAINT "rooms_ended_after_created" CHECK ("rooms"."ended_at" is null or "rooms"."ended_at" >= "rooms"."created_at")
);
--> statement-breakpoint
CREATE TABLE "session_stats" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"room_id" uuid NOT NULL,
	"max_concurrent_participants" integer DEFAULT 0 NOT NULL,
	"total_participants" integer DEFAULT 0 NOT NULL,
	"total_messages" integer DEFAULT 0 NOT NULL,
	"total_questions" integer DEFAULT 0 NOT NULL,
	"session_duration_minutes" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_stats_room_id_unique" UNIQUE("room_id"),
	CONSTRAINT "session_stats_counts_non_negative" CHECK ("session_stats"."max_concurrent_participants" >= 0 and "session_stats"."total_participants" >= 0 and "session_stats"."total_messages" >= 0 and "session_stats"."total_questions" >= 0 and "session_stats"."session_duration_minutes" >= 0)
);
--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "question_votes" ADD CONSTRAINT "question_votes_question_id_questions_id_fk" FOREIGN KEY ("question_id") REFERENCES "public"."questions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "question_votes" ADD CONSTRAINT "question_votes_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "questions" ADD CONSTRAINT "questions_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "questions" ADD CONSTRAINT "questions_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_stats" ADD CONSTRAINT "session_stats_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_messages_room_id_created_at_idx" ON "chat_messages" USING btree ("room_id","created_at");--> statement-breakpoint
CREATE INDEX "participants_room_id_joined_at_idx" ON "participants" USING btree ("room_id","joined_at");--> statement-breakpoint
CREATE INDEX "questions_room_id_votes_created_at_idx" ON "questions" USING btree ("room_id","votes" DESC NULLS LAST,"created_at");--> statement-breakpoint
CREATE INDEX "rooms_is_active_created_at_idx" ON "rooms" USING btree ("is_active","created_at");