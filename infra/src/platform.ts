import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaClientConfig } from '@omnibus/service-kit/kafka';
import { loadCatalogue, cataloguePath } from './catalogue';
import { checkReady, Readiness } from './health';
import { ensureKafka, isKafkaReachable, kafkaSettingsFromEnv, stopKafka } from './kafka';
import { appKafkaIdentity, secureLocalKafka } from './kafka-security';
import { isPortFree } from './net';
import { logsDir, omnibusHome, repoRoot, runDir } from './paths';
import {
  ensureDatabases,
  ensurePostgres,
  isPostgresReachable,
  platformDatabases,
  postgresServerFromEnv,
  PostgresServer,
  stopEmbeddedPostgres,
} from './postgres';
import { runningPid, startDetached, stopProcessGroup, tail, waitUntil } from './processes';
import {
  availableServices,
  localEndpoints,
  serviceDatabases,
  serviceEntryPoint,
  serviceEnvironment,
  servicePort,
  serviceUrl,
  ServiceDefinition,
  SERVICES,
} from './services';
import { applyTopics, describePlan, TopicPlan, topicSpecOptionsFromEnv, topicSpecs } from './topics';
import { devWebhookSecrets } from './webhook-secrets';

/** What `up` started, so that `down` stops exactly that and nothing it found already running. */
export interface UpState {
  kafka?: { brokers: string[]; startedByUp: boolean };
  postgres?: { server: PostgresServer; source: 'external' | 'embedded'; startedByUp: boolean };
}

