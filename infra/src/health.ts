/** Result of GET /health/ready: ready, or why not (the body names what is down). */
export interface Readiness {
  ready: boolean;
  detail: string;
}

export async function checkReady(baseUrl: string, timeoutMs = 2000): Promise<Readiness> {
  try {
    const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return { ready: response.ok, detail: response.ok ? 'ready' : summarise(body) || `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ready: false, detail: cause === 'ECONNREFUSED' ? 'not listening' : (error as Error).message };
  }
}

/** Terminus answers {status, info, error, details}; name the failing checks. */
function summarise(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: Record<string, unknown> };
    const down = Object.keys(parsed.error ?? {});
    if (down.length) return `down: ${down.join(', ')}`;
  } catch {
    /* not JSON */
  }
  return body.slice(0, 120);
}
