-- Runs once, when the `db` volume is first initialised (docker-entrypoint-initdb.d).
-- pg_stat_statements is preloaded by postgresql.conf; this makes its view queryable:
--   docker compose exec db psql -U frota -c 'SELECT * FROM pg_stat_statements LIMIT 5'
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
