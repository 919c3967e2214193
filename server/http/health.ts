/** `/healthz`: the process is alive. `/readyz`: store and bus reachable and not draining. */
import type { Route } from './router.js';
import { sendJson } from './router.js';
import type { Store } from '../store/types.js';
import type { Bus } from '../bus/types.js';

export function healthRoutes(store: Store, bus: Bus, isDraining: () => boolean): Route[] {
  return [
    { method: 'GET', path: '/healthz', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        const storeOk = await store.ping().then(() => true, () => false);
        const busOk = bus.healthy;
        const draining = isDraining();
        const ok = storeOk && busOk && !draining;
        sendJson(res, ok ? 200 : 503, { ok, store: storeOk, bus: busOk, draining });
      },
    },
  ];
}
