CREATE TABLE "sfu_speakers" (
	"room_id" uuid NOT NULL,
	"participant_id" uuid NOT NULL,
	"janus_room" bigint NOT NULL,
	"feed" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sfu_speakers_room_id_participant_id_pk" PRIMARY KEY("room_id","participant_id")
);
--> statement-breakpoint
ALTER TABLE "sfu_speakers" ADD CONSTRAINT "sfu_speakers_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sfu_speakers" ADD CONSTRAINT "sfu_speakers_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE cascade ON UPDATE no action;