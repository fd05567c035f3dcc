// The GraphQL over HTTP conformance audit (npm graphql-http's `auditServer`) against a
// running server: prints every result and exits 1 on any MUST failure (error) or SHOULD
// warning (warn). MAY results that fail are printed as notices and do not fail the run.
//
//   GRAPHQL_HTTP_URL=http://127.0.0.1:4001/graphql node tests/graphql-http/audit.mjs
//
// GRAPHQL_HTTP_TOKEN, when set, is sent as a bearer token with every request.
import { auditServer } from 'graphql-http';

const url = process.env.GRAPHQL_HTTP_URL;
if (!url) {
  console.error('GRAPHQL_HTTP_URL is not set (e.g. http://127.0.0.1:4001/graphql)');
  process.exit(2);
}
const token = process.env.GRAPHQL_HTTP_TOKEN;

/** `fetch`, with the bearer token when one is given. */
function fetchFn(input, init = {}) {
  if (!token) return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const label = { ok: 'ok    ', notice: 'notice', warn: 'WARN  ', error: 'ERROR ' };
for (const result of results) {
  counts[result.status] += 1;
  let line = `${label[result.status]} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    const body = await result.response.text().catch(() => '');
    const type = result.response.headers.get('content-type') ?? '-';
    line += `\n         ${result.reason} (got ${result.response.status}, ${type}): ${body.slice(0, 300)}`;
  }
  console.log(line);
}
console.log(
  `\n${results.length} audits: ${counts.ok} ok, ${counts.error} MUST failures, ` +
    `${counts.warn} SHOULD warnings, ${counts.notice} MAY notices`,
);
process.exit(counts.error + counts.warn > 0 ? 1 : 0);
