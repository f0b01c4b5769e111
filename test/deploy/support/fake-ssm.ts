import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for SSM Parameter Store's GetParameter (the AWS JSON 1.1 protocol the SDK speaks),
// holding one SecureString. It records every request, so a test can see who asked for what.

export interface SsmRequest {
  target: string;
  body: { Name?: string; WithDecryption?: boolean };
  /** The SigV4 Authorization header: its credential scope names the region and the service. */
  authorization: string;
}

export async function startFakeSsm(parameters: Record<string, string>) {
  const requests: SsmRequest[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = raw ? JSON.parse(raw) : {};
      requests.push({ target, body, authorization: String(request.headers.authorization ?? '') });
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      const value = body.Name === undefined ? undefined : parameters[body.Name];
      if (target !== 'AmazonSSM.GetParameter' || value === undefined) {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'ParameterNotFound', message: `no parameter ${body.Name}` }));
        return;
      }
      response.end(
        JSON.stringify({
          Parameter: { Name: body.Name, Type: 'SecureString', Value: value, Version: 1, DataType: 'text' },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
