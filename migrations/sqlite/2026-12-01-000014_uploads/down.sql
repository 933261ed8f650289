DROP TABLE service_images;
DROP TABLE provider_documents;
