// Hive Gateway configuration for the customers subgraph's supergraph.
//
// Used by the end-to-end test (e2e.test.mjs) and for local runs:
//
//   GATEWAY_JWKS=/path/to/jwks.json GATEWAY_JWT_ISSUER=https://idp.example \
//   GATEWAY_JWT_AUDIENCE=cx-platform \
//   npx hive-gateway supergraph supergraph.graphql -c gateway.config.mjs --port 4000
//
// What it does:
// - JWT: every request carrying `Authorization: Bearer <jwt>` is verified (RS256 only)
//   against the public keys of a local JWKS file (GATEWAY_JWKS), with `iss`/`aud` checked
//   when GATEWAY_JWT_ISSUER / GATEWAY_JWT_AUDIENCE are set and `exp` checked when present.
//   A request with an invalid token is rejected (401) before planning. A request without
//   a token is let through so that introspection and fields without access rules answer;
//   `@authenticated` / `@requiresScopes` fields then refuse it.
// - Authorization: the generic-auth plugin in `protect-granular` mode reads the
//   `@authenticated` and `@requiresScopes` directives that the composer keeps in the
//   supergraph and checks them against the token's space-separated `scope` claim. An
//   operation that selects a field or type the caller may not see is refused as a whole
//   (UNAUTHORIZED_FIELD_OR_TYPE) during validation: no subgraph is called.
// - The caller's `Authorization` header is propagated to every subgraph: subgraphs verify
//   the token again and enforce the same rules themselves (PII masking happens there).
import fs from 'node:fs';
import { defineConfig } from '@graphql-hive/gateway';
import { exportSPKI, importJWK } from 'jose';

const jwksPath = process.env.GATEWAY_JWKS;
if (!jwksPath) {
  throw new Error('GATEWAY_JWKS must name the JWKS file (public keys) used to verify JWTs');
}

// kid -> PEM, reloaded when the JWKS file changes (key rotation without restart).
let cache = { mtimeMs: -1, keys: new Map(), first: undefined };
async function loadKeys() {
  const { mtimeMs } = fs.statSync(jwksPath);
  if (mtimeMs === cache.mtimeMs) return cache;
  const { keys = [] } = JSON.parse(fs.readFileSync(jwksPath, 'utf8'));
  const pems = new Map();
  for (const jwk of keys) {
    if (jwk.kty !== 'RSA' || (jwk.use && jwk.use !== 'sig')) continue;
    pems.set(jwk.kid ?? '', await exportSPKI(await importJWK(jwk, 'RS256')));
  }
  cache = { mtimeMs, keys: pems, first: pems.values().next().value };
  return cache;
}

// The JWT plugin asks for the key of the token's `kid`. An unknown or missing kid gets
// the first key of the set, so that the token fails signature verification (401) rather
// than the plugin's "authentication not available" server error.
async function signingKeyFromJwksFile(kid) {
  const { keys, first } = await loadKeys();
  return keys.get(kid ?? '') ?? first;
}

export const gatewayConfig = defineConfig({
  jwt: {
    signingKeyProviders: [signingKeyFromJwksFile],
    tokenVerification: {
      algorithms: ['RS256'],
      ...(process.env.GATEWAY_JWT_ISSUER ? { issuer: process.env.GATEWAY_JWT_ISSUER } : {}),
      ...(process.env.GATEWAY_JWT_AUDIENCE ? { audience: process.env.GATEWAY_JWT_AUDIENCE } : {}),
    },
    reject: { missingToken: false, invalidToken: true },
    // The raw Authorization header is propagated instead (below); do not also copy the
    // claims into the subgraph request's `extensions`.
    forward: { payload: false, token: false },
  },
  genericAuth: {
    mode: 'protect-granular',
    // the verified JWT payload (undefined without a token); scopes come from its `scope` claim
    resolveUserFn: (context) => context.jwt?.payload,
    extractScopes: (payload) =>
      typeof payload?.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    rejectUnauthenticated: true,
  },
  // Subscriptions reach the customers subgraph over graphql-ws (graphql-transport-ws) at
  // its /graphql (GATEWAY_CUSTOMERS_SUBSCRIPTIONS_URL overrides, e.g. to bypass a proxy),
  // carrying the caller's token in connection_init.
  transportEntries: {
    customers: {
      options: {
        subscriptions: {
          kind: 'ws',
          location: process.env.GATEWAY_CUSTOMERS_SUBSCRIPTIONS_URL ?? '/graphql',
          options: { connectionParams: { authorization: '{context.headers.authorization}' } },
        },
      },
    },
  },
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : {};
    },
  },
});
