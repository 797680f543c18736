import { Deserializer } from '@foxglove/xmlrpc';
import { decodeMethodResponse, encodeMethodCall, toOdooDatetime } from './xmlrpc-codec';

// Replies below were produced by CPython's xmlrpc.client.dumps, which is what Odoo's marshaller uses.
const SEARCH_READ_REPLY =
  "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>id</name>\n<value><int>7</int></value>\n</member>\n<member>\n<name>name</name>\n<value><string>Café &amp; &lt;Co&gt;</string></value>\n</member>\n<member>\n<name>active</name>\n<value><boolean>0</boolean></value>\n</member>\n<member>\n<name>list_price</name>\n<value><double>12.5</double></value>\n</member>\n<member>\n<name>qty</name>\n<value><double>3.0</double></value>\n</member>\n<member>\n<name>categ_id</name>\n<value><array><data>\n<value><int>2</int></value>\n<value><string>All</string></value>\n</data></array></value>\n</member>\n<member>\n<name>tag_ids</name>\n<value><array><data>\n</data></array></value>\n</member>\n<member>\n<name>write_date</name>\n<value><string>2024-05-01 10:00:00</string></value>\n</member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n";
const INTEGRITY_FAULT =
  "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>2</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>The operation cannot be completed: duplicate key</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
const LEGACY_MISSING_FAULT =
  "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><string>warning -- MissingError\n\nRecord does not exist or has been deleted.</string></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>None</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";

describe('XML-RPC codec', () => {
  it('encodes an execute_kw call the way Python reads it back', () => {
    const xml = encodeMethodCall('execute_kw', ['shop', 2, 'key', 'sale.order', 'create', [{ name: 'A&B <1>', qty: 1.5, confirmed: true }], {}]);
    expect(xml).toContain('<methodName>execute_kw</methodName>');
    expect(xml).toContain('<int>2</int>');
    expect(xml).toContain('<double>1.5</double>');
    expect(xml).toContain('<boolean>1</boolean>');
    // Markup-sensitive text is escaped or wrapped in CDATA, never sent raw.
    expect(xml).not.toMatch(/<string>A&B <1><\/string>/);
    expect(xml).toMatch(/<string>(<!\[CDATA\[A&B <1>\]\]>|A&amp;B &lt;1&gt;)<\/string>/);
  });

  it('drops undefined members instead of sending an empty value Odoo would store as ""', () => {
    const xml = encodeMethodCall('execute_kw', [{ name: 'x', note: undefined }]);
    expect(xml).toContain('<name>name</name>');
    expect(xml).not.toContain('<name>note</name>');
  });

  it('sends dates as Odoo datetime strings (UTC, no T, no fraction)', () => {
    const when = new Date(Date.UTC(2024, 4, 1, 10, 0, 0, 123));
    expect(toOdooDatetime(when)).toBe('2024-05-01 10:00:00');
    expect(encodeMethodCall('m', [{ date_order: when }])).toContain('<string>2024-05-01 10:00:00</string>');
  });

  it('encodes x2many command tuples as nested arrays', async () => {
    const commands = [[0, 0, { product_id: 5, name: 'line' }], [6, 0, [1, 2]], [5, 0, 0]];
    const xml = encodeMethodCall('execute_kw', [commands]);
    expect(await new Deserializer().deserializeMethodCall(xml)).toEqual(['execute_kw', [commands]]);
  });

  it('decodes a search_read reply: structs, many2one pairs, empty x2many, false for empty', async () => {
    expect(await decodeMethodResponse(SEARCH_READ_REPLY)).toEqual({
      ok: true,
      value: [{ id: 7, name: 'Café & <Co>', active: false, list_price: 12.5, qty: 3, categ_id: [2, 'All'], tag_ids: [], write_date: '2024-05-01 10:00:00' }],
    });
  });

  it('decodes faults with integer codes', async () => {
    expect(await decodeMethodResponse(INTEGRITY_FAULT)).toEqual({ ok: false, faultCode: 2, faultString: 'The operation cannot be completed: duplicate key' });
  });

  it('keeps the string fault codes of the legacy /xmlrpc endpoints', async () => {
    expect(await decodeMethodResponse(LEGACY_MISSING_FAULT)).toEqual({
      ok: false,
      faultCode: 'warning -- MissingError\n\nRecord does not exist or has been deleted.',
      faultString: 'None',
    });
  });

  it('rejects a reply that is not XML-RPC', async () => {
    await expect(decodeMethodResponse('<html>Bad Gateway</html>')).rejects.toThrow();
  });
});
