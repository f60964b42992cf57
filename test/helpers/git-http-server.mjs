/**
 * A real git smart HTTP server for tests: git's own `git http-backend` CGI
 * behind Node's http module, on 127.0.0.1 at a random port. It runs as its
 * own process (tests call fv synchronously, which would block a server in
 * the test process) and prints `port <n>` once listening.
 *
 * Usage: node git-http-server.mjs <project-root> [<user>:<password>]
 * With credentials, every request needs HTTP basic auth with exactly them
 * (401 otherwise), and the CGI sees REMOTE_USER.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';

const [root, creds] = process.argv.slice(2);
if (!root) {
  process.stderr.write('usage: git-http-server.mjs <project-root> [user:password]\n');
  process.exit(2);
}
const expected = creds ? 'Basic ' + Buffer.from(creds).toString('base64') : null;

const server = http.createServer((req, res) => {
  if (expected !== null && req.headers.authorization !== expected) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fv-test"', 'Content-Type': 'text/plain' });
    res.end('authentication required\n');
    req.resume();
    return;
  }
  const url = new URL(req.url, 'http://127.0.0.1');
  const env = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: root,
    ...(req.headers['content-length'] !== undefined ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] !== undefined ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    ...(req.headers['git-protocol'] !== undefined ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
    ...(expected !== null ? { REMOTE_USER: creds.split(':')[0] } : {}),
  };
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  cgi.stderr.on('data', (d) => process.stderr.write(d));
  // The CGI answers with headers, a blank line, then the body.
  let head = Buffer.alloc(0);
  let headerDone = false;
  cgi.stdout.on('data', (chunk) => {
    if (headerDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sep = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sep = 2;
    }
    if (end < 0) return;
    headerDone = true;
    let status = 200;
    const headers = {};
    for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = parseInt(v, 10);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + sep));
  });
  cgi.on('close', () => {
    if (!headerDone) {
      res.writeHead(500);
    }
    res.end();
  });
  cgi.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
