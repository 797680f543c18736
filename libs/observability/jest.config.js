const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'observability',
  rootDir: __dirname,
  // The OTLP exporter loads node:http with import(), which Jest's CommonJS runtime cannot run without
  // --experimental-vm-modules; SWC turns that import() into require() for this one package.
  transform: {
    ...preset.transform,
    '/@opentelemetry/otlp-exporter-base/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['^(?!.*/@opentelemetry/otlp-exporter-base/).*/node_modules/'],
};
