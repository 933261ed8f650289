DROP INDEX services_category;
ALTER TABLE services DROP COLUMN category_id;
DROP TABLE categories;
