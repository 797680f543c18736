// The SCRAM identities of the local broker when KAFKA_SECURITY=scram (see kafka.sh and infra/README.md).
//   node credentials.js ensure <file> <user>...   adds a random password for each missing user; prints the added ones
//   node credentials.js list <file>               prints "<user> <password>" lines
// The file is created readable by its owner only (0600) and lives under .omnibus/, which git ignores.
const crypto = require('node:crypto');
const fs = require('node:fs');

const MECHANISM = 'SCRAM-SHA-512';

function read(file) {
  if (!fs.existsSync(file)) return { mechanism: MECHANISM, users: {} };
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { mechanism: parsed.mechanism ?? MECHANISM, users: parsed.users ?? {} };
}

function ensure(file, users) {
  const credentials = read(file);
  const added = users.filter((user) => !credentials.users[user]);
  // Hex keeps the passwords free of characters that need quoting in JAAS lines and in --add-scram.
  for (const user of added) credentials.users[user] = crypto.randomBytes(24).toString('hex');
  if (added.length || !fs.existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, file);
  }
  fs.chmodSync(file, 0o600);
  if (added.length) process.stdout.write(`${added.join(' ')}\n`);
}

function list(file) {
  if (!fs.existsSync(file)) throw new Error(`no credentials at ${file}`);
  for (const [user, password] of Object.entries(read(file).users)) process.stdout.write(`${user} ${password}\n`);
}

const [command, file, ...users] = process.argv.slice(2);
try {
  if (command === 'ensure' && file) ensure(file, users);
  else if (command === 'list' && file) list(file);
  else throw new Error('usage: credentials.js ensure <file> <user>... | list <file>');
} catch (error) {
  process.stderr.write(`kafka: ${error.message}\n`);
  process.exit(1);
}
