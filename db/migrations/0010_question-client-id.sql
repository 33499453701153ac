ALTER TABLE "questions" ADD COLUMN "client_question_id" text;--> statement-breakpoint
ALTER TABLE "questions" ADD CONSTRAINT "questions_participant_client_question_id_unique" UNIQUE("participant_id","client_question_id");--> statement-breakpoint
ALTER TABLE "questions" ADD CONSTRAINT "questions_client_question_id_length" CHECK (char_length("questions"."client_question_id") between 1 and 100);