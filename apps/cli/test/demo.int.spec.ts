import { createServer } from 'node:net';
import { runOmnibus as omnibus } from '@omnibus/testing';

jest.setTimeout(30_000);

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('omnibus demo', () => {
  it('without a running platform says what to do and exits 1', async () => {
    const port = await closedPort();
    const result = await omnibus(['demo'], { ORDER_PORT: String(port) });
    expect(result).toEqual({
      code: 1,
      stdout: 'Omnibus demo: orders from a web shop to Odoo and back, through the outbox, Kafka and the Odoo adapter\n',
      stderr: `omnibus: demo failed: the order service does not answer at http://127.0.0.1:${port}: start the platform first with npx omnibus up (or npm start)\n`,
    });
  });
});
