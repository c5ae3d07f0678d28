/**
 * Certificates for wss tests, made at test time with the openssl CLI (nothing
 * committed): a throw-away CA, a server certificate it signed for 127.0.0.1 and
 * localhost, and a self-signed "rogue" certificate for the same names that no
 * one trusts. The media node trusts the CA through STREAM_EXTRA_CA_FILE.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** PEM file of the CA, for STREAM_EXTRA_CA_FILE. */
  caFile: string;
  server: { cert: string; key: string };
  rogue: { cert: string; key: string };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const NAMES = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

export function generateTestPki(dir = mkdtempSync(join(tmpdir(), 'crier-pki-'))): TestPki {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', ...EC, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Crier Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...EC, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('server.ext'), `${NAMES}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('server.ext'));
  openssl('req', '-x509', ...EC, '-keyout', f('rogue.key'), '-out', f('rogue.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', NAMES);
  const read = (name: string) => readFileSync(f(name), 'utf8');
  return { dir, caFile: f('ca.pem'), server: { cert: read('server.pem'), key: read('server.key') }, rogue: { cert: read('rogue.pem'), key: read('rogue.key') } };
}
