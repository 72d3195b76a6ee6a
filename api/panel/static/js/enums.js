// The server's enums (vehicle statuses, roles, fuel types, kinds…) from one source: the API's
// own OpenAPI document, whose enum schemas are the StrEnums behind the API. Fetched once per page
// load, before the first view renders; their labels stay in i18n.js, keyed by the value.
import { api } from './api.js';

let spec = null;
let loading = null;

/** Fetch `/openapi.json` once (again only after a failure). */
export function loadEnums() {
  loading ??= api(new URL('../openapi.json', location.href), { auth: false }).then(
    (document) => {
      spec = document;
    },
    (err) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

function valuesOf(schema, where) {
  const ref = schema?.$ref ?? schema?.anyOf?.find((s) => s.$ref || s.enum)?.$ref;
  const resolved = ref ? spec.components.schemas[ref.split('/').pop()] : (schema?.anyOf?.find((s) => s.enum) ?? schema);
  if (!Array.isArray(resolved?.enum)) throw new Error(`${where}: no enum in /openapi.json`);
  return resolved.enum;
}

/** The values of the OpenAPI's enum schema `name` (`VehicleStatus`), in the server's order. */
export const enumValues = (name) => valuesOf(spec?.components?.schemas?.[name], name);

/** The values a list's query parameter accepts (`'/audit', 'entity'`), declared inline or by name. */
export function parameterValues(path, name) {
  const operation = spec?.paths?.[`/api/v1${path}`]?.get;
  const parameter = operation?.parameters?.find((p) => p.name === name && p.in === 'query');
  return valuesOf(parameter?.schema, `GET ${path} ?${name}`);
}
