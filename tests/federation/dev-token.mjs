// Development keys and tokens for running the supergraph locally (not for production).
//
//   node dev-token.mjs init [--dir .dev-keys]
//       writes DIR/private.jwk.json (RS256 private key, mode 0600) and DIR/jwks.json
//       (its public key with a kid): give jwks.json to the customers subgraph
//       (CUSTOMERS_JWKS) and to the router (ROUTER_JWKS_FILE / GATEWAY_JWKS).
//   node dev-token.mjs token [--dir .dev-keys] [--sub alice] [--scope "customers:read pii:read"]
//                            [--iss https://auth.cx.local/] [--aud cx-platform] [--ttl 1h]
//       prints a signed token.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: 'string', default: '.dev-keys' },
    sub: { type: 'string', default: 'dev-user' },
    scope: { type: 'string', default: 'customers:read' },
    iss: { type: 'string', default: 'https://auth.cx.local/' },
    aud: { type: 'string', default: 'cx-platform' },
    ttl: { type: 'string', default: '1h' },
  },
});
const cwd = process.env.INIT_CWD ?? process.cwd();
const dir = path.resolve(cwd, values.dir);
const privateFile = path.join(dir, 'private.jwk.json');

switch (positionals[0]) {
  case 'init': {
    fs.mkdirSync(dir, { recursive: true });
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `dev-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 8)}`;
    const pub = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const priv = { ...(await exportJWK(privateKey)), kid, alg: 'RS256' };
    fs.writeFileSync(privateFile, JSON.stringify(priv), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [pub] }, null, 2));
    console.error(`wrote ${path.join(dir, 'jwks.json')} and ${privateFile} (kid ${kid})`);
    break;
  }
  case 'token': {
    const jwk = JSON.parse(fs.readFileSync(privateFile, 'utf8'));
    const key = await importJWK(jwk, 'RS256');
    const token = await new SignJWT({ scope: values.scope })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
      .setSubject(values.sub)
      .setIssuer(values.iss)
      .setAudience(values.aud)
      .setIssuedAt()
      .setExpirationTime(values.ttl)
      .sign(key);
    process.stdout.write(`${token}\n`);
    break;
  }
  default:
    console.error('usage: node dev-token.mjs init|token [options] (see the header of this file)');
    process.exit(2);
}
