-- Each committed change of a deployment request or of an API token adds one to its subject's count. The triggers are
-- deferred to commit, so the count's row is locked for an instant at the end of a transaction, not for the whole of a
-- long one (a deployment), and a transaction rolled back counts nothing.
CREATE FUNCTION "count_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "change_counts" ("subject", "changes") VALUES (TG_ARGV[0], 1)
  ON CONFLICT ("subject") DO UPDATE SET "changes" = "change_counts"."changes" + 1;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "deployment_requests_count_change" AFTER INSERT OR UPDATE OR DELETE ON "deployment_requests"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "count_change"('requests');
--> statement-breakpoint
-- A token's last use is not a change of what it grants.
CREATE CONSTRAINT TRIGGER "api_tokens_count_change" AFTER INSERT OR DELETE OR UPDATE OF "name", "hash", "scopes", "instances", "revoked_at" ON "api_tokens"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "count_change"('tokens');
