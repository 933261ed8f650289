DROP INDEX provider_profiles_approval;
ALTER TABLE provider_profiles DROP COLUMN approval;
