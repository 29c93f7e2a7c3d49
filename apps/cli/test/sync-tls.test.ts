import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { runCliAsync } from './async-cli.js';

// Reliability row 40: a self-signed server certificate fails by default, works with NODE_EXTRA_CA_CERTS,
// and NODE_TLS_REJECT_UNAUTHORIZED=0 draws a warning.
let server: Server;
let url: string;
let certDir: string;

beforeAll(async () => {
  certDir = tempDir();
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      path.join(certDir, 'key.pem'),
      '-out',
      path.join(certDir, 'cert.pem'),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(path.join(certDir, 'key.pem')), cert: readFileSync(path.join(certDir, 'cert.pem')) },
    (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access: 'tls-access-token', refresh: 'tls-refresh-token' }));
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  cleanupTempDirs();
});

describe('TLS to the sync server', () => {
  it('refuses an untrusted certificate and explains NODE_EXTRA_CA_CERTS; trusts it with the CA', async () => {
    const home = tempDir();
    const env = { HOME: home, NODE_EXTRA_CA_CERTS: '', NODE_TLS_REJECT_UNAUTHORIZED: '' };
    expect((await runCliAsync(['sync', 'server', url], { env })).code).toBe(0);
    const refused = await runCliAsync(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], { env, input: 'pw\n' });
    expect(refused.code).toBe(4);
    const err = (JSON.parse(refused.stdout) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('SERVER_UNREACHABLE');
    expect(err.message).toMatch(/TLS certificate is not trusted/);
    expect(err.message).toContain('NODE_EXTRA_CA_CERTS');
    const trusted = await runCliAsync(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], {
      env: { ...env, NODE_EXTRA_CA_CERTS: path.join(certDir, 'cert.pem') },
      input: 'pw\n',
    });
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.stdout)).toMatchObject({ username: 'ada', server_url: url });
  });

  it('warns when certificate checks are turned off', async () => {
    const home = tempDir();
    const r = await runCliAsync(['sync', 'status'], { env: { HOME: home, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    expect(r.stderr).toContain('NODE_TLS_REJECT_UNAUTHORIZED=0 is set');
  });
});
