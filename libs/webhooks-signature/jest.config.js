module.exports = { ...require('../../jest.preset.js'), displayName: 'webhooks-signature', rootDir: __dirname };
