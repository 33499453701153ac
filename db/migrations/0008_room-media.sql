CREATE TABLE "room_media" (
	"room_id" uuid PRIMARY KEY NOT NULL,
	"janus_url" text,
	"janus_room" bigint,
	"janus_secret" text,
	"feed" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "room_media" ADD CONSTRAINT "room_media_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;