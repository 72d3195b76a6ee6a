-- Gives frota_app what Frota's schema holds: the schema itself, tables (with the sequences they
-- own), the other sequences, views, types and functions. Extension members stay the superuser's.
-- Included by app-role.sql, and run by scripts/restore_db.sh in the restore's own transaction
-- (a dump loads as the superuser that restores it). One ALTER per object, run by \gexec.
ALTER SCHEMA public OWNER TO frota_app;
WITH objects (kind, name, owner, oid, skip_dependency) AS (
  SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                        WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
         c.oid::regclass::text, c.relowner, c.oid,
         -- a sequence a table owns moves with its table (and refuses an ALTER of its own)
         CASE c.relkind WHEN 'S' THEN '{a,i,e}' ELSE '{e}' END::"char"[]
  FROM pg_class c
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text, t.typowner,
         t.oid, '{e}'
  FROM pg_type t
  WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'c')
    AND t.typrelid = 0
  UNION ALL
  SELECT 'ROUTINE', p.oid::regprocedure::text, p.proowner, p.oid, '{e}'
  FROM pg_proc p
  WHERE p.pronamespace = 'public'::regnamespace
)
SELECT format('ALTER %s %s OWNER TO frota_app', kind, name)
FROM objects o
WHERE owner <> 'frota_app'::regrole
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = ANY (o.skip_dependency))
ORDER BY kind = 'SEQUENCE'
\gexec
