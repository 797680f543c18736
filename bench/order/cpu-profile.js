// Preloaded into a benchmarked service (NODE_OPTIONS=--require …, since --cpu-prof is not allowed in
// NODE_OPTIONS): profiles the process from start to exit and writes a .cpuprofile (Chrome DevTools,
// speedscope) into CPU_PROFILE_DIR. The main thread's inspector session answers synchronously, so
// the profile can be taken in the 'exit' handler.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    writeFileSync(path.join(process.env.CPU_PROFILE_DIR ?? '.', `order-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
