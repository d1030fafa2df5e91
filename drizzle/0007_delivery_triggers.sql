-- Custom SQL migration file, put your code below! --
-- Delivery metrics read a period by its days and a failure's time to restore from the failure itself. Triggers keep
-- both as runs end and requests are deployed or approved, whichever code (or person) writes the rows. They are
-- deferred to the commit: a transaction takes the lock on its day's row last, holding nothing else it could wait
-- for, so that a deployment and an approval (or a send) of the same environment never deadlock over it.

-- Adds to one environment's day (UTC) of delivery_days; nothing when there is no time.
CREATE FUNCTION add_delivery_day(environment integer, happened timestamptz, deployments integer, deployed integer, approved integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF environment IS NULL OR happened IS NULL THEN RETURN; END IF;
  INSERT INTO delivery_days AS d (environment_id, day, deployments, deployed, approved)
  VALUES (environment, (happened AT TIME ZONE 'UTC')::date, deployments, deployed, approved)
  ON CONFLICT (environment_id, day) DO UPDATE
  SET deployments = d.deployments + excluded.deployments, deployed = d.deployed + excluded.deployed, approved = d.approved + excluded.approved;
END $$;
--> statement-breakpoint

-- A run that ends as a successful deployment counts on its day and restores the failures of its environment that
-- ended before it and were not restored yet (failed deployments and reverts).
CREATE FUNCTION runs_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.kind = 'deploy' AND OLD.status = 'succeeded' THEN
    PERFORM add_delivery_day(OLD.environment_id, OLD.ended_at, -1, 0, 0);
  END IF;
  IF NEW.kind = 'deploy' AND NEW.status = 'succeeded' AND NEW.ended_at IS NOT NULL THEN
    PERFORM add_delivery_day(NEW.environment_id, NEW.ended_at, 1, 0, 0);
    UPDATE runs SET restored_at = NEW.ended_at
    WHERE environment_id = NEW.environment_id AND restored_at IS NULL AND ended_at <= NEW.ended_at
      AND ((kind = 'deploy' AND status = 'failed') OR (kind = 'revert' AND status = 'succeeded'));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER runs_delivery_insert AFTER INSERT ON runs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
EXECUTE FUNCTION runs_delivery();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER runs_delivery_update AFTER UPDATE OF kind, status, ended_at, environment_id ON runs
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.status IS DISTINCT FROM NEW.status OR OLD.ended_at IS DISTINCT FROM NEW.ended_at OR OLD.environment_id IS DISTINCT FROM NEW.environment_id)
EXECUTE FUNCTION runs_delivery();
--> statement-breakpoint

-- A request counts on the day it was deployed, and on the day it was approved: only the day that changes is touched.
CREATE FUNCTION requests_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moved boolean;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM add_delivery_day(NEW.target_environment_id, NEW.deployed_at, 0, 1, 0);
    PERFORM add_delivery_day(NEW.target_environment_id, NEW.approved_at, 0, 0, 1);
    RETURN NULL;
  END IF;
  moved := OLD.target_environment_id IS DISTINCT FROM NEW.target_environment_id;
  IF moved OR OLD.deployed_at IS DISTINCT FROM NEW.deployed_at THEN
    PERFORM add_delivery_day(OLD.target_environment_id, OLD.deployed_at, 0, -1, 0);
    PERFORM add_delivery_day(NEW.target_environment_id, NEW.deployed_at, 0, 1, 0);
  END IF;
  IF moved OR OLD.approved_at IS DISTINCT FROM NEW.approved_at THEN
    PERFORM add_delivery_day(OLD.target_environment_id, OLD.approved_at, 0, 0, -1);
    PERFORM add_delivery_day(NEW.target_environment_id, NEW.approved_at, 0, 0, 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER requests_delivery_insert AFTER INSERT ON deployment_requests DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (NEW.deployed_at IS NOT NULL OR NEW.approved_at IS NOT NULL)
EXECUTE FUNCTION requests_delivery();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER requests_delivery_update AFTER UPDATE OF deployed_at, approved_at, target_environment_id ON deployment_requests
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.deployed_at IS DISTINCT FROM NEW.deployed_at OR OLD.approved_at IS DISTINCT FROM NEW.approved_at OR OLD.target_environment_id IS DISTINCT FROM NEW.target_environment_id)
EXECUTE FUNCTION requests_delivery();
--> statement-breakpoint

-- The history so far: each failure restored by the first successful deployment into its environment after it, and
-- the days counted.
UPDATE runs AS r SET restored_at = n.next_success
FROM (
  SELECT id, min(ended_at) FILTER (WHERE kind = 'deploy' AND status = 'succeeded')
           OVER (PARTITION BY environment_id ORDER BY ended_at DESC, id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_success
  FROM runs
  WHERE kind IN ('deploy', 'revert') AND ended_at IS NOT NULL
) AS n
WHERE n.id = r.id AND n.next_success IS NOT NULL
  AND ((r.kind = 'deploy' AND r.status = 'failed') OR (r.kind = 'revert' AND r.status = 'succeeded'));
--> statement-breakpoint
INSERT INTO delivery_days (environment_id, day, deployments, deployed, approved)
SELECT environment_id, day, sum(deployments), sum(deployed), sum(approved)
FROM (
  SELECT environment_id, (ended_at AT TIME ZONE 'UTC')::date AS day, 1 AS deployments, 0 AS deployed, 0 AS approved
  FROM runs WHERE kind = 'deploy' AND status = 'succeeded' AND ended_at IS NOT NULL AND environment_id IS NOT NULL
  UNION ALL
  SELECT target_environment_id, (deployed_at AT TIME ZONE 'UTC')::date, 0, 1, 0 FROM deployment_requests WHERE deployed_at IS NOT NULL
  UNION ALL
  SELECT target_environment_id, (approved_at AT TIME ZONE 'UTC')::date, 0, 0, 1 FROM deployment_requests WHERE approved_at IS NOT NULL
) AS history
GROUP BY environment_id, day;