export interface PlatformContext {
  root: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

export function platformContext(env: NodeJS.ProcessEnv = process.env): PlatformContext {
  return { root: repoRoot, home: omnibusHome(env), env };
}

const stateFile = (ctx: PlatformContext) => path.join(runDir(ctx.home), 'up.json');
export const appPidFile = (ctx: PlatformContext, name: string) => path.join(runDir(ctx.home), `${name}.pid`);
export const appLogFile = (ctx: PlatformContext, name: string) => path.join(logsDir(ctx.home), `${name}.log`);

export function readUpState(ctx: PlatformContext): UpState {
  try {
    return JSON.parse(fs.readFileSync(stateFile(ctx), 'utf8')) as UpState;
  } catch {
    return {};
  }
}

function writeUpState(ctx: PlatformContext, state: UpState): void {
  fs.mkdirSync(runDir(ctx.home), { recursive: true });
  fs.writeFileSync(stateFile(ctx), `${JSON.stringify(state, null, 2)}\n`);
}

export type Progress = (step: string, message: string) => void;

export interface InfraReady {
  kafkaBrokers: string[];
  postgres: PostgresServer;
  topics: TopicPlan[];
}

/** Applies schemas/catalogue.yaml (or OMNIBUS_CATALOGUE) to the broker; see applyTopics. */
export async function applyCatalogueTopics(brokers: string[], env: NodeJS.ProcessEnv = process.env): Promise<TopicPlan[]> {
  const specs = topicSpecs(loadCatalogue(cataloguePath(env)), topicSpecOptionsFromEnv(env));
  const admin = new Kafka(kafkaClientConfig(env, { clientId: 'omnibus-cli', brokers, logLevel: logLevel.NOTHING })).admin();
  await admin.connect();
  try {
    return await applyTopics(admin, specs);
  } finally {
    await admin.disconnect();
  }
}

/** Kafka + PostgreSQL + databases + topics. Each step is idempotent. */
export async function upInfrastructure(ctx: PlatformContext, progress: Progress = () => undefined): Promise<InfraReady> {
  const state = readUpState(ctx);

  progress('postgres', 'checking…');
  const pg = await ensurePostgres({
    env: ctx.env,
    home: ctx.home,
    beforeStart: (server) => {
      progress('postgres', `no server answers; starting embedded PostgreSQL on ${server.host}:${server.port}…`);
      writeUpState(ctx, { ...state, postgres: { server, source: 'embedded', startedByUp: true } });
    },
  });
  state.postgres = {
    server: pg.server,
    source: pg.source,
    startedByUp: pg.startedNow || (state.postgres?.startedByUp === true && pg.source === 'embedded'),
  };
  writeUpState(ctx, state);
  progress('postgres', `${pg.source === 'embedded' ? (pg.startedNow ? 'started embedded' : 'embedded') : 'using'} ${pg.server.host}:${pg.server.port}`);

  const databases = await ensureDatabases(pg.server, platformDatabases(serviceDatabases(), ctx.env));
  progress('databases', databases.created.length ? `created ${databases.created.join(', ')}` : `${databases.existing.length} present`);

  const kafkaSettings = { ...kafkaSettingsFromEnv(ctx.env), home: ctx.home };
  progress('kafka', `checking ${kafkaSettings.brokers.join(',')}…`);
  const kafka = await ensureKafka(kafkaSettings, {
    onLine: (line) => progress('kafka', line.replace(/^kafka: /, '')),
    beforeStart: () => writeUpState(ctx, { ...state, kafka: { brokers: kafkaSettings.brokers, startedByUp: true } }),
  });
  state.kafka = { brokers: kafka.brokers, startedByUp: kafka.startedNow || state.kafka?.startedByUp === true };
  writeUpState(ctx, state);
  progress('kafka', `${kafka.startedNow ? 'started' : 'using'} ${kafka.brokers.join(',')}`);

  // KAFKA_SECURITY=scram: ACLs first (as the broker identity), then topics as `admin`.
  const plans = await applyCatalogueTopics(kafka.brokers, await secureLocalKafka(kafka.brokers, ctx.env, ctx.home, progress));
  const created = plans.filter((p) => p.create).length;
  const changed = plans.filter((p) => !p.create && (p.addPartitions || p.configChanges.length)).length;
  progress('topics', `${plans.length} in catalogue: ${created} created, ${changed} updated`);
  for (const plan of plans.filter((p) => !p.create && p.status !== 'ok')) progress('topics', `${plan.spec.name}: ${describePlan(plan)}`);

  return { kafkaBrokers: kafka.brokers, postgres: pg.server, topics: plans };
}

export interface AppStatus {
  name: string;
  url: string;
  pid?: number;
  readiness: Readiness;
}

/** Starts the apps that exist, tier by tier, each tier waiting for readiness before the next starts. */
export async function upApps(
  ctx: PlatformContext,
  infra: Pick<InfraReady, 'kafkaBrokers' | 'postgres'>,
  options: { timeoutMs: number; only?: string[] },
  progress: Progress = () => undefined,
): Promise<AppStatus[]> {
  const endpoints = localEndpoints(infra.kafkaBrokers, infra.postgres, devWebhookSecrets(ctx.home, ctx.env), ctx.env);
  const services = availableServices(ctx.root).filter((s) => !options.only || options.only.includes(s.name));
  const tiers = [...new Set(services.map((s) => s.tier))].sort();
  const deadline = Date.now() + options.timeoutMs;
  for (const tier of tiers) {
    const wave = services.filter((s) => s.tier === tier);
    for (const service of wave) await startApp(ctx, service, endpoints, progress);
    await Promise.all(wave.map((service) => waitForApp(ctx, service, deadline, progress)));
  }
  return appStatuses(ctx);
}

async function startApp(
  ctx: PlatformContext,
  service: ServiceDefinition,
  endpoints: ReturnType<typeof localEndpoints>,
  progress: Progress,
): Promise<void> {
  const pidFile = appPidFile(ctx, service.name);
  const pid = runningPid(pidFile);
  const port = servicePort(service, ctx.env);
  if (pid) {
    progress(service.name, `already running (pid ${pid})`);
    return;
  }
  if (!(await isPortFree(port))) {
    throw new Error(`${service.name}: port ${port} is taken by another process (stop it, or set ${service.portEnv})`);
  }
  const started = startDetached({
    command: process.execPath,
    args: ['-r', require.resolve('@swc-node/register'), serviceEntryPoint(service, ctx.root)],
    cwd: ctx.root,
    env: {
      ...ctx.env,
      SWC_NODE_PROJECT: path.join(fs.existsSync(path.join(ctx.root, 'tsconfig.json')) ? ctx.root : repoRoot, 'tsconfig.json'),
      ...serviceEnvironment(service, endpoints, port),
      ...appKafkaIdentity(ctx.home, endpoints.kafkaBrokers.split(','), service.name),
    },
    logFile: appLogFile(ctx, service.name),
    pidFile,
  });
  progress(service.name, `starting on :${port} (pid ${started}, log ${path.relative(process.cwd(), appLogFile(ctx, service.name))})`);
}

async function waitForApp(ctx: PlatformContext, service: ServiceDefinition, deadline: number, progress: Progress): Promise<void> {
  const url = serviceUrl(service, ctx.env);
  const pidFile = appPidFile(ctx, service.name);
  let last: Readiness = { ready: false, detail: 'not started' };
  try {
    await waitUntil(
      async () => {
        if (!runningPid(pidFile)) {
          throw new Error(`${service.name} exited during start-up; its log ends with:\n${tail(appLogFile(ctx, service.name))}`);
        }
        last = await checkReady(url);
        return last.ready;
      },
      { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 300, what: `${service.name} to be ready` },
    );
  } catch (error) {
    if ((error as Error).message.startsWith('timed out')) {
      throw new Error(`${service.name} was not ready in time (${last.detail}); see ${appLogFile(ctx, service.name)}`);
    }
    throw error;
  }
  progress(service.name, `ready at ${url}`);
}

/** Every app of the table that exists here: its URL, pid if running, and what /health/ready says. */
export async function appStatuses(ctx: PlatformContext): Promise<AppStatus[]> {
  return Promise.all(
    availableServices(ctx.root).map(async (service) => {
      const url = serviceUrl(service, ctx.env);
      const pid = runningPid(appPidFile(ctx, service.name));
      return { name: service.name, url, pid, readiness: await checkReady(url) };
    }),
  );
}

export interface InfraStatus {
  kafka: { brokers: string[]; up: boolean; ours: boolean };
  postgres: { server: PostgresServer; up: boolean; source: 'external' | 'embedded' | 'unknown' };
}

export async function infraStatus(ctx: PlatformContext): Promise<InfraStatus> {
  const state = readUpState(ctx);
  const brokers = state.kafka?.brokers ?? kafkaSettingsFromEnv(ctx.env).brokers;
  const server = state.postgres?.server ?? postgresServerFromEnv(ctx.env);
  const [kafkaUp, pgUp] = await Promise.all([isKafkaReachable(brokers), isPostgresReachable(server).catch(() => false)]);
  return {
    kafka: { brokers, up: kafkaUp, ours: state.kafka?.startedByUp === true },
    postgres: { server, up: pgUp, source: state.postgres?.source ?? 'unknown' },
  };
}

/**
 * Stops every app with a pid file under .omnibus/run, then Kafka and the embedded PostgreSQL only
 * if `up` started them. Never stops a broker or server that was running before `up`.
 */
export async function downPlatform(ctx: PlatformContext, progress: Progress = () => undefined): Promise<void> {
  // Last tier first (apps before what they depend on); the apps of one tier stop together.
  const tiers = [...new Set(SERVICES.map((s) => s.tier))].sort().reverse();
  const known = new Set(SERVICES.map((s) => s.name));
  const strays = fs.existsSync(runDir(ctx.home))
    ? fs.readdirSync(runDir(ctx.home)).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4)).filter((n) => !known.has(n))
    : [];
  const waves = [...tiers.map((tier) => SERVICES.filter((s) => s.tier === tier).map((s) => s.name)), strays];
  for (const wave of waves) {
    await Promise.all(
      wave.map(async (name) => {
        const pidFile = appPidFile(ctx, name);
        const pid = runningPid(pidFile);
        if (pid) {
          const outcome = await stopProcessGroup(pid);
          progress(name, outcome === 'killed' ? `did not stop in time; killed (pid ${pid})` : `stopped (pid ${pid})`);
        }
        fs.rmSync(pidFile, { force: true });
      }),
    );
  }
  const state = readUpState(ctx);
  if (state.kafka?.startedByUp) {
    await stopKafka({ ...kafkaSettingsFromEnv({ ...ctx.env, KAFKA_BROKERS: state.kafka.brokers.join(',') }), home: ctx.home });
    progress('kafka', 'stopped');
  }
  if (state.postgres?.startedByUp) {
    if (await stopEmbeddedPostgres(ctx.home)) progress('postgres', 'stopped embedded');
  }
  fs.rmSync(stateFile(ctx), { force: true });
}

