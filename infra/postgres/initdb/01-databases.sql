-- Run once by the postgres image's entrypoint when the primary's data directory is new
-- (/docker-entrypoint-initdb.d). Each service owns one database; keep this list in sync with
-- DATABASES in infra/local/postgres.mjs. The services create their own tables (migrations).
CREATE DATABASE identity;
CREATE DATABASE energy_command;
CREATE DATABASE energy_read;
CREATE DATABASE billing_command;
CREATE DATABASE billing_read;
CREATE DATABASE feeds_command;
CREATE DATABASE feeds_read;
CREATE DATABASE payment_sandbox;
