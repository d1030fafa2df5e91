-- Baselines kept before they held contents: fill in each item's content from the parent instance where it still holds
-- that very version (a synced instance's baseline is its parent as it was), so that conflicts found later show a base.
UPDATE "baseline_items" b SET "content" = c."content"
FROM "instances" i, "components" c
WHERE i."id" = b."instance_id" AND c."instance_id" = i."parent_instance_id" AND c."key" = b."key" AND c."hash" = b."hash"
  AND b."content" IS NULL;
