CREATE TABLE "change_counts" (
	"subject" text PRIMARY KEY NOT NULL,
	"changes" bigint NOT NULL
);
