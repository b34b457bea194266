// Stand-in for AWS (unreachable here): the EC2 instance metadata service (IMDSv2) and Secrets Manager's GetSecretValue, checking every SigV4 signature.
//
// What is real: the request the VM's fetch-secrets.sh makes with curl's own --aws-sigv4 signing. The stand-in
// verifies the signature as AWS documents it (canonical request → string to sign → HMAC chain from the secret key),
// so a wrong service, region, key or an unsigned header fails here as it would at AWS.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** What the stand-in serves: one role's temporary credentials and the secrets by id. */
export interface AwsStandInOptions {
  region: string;
  role: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  secrets: Record<string, string>;
}

/** A running stand-in: its base URL (IMDS and Secrets Manager on one port) and what it saw. */
export interface AwsStandIn {
  url: string;
  /** Every request, with a verdict: 'ok' or why it was refused. */
  log: Array<{ method: string; path: string; verdict: string }>;
  close(): Promise<void>;
}

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string): Buffer => createHmac('sha256', key).update(s).digest();

/** Why a SigV4-signed request is not valid for these credentials ('' when it is). */
export function sigv4Problem(req: IncomingMessage, body: Buffer, o: AwsStandInOptions, service: string): string {
  const auth = req.headers.authorization ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return `malformed Authorization header: ${auth}`;
  const [, keyId, date, region, svc, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== o.accessKeyId) return `unknown access key ${keyId}`;
  if (region !== o.region || svc !== service) return `credential scope ${region}/${svc}, expected ${o.region}/${service}`;
  if (req.headers['x-amz-security-token'] !== o.sessionToken) return 'missing or wrong x-amz-security-token';
  const names = signedHeaders!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return `host and x-amz-date must be signed: ${signedHeaders}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const [path, query = ''] = (req.url ?? '/').split('?');
  const canonicalQuery = query.split('&').filter(Boolean).sort().join('&');
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonical = [req.method, path, canonicalQuery, canonicalHeaders, signedHeaders, sha256(body)].join('\n');
  const scope = `${date}/${region}/${svc}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secretAccessKey}`, date!), region!), svc!), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  return expected === signature ? '' : 'signature does not match';
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startAwsStandIn(o: AwsStandInOptions): Promise<AwsStandIn> {
  const imdsToken = 'imds-session-token-0123';
  const log: AwsStandIn['log'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const send = (status: number, payload: string, verdict: string): void => {
        log.push({ method: req.method ?? '', path: req.url ?? '', verdict });
        res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'text/plain' }).end(payload);
      };
      const url = req.url ?? '';
      if (url.startsWith('/latest/')) {
        // IMDSv2 only (the instance sets http_tokens = "required"): PUT a session token, then present it.
        if (req.method === 'PUT' && url === '/latest/api/token') {
          if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return send(400, 'ttl header required', 'no ttl');
          return send(200, imdsToken, 'ok');
        }
        if (req.headers['x-aws-ec2-metadata-token'] !== imdsToken) return send(401, 'IMDSv2 token required', 'no imds token');
        if (url === '/latest/meta-data/iam/security-credentials/') return send(200, o.role, 'ok');
        if (url === `/latest/meta-data/iam/security-credentials/${o.role}`)
          return send(
            200,
            JSON.stringify({ Code: 'Success', AccessKeyId: o.accessKeyId, SecretAccessKey: o.secretAccessKey, Token: o.sessionToken }),
            'ok',
          );
        return send(404, 'not found', 'unknown metadata path');
      }
      // Secrets Manager's JSON protocol: POST / with X-Amz-Target.
      if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue')
        return send(400, '{"__type":"UnknownOperationException"}', `unexpected ${req.method} ${url} ${req.headers['x-amz-target']}`);
      const problem = sigv4Problem(req, body, o, 'secretsmanager');
      if (problem) return send(403, JSON.stringify({ __type: 'InvalidSignatureException', message: problem }), problem);
      const id = (JSON.parse(body.toString('utf8')) as { SecretId?: string }).SecretId ?? '';
      if (!(id in o.secrets)) return send(400, JSON.stringify({ __type: 'ResourceNotFoundException' }), `no secret ${id}`);
      return send(200, JSON.stringify({ Name: id, SecretString: o.secrets[id] }), 'ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise((ok) => server.close(() => ok())) };
}
