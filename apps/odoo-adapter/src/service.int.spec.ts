import { loadServiceConfig } from '@omnibus/service-kit';
import { describeStandardService } from '@omnibus/service-kit/testing';
import path from 'node:path';
import { odooAdapterConfigSchema } from './config';
import { odooAdapterService } from './service';

describeStandardService(odooAdapterService, { main: path.join(__dirname, 'main.ts'), tables: ['sync_cursors', 'outbox'] }, (service) => {
  it('reaches Odoo at the operator-contract default unless told otherwise', () => {
    expect(service().config).toMatchObject({ ODOO_URL: 'http://127.0.0.1:8069', ODOO_DATABASE: 'omnibus' });
  });

  it('a malformed ODOO_URL stops start-up naming it', () => {
    expect(() => loadServiceConfig('odoo-adapter', odooAdapterConfigSchema, { ODOO_URL: 'odoo:8069' })).toThrow(
      'odoo-adapter: invalid configuration: ODOO_URL is invalid (http(s) URL of the Odoo server), got "odoo:8069"',
    );
  });

  it('documents the Odoo webhook as public, with the payload its handler validates, and the re-sync with its scope', async () => {
    const document = (await (await service().request('/openapi.json')).json()) as any;
    const webhook = document.paths['/odoo/webhooks/{model}'].post;
    expect(webhook.security).toEqual([]);
    expect(webhook.requestBody.content['application/json'].schema.required).toEqual(['_id']);
    expect(webhook.parameters).toEqual([expect.objectContaining({ name: 'model', in: 'path' })]);
    expect(document.paths['/odoo/resync'].post.security).toEqual([{ bearerAuth: ['odoo:sync'] }]);
  });
});
