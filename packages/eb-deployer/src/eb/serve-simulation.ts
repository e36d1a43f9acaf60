import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EbSimulation } from './simulation.js';

/**
 * The simulation as an HTTP stand-in of Elastic Beanstalk's query API (form-encoded POSTs, XML answers),
 * so a bin in another process reaches it through `AWS_ENDPOINT_URL_ELASTIC_BEANSTALK`, as a user's would
 * reach AWS. Lists are `<member>` elements and errors `<ErrorResponse>`, as the API returns them.
 */
export interface ServedEbSimulation {
  /** `http://127.0.0.1:PORT`: the value of `AWS_ENDPOINT_URL_ELASTIC_BEANSTALK`. */
  readonly endpoint: string;
  /** Every action asked for, in order. */
  readonly actions: string[];
  close(): Promise<void>;
}

export async function serveEbSimulation(simulation: EbSimulation): Promise<ServedEbSimulation> {
  const handlers = simulation.handlers() as Record<string, (input: unknown) => unknown>;
  const actions: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const action = form.get('Action') ?? '';
    actions.push(action);
    const handler = handlers[`${action}Command`];
    const reply = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'text/xml' });
      response.end(body);
    };
    if (!handler) {
      reply(400, errorXml('InvalidAction', `The action ${action} is not valid for this web service.`));
      return;
    }
    try {
      const result = await handler(parseQuery(form));
      reply(
        200,
        `<${action}Response xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><${action}Result>${toXml(result)}</${action}Result><ResponseMetadata><RequestId>sim-${actions.length}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (error) {
      const { name, message, $metadata } = error as {
        name: string;
        message: string;
        $metadata?: { httpStatusCode?: number };
      };
      reply($metadata?.httpStatusCode ?? 400, errorXml(name, message));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    actions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** `EnvironmentNames.member.1=a&…` back into `{ EnvironmentNames: ['a'] }`; dates and booleans as the SDK sends them. */
function parseQuery(form: URLSearchParams): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const list = /^(\w+)\.member\.(\d+)$/.exec(key);
    if (list) {
      const name = list[1] as string;
      const items = (input[name] as string[] | undefined) ?? [];
      items[Number(list[2]) - 1] = value;
      input[name] = items;
      continue;
    }
    const nested = /^(\w+)\.(\w+)$/.exec(key);
    if (nested) {
      const parent = (input[nested[1] as string] as Record<string, unknown> | undefined) ?? {};
      parent[nested[2] as string] = value;
      input[nested[1] as string] = parent;
      continue;
    }
    input[key] =
      value === 'true'
        ? true
        : value === 'false'
          ? false
          : /^\d{4}-\d\d-\d\dT/.test(value)
            ? new Date(value)
            : /^\d+$/.test(value) && key === 'MaxRecords'
              ? Number(value)
              : value;
  }
  return input;
}

function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => `<${key}>${toXml(item)}</${key}>`)
      .join('');
  }
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${toXml(message)}</Message></Error><RequestId>sim-error</RequestId></ErrorResponse>`;
}
