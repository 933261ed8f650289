-- A provider's review by the admins as states: draft (being filled in),
-- pending_review (submitted), approved (bookable once complete), rejected
-- (with the admin's note; may resubmit), suspended (was approved; not
-- bookable). `verified_at` stays set exactly while approved.
ALTER TABLE provider_profiles ADD COLUMN approval TEXT NOT NULL DEFAULT 'draft';
UPDATE provider_profiles SET approval = 'approved' WHERE verified_at IS NOT NULL;
CREATE INDEX provider_profiles_approval ON provider_profiles (approval, updated_at);
