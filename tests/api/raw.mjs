// Raw HTTP/1.1 over node:net, for requests that fetch would normalise or refuse
// ("..", "%2e%2e", invalid UTF-8, huge headers, exact bytes) and for responses fetch
// would transform (gzip is decoded transparently by fetch).
//
//   const res = await raw(port, { method: 'GET', path: '/../etc/passwd' });
//   res.status, res.headers['content-type'], res.body (Buffer), res.text, res.json
//
//   const [a, b] = await rawMany(port, [buildRequest({path: '/healthz'}), ...]);
//     several requests written on ONE socket (keep-alive / pipelining); one response each.
//
// Responses are parsed by Content-Length, chunked transfer coding, or read-to-close;
// HEAD, 1xx, 204 and 304 responses have no body.
import net from 'node:net';

// Builds the exact bytes of a request. body may be a string or Buffer; Content-Length is
// added unless headers already set it, or chunked: true (then the body is sent chunked in
// pieces of chunkSize bytes), or noLength: true.
export function buildRequest({
  method = 'GET', path = '/', headers = {}, body, chunked = false, chunkSize = 16384,
  noLength = false, host = '127.0.0.1', version = 'HTTP/1.1',
} = {}) {
  const lines = [`${method} ${path} ${version}`];
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  if (!names.includes('host')) lines.push(`Host: ${host}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const b = body === undefined ? null : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (b && chunked) {
    lines.push('Transfer-Encoding: chunked');
  } else if (b && !noLength && !names.includes('content-length')) {
    lines.push(`Content-Length: ${b.length}`);
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  if (!b) return head;
  if (!chunked) return Buffer.concat([head, b]);
  const parts = [head];
  for (let i = 0; i < b.length; i += chunkSize) {
    const piece = b.subarray(i, i + chunkSize);
    parts.push(Buffer.from(piece.length.toString(16) + '\r\n'), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

// 1xx answers other than 101 are interim: the real answer to the request follows.
const isInterim = (s) => s >= 100 && s < 200 && s !== 101;
const NO_BODY_STATUS = (s) => (s >= 100 && s < 200) || s === 204 || s === 304;

// Tries to parse one response from buf. Returns { response, rest } or null if incomplete.
// atEnd: the peer closed, so a body without a length ends here.
export function parseResponse(buf, { head = false, atEnd = false } = {}) {
  const sep = buf.indexOf('\r\n\r\n');
  if (sep < 0) return null;
  const headText = buf.subarray(0, sep).toString('latin1');
  const [statusLine, ...headerLines] = headText.split('\r\n');
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
  const status = Number(m[2]);
  const headers = {};
  const headerList = [];
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`bad header line: ${JSON.stringify(line)}`);
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headerList.push([k, v]);
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  }
  let pos = sep + 4;
  let body;
  const te = (headers['transfer-encoding'] || '').toLowerCase();
  if (head || NO_BODY_STATUS(status)) {
    body = Buffer.alloc(0);
  } else if (te.includes('chunked')) {
    const pieces = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol < 0) return null;
      const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0], 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      pos = eol + 2;
      if (size === 0) {
        // Trailers (ignored) end with an empty line.
        const end = buf.indexOf('\r\n\r\n', pos - 2);
        if (end < 0) return null;
        pos = end + 4;
        break;
      }
      if (buf.length < pos + size + 2) return null;
      pieces.push(buf.subarray(pos, pos + size));
      pos += size + 2;
    }
    body = Buffer.concat(pieces);
  } else if ('content-length' in headers) {
    const len = Number(headers['content-length']);
    if (buf.length < pos + len) return null;
    body = buf.subarray(pos, pos + len);
    pos += len;
  } else {
    if (!atEnd) return null;
    body = buf.subarray(pos);
    pos = buf.length;
  }
  const response = {
    version: m[1], status, statusText: m[3] ?? '', headers, headerList,
    body: Buffer.from(body),
    get text() { return this.body.toString('utf8'); },
    get json() {
      try { return JSON.parse(this.body.toString('utf8')); } catch { return undefined; }
    },
  };
  return { response, rest: buf.subarray(pos) };
}

// Sends request bytes on one new connection and reads one response per request.
// heads: array of booleans, true where the response answers a HEAD request.
// The promise resolves as soon as all responses are parsed (the socket is then closed),
// or when the peer closes after at least one response; it rejects on a connection error
// before any response (err.responses holds the ones that did arrive), and on timeout.
// `closed` tells whether the server closed the connection by itself.
export function rawMany(port, requests, { host = '127.0.0.1', timeout = 10000, heads = [], waitClose = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host });
    let buf = Buffer.alloc(0);
    const responses = [];
    let done = false;
    let closedByPeer = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) {
        err.responses = responses;
        reject(err);
      } else {
        resolve(Object.assign(responses, { closed: closedByPeer }));
      }
    };
    const timer = setTimeout(() => {
      if (responses.length && !waitClose) return finish();
      finish(new Error(`raw request timed out after ${timeout} ms with ${responses.length} responses`
        + ` and ${buf.length} unparsed bytes: ${buf.subarray(0, 200).toString('latin1')}`));
    }, timeout);
    const drain = (atEnd) => {
      for (;;) {
        if (!buf.length) return;
        let parsed;
        try {
          parsed = parseResponse(buf, { head: !!heads[responses.length], atEnd });
        } catch (e) {
          finish(e);
          return;
        }
        if (!parsed) return;
        buf = parsed.rest;
        if (isInterim(parsed.response.status)) continue; // 100 Continue etc.: the answer follows
        responses.push(parsed.response);
        if (responses.length >= requests.length && !waitClose) {
          finish();
          return;
        }
      }
    };
    sock.on('connect', () => {
      for (const r of requests) sock.write(r);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      drain(false);
    });
    sock.on('end', () => {
      closedByPeer = true;
      drain(true);
      if (!done) finish(responses.length ? undefined
        : new Error(`connection closed without a response (${buf.length} bytes: ${buf.subarray(0, 200).toString('latin1')})`));
    });
    sock.on('error', (e) => {
      // A server may answer (e.g. 413) and reset while we are still sending a body.
      drain(true);
      if (responses.length) {
        closedByPeer = true;
        finish();
      } else {
        finish(e);
      }
    });
  });
}

// One request on a new connection: raw(port, { method, path, headers, body, ... })
// or raw(port, Buffer) for exact bytes.
export async function raw(port, req, opts = {}) {
  const bytes = Buffer.isBuffer(req) ? req : buildRequest(req);
  const isHead = !Buffer.isBuffer(req) && req.method === 'HEAD';
  const [res] = await rawMany(port, [bytes], { heads: [isHead], ...opts });
  return res;
}

// Port of a server object from tests/lib/server.mjs (startServer or spawnServer).
export function portOf(srv) {
  return srv.port ?? Number(new URL(srv.url).port);
}

// One kept-alive connection, one request at a time:
//   const c = await RawConnection.open(port);
//   const r1 = await c.request({ path: '/healthz' });
//   const r2 = await c.request({ method: 'HEAD', path: '/api/v1/status' });
//   c.close();
// A request that fails rejects with an Error whose `code` is the socket error code (or
// 'EPEERCLOSED' when the server closed cleanly) and whose `bytesReceived` counts the
// response bytes that had arrived for it (0 = the server never started answering).
export class RawConnection {
  static open(port, { host = '127.0.0.1', timeout = 15000 } = {}) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host });
      const onErr = (e) => reject(e);
      sock.once('error', onErr);
      sock.once('connect', () => {
        sock.off('error', onErr);
        resolve(new RawConnection(sock, timeout));
      });
    });
  }

  constructor(sock, timeout) {
    this.sock = sock;
    this.timeout = timeout;
    this.buf = Buffer.alloc(0);
    this.pending = null; // { resolve, reject, head, timer }
    this.closed = false;
    this.error = null;
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this._drain(false);
    });
    sock.on('end', () => this._gone(null));
    sock.on('close', () => this._gone(null));
    sock.on('error', (e) => this._gone(e));
  }

  _drain(atEnd) {
    const p = this.pending;
    if (!p) return;
    let parsed;
    try {
      parsed = parseResponse(this.buf, { head: p.head, atEnd });
    } catch (e) {
      this._settle(null, e);
      return;
    }
    if (!parsed) return;
    this.buf = Buffer.from(parsed.rest);
    if (isInterim(parsed.response.status)) {
      this._drain(atEnd); // 100 Continue etc.: the answer follows
      return;
    }
    this._settle(parsed.response, null);
  }

  _settle(res, err) {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(res);
  }

  _gone(e) {
    if (this.closed) return;
    this.closed = true;
    this.error = e;
    this._drain(true);
    if (this.pending) {
      const err = new Error(e ? `connection error: ${e.code || e.message}` : 'server closed the connection');
      err.code = e ? (e.code || 'ECONNRESET') : 'EPEERCLOSED';
      err.bytesReceived = this.buf.length;
      err.partial = this.buf;
      this._settle(null, err);
    }
  }

  request(req, { head } = {}) {
    if (this.pending) return Promise.reject(new Error('RawConnection: one request at a time'));
    const bytes = Buffer.isBuffer(req) ? req : buildRequest(req);
    const isHead = head ?? (!Buffer.isBuffer(req) && req.method === 'HEAD');
    if (this.closed) {
      const err = new Error('connection already closed');
      err.code = 'EPEERCLOSED';
      err.bytesReceived = 0;
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new Error(`no response within ${this.timeout} ms (${this.buf.length} bytes received)`);
        err.code = 'ETIMEDOUT';
        err.bytesReceived = this.buf.length;
        this._settle(null, err);
      }, this.timeout);
      this.pending = { resolve, reject, head: isHead, timer };
      this.sock.write(bytes, (e) => { if (e) this._gone(e); });
    });
  }

  close() {
    this.closed = true;
    this.sock.destroy();
  }
}
