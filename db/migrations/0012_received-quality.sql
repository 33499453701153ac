CREATE TABLE "received_quality" (
	"room_id" uuid NOT NULL,
	"mode" text NOT NULL,
	"samples" integer DEFAULT 0 NOT NULL,
	"decode_fps_sum" double precision DEFAULT 0 NOT NULL,
	"loss_pct_sum" double precision DEFAULT 0 NOT NULL,
	"rtt_ms_sum" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "received_quality_room_id_mode_pk" PRIMARY KEY("room_id","mode"),
	CONSTRAINT "received_quality_mode_valid" CHECK ("received_quality"."mode" in ('star', 'sfu')),
	CONSTRAINT "received_quality_sums_non_negative" CHECK ("received_quality"."samples" >= 0 and "received_quality"."decode_fps_sum" >= 0 and "received_quality"."loss_pct_sum" >= 0 and "received_quality"."rtt_ms_sum" >= 0)
);
--> statement-breakpoint
ALTER TABLE "received_quality" ADD CONSTRAINT "received_quality_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;