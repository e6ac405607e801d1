'use strict';

// Test server for the Affiliate.Sdk.S3 integration tests: s3rver (a file-backed S3 emulator) on a loopback port,
// plus the two multipart operations s3rver 3.7.1 answers with NotImplemented/MethodNotAllowed, implemented over its
// own uploads folder: AbortMultipartUpload and ListMultipartUploads. The tests need both to prove that an interrupted
// upload leaves nothing pending. Keys containing "fail-once-503" fail once per method with 503 SlowDown (retry tests).
//
// Usage: node --openssl-legacy-provider server.js --directory <dir> [--port 0] [--address 127.0.0.1] [--bucket name]...
// (s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.)
// Prints one JSON line {"port":N} on stdout once listening; exits when stdin closes (its parent is gone).

const fs = require('fs');
const path = require('path');
const S3rver = require('s3rver');

function parseArgs(argv) {
  const args = { directory: '', port: 0, address: '127.0.0.1', buckets: [] };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--directory': args.directory = value; i++; break;
      case '--port': args.port = Number(value); i++; break;
      case '--address': args.address = value; i++; break;
      case '--bucket': args.buckets.push(value); i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.directory) throw new Error('--directory is required');
  return args;
}

function xmlEscape(text) {
  return String(text).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}

function sendError(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
}

// Fault injection for retry tests: the first request of each method to a key containing "fail-once-503" gets a 503 SlowDown.
function transientFaults() {
  const failed = new Set();
  return async (ctx, next) => {
    if (ctx.path.includes('fail-once-503')) {
      const id = `${ctx.method} ${ctx.path}`;
      if (!failed.has(id)) {
        failed.add(id);
        return sendError(ctx, 503, 'SlowDown', 'Please reduce your request rate.');
      }
    }
    return next();
  };
}

// Path-style only: /<bucket>[/<key>].
function multipartExtras(server) {
  return async (ctx, next) => {
    const match = /^\/([^/]+)(?:\/(.*))?$/.exec(ctx.path);
    if (!match) return next();
    const bucket = decodeURIComponent(match[1]);
    const uploadsDir = server.store.getResourcePath(bucket, undefined, 'uploads');

    if (ctx.method === 'DELETE' && match[2] && ctx.query.uploadId !== undefined) {
      const uploadDir = path.join(uploadsDir, path.basename(String(ctx.query.uploadId)));
      if (!fs.existsSync(uploadDir)) {
        return sendError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      }
      fs.rmSync(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      return undefined;
    }

    if (ctx.method === 'GET' && !match[2] && ctx.query.uploads !== undefined) {
      if (!fs.existsSync(server.store.getBucketPath(bucket))) {
        return sendError(ctx, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
      }
      const prefix = String(ctx.query.prefix || '');
      const uploads = [];
      if (fs.existsSync(uploadsDir)) {
        for (const id of fs.readdirSync(uploadsDir)) {
          const keyFile = path.join(uploadsDir, id, 'key');
          if (!fs.existsSync(keyFile)) continue;
          const key = fs.readFileSync(keyFile, 'utf8');
          if (!key.startsWith(prefix)) continue;
          uploads.push({ key, id, initiated: fs.statSync(keyFile).mtime.toISOString() });
        }
      }
      uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const items = uploads
        .map(u => `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${u.id}</UploadId><Initiated>${u.initiated}</Initiated></Upload>`)
        .join('');
      ctx.status = 200;
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Bucket>${xmlEscape(bucket)}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads>` +
        `<IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`;
      return undefined;
    }

    return next();
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.directory, { recursive: true });
  const server = new S3rver({
    directory: args.directory,
    port: args.port,
    address: args.address,
    silent: true,
    configureBuckets: args.buckets.map(name => ({ name })),
  });
  // Koa composes its middleware when it starts listening: this runs before s3rver's router.
  server.middleware.unshift(transientFaults(), multipartExtras(server));
  const { port } = await server.run();
  process.stdout.write(`${JSON.stringify({ port })}\n`);

  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => process.exit(0));
}

main().catch(err => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
