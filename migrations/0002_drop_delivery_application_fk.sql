ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_application_id_applications_id_fk";
