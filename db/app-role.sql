-- The API's own database role, frota_app: it owns Frota's schema and the objects in it, and is
-- not a superuser (no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS). Run by the compose
-- service `db-setup` at every `docker compose up`, as the superuser over the db container's
-- socket; idempotent, so a stack whose api used the superuser is moved to frota_app on upgrade.
--   psql -v app_password=... -f db/app-role.sql
\set ON_ERROR_STOP on
SET log_statement = 'none';   -- the password below never reaches the server's log

SELECT 'CREATE ROLE frota_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'frota_app')
\gexec
ALTER ROLE frota_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_password';
-- The superuser keeps no password: only the db container's own socket reaches it (backups,
-- restores and this file), so the api's password can never log in as it.
ALTER ROLE CURRENT_USER PASSWORD NULL;

SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()),
       format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO frota_app', current_database())
\gexec
\ir app-owner.sql
