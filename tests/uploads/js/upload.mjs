// Upload one file with tus-js-client as a phone's browser would: the whole file in one PATCH,
// retried (HEAD for the offset, then PATCH from there) when the connection drops.
// Usage: node upload.mjs ENDPOINT TOKEN FILE METADATA_JSON. Prints one JSON line.
import { readFileSync } from "node:fs";
import * as tus from "tus-js-client";

const [endpoint, token, file, metadataJson] = process.argv.slice(2);
const data = readFileSync(file);
let photoLocation = null;
let errors = 0;
const upload = new tus.Upload(data, {
  endpoint,
  headers: { Authorization: `Bearer ${token}` },
  metadata: JSON.parse(metadataJson),
  retryDelays: [500, 1000, 2000, 4000],
  removeFingerprintOnSuccess: true,
  onShouldRetry: () => { errors += 1; return true; },
  onAfterResponse: (_req, res) => {
    photoLocation = res.getHeader("Photo-Location") || photoLocation;
  },
  onError: (error) => {
    console.log(JSON.stringify({ ok: false, error: String(error), errors }));
    process.exit(1);
  },
  onSuccess: () => {
    console.log(JSON.stringify({ ok: true, url: upload.url, photoLocation, errors }));
  },
});
upload.start();
