// The server's enums (vehicle statuses, roles, fuel types, kinds…) from one source: the API's
// own OpenAPI document, whose enum schemas are the StrEnums behind the API. Fetched once per page
// load, before the first view renders; their labels stay in i18n.js, keyed by the value.
import { api } from './api.js';

let spec = null;
let loading = null;

/** Fetch `/openapi.json` once (again only after a failure). */
export function loadEnums() {
  loading ??= api(new URL('../openapi.json', location.href), { auth: false }).then(
    (openapi) => {
      spec = openapi;
    },
    (err) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

/** The enum of a schema: its own, the component's it names (`$ref`), or its `anyOf`'s (optional). */
function enumOf(schema, where) {
  for (const option of schema?.anyOf ?? [schema]) {
    const target = option?.$ref ? spec.components.schemas[option.$ref.split('/').pop()] : option;
    if (Array.isArray(target?.enum)) return target.enum;
  }
  throw new Error(`${where}: no enum in /openapi.json`);
}

/** The values of the OpenAPI's enum schema `name` (`VehicleStatus`), in the server's order. */
export const enumValues = (name) => enumOf(spec?.components?.schemas?.[name], name);

/** The values a list's query parameter accepts (`'/audit', 'entity'`), declared inline or by name. */
export function parameterValues(path, name) {
  const operation = spec?.paths?.[`/api/v1${path}`]?.get;
  const parameter = operation?.parameters?.find((p) => p.name === name && p.in === 'query');
  return enumOf(parameter?.schema, `GET ${path} ?${name}`);
}

/** The values a field of a schema accepts (`'WebhookCreate', 'events'`), a list's items' too. */
export function fieldValues(schemaName, field) {
  const property = spec?.components?.schemas?.[schemaName]?.properties?.[field];
  return enumOf(property?.type === 'array' ? property.items : property, `${schemaName}.${field}`);
}
