import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/**
 * DynamoDB is dynalite (a real DynamoDB implementation on an in-memory LevelDB), never hand-written. It
 * listens on its own loopback port (for AWS_ENDPOINT_URL_DYNAMODB); the main endpoint also forwards
 * `DynamoDB_20120810.*` requests to it so a plain AWS_ENDPOINT_URL reaches it too.
 */
export interface DynamoBackend {
  readonly url: string;
  forward(request: ForwardedRequest): Promise<ForwardedResponse>;
  close(): Promise<void>;
}

export interface ForwardedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface ForwardedResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** The error code of a DynamoDB JSON error body (`com.amazonaws.dynamodb.v20120810#Code` to `Code`). */
export function dynamoErrorCode(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { __type?: unknown };
    if (typeof parsed.__type !== 'string') return undefined;
    return parsed.__type.slice(parsed.__type.lastIndexOf('#') + 1);
  } catch {
    return undefined;
  }
}

export async function startDynamo(host: string): Promise<DynamoBackend> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    forward(incoming) {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string | string[] | undefined> = {
          ...incoming.headers,
          host: `${host}:${port}`,
          'content-length': String(incoming.body.length),
        };
        delete headers.connection;
        delete headers['transfer-encoding'];
        const outgoing = httpRequest(
          { host, port, method: incoming.method, path: incoming.path, headers },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 500, headers: response.headers, body: Buffer.concat(chunks) }),
            );
          },
        );
        outgoing.on('error', reject);
        outgoing.end(incoming.body);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
